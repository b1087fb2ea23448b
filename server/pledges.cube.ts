// One pass of SQL for the dashboard's totals, levers and four facets: sums grouped by sector, status, country
// and lever, read from one covering index (pledges_cube_idx), then rolled up per field. A facet leaves its own
// field's selection out, so the pass applies only the filter's other conditions (dates, amounts, search,
// pledgers); those four fields are matched on the grouped rows. The same few thousand groups therefore serve
// every sector, status, country and lever selection under those conditions. Pledgers are many (each its own
// group would multiply the groups by their number): they are a condition of the pass, and their facet is a
// query of its own (pledgerValues in the repository).
import type { Db } from './db.ts';
import { EMPTY_FILTER, type PledgeFilter } from './pledges.filter.ts';
import { countPledges, PER_YEAR, US_AMOUNT, whereClause, type FacetField } from './pledges.repository.ts';
import { statement } from './statements.ts';

export interface CubeGroup {
  sector: string;
  status: string;
  country: string;
  /** 'none' for pledges with no lever recorded, as the filter spells it. */
  lever: string;
  pledge_count: number;
  disclosed_count: number;
  /** Disclosed amounts whose US share is known. */
  known_share_count: number;
  amount_usd: number;
  share_base_usd: number;
  us_usd: number;
  /** Disclosed amounts with no horizon to spread them over. */
  no_horizon_count: number;
}

/** The facet fields the pass groups by; pledger is not among them. */
export const CUBE_FIELDS = ['sector', 'status', 'country', 'lever'] as const satisfies readonly FacetField[];

/** The filter's conditions that the grouped pass applies in SQL: all but the four fields it groups by. */
export function cubeKey(filter: PledgeFilter): PledgeFilter {
  return { ...EMPTY_FILTER, from: filter.from, to: filter.to, min: filter.min, max: filter.max, q: filter.q, pledger: filter.pledger };
}

export function cubeOf(db: Db, filter: PledgeFilter): CubeGroup[] {
  const key = cubeKey(filter);
  const clause = whereClause(key);
  // Both indexes hold every column the pass reads. Left to itself the planner may prefer a skip-scan of a
  // narrower index and then read a table row for each entry: several times slower at a million pledges.
  // A date range reads its part of the date index, then sorts it into groups; past about a quarter of the
  // pledges, walking the whole cube index (already in group order) is faster.
  const dated = key.from !== null || key.to !== null;
  const narrow = dated && 4 * countPledges(db, { ...EMPTY_FILTER, from: key.from, to: key.to }) < countPledges(db);
  // A pledger selection is best read from the pledger index: the planner's choice.
  const index = key.pledger.length > 0 ? null : narrow ? 'pledges_announced_on_idx' : dated || clause.sql === '' ? 'pledges_cube_idx' : null;
  return statement(
    db,
    `SELECT sector, status, country, coalesce(lever, 'none') AS lever,
            count(*) AS pledge_count,
            count(amount_usd) AS disclosed_count,
            count(CASE WHEN amount_usd IS NOT NULL THEN us_share_pct END) AS known_share_count,
            coalesce(sum(amount_usd), 0) AS amount_usd,
            coalesce(sum(CASE WHEN us_share_pct IS NOT NULL THEN amount_usd END), 0) AS share_base_usd,
            coalesce(sum(${US_AMOUNT}), 0) AS us_usd,
            count(CASE WHEN amount_usd IS NOT NULL AND ${PER_YEAR} IS NULL THEN 1 END) AS no_horizon_count
       FROM pledges p ${index ? `INDEXED BY ${index}` : ''} ${clause.sql}
      GROUP BY sector, status, country, lever`,
  ).all(...clause.params) as CubeGroup[];
}

export const MANY = 'many';

/**
 * The one grouped field whose selection a group misses, null when it misses none, MANY when more than one.
 * (The pledger selection is already applied by the pass.)
 */
export function unmatchedField(group: CubeGroup, filter: PledgeFilter): FacetField | null | typeof MANY {
  let missed: FacetField | null = null;
  for (const field of CUBE_FIELDS) {
    const wanted = filter[field] as string[];
    if (wanted.length === 0 || wanted.includes(group[field])) continue;
    if (missed !== null) return MANY;
    missed = field;
  }
  return missed;
}
