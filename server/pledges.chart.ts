// Pure: the summary's SQL aggregates → the datasets the charts draw. All chart shaping lives here.
import { formatUsdCompact, formatUsdExact, toBillions } from './amounts.ts';
import { formatPartialDate, startOf } from './dates.ts';
import type { PoliticalEvent } from './events.repository.ts';
import type { Summary, TimelineRow } from './pledges.repository.ts';
import { leverLabel } from './views.ts';

export interface ChartData {
  amounts: {
    /** Two lines each: pledger, then project. */
    labels: string[][];
    ids: number[];
    /** Billions of dollars, for drawing. */
    us: (number | null)[];
    nonUs: (number | null)[];
    unknownShare: (number | null)[];
    /** What a tooltip says: "$80B ($80,000,000,000)". */
    totals: string[];
    leftOut: number;
  };
  usShare: {
    labels: string[][];
    usPct: number[];
    nonUsPct: number[];
    inferred: boolean[];
    leftOut: number;
  };
  timeline: {
    points: { x: number; y: number; label: string; amount: string; disclosed: boolean; date: string }[];
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
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function pledgeLabel(pledger: string, project: string): string {
  return truncate(project ? `${pledger}: ${project}` : pledger, 60);
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

export function shapeCharts(summary: Summary, events: PoliticalEvent[]): ChartData {
  const { totals, by_pledge: byPledge, timeline, by_lever: byLever } = summary;
  const known = byPledge.filter((row) => row.us_amount_usd !== null);
  return {
    amounts: {
      labels: byPledge.map((row) => barLabel(row.pledger, row.project)),
      ids: byPledge.map((row) => row.id),
      us: byPledge.map((row) => (row.us_amount_usd === null ? null : toBillions(row.us_amount_usd))),
      nonUs: byPledge.map((row) =>
        row.us_amount_usd === null ? null : toBillions(row.amount_usd - row.us_amount_usd),
      ),
      unknownShare: byPledge.map((row) => (row.us_amount_usd === null ? toBillions(row.amount_usd) : null)),
      totals: byPledge.map((row) => describe(row.amount_usd)),
      leftOut: totals.undisclosed_count,
    },
    usShare: {
      labels: [['All pledges'], ...known.map((row) => barLabel(row.pledger, row.project))],
      usPct: [totals.us_share_pct ?? 0, ...known.map((row) => row.us_share_pct ?? 0)],
      nonUsPct: [100 - (totals.us_share_pct ?? 0), ...known.map((row) => 100 - (row.us_share_pct ?? 0))],
      inferred: [false, ...known.map((row) => row.us_share_basis === 'inferred')],
      leftOut: totals.undisclosed_count + totals.unknown_share_count,
    },
    timeline: {
      points: timeline.map((row) => ({
        x: startOf(row.announced_on),
        y: toBillions(row.cumulative_usd),
        label: pledgeLabel(row.pledger, row.project),
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
  };
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
