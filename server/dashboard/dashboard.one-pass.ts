// A view's dashboard in one statement, for the views that no pre-grouped table serves: a search, the overdue
// pledges, a waterfall step. Their pledges are read one table row each (a search's by id), and the dashboard's
// grouped pass, overdue count, timeline and pledger facet would each read them again. Here they are read once into
// a materialized table holding the columns the four read, which each then groups (docs/performance.md).
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import { isEmptyFilter, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { OVERDUE_INDEX, overdueByIndex, overdueCondition, searchMatches, whereClause } from '../pledges/pledges.sql.ts';
import { CUBE_FIELDS, cubeGroupOf, FIELDS_SQL, GROUP_SUMS, SUMS_SQL, type CubeGroup } from './dashboard.groups.ts';
import { ROW_STEPS } from '../pledges/pledges.waterfall.sql.ts';
import type { OverdueTotals } from './dashboard.facets.ts';
import type { FacetValue } from '../pledges/pledge.model.ts';
import type { Ranked, TimelineRow } from './dashboard.summary.ts';

export interface OnePass {
  cube: CubeGroup[];
  /**
   * The view's overdue pledges; null for a waterfall step, whose overdue view (step=…&overdue=1) lists the pledges
   * the step takes from among the overdue ones, not the step's pledges that are overdue (cachedOverdue reads it).
   */
  overdue: OverdueTotals | null;
  timeline: TimelineRow[];
  /** The pledger facet's values, unsorted. */
  pledgers: FacetValue[];
  /** The view's two rankings, when the pass read them (the packed pass); else summarize reads them in SQL. */
  ranked?: Ranked;
}

/**
 * Whether one pass serves the view: a search, the overdue pledges or a waterfall step, with dates and amounts
 * besides at most. Then the grouped pass (which leaves the selections to its groups), the overdue count, the
 * timeline and the pledger facet read the same pledges; a selection or pledgers would give them different ones,
 * and a day in the past has per-field sums of its own (dashboard.as-of.ts). Dates and amounts alone are read from
 * the pre-grouped tables.
 */
export function onePassServes(filter: PledgeFilter): boolean {
  const rest = { ...filter, from: null, to: null, min: null, max: null };
  // A step that lists most pledges (matched by their own columns) is read faster from the covering indexes, one
  // statement each, than their table rows once: 2.1 s against 4.8 s for not_new at a million pledges.
  const mostPledges = filter.step !== null && filter.q === null && ROW_STEPS.includes(filter.step);
  return (filter.q !== null || filter.overdue === true || filter.step !== null) && !mostPledges && isEmptyFilter({ ...rest, q: null, overdue: null, step: null });
}

/**
 * The most pledges a search's one pass reads. The pass keeps its pledges' columns in a table of its own while it
 * groups them, in SQLite's memory up to 16 MB (its default cache for such tables, about 150,000 pledges) and in a
 * temporary file past that; a search matching more (200,000 for "plant", 409,113 for "ing" at a million) gained
 * 0–10 % by it and raised the server's resident memory by about 9 MB that stayed. Those keep the statements of
 * their own.
 */
export const ONE_PASS_MAX = 150_000;

/** Whether the view's dashboard is read in one pass (onePassServes), its search not matching more than ONE_PASS_MAX. */
export function readsOnePass(db: Db, filter: PledgeFilter): boolean {
  return onePassServes(filter) && (filter.q === null || searchMatches(db, filter.q) <= ONE_PASS_MAX);
}

/** Each row: its branch's letter, then the grouped pass's columns (the six fields, then GROUP_SUMS), or fewer padded. */
const WIDTH = 1 + CUBE_FIELDS.length + GROUP_SUMS.length;

/** A branch's columns padded with NULLs to WIDTH. */
function padded(columns: string[]): string {
  return [...columns, ...Array(WIDTH - 1 - columns.length).fill('NULL')].join(', ');
}

export function onePass(db: Db, filter: PledgeFilter): OnePass {
  const where = whereClause(filter, db);
  // Each pledge asks whether it is overdue, unless the view holds only those (or is a step: see OnePass).
  const overdue = filter.step !== null ? { sql: '0', params: [] } : filter.overdue ? { sql: '1', params: [] } : overdueCondition(filter.on, false, db);
  // The overdue pledges are read from their own index, which holds every column read here; a search by id, a
  // waterfall step as the planner chooses.
  const own = overdueByIndex(filter) && filter.q === null && filter.step === null ? `INDEXED BY ${OVERDUE_INDEX}` : '';
  // The grouped pass's sums read the pledges' own column names (SUMS_SQL), so the table keeps them, under p.
  const sql = `WITH m AS MATERIALIZED (
      SELECT p.id, p.sector, p.status, p.country, p.lever, p.pledger_kind, p.commitment_kind, p.amount_usd, p.us_share_pct,
             p.announced_on, p.horizon_years, p.horizon_end, p.horizon_start, p.pledger, ${overdue.sql} AS overdue_now
        FROM pledges p ${own} ${where.sql})
    SELECT 'c', ${FIELDS_SQL}, ${SUMS_SQL} FROM m p GROUP BY sector, status, country, lever, pledger_kind, commitment_kind
    ${filter.step === null ? `UNION ALL SELECT 'o', ${padded(['count(*)', 'coalesce(sum(amount_usd), 0)'])} FROM m WHERE overdue_now` : ''}
    UNION ALL
    SELECT 't', ${padded(['announced_on', 'min(id)', 'count(*)', 'sum(amount_usd)'])} FROM m GROUP BY announced_on
    UNION ALL
    SELECT 'p', ${padded(['pledger', 'count(*)', 'coalesce(sum(amount_usd), 0)'])} FROM m GROUP BY pledger`;
  const rows = statement(db, sql)
    .raw(true)
    .all(...overdue.params, ...where.params) as unknown[][];
  const pass: OnePass = { cube: [], overdue: filter.step === null ? { pledge_count: 0, amount_usd: 0 } : null, timeline: [], pledgers: [] };
  for (const row of rows) {
    if (row[0] === 'c') pass.cube.push(cubeGroupOf(row, 1));
    else if (row[0] === 'o') pass.overdue = { pledge_count: row[1] as number, amount_usd: row[2] as number };
    else if (row[0] === 't')
      pass.timeline.push({ id: row[2] as number, pledger: '', project: '', pledge_count: row[3] as number, announced_on: row[1] as string, amount_usd: row[4] as number | null, cumulative_usd: 0 });
    else pass.pledgers.push({ value: row[1] as string, pledge_count: row[2] as number, amount_usd: row[3] as number });
  }
  // In date order (as text, as SQLite orders it), with the running total of the disclosed amounts.
  pass.timeline.sort((a, b) => (a.announced_on < b.announced_on ? -1 : a.announced_on > b.announced_on ? 1 : 0));
  let running = 0;
  for (const point of pass.timeline) point.cumulative_usd = running += point.amount_usd ?? 0;
  return pass;
}
