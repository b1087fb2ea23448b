// Pure: the summary's SQL aggregates → the datasets the charts draw. All chart shaping lives here.
import { toBillions } from '../lib/amounts.ts';
import { startOf } from '../lib/dates.ts';
import type { ConcessionRow, PoliticalEvent } from '../events/event.model.ts';
import type { Summary, TimelineRow } from './dashboard.summary.ts';
import { wordsOf, type Words } from '../pledges/pledges.view.ts';
import { queryString, type PledgeFilter } from '../pledges/pledges.filter.ts';
import type { UnknownKind, Waterfall } from './dashboard.waterfall.ts';
import { HttpError } from '../platform/errors.ts';

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
    /** One marker per date; events of the same day share it, one line each. Concessions are drawn apart. */
    events: { x: number; date: string; lines: string[] }[];
    /**
     * One per concession and pledge it answered: a marker at the concession's date (x), at the height of the pledge's
     * point (y), joined to that point (px) so that which came first shows. At most MAX_CONCESSION_JOINS.
     */
    concessions: { x: number; px: number; y: number; date: string; line: string }[];
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

function eventMarkers(events: PoliticalEvent[], words: Words): ChartData['timeline']['events'] {
  const byDate = new Map<string, PoliticalEvent[]>();
  for (const event of events) if (event.kind !== 'concession') byDate.set(event.occurred_on, [...(byDate.get(event.occurred_on) ?? []), event]);
  return [...byDate].map(([date, sameDay]) => ({
    x: startOf(date),
    date: words.date(date),
    lines: sameDay.map((event) => truncate(event.title, 40)),
  }));
}

/** The joins the timeline draws at most: the chart's JSON stays small; /concessions lists every one. */
export const MAX_CONCESSION_JOINS = 100;

/**
 * Each concession joined to its pledge's point: the point of the pledge's date, or of the month or year holding it.
 * Joins that would be drawn alike (one concession to two pledges of one pledger on one point) are drawn once.
 */
function concessionJoins(points: ChartData['timeline']['points'], pairs: ConcessionRow[], words: Words): ChartData['timeline']['concessions'] {
  const joins = new Map<string, ChartData['timeline']['concessions'][number]>();
  for (const pair of pairs) {
    if (joins.size === MAX_CONCESSION_JOINS) break;
    const px = startOf(pair.announced_on);
    const point = points.findLast((p) => p.x <= px);
    if (!point) continue;
    const join = { x: startOf(pair.occurred_on), px: point.x, y: point.y, date: words.date(pair.occurred_on), line: truncate(`${pair.pledger}: ${pair.concession}`, 80) };
    const key = `${join.x} ${join.px} ${join.line}`;
    if (!joins.has(key)) joins.set(key, join);
  }
  return [...joins.values()];
}

/** What a tooltip says of an amount: "$80B ($80,000,000,000)", in the words' language. */
function describe(amount: number, words: Words): string {
  return `${words.usd(amount)} (${words.usdExact(amount)})`;
}

function othersLabel(count: number, words: Words): string[] {
  return [words.t('charts.data.allOthers'), words.t('charts.data.pledges', { count, n: words.count(count) })];
}

/** The "all others" bar is cut when it is more than this many times the largest pledge drawn. */
export const OTHERS_CUT = 4;

/**
 * The charts' data, their words (labels, tooltips' amounts and dates) in the language of `words`: English unless
 * they say, as the charts' CSVs always are.
 */
export function shapeCharts(summary: Summary, events: PoliticalEvent[], concessions: ConcessionRow[] = [], words: Words = wordsOf('en')): ChartData {
  const { totals, by_pledge: byPledge, others, by_per_year: byPerYear, timeline, by_lever: byLever } = summary;
  const known = byPledge.filter((row) => row.us_amount_usd !== null);
  const largest = Math.max(1, ...timeline.map((row) => row.amount_usd ?? 0));
  // To a hundredth of a pixel: the page's JSON carries no digits a drawing cannot show.
  const radius = (amount: number | null) => (amount === null ? 5 : Math.round((4 + 14 * Math.sqrt(amount / largest)) * 100) / 100);
  const withOthers = others.pledge_count > 0;
  const othersName = words.t('charts.allOthers', { n: words.count(others.pledge_count) });
  const allPledges = words.t('charts.data.allPledges');
  const withHorizon = totals.disclosed_count - summary.no_horizon_count;
  const othersShare = others.share_base_usd > 0 ? (100 * others.us_amount_usd) / others.share_base_usd : null;
  const top = Math.max(0, ...byPledge.map((row) => row.amount_usd));
  const cut = withOthers && top > 0 && others.amount_usd > OTHERS_CUT * top;
  const timelinePoints = timeline.map((row) => ({
    x: startOf(row.announced_on),
    y: toBillions(row.cumulative_usd),
    r: radius(row.amount_usd),
    label: row.pledge_count === 1 ? pledgeLabel(row.pledger, row.project) : words.t('charts.data.pledges', { count: row.pledge_count, n: words.count(row.pledge_count) }),
    amount: row.amount_usd === null ? words.t('charts.data.undisclosed') : describe(row.amount_usd, words),
    disclosed: row.amount_usd !== null,
    date: words.date(row.announced_on),
  }));
  return {
    amounts: {
      labels: [
        ...byPledge.map((row) => barLabel(row.pledger, row.project)),
        ...(withOthers ? [[...othersLabel(others.pledge_count, words), ...(cut ? [words.t('charts.data.barCut', { amount: words.usd(others.amount_usd) })] : [])]] : []),
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
      totals: [...byPledge.map((row) => describe(row.amount_usd, words)), ...(withOthers ? [describe(others.amount_usd, words)] : [])],
      axisMax: cut ? toBillions(top) * 1.25 : null,
      leftOut: totals.undisclosed_count,
    },
    usShare: {
      labels: [[allPledges], ...known.map((row) => barLabel(row.pledger, row.project)), ...(othersShare !== null ? [othersLabel(others.pledge_count, words)] : [])],
      names: [allPledges, ...known.map((row) => fullName(row.pledger, row.project)), ...(othersShare !== null ? [othersName] : [])],
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
      points: timelinePoints,
      events: eventMarkers(events, words),
      concessions: concessionJoins(timelinePoints, concessions, words),
      undisclosed: totals.undisclosed_count,
    },
    levers: {
      labels: byLever.map((row) => words.leverLabel(row.lever)),
      amounts: byLever.map((row) => toBillions(row.amount_usd)),
      totals: byLever.map((row) => describe(row.amount_usd, words)),
      counts: byLever.map((row) => row.pledge_count),
      undisclosed: byLever.map((row) => row.undisclosed_count),
    },
    perYear: {
      labels: byPerYear.map((row) => barLabel(row.pledger, row.project)),
      names: byPerYear.map((row) => fullName(row.pledger, row.project)),
      ids: byPerYear.map((row) => row.id),
      values: byPerYear.map((row) => toBillions(row.per_year_usd!)),
      totals: byPerYear.map((row) => words.t('charts.data.perYear', { amount: describe(row.per_year_usd!, words) })),
      inferred: byPerYear.map((row) => row.us_share_basis === 'inferred'),
      noHorizon: summary.no_horizon_count,
      leftOut: totals.undisclosed_count + summary.no_horizon_count + (withHorizon - byPerYear.length),
    },
  };
}

export interface WaterfallChart {
  /** 'announced', each step, 'new_us_investment'. */
  codes: string[];
  labels: string[];
  /** Where each bar starts and ends, in billions of dollars. */
  bars: [number, number][];
  /** The whole dollars each bar stands for, and what is left after it. */
  usd: number[];
  remaining: number[];
  /** What a tooltip says: "$80B ($80,000,000,000)". */
  totals: string[];
  /** The pledges behind each bar: what its link lists (none counted for new US investment). */
  counts: (number | null)[];
  /** What a step could not take for want of a figure: "and 3 overlaps of unknown size". */
  notes: string[];
  /** The table of each bar's pledges. */
  links: string[];
  upperBound: boolean;
  undisclosed: number;
}

/** "and 3 overlaps of unknown size" (charts.data.unknown), or '' when the step counted no unknown. */
export function unknownNote(unknown: Partial<Record<UnknownKind, number>>, words: Words = wordsOf('en')): string {
  const parts = (Object.entries(unknown) as [UnknownKind, number][])
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => words.t(`charts.data.unknown.${kind}`, { count, n: words.count(count) }));
  return parts.length === 0 ? '' : words.t('charts.data.and', { parts: parts.join(words.t('charts.data.andJoin')) });
}

/** The waterfall as floating bars: announced, each step taken off what the one before left, new US investment. */
export function shapeWaterfall(waterfall: Waterfall, filter: PledgeFilter, words: Words = wordsOf('en')): WaterfallChart {
  const result = `${words.t('headline.newUs')}${waterfall.upper_bound ? words.t('headline.upperBound') : ''}`;
  const table = (step: string | null) => `/pledges${queryString({ ...filter, step: null }, { step })}`;
  const rows: { code: string; label: string; from: number; to: number; usd: number; count: number | null; note: string; link: string }[] = [
    { code: 'announced', label: words.t('headline.announced'), from: 0, to: waterfall.announced_usd, usd: waterfall.announced_usd, count: waterfall.disclosed_count, note: '', link: table(null) },
    ...waterfall.steps.map((step) => ({
      code: step.step,
      label: words.STEP_LABELS[step.step],
      from: step.remaining_usd,
      to: step.remaining_usd + step.deducted_usd,
      usd: step.deducted_usd,
      count: step.pledge_count,
      note: unknownNote(step.unknown, words),
      link: table(step.step),
    })),
    { code: 'new_us_investment', label: result, from: 0, to: waterfall.new_us_usd, usd: waterfall.new_us_usd, count: null, note: '', link: table(null) },
  ];
  return {
    codes: rows.map((row) => row.code),
    labels: rows.map((row) => row.label),
    bars: rows.map((row) => [toBillions(row.from), toBillions(row.to)]),
    usd: rows.map((row) => row.usd),
    remaining: rows.map((row) => row.from),
    totals: rows.map((row) => describe(row.usd, words)),
    counts: rows.map((row) => row.count),
    notes: rows.map((row) => row.note),
    links: rows.map((row) => row.link),
    upperBound: waterfall.upper_bound,
    undisclosed: waterfall.undisclosed_count,
  };
}

/** What the dashboard embeds: every chart's data. */
export type DashboardCharts = ChartData & { waterfall: WaterfallChart };

export const CHART_NAMES = ['waterfall', 'amounts', 'us-share', 'timeline', 'levers', 'per-year'] as const;
export type ChartName = (typeof CHART_NAMES)[number];

/** A chart's name from a URL, or a 404 that says which names there are. */
export function chartName(name: string): ChartName {
  if ((CHART_NAMES as readonly string[]).includes(name)) return name as ChartName;
  throw new HttpError(404, `There is no chart called "${name}". The charts are ${CHART_NAMES.join(', ')}.`);
}

/** Exactly the numbers a chart draws, as rows for its "download data" CSV. */
export function chartRows(charts: DashboardCharts, name: ChartName): (string | number | null)[][] {
  switch (name) {
    case 'waterfall':
      // Whole dollars, not the billions the bars are drawn in: the waterfall's figures are exact.
      return [
        ['step', 'what', 'usd', 'left_after_usd', 'pledges', 'unknown'],
        ...charts.waterfall.codes.map((code, i) => {
          const w = charts.waterfall;
          return [code, w.labels[i], w.usd[i], code === 'announced' || code === 'new_us_investment' ? w.usd[i] : w.remaining[i], w.counts[i], w.notes[i].replace(/^\S+ /, '')];
        }),
      ];
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
        ...charts.timeline.concessions.map((join) => [join.date, 'concession', join.line, join.y]),
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
