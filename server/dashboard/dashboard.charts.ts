// Pure: the summary's SQL aggregates → the datasets the charts draw. All chart shaping lives here.
import { formatUsdCompact, formatUsdExact, toBillions } from '../lib/amounts.ts';
import { formatPartialDate, startOf } from '../lib/dates.ts';
import type { PoliticalEvent } from '../events/event.model.ts';
import type { Summary, TimelineRow } from './dashboard.summary.ts';
import { leverLabel } from '../pledges/pledges.view.ts';

export interface ChartData {
  amounts: {
    /** Two lines each: pledger, then project. */
    labels: string[][];
    /** The full names, for tooltips and the chart's data download. */
    names: string[];
    /** null for the "all others" bar. */
    ids: (number | null)[];
    /** Billions of dollars, for drawing. */
    us: (number | null)[];
    nonUs: (number | null)[];
    unknownShare: (number | null)[];
    /** What a tooltip says: "$80B ($80,000,000,000)". */
    totals: string[];
    /**
     * Where the amount axis ends (billions) when the "all others" bar would flatten every other bar (more than
     * OTHERS_CUT times the largest pledge): that bar is then cut at the axis's end, and its label says so and
     * gives its total. null: the axis fits every bar.
     */
    axisMax: number | null;
    leftOut: number;
  };
  usShare: {
    labels: string[][];
    names: string[];
    usPct: number[];
    nonUsPct: number[];
    inferred: boolean[];
    leftOut: number;
  };
  timeline: {
    /** r: the point's radius, growing with the square root of the amount (area ∝ amount). */
    points: { x: number; y: number; r: number; label: string; amount: string; disclosed: boolean; date: string }[];
    /** One marker per date; events of the same day share it, one line each. */
    events: { x: number; date: string; lines: string[] }[];
    undisclosed: number;
  };
  levers: {
    labels: string[];
    amounts: number[];
    totals: string[];
    counts: number[];
    undisclosed: number[];
  };
  perYear: {
    labels: string[][];
    names: string[];
    ids: number[];
    /** Billions of dollars a year, for drawing. */
    values: number[];
    totals: string[];
    inferred: boolean[];
    noHorizon: number;
    leftOut: number;
  };
}


function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function fullName(pledger: string, project: string): string {
  return project ? `${pledger}: ${project}` : pledger;
}

function pledgeLabel(pledger: string, project: string): string {
  return truncate(fullName(pledger, project), 60);
}

/** An axis label short enough to stay readable beside a bar. */
function barLabel(pledger: string, project: string): string[] {
  return project ? [truncate(pledger, 34), truncate(project, 34)] : [truncate(pledger, 34)];
}

function eventMarkers(events: PoliticalEvent[]): ChartData['timeline']['events'] {
  const byDate = new Map<string, PoliticalEvent[]>();
  for (const event of events) byDate.set(event.occurred_on, [...(byDate.get(event.occurred_on) ?? []), event]);
  return [...byDate].map(([date, sameDay]) => ({
    x: startOf(date),
    date: formatPartialDate(date),
    lines: sameDay.map((event) => truncate(event.title, 40)),
  }));
}

function describe(amount: number): string {
  return `${formatUsdCompact(amount)} (${formatUsdExact(amount)})`;
}

function othersLabel(count: number): string[] {
  return ['All others', `${count.toLocaleString('en-US')} ${count === 1 ? 'pledge' : 'pledges'}`];
}

/** The "all others" bar is cut when it is more than this many times the largest pledge drawn. */
export const OTHERS_CUT = 4;

export function shapeCharts(summary: Summary, events: PoliticalEvent[]): ChartData {
  const { totals, by_pledge: byPledge, others, by_per_year: byPerYear, timeline, by_lever: byLever } = summary;
  const known = byPledge.filter((row) => row.us_amount_usd !== null);
  const largest = Math.max(1, ...timeline.map((row) => row.amount_usd ?? 0));
  const radius = (amount: number | null) => (amount === null ? 5 : 4 + 14 * Math.sqrt(amount / largest));
  const withOthers = others.pledge_count > 0;
  const othersName = `All others (${others.pledge_count.toLocaleString('en-US')} pledges)`;
  const withHorizon = totals.disclosed_count - summary.no_horizon_count;
  const othersShare = others.share_base_usd > 0 ? (100 * others.us_amount_usd) / others.share_base_usd : null;
  const top = Math.max(0, ...byPledge.map((row) => row.amount_usd));
  const cut = withOthers && top > 0 && others.amount_usd > OTHERS_CUT * top;
  return {
    amounts: {
      labels: [
        ...byPledge.map((row) => barLabel(row.pledger, row.project)),
        ...(withOthers ? [[...othersLabel(others.pledge_count), ...(cut ? [`${formatUsdCompact(others.amount_usd)}, bar cut`] : [])]] : []),
      ],
      names: [...byPledge.map((row) => fullName(row.pledger, row.project)), ...(withOthers ? [othersName] : [])],
      ids: [...byPledge.map((row) => row.id), ...(withOthers ? [null] : [])],
      us: [
        ...byPledge.map((row) => (row.us_amount_usd === null ? null : toBillions(row.us_amount_usd))),
        ...(withOthers ? [toBillions(others.us_amount_usd)] : []),
      ],
      nonUs: [
        ...byPledge.map((row) => (row.us_amount_usd === null ? null : toBillions(row.amount_usd - row.us_amount_usd))),
        ...(withOthers ? [toBillions(others.share_base_usd - others.us_amount_usd)] : []),
      ],
      unknownShare: [
        ...byPledge.map((row) => (row.us_amount_usd === null ? toBillions(row.amount_usd) : null)),
        ...(withOthers ? [toBillions(others.amount_usd - others.share_base_usd)] : []),
      ],
      totals: [...byPledge.map((row) => describe(row.amount_usd)), ...(withOthers ? [describe(others.amount_usd)] : [])],
      axisMax: cut ? toBillions(top) * 1.25 : null,
      leftOut: totals.undisclosed_count,
    },
    usShare: {
      labels: [['All pledges'], ...known.map((row) => barLabel(row.pledger, row.project)), ...(othersShare !== null ? [othersLabel(others.pledge_count)] : [])],
      names: ['All pledges', ...known.map((row) => fullName(row.pledger, row.project)), ...(othersShare !== null ? [othersName] : [])],
      usPct: [totals.us_share_pct ?? 0, ...known.map((row) => row.us_share_pct ?? 0), ...(othersShare !== null ? [othersShare] : [])],
      nonUsPct: [
        100 - (totals.us_share_pct ?? 0),
        ...known.map((row) => 100 - (row.us_share_pct ?? 0)),
        ...(othersShare !== null ? [100 - othersShare] : []),
      ],
      inferred: [false, ...known.map((row) => row.us_share_basis === 'inferred'), ...(othersShare !== null ? [false] : [])],
      leftOut: totals.undisclosed_count + totals.unknown_share_count,
    },
    timeline: {
      points: timeline.map((row) => ({
        x: startOf(row.announced_on),
        y: toBillions(row.cumulative_usd),
        r: radius(row.amount_usd),
        label: row.pledge_count === 1 ? pledgeLabel(row.pledger, row.project) : `${row.pledge_count.toLocaleString('en-US')} pledges`,
        amount: row.amount_usd === null ? 'Undisclosed amount' : describe(row.amount_usd),
        disclosed: row.amount_usd !== null,
        date: formatPartialDate(row.announced_on),
      })),
      events: eventMarkers(events),
      undisclosed: totals.undisclosed_count,
    },
    levers: {
      labels: byLever.map((row) => leverLabel(row.lever)),
      amounts: byLever.map((row) => toBillions(row.amount_usd)),
      totals: byLever.map((row) => describe(row.amount_usd)),
      counts: byLever.map((row) => row.pledge_count),
      undisclosed: byLever.map((row) => row.undisclosed_count),
    },
    perYear: {
      labels: byPerYear.map((row) => barLabel(row.pledger, row.project)),
      names: byPerYear.map((row) => fullName(row.pledger, row.project)),
      ids: byPerYear.map((row) => row.id),
      values: byPerYear.map((row) => toBillions(row.per_year_usd!)),
      totals: byPerYear.map((row) => `${describe(row.per_year_usd!)} a year`),
      inferred: byPerYear.map((row) => row.us_share_basis === 'inferred'),
      noHorizon: summary.no_horizon_count,
      leftOut: totals.undisclosed_count + summary.no_horizon_count + (withHorizon - byPerYear.length),
    },
  };
}

export const CHART_NAMES = ['amounts', 'us-share', 'timeline', 'levers', 'per-year'] as const;
export type ChartName = (typeof CHART_NAMES)[number];

/** Exactly the numbers a chart draws, as rows for its "download data" CSV. */
export function chartRows(charts: ChartData, name: ChartName): (string | number | null)[][] {
  switch (name) {
    case 'amounts':
      return [
        ['pledge_id', 'pledge', 'us_billion_usd', 'non_us_billion_usd', 'unknown_share_billion_usd'],
        ...charts.amounts.ids.map((id, i) => [id, charts.amounts.names[i], charts.amounts.us[i], charts.amounts.nonUs[i], charts.amounts.unknownShare[i]]),
      ];
    case 'us-share':
      return [
        ['pledge', 'us_pct', 'non_us_pct', 'basis'],
        ...charts.usShare.names.map((name, i) => [
          name,
          charts.usShare.usPct[i],
          charts.usShare.nonUsPct[i],
          i === 0 ? 'computed' : charts.usShare.inferred[i] ? 'inferred' : 'stated',
        ]),
      ];
    case 'timeline':
      return [
        ['date', 'kind', 'what', 'cumulative_billion_usd'],
        ...charts.timeline.points.map((point) => [point.date, 'pledge', `${point.label} (${point.amount})`, point.y]),
        ...charts.timeline.events.map((event) => [event.date, 'event', event.lines.join('; '), null]),
      ];
    case 'levers':
      return [
        ['lever', 'pledges', 'undisclosed', 'billion_usd'],
        ...charts.levers.labels.map((lever, i) => [lever, charts.levers.counts[i], charts.levers.undisclosed[i], charts.levers.amounts[i]]),
      ];
    case 'per-year':
      return [
        ['pledge_id', 'pledge', 'billion_usd_per_year'],
        ...charts.perYear.ids.map((id, i) => [id, charts.perYear.names[i], charts.perYear.values[i]]),
      ];
  }
}

export type TimelineEntry =
  | { kind: 'event'; on: string; event: PoliticalEvent }
  | { kind: 'pledge'; on: string; pledge: TimelineRow };

/** Pledges and events in one dated list for the timeline's table; on the same date the event comes first. */
export function timelineEntries(pledges: TimelineRow[], events: PoliticalEvent[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...events.map((event) => ({ kind: 'event' as const, on: event.occurred_on, event })),
    ...pledges.map((pledge) => ({ kind: 'pledge' as const, on: pledge.announced_on, pledge })),
  ];
  // A stable sort keeps events before pledges, and each in its own (date, id) order, within a date.
  return entries.sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
}
