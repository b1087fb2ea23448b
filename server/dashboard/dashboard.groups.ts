// The grouped rows every dashboard pass reads and returns: the six grouped fields and the sums of GROUP_SUMS
// (CubeGroup), the SQL that computes them over pledges p, the selections a pass may apply itself (Selected), and
// the pass over a condition (groupedPass). dashboard.cube.ts chooses which pass serves a filter;
// dashboard.periods.ts adds up the pre-grouped amount bands and years.
import type { Db } from '../platform/db.ts';
import type { PledgeFilter } from '../pledges/pledges.filter.ts';
import type { FacetField } from '../pledges/pledge.model.ts';
import { NO_HORIZON, spansAt, US_AMOUNT } from '../pledges/pledges.sql.ts';
import { statement } from '../platform/statements.ts';
import { rowTerms } from '../pledges/pledges.waterfall.sql.ts';

/** The waterfall's row terms over a pledge's own columns, as the grouped passes sum them. */
export const GROUP_ROW = rowTerms({ a: 'amount_usd', s: 'us_share_pct', k: 'commitment_kind' });

export interface CubeGroup {
  sector: string;
  status: string;
  country: string;
  /** 'none' for pledges with no lever recorded, as the filter spells it. */
  lever: string;
  /** 'unknown' for pledges with no kind recorded, as the filter spells it. */
  pledger_kind: string;
  commitment_kind: string;
  pledge_count: number;
  disclosed_count: number;
  /** Disclosed amounts whose US share is known. */
  known_share_count: number;
  amount_usd: number;
  share_base_usd: number;
  us_usd: number;
  /** Disclosed amounts with no horizon to spread them over. */
  no_horizon_count: number;
  // For the waterfall: what its steps take from each pledge by the pledge's own columns, as if it were in no
  // relation and had not stated its new part (rowTerms in pledges.waterfall.sql.ts; migration 012).
  // dashboard.waterfall.ts puts the sums right for the few pledges that are not so.
  /** Disclosed amounts above zero with a part outside the US, or an unknown share. */
  outside_us_count: number;
  /** Disclosed amounts whose US part (all of the amount when the share is unknown) is above zero. */
  us_bound_positive_count: number;
}

/** The facet fields the pass groups by; pledger is not among them. */
export const CUBE_FIELDS = ['sector', 'status', 'country', 'lever', 'pledger_kind', 'commitment_kind'] as const satisfies readonly FacetField[];

export function groupKey(group: Pick<CubeGroup, (typeof CUBE_FIELDS)[number]>): string {
  return CUBE_FIELDS.map((field) => group[field]).join('\u0000');
}

/**
 * The selections of the grouped fields a pass may apply itself: its groups then are those meeting every selection,
 * and, for each selected field, the groups missing only that field's selection added up per value of the field
 * (what that field's facet counts), each under the grouped values of one of its groups. A group missing two
 * selections counts nowhere (unmatchedField) and is left out. At a million pledges a pass has about 20,000 groups
 * to build in JavaScript; a selection keeps a fraction of them.
 */
export type Selected = readonly { field: (typeof CUBE_FIELDS)[number]; values: readonly string[] }[];

export function selectedOf(filter: PledgeFilter): Selected {
  return CUBE_FIELDS.filter((field) => filter[field].length > 0).map((field) => ({ field, values: filter[field] as string[] }));
}

/** The grouped columns of the pre-grouped tables, in the order of their key. */
export const GROUPED = CUBE_FIELDS.join(', ');

export const GROUP_SUMS = [
  'pledge_count',
  'disclosed_count',
  'known_share_count',
  'amount_usd',
  'share_base_usd',
  'us_usd',
  'no_horizon_count',
  'outside_us_count',
  'us_bound_positive_count',
] as const;

/** Passes over parts of a view added up into one: each group once, with the sums of its parts. */
export function merged(parts: CubeGroup[][]): CubeGroup[] {
  if (parts.length === 1) return parts[0]!;
  const groups = new Map<string, CubeGroup>();
  for (const group of parts.flat()) {
    const key = groupKey(group);
    const known = groups.get(key);
    if (!known) groups.set(key, { ...group });
    else for (const column of GROUP_SUMS) known[column] += group[column];
  }
  return [...groups.values()];
}

/** The sums of GROUP_SUMS over the rows grouped, in that order. */
export const SUMS_SQL = `count(*) AS pledge_count,
            count(amount_usd) AS disclosed_count,
            count(CASE WHEN amount_usd IS NOT NULL THEN us_share_pct END) AS known_share_count,
            coalesce(sum(amount_usd), 0) AS amount_usd,
            coalesce(sum(CASE WHEN us_share_pct IS NOT NULL THEN amount_usd END), 0) AS share_base_usd,
            coalesce(sum(${US_AMOUNT}), 0) AS us_usd,
            count(CASE WHEN amount_usd IS NOT NULL AND ${NO_HORIZON} THEN 1 END) AS no_horizon_count,
            count(CASE WHEN ${GROUP_ROW.outsideUs} THEN 1 END) AS outside_us_count,
            count(CASE WHEN ${GROUP_ROW.usBoundPositive} THEN 1 END) AS us_bound_positive_count`;

/** The grouped fields of pledges p, as CubeGroup names them. */
export const FIELDS_SQL = `p.sector, p.status, p.country, coalesce(p.lever, 'none') AS lever, coalesce(p.pledger_kind, 'unknown') AS pledger_kind,
            coalesce(p.commitment_kind, 'unknown') AS commitment_kind`;

/**
 * The grouped pass over the pledges matching clause. As of a date (asOf), the pass groups by today's status (in
 * the index's order, with no sort) and the pledges whose status then differs are moved to their groups of then
 * afterwards (asOfGroups): grouping by the status then would sort every pledge of the view.
 */
export function groupedPass(db: Db, clause: { sql: string; params: unknown[] }, index: string | null, selected: Selected, asOf: string | null = null): CubeGroup[] {
  const groups = groupsOf(
    db,
    `SELECT ${FIELDS_SQL}, ${SUMS_SQL}
       FROM pledges p ${index ? `INDEXED BY ${index}` : ''} ${clause.sql}
      GROUP BY sector, status, country, lever, pledger_kind, commitment_kind`,
    clause.params,
    asOf === null ? selected : [],
  );
  return asOf === null ? groups : asOfGroups(db, groups, clause, asOf);
}

/**
 * The groups of a pass by today's status, with the pledges of the view whose status on the as-of date differs
 * (keptStatuses: only those with a status step after it) moved from their group of today to their group of then.
 */
export function asOfGroups(db: Db, groups: CubeGroup[], clause: { sql: string; params: unknown[] }, asOf: string): CubeGroup[] {
  // The spans hold the columns the view's WHERE clause reads, under the pledges' names.
  const spans = spansAt(asOf);
  const moved = statement(
    db,
    `SELECT ${FIELDS_SQL}, ${SUMS_SQL}, p.status_then
       FROM status_spans p
      WHERE ${spans.sql} AND p.status_then <> p.status ${clause.sql.replace(/^WHERE /, 'AND ')}
      GROUP BY p.sector, p.status, p.country, lever, pledger_kind, commitment_kind, p.status_then`,
  )
    .raw(true)
    .all(...spans.params, ...clause.params) as [string, string, string, string, string, string, ...(number | string)[]][];
  if (moved.length === 0) return groups;
  const byKey = new Map(groups.map((group) => [groupKey(group), { ...group }]));
  for (const row of moved) {
    const fields = { sector: row[0], status: row[1], country: row[2], lever: row[3], pledger_kind: row[4], commitment_kind: row[5] };
    const sums = row.slice(6, 6 + GROUP_SUMS.length) as number[];
    const from = byKey.get(groupKey(fields))!;
    const then = { ...fields, status: row[6 + GROUP_SUMS.length] as string };
    const to = byKey.get(groupKey(then)) ?? byKey.set(groupKey(then), { ...then, ...Object.fromEntries(GROUP_SUMS.map((column) => [column, 0])) } as CubeGroup).get(groupKey(then))!;
    GROUP_SUMS.forEach((column, i) => {
      from[column] -= sums[i]!;
      to[column] += sums[i]!;
    });
  }
  return [...byKey.values()].filter((group) => group.pledge_count > 0);
}

/** A grouped statement's text and parameters, narrowed to what a selection reads (Selected). */
function selectedSql(grouped: string, params: unknown[], selected: Selected): { sql: string; params: unknown[] } {
  const condition = (only: Selected) => only.map(({ field, values }) => `g.${field} IN (${values.map(() => '?').join(', ')})`);
  const values = (only: Selected) => only.flatMap((selection) => selection.values);
  const branches = [{ sql: `SELECT * FROM g WHERE ${condition(selected).join(' AND ')}`, params: values(selected) }];
  for (const missed of selected) {
    const others = selected.filter((selection) => selection !== missed);
    const columns = [...CUBE_FIELDS.map((field) => (field === missed.field ? `g.${field}` : `min(g.${field})`)), ...GROUP_SUMS.map((column) => `sum(g.${column})`)];
    branches.push({
      sql: `SELECT ${columns.join(', ')} FROM g WHERE g.${missed.field} NOT IN (${missed.values.map(() => '?').join(', ')})
            ${others.length > 0 ? `AND ${condition(others).join(' AND ')}` : ''} GROUP BY g.${missed.field}`,
      params: [...missed.values, ...values(others)],
    });
  }
  return {
    sql: `WITH g AS MATERIALIZED (${grouped}) ${branches.map((branch) => branch.sql).join(' UNION ALL ')}`,
    params: [...params, ...branches.flatMap((branch) => branch.params)],
  };
}

/**
 * The grouped values, one string each: the driver makes a new string for every value of every row, six for each
 * of up to 20,000 groups a pass, which a kept pass would hold and every other would leave to the collector. The
 * fields have few values (a sector list, a country list); past INTERNED_MAX the values are left as they come.
 */
const INTERNED_MAX = 10_000;
const internedValues = new Map<string, string>();

export function interned(value: string): string {
  const known = internedValues.get(value);
  if (known !== undefined) return known;
  if (internedValues.size < INTERNED_MAX) internedValues.set(value, value);
  return value;
}

/** A grouped statement's columns, named in order for the text that carries its rows (groupsOf). */
const ROW_COLUMNS = [...CUBE_FIELDS, ...GROUP_SUMS].join(', ');

/**
 * The rows of a grouped statement (the six fields, then GROUP_SUMS, in that order) as CubeGroups. The rows come as
 * one JSON text of arrays, which SQLite writes and JSON.parse reads: the driver makes a JavaScript value for each of
 * the fifteen columns of every row, and for the 19,478 groups of a million generated pledges that took 66–105 ms
 * against 41–54 for the text, parsed (docs/performance.md). Integers come out as the driver gives them, the nearest
 * double past 2^53; the fields are strings, built into CubeGroups here with their values interned.
 */
export function groupsOf(db: Db, grouped: string, params: unknown[], selected: Selected): CubeGroup[] {
  const { sql, params: all } = selected.length === 0 ? { sql: grouped, params } : selectedSql(grouped, params, selected);
  const text = statement(db, `WITH grouped_rows(${ROW_COLUMNS}) AS (${sql}) SELECT json_group_array(json_array(${ROW_COLUMNS})) FROM grouped_rows`)
    .pluck()
    .get(...all) as string;
  return (JSON.parse(text) as GroupRow[]).map((row) => cubeGroupOf(row));
}

/** A grouped row: the six fields, then GROUP_SUMS, in that order, from offset on. */
export type GroupRow = unknown[];

/** The CubeGroup of a grouped row whose fields start at offset (GroupRow). */
export function cubeGroupOf(row: GroupRow, offset = 0): CubeGroup {
  const at = (i: number) => row[offset + i];
  return {
    sector: interned(at(0) as string),
    status: interned(at(1) as string),
    country: interned(at(2) as string),
    lever: interned(at(3) as string),
    pledger_kind: interned(at(4) as string),
    commitment_kind: interned(at(5) as string),
    pledge_count: at(6) as number,
    disclosed_count: at(7) as number,
    known_share_count: at(8) as number,
    amount_usd: at(9) as number,
    share_base_usd: at(10) as number,
    us_usd: at(11) as number,
    no_horizon_count: at(12) as number,
    outside_us_count: at(13) as number,
    us_bound_positive_count: at(14) as number,
  };
}

export const MANY = 'many';

/**
 * The one grouped field whose selection a group misses, null when it misses none, MANY when more than one.
 * (The pledger selection is already applied by the pass.) Every view's summary, facets and waterfall ask it of each
 * of its groups (about 20,000 at a million pledges), so it names each of CUBE_FIELDS, in their order, rather than
 * looping over their names: a property read by a name that changes from one read to the next is V8's slow, generic
 * kind (3-5 ms against 7-9 for 60,000 groups, and 11 against 21 before V8 compiles it).
 */
export function unmatchedField(group: Pick<CubeGroup, (typeof CUBE_FIELDS)[number]>, filter: Pick<PledgeFilter, (typeof CUBE_FIELDS)[number]>): FacetField | null | typeof MANY {
  const sector = misses(filter.sector, group.sector);
  const status = misses(filter.status, group.status);
  const country = misses(filter.country, group.country);
  const lever = misses(filter.lever, group.lever);
  const pledgerKind = misses(filter.pledger_kind, group.pledger_kind);
  const commitmentKind = misses(filter.commitment_kind, group.commitment_kind);
  const missed = Number(sector) + Number(status) + Number(country) + Number(lever) + Number(pledgerKind) + Number(commitmentKind);
  if (missed === 0) return null;
  if (missed > 1) return MANY;
  return sector ? 'sector' : status ? 'status' : country ? 'country' : lever ? 'lever' : pledgerKind ? 'pledger_kind' : 'commitment_kind';
}

/** Whether a selection (none: every value) leaves the value out. */
function misses(wanted: readonly string[], value: string): boolean {
  return wanted.length !== 0 && !wanted.includes(value);
}
