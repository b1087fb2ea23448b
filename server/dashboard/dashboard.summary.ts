// The dashboard's figures for a filter: totals, the largest pledges, the timeline, the levers.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import { datedBy, EMPTY_FILTER, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { OVERDUE_INDEX, overdueByIndex, PER_YEAR, US_AMOUNT, whereClause } from '../pledges/pledges.sql.ts';
import { ROW_STEPS } from '../pledges/pledges.waterfall.sql.ts';
import type { Lever } from '../pledges/pledge.model.ts';
import { cubeOf } from './dashboard.cube.ts';
import { unmatchedField, type CubeGroup } from './dashboard.groups.ts';
import { overdueTotals, type OverdueTotals } from './dashboard.facets.ts';
import { FACET_FIELDS } from '../pledges/pledge.model.ts';

export interface Totals {
  pledge_count: number;
  disclosed_count: number;
  undisclosed_count: number;
  unknown_share_count: number;
  pledged_usd: number;
  /** The sum of the amounts whose US share is known: the base of the overall US share. */
  share_base_usd: number;
  us_usd: number;
  us_share_pct: number | null;
  /** How many of the view's pledges are overdue on its reference date (filter.on). */
  overdue_count: number;
}

export interface PledgeAmountRow {
  id: number;
  pledger: string;
  project: string;
  amount_usd: number;
  us_share_pct: number | null;
  us_share_basis: 'stated' | 'inferred' | null;
  us_amount_usd: number | null;
  per_year_usd: number | null;
}

/** The pledges announced on one date: named when there is one, counted when there are several. */
export interface TimelineRow {
  id: number;
  pledger: string;
  project: string;
  pledge_count: number;
  announced_on: string;
  /** The sum of the disclosed amounts of the date; null when none was disclosed. */
  amount_usd: number | null;
  cumulative_usd: number;
}

export interface LeverRow {
  lever: Lever | null;
  pledge_count: number;
  undisclosed_count: number;
  amount_usd: number;
  us_amount_usd: number;
}

export interface Summary {
  totals: Totals;
  /** The largest disclosed pledges (at most MAX_BARS), largest first. */
  by_pledge: PledgeAmountRow[];
  /** Every other disclosed pledge, summed: the "all others" bar. */
  others: { pledge_count: number; amount_usd: number; us_amount_usd: number; share_base_usd: number };
  /** The largest amounts per year (at most MAX_BARS), and how many disclosed pledges have no horizon. */
  by_per_year: PledgeAmountRow[];
  no_horizon_count: number;
  /** One row per announcement date (or month, or year: see timeline_grouping), with the running total. */
  timeline: TimelineRow[];
  timeline_grouping: TimelineGrouping;
  by_lever: LeverRow[];
}

/** Per-pledge charts draw this many bars, then one for all the others. */
export const MAX_BARS = 20;

/** The ids of a view's largest disclosed pledges and largest amounts per year (at most MAX_BARS each), in order. */
export interface Ranked {
  by_amount: number[];
  by_per_year: number[];
}

/** How many pledges of an ordered index summarize checks, in turn, before sorting what the filter matches. */
const RANKING_HEADS = [256, 4096];

/** groups: the grouped pass of the filter (cubeOf); overdue: the view's overdue pledges (overdueTotals). */
export function summarize(
  db: Db,
  filter: PledgeFilter = EMPTY_FILTER,
  groups: CubeGroup[] = cubeOf(db, filter),
  overdue: OverdueTotals = overdueTotals(db, filter),
  byDates: TimelineRow[] = timelineByDate(db, filter),
  rankedIds?: Ranked,
): Summary {
  const totals: Omit<Totals, 'us_share_pct' | 'overdue_count'> = {
    pledge_count: 0,
    disclosed_count: 0,
    undisclosed_count: 0,
    unknown_share_count: 0,
    pledged_usd: 0,
    share_base_usd: 0,
    us_usd: 0,
  };
  let noHorizon = 0;
  const levers = new Map<Lever | null, LeverRow>();
  for (const group of groups) {
    if (unmatchedField(group, filter) !== null) continue;
    totals.pledge_count += group.pledge_count;
    totals.disclosed_count += group.disclosed_count;
    totals.unknown_share_count += group.disclosed_count - group.known_share_count;
    totals.pledged_usd += group.amount_usd;
    totals.share_base_usd += group.share_base_usd;
    totals.us_usd += group.us_usd;
    noHorizon += group.no_horizon_count;
    const lever = group.lever === 'none' ? null : (group.lever as Lever);
    const row = levers.get(lever) ?? { lever, pledge_count: 0, undisclosed_count: 0, amount_usd: 0, us_amount_usd: 0 };
    row.pledge_count += group.pledge_count;
    row.undisclosed_count += group.pledge_count - group.disclosed_count;
    row.amount_usd += group.amount_usd;
    row.us_amount_usd += group.us_usd;
    levers.set(lever, row);
  }
  totals.undisclosed_count = totals.pledge_count - totals.disclosed_count;
  // Largest amount first, then most pledges; no lever after the named ones, which go alphabetically.
  const byLever = [...levers.values()].sort(
    (a, b) =>
      b.amount_usd - a.amount_usd ||
      b.pledge_count - a.pledge_count ||
      Number(a.lever === null) - Number(b.lever === null) ||
      ((a.lever ?? '') < (b.lever ?? '') ? -1 : 1),
  );
  const index = summaryIndex(filter);
  const source = `pledges p ${index ? `INDEXED BY ${index}` : ''}`;
  const amountColumns = `id, pledger, project, amount_usd, us_share_pct, us_share_basis, ${US_AMOUNT} AS us_amount_usd,
              ${PER_YEAR} AS per_year_usd`;
  // The ranking reads only what an index holds (id, amount, horizon); the few winners are then read whole.
  // First the head of an index already in the ranking's order is checked against the filter, a few hundred
  // pledges, then a few thousand: when enough of them match, they are the top (nothing further down can rank
  // higher), and a filter matching a tenth of a million pledges is not sorted whole. A narrow filter, or one
  // whose pledges rank low (a maximum amount), falls through to sorting what it matches.
  // The head leads: each of its pledges is looked up among a search's matches (keptIdsIn's probe).
  const headWhere = whereClause(filter, db, true);
  // Rankings the pass read already (the packed facts') are only read whole.
  const ranked = (order: string, walk: { index: string; order: string; where?: string; params?: unknown[] }, extra = '', known?: number[]) => {
    const readWhole = statement(db, `SELECT ${amountColumns} FROM pledges p WHERE id = ?`);
    if (known) return known.map((id) => readWhole.get(id) as PledgeAmountRow);
    let ids: [number][] = [];
    for (const head of RANKING_HEADS) {
      ids = statement(
        db,
        `SELECT p.id, ${PER_YEAR} AS per_year_usd
           FROM (SELECT p.id FROM pledges p INDEXED BY ${walk.index} WHERE p.amount_usd IS NOT NULL ${walk.where ?? ''}
                  ORDER BY ${walk.order} LIMIT ?) AS head
           CROSS JOIN pledges p ON p.id = head.id
           ${headWhere.sql ? `${headWhere.sql} AND` : 'WHERE'} p.amount_usd IS NOT NULL ${extra} ORDER BY ${order} LIMIT ?`,
      ).raw().all(...(walk.params ?? []), head, ...headWhere.params, MAX_BARS) as [number][];
      if (ids.length === MAX_BARS) break;
    }
    if (ids.length < MAX_BARS) {
      // Built here, not before: a search's statement that reads every match needs them kept as a table too.
      const where = whereClause(filter, db);
      const disclosed = `FROM ${source} ${where.sql ? `${where.sql} AND` : 'WHERE'} amount_usd IS NOT NULL`;
      ids = db.prepare(`SELECT id, ${PER_YEAR} AS per_year_usd ${disclosed} ${extra} ORDER BY ${order} LIMIT ?`).raw().all(...where.params, MAX_BARS) as [number][];
    }
    return ids.map(([id]) => readWhole.get(id) as PledgeAmountRow);
  };
  // An amount range is walked from its top, in the amount index (SQLite sorts only pledges of equal amounts by
  // id as it goes): the head of the range, not of all pledges, whose largest a maximum leaves out; otherwise a
  // maximum sorts every pledge under it.
  const range = [
    ...(filter.min !== null ? [{ sql: 'AND p.amount_usd >= ?', param: filter.min }] : []),
    ...(filter.max !== null ? [{ sql: 'AND p.amount_usd <= ?', param: filter.max }] : []),
  ];
  const byPledge = ranked(
    'p.amount_usd DESC, p.id ASC',
    range.length > 0
      ? { index: 'pledges_amount_idx', order: 'p.amount_usd DESC, p.id', where: range.map((term) => term.sql).join(' '), params: range.map((term) => term.param) }
      : { index: 'pledges_default_order_idx', order: '(p.amount_usd IS NULL), p.amount_usd DESC, p.id' },
    '',
    rankedIds?.by_amount,
  );
  const byPerYear = ranked(
    'per_year_usd DESC, p.id ASC',
    { index: 'pledges_per_year_idx', order: `${PER_YEAR} DESC, p.id` },
    `AND ${PER_YEAR} IS NOT NULL`,
    rankedIds?.by_per_year,
  );
  const { rows: timeline, grouping: timelineGrouping } = coarsenTimeline(byDates.map((row) => ({ ...row })));
  const nameOf = statement(db, 'SELECT pledger, project FROM pledges WHERE id = ?');
  for (const row of timeline) {
    if (row.pledge_count === 1) Object.assign(row, nameOf.get(row.id));
  }
  const us_share_pct = totals.share_base_usd > 0 ? (100 * totals.us_usd) / totals.share_base_usd : null;
  const sum = (rows: PledgeAmountRow[], value: (row: PledgeAmountRow) => number) => rows.reduce((total, row) => total + value(row), 0);
  const others = {
    pledge_count: totals.disclosed_count - byPledge.length,
    amount_usd: totals.pledged_usd - sum(byPledge, (row) => row.amount_usd),
    us_amount_usd: totals.us_usd - sum(byPledge, (row) => row.us_amount_usd ?? 0),
    share_base_usd: totals.share_base_usd - sum(byPledge, (row) => (row.us_share_pct === null ? 0 : row.amount_usd)),
  };
  return {
    totals: { ...totals, us_share_pct, overdue_count: overdue.pledge_count },
    by_pledge: byPledge,
    others,
    by_per_year: byPerYear,
    no_horizon_count: noHorizon,
    timeline,
    timeline_grouping: timelineGrouping,
    by_lever: byLever,
  };
}

/**
 * The timeline's points, one per announcement date, with the running total: its own statement (the filter's pledges
 * grouped by date), or, for a view of every pledge as of a day, the points of every pledge up to that day (the
 * running total of a prefix is the prefix of the running total), which the caller keeps (dashboard.reads.ts).
 */
export function timelineByDate(db: Db, filter: PledgeFilter): TimelineRow[] {
  const where = whereClause(filter, db);
  // Dates and amounts only, so that an index holding both serves it; names are looked up afterwards (summarize), and
  // only for the dates that have a single pledge and are drawn one by one.
  const index = summaryIndex(filter);
  return db
    .prepare(
      `SELECT min(id) AS id, '' AS pledger, '' AS project, count(*) AS pledge_count, announced_on,
              sum(amount_usd) AS amount_usd,
              sum(coalesce(sum(amount_usd), 0)) OVER (ORDER BY announced_on ROWS UNBOUNDED PRECEDING) AS cumulative_usd
         FROM pledges p ${index ? `INDEXED BY ${index}` : ''} ${where.sql} GROUP BY announced_on ORDER BY announced_on`,
    )
    .all(...where.params) as TimelineRow[];
}

/**
 * The points of the pledges announced from `from` until `to` (either may be null; as the filter reads them), from
 * those of every pledge (timelineByDate without a filter): a point is one date, wholly in the range or wholly out,
 * and the running total starts again at the range's first date.
 */
export function timelineBetween(everyDate: TimelineRow[], from: string | null, to: string | null): TimelineRow[] {
  const bound = to === null ? null : datedBy(to);
  let running = 0;
  return everyDate
    .filter((row) => (from === null || row.announced_on >= from) && (bound === null || row.announced_on < bound))
    .map((row) => ({ ...row, cumulative_usd: (running += row.amount_usd ?? 0) }));
}

/** The points of every pledge up to a day, from those of every pledge (timelineByDate without a filter). */
export function timelineUpTo(everyDate: TimelineRow[], asOf: string): TimelineRow[] {
  const bound = datedBy(asOf);
  return everyDate.filter((row) => row.announced_on < bound);
}

/**
 * The index the summary's statements read: one that holds every column they read, so that no table row is read.
 * Each statement below reads one index that holds every column it reads, so that no table row is read. One
 * facet field chosen: that field's index (its entries, in date order). Two or more: no single-field index
 * narrows by both, and a skip-scan of the cube index, which holds every field, is faster. None (dates and
 * amounts alone): the date index, which holds the amounts too; left to itself the planner may take the
 * amount index and read a table row for each pledge in the range. A search reads the table whatever the
 * index: the planner's choice.
 * A waterfall step that lists few pledges is read by their ids (the planner's choice); one that lists most of
 * them matches each pledge by its share and kind too, which the cube and date indexes hold.
 * The overdue pledges: their own index, which holds every facet field as well.
 */
function summaryIndex(filter: PledgeFilter): string | null {
  const chosen = FACET_FIELDS.filter((field) => filter[field].length > 0);
  return filter.q !== null || (filter.step !== null && !ROW_STEPS.includes(filter.step))
      ? null
      : overdueByIndex(filter)
        ? OVERDUE_INDEX
        : chosen.length >= 2 || (chosen.length === 1 && filter.step !== null)
        ? 'pledges_cube_idx'
        : chosen.length === 1
          ? `pledges_${chosen[0]}_idx`
          : 'pledges_announced_on_idx';
}

/** A timeline with more dates than this is drawn (and tabled) per month, or per year when months are too many. */
export const MAX_TIMELINE_POINTS = 240;

export type TimelineGrouping = 'date' | 'month' | 'year';

/**
 * Folds a per-date timeline into months or years when it has too many points to read. A period's key is a
 * partial date ('2024-03', '2024'), the same notation as a pledge announced with month or year precision.
 */
export function coarsenTimeline(byDate: TimelineRow[]): { rows: TimelineRow[]; grouping: TimelineGrouping } {
  if (byDate.length <= MAX_TIMELINE_POINTS) return { rows: byDate, grouping: 'date' };
  const fold = (length: number): TimelineRow[] => {
    const periods: TimelineRow[] = [];
    for (const row of byDate) {
      const key = row.announced_on.slice(0, length);
      const last = periods.at(-1);
      if (last && last.announced_on === key) {
        last.pledge_count += row.pledge_count;
        if (row.amount_usd !== null) last.amount_usd = (last.amount_usd ?? 0) + row.amount_usd;
        last.cumulative_usd = row.cumulative_usd;
      } else periods.push({ ...row, announced_on: key });
    }
    return periods;
  };
  const months = fold(7);
  return months.length <= MAX_TIMELINE_POINTS ? { rows: months, grouping: 'month' } : { rows: fold(4), grouping: 'year' };
}
