// One pass of SQL for the dashboard's totals, levers and six facets: sums grouped by sector, status, country,
// lever and the two kinds, read from one covering index (pledges_cube_idx), then rolled up per field. A facet leaves its own
// field's selection out, so the pass applies only the filter's other conditions (dates, amounts, search,
// pledgers); those six fields are matched on the grouped rows. The same few thousand groups therefore serve
// every sector, status, country and lever selection under those conditions. Pledgers are many (each its own
// group would multiply the groups by their number): they are a condition of the pass, and their facet is a
// query of its own (pledgerValues in the repository).
import type { Db } from '../platform/db.ts';
import { announcedBy, datedBy, EMPTY_FILTER, isEmptyFilter, type PledgeFilter } from '../pledges/pledges.filter.ts';
import type { FacetField } from '../pledges/pledge.model.ts';
import { NO_HORIZON, padded, spansAt, OVERDUE_INDEX, overdueByIndex, US_AMOUNT, whereClause } from '../pledges/pledges.sql.ts';
import { statement } from '../platform/statements.ts';
import { ROW_STEPS, rowTerms } from '../pledges/pledges.waterfall.sql.ts';

const ROW = rowTerms({ a: 'amount_usd', s: 'us_share_pct', k: 'commitment_kind' });

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

/**
 * The filter's conditions that the grouped pass applies in SQL: all but the fields it groups by. With a waterfall
 * step, all of them: the pledges a step lists depend on the whole rest of the filter (which relations have their
 * other side in the view), so its groups hold the selected values only.
 */
export function cubeKey(filter: PledgeFilter): PledgeFilter {
  if (filter.step !== null) return filter;
  return {
    ...EMPTY_FILTER,
    from: filter.from,
    to: filter.to,
    min: filter.min,
    max: filter.max,
    q: filter.q,
    pledger: filter.pledger,
    // The reference date matters only to a pass over the overdue pledges: every other pass is shared across days.
    overdue: filter.overdue,
    on: filter.overdue ? filter.on : '',
    // An as-of view groups the pledges by their status on its date.
    as_of: filter.as_of,
  };
}

/**
 * The grouped pass for the filter. Its groups serve every selection of the grouped fields under the same cubeKey
 * (cachedCube in dashboard.reads.ts keeps it for them); with selected, it holds only what that selection reads
 * (see Selected).
 */
export function cubeOf(db: Db, filter: PledgeFilter, selected: Selected = []): CubeGroup[] {
  const key = cubeKey(filter);
  // Amounts alone (or nothing) are answered from the pre-grouped amount bands; dates, search, pledgers and a
  // waterfall step need the pledges themselves.
  const amountsOnly =
    key.from === null && key.to === null && key.q === null && key.pledger.length === 0 && key.step === null && !key.overdue && key.as_of === null;
  // With a step, the pass applies the selections itself (cubeKey).
  const only = key.step === null ? selected : [];
  if (amountsOnly) return bandedCube(db, key.min, key.max, undefined, only);
  // Dates alone: the years pre-grouped (migration 030).
  const datesOnly = (key.from !== null || key.to !== null) && isEmptyFilter({ ...key, from: null, to: null });
  if (datesOnly) return yearsCube(db, key.from, key.to, only) ?? cubeScan(db, key, only);
  // As of a day, amounts alone (or nothing): see asOfBanded.
  const asOfAmountsOnly = key.as_of !== null && isEmptyFilter({ ...key, min: null, max: null, as_of: null });
  return (asOfAmountsOnly ? asOfBanded(db, key) : undefined) ?? cubeScan(db, key, only);
}

/**
 * The grouped pass as of a day for amounts alone (or nothing), when most pledges were announced by then: the amount
 * bands' groups (every pledge, today's statuses) less a pass over the pledges announced after the day, read
 * through the date index, then the pledges whose status changed after the day moved to their groups of then. A
 * recent day reads a few pledges instead of nearly all. Undefined when most were announced later: a pass over those
 * announced by then reads fewer.
 */
function asOfBanded(db: Db, key: PledgeFilter): CubeGroup[] | undefined {
  const after = datedBy(key.as_of!);
  const later: PledgeFilter = { ...EMPTY_FILTER, from: after, min: key.min, max: key.max };
  if (2 * announcedAbout(db, after, null) > announcedAbout(db, null, null)) return undefined;
  const all = bandedCube(db, key.min, key.max);
  const subtracted = groupedPass(db, whereClause(later, db), 'pledges_announced_on_idx', []);
  const byKey = new Map(all.map((group) => [groupKey(group), { ...group }]));
  for (const group of subtracted) {
    const known = byKey.get(groupKey(group))!;
    for (const column of GROUP_SUMS) known[column] -= group[column];
  }
  const left = [...byKey.values()].filter((group) => group.pledge_count > 0);
  return asOfGroups(db, left, whereClause(key, db), key.as_of!);
}

/**
 * About how many pledges were announced from `from` until before `before` (either null): the month sums of
 * pledger_months (migration 008) whose period falls in the range by text, a month cut by the range counted whole or
 * not at all. Only to choose how a view is read, never shown: two exact counts over the date index took 50 and 11
 * ms at a million pledges, for a choice that a month either way does not change.
 */
function announcedAbout(db: Db, from: string | null, before: string | null): number {
  return statement(db, 'SELECT coalesce(sum(pledge_count), 0) FROM pledger_months WHERE period >= ? AND (? IS NULL OR period < ?)')
    .pluck()
    .get(from ?? '', before, before === null ? null : before.slice(0, 7)) as number;
}

function groupKey(group: Pick<CubeGroup, (typeof CUBE_FIELDS)[number]>): string {
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

/** The grouped columns of pledge_bands, in the order of its key. */
const GROUPED = CUBE_FIELDS.join(', ');

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

/**
 * An amount's band in pledge_bands (migration 007): three a decade, 1-2-5, numbered 3 × digits + 0, 1 or 2
 * (1 → 3, 2 → 4, 5 → 5, 10 → 6, ..., 1,000,000,000 → 30). Amounts are whole, non-negative dollars.
 */
export function amountBand(amount: number): number {
  const digits = String(amount);
  const lead = Number(digits[0]);
  return digits.length * 3 + (lead >= 5 ? 2 : lead >= 2 ? 1 : 0);
}

/** The amounts a band holds, from low to high inclusive. */
export function bandRange(band: number): { low: number; high: number } {
  const unit = 10 ** (Math.floor(band / 3) - 1);
  const step = band % 3;
  return { low: band === 3 ? 0 : [1, 2, 5][step]! * unit, high: [2, 5, 10][step]! * unit - 1 };
}

/**
 * The grouped pass for amounts between min and max (either may be null), from pledge_bands: the bands the
 * range covers whole are added up in SQL, and only the pledges of the bands it cuts (one at each end, at most)
 * are read (cutPledges; cutRowsByIndex chooses their index there). With neither bound, every band, the undisclosed
 * amounts included.
 */
export function bandedCube(db: Db, min: number | null, max: number | null, cutRowsByIndex?: number, selected: Selected = []): CubeGroup[] {
  const sums = GROUP_SUMS.map((column) => `sum(${column}) AS ${column}`).join(', ');
  const fromBands = (first: number, last: number) =>
    selected.length === 1
      ? bandsOfOneSelection(db, first, last, selected[0]!)
      : groupsOf(db, `SELECT ${GROUPED}, ${sums} FROM pledge_bands WHERE band BETWEEN ? AND ? GROUP BY ${GROUPED}`, [first, last], selected);
  // No range: the bands already added up (migration 014).
  if (min === null && max === null) return groupsOf(db, `SELECT ${GROUPED}, ${GROUP_SUMS.join(', ')} FROM pledge_groups`, [], selected);
  const span = amountSpan(min, max);
  if (span === null) return [];
  const parts: CubeGroup[][] = span.whole ? [fromBands(...span.whole)] : [];
  const cut = cutPledges(db, span, cutRowsByIndex);
  if (cut) parts.push(groupedPass(db, cut.where, cut.index, selected));
  return merged(parts);
}

/** Passes over parts of a view added up into one: each group once, with the sums of its parts. */
function merged(parts: CubeGroup[][]): CubeGroup[] {
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

/**
 * The grouped pass for the pledges announced from `from` until `to` (either may be null, not both; as the filter
 * reads them: from inclusive, to through its last day), from pledge_years (migration 030): the years the range
 * covers whole are added up in SQL, and only the pledges of a year it cuts are read, through the date index
 * (which holds every column the pass reads), as bandedCube does with amounts. A date's year is its first four
 * characters, whatever its precision, and every date of a year sorts from the year itself up to before the next.
 * Undefined when the years cut hold more than a sixteenth of the pledges: sorting those into groups costs more
 * than one walk of the cube index (cubeScan) at a million pledges (about 2.3 µs a pledge against 0.45 for each
 * entry walked).
 */
export function yearsCube(db: Db, from: string | null, to: string | null, selected: Selected = []): CubeGroup[] | undefined {
  const bound = to === null ? null : datedBy(to);
  const year = (text: string) => Number(text.slice(0, 4));
  // The first year every one of whose dates is on or after from, and the last every one of whose dates is before bound.
  const first = from === null ? null : from.length === 4 ? year(from) : year(from) + 1;
  const last = bound === null ? null : year(bound) - 1;
  const whole = first === null || last === null || first <= last;
  const parts: CubeGroup[][] = [];
  const cut: [string, string | null][] = [];
  if (whole) {
    const sums = GROUP_SUMS.map((column) => `sum(${column}) AS ${column}`).join(', ');
    parts.push(
      groupsOf(
        db,
        `SELECT ${GROUPED}, ${sums} FROM pledge_years WHERE year >= ? ${last === null ? '' : 'AND year <= ?'} GROUP BY ${GROUPED}`,
        [first === null ? '' : String(first), ...(last === null ? [] : [String(last)])],
        selected,
      ),
    );
    if (from !== null && from.length > 4) cut.push([from, String(first)]);
    if (bound !== null && bound.length > 4) cut.push([String(last! + 1), bound]);
  } else cut.push([from ?? '', bound]);
  const cutAbout = cut.reduce((sum, [low, high]) => sum + announcedAbout(db, low, high), 0);
  if (16 * cutAbout > announcedAbout(db, null, null)) return undefined;
  if (cut.length > 0) {
    const where = {
      sql: `WHERE (${cut.map(([, high]) => `(p.announced_on >= ?${high === null ? '' : ' AND p.announced_on < ?'})`).join(' OR ')})`,
      params: cut.flatMap(([low, high]) => (high === null ? [low] : [low, high])),
    };
    parts.push(groupedPass(db, where, 'pledges_announced_on_idx', selected));
  }
  return merged(parts);
}

/**
 * The whole bands first…last for one grouped field's selection (Selected): the groups of the values selected, from
 * pledge_bands, and each other value of the field added up, from band_margins (migration 027). The groups of the
 * other values carry that value alone, the other fields left empty: with one field selected, a group missing it
 * counts in that field's facet only, whatever its other fields (unmatchedField).
 */
function bandsOfOneSelection(db: Db, first: number, last: number, { field, values }: Selected[number]): CubeGroup[] {
  const list = padded<string>([...values]);
  const places = list.map(() => '?').join(', ');
  const fields = CUBE_FIELDS.map((other) => (other === field ? 'value' : "''")).join(', ');
  const sums = GROUP_SUMS.map((column) => `sum(${column})`).join(', ');
  return groupsOf(
    db,
    `SELECT ${GROUPED}, ${sums} FROM pledge_bands WHERE band BETWEEN ? AND ? AND ${field} IN (${places}) GROUP BY ${GROUPED}
     UNION ALL
     SELECT ${fields}, ${sums} FROM band_margins WHERE field = ? AND band BETWEEN ? AND ? AND value NOT IN (${places}) GROUP BY value`,
    [first, last, ...list, field, first, last, ...list],
    [],
  );
}

/**
 * How an amount range (min, max: either may be null, not both) falls on the bands: the bands it covers whole
 * (first, last), null for none, and the one or two ranges of amounts where it cuts a band. Null when the range
 * holds no whole dollar.
 */
export function amountSpan(min: number | null, max: number | null): { whole: [number, number] | null; cut: [number, number][] } | null {
  const low = Math.max(0, Math.ceil(min ?? 0));
  const high = max === null ? Number.MAX_SAFE_INTEGER : Math.floor(max);
  if (low > high) return null;
  const lowBand = amountBand(low);
  const highBand = max === null ? Number.MAX_SAFE_INTEGER : amountBand(high);
  const firstWhole = low === bandRange(lowBand).low ? lowBand : lowBand + 1;
  const lastWhole = max === null || high === bandRange(highBand).high ? highBand : highBand - 1;
  // A range inside one band cuts it once; otherwise each end band not covered whole is cut from its edge.
  const cut: [number, number][] =
    lowBand === highBand && firstWhole > lastWhole
      ? [[low, high]]
      : [...(firstWhole > lowBand ? [[low, bandRange(lowBand).high] as [number, number]] : []), ...(lastWhole < highBand ? [[bandRange(highBand).low, high] as [number, number]] : [])];
  return { whole: firstWhole <= lastWhole ? [firstWhole, lastWhole] : null, cut };
}

/**
 * The pledges of the bands a range cuts, as a condition over pledges p with the index to read them by: one range
 * of the amount index, which holds every column a grouped pass or the pledger facet reads (migration 029), then
 * sorted into groups; past an eighth of the pledges (or cutRowsByIndex, when given), one walk of the cube index,
 * already in group order, costs less than that sort. Undefined when the range cuts no band.
 */
export function cutPledges(
  db: Db,
  span: { cut: [number, number][] },
  cutRowsByIndex?: number,
): { where: { sql: string; params: unknown[] }; index: 'pledges_cube_idx' | 'pledges_amount_idx' } | undefined {
  if (span.cut.length === 0) return undefined;
  const where = { sql: `WHERE (${span.cut.map(() => 'p.amount_usd BETWEEN ? AND ?').join(' OR ')})`, params: span.cut.flat() };
  const rows = statement(db, `SELECT count(*) FROM pledges p INDEXED BY pledges_amount_idx ${where.sql}`).pluck().get(...where.params) as number;
  const walk = cutRowsByIndex === undefined ? 8 * rows > announcedAbout(db, null, null) : rows > cutRowsByIndex;
  return { where, index: walk ? 'pledges_cube_idx' : 'pledges_amount_idx' };
}

/** The grouped pass over the pledges matching key (a cubeKey). */
export function cubeScan(db: Db, key: PledgeFilter, selected: Selected = []): CubeGroup[] {
  const clause = whereClause(key, db);
  // Both indexes hold every column the pass reads. Left to itself the planner may prefer a skip-scan of a
  // narrower index and then read a table row for each entry. A date range reads its part of the date index,
  // then sorts it into groups; past about an eighth of the pledges, walking the whole cube index (already in
  // group order) costs less than that sort (the eighth is measured in docs/performance.md).
  const dated = key.from !== null || key.to !== null || key.as_of !== null;
  const to = announcedBy(key);
  const narrow = dated && !key.overdue && 8 * announcedAbout(db, key.from, to === null ? null : datedBy(to)) < announcedAbout(db, null, null);
  // A pledger selection is best read from the pledger index, a search from its matches by id, a waterfall step
  // that lists few pledges by their ids: the planner's choice. A step that lists most of them matches each by its
  // share and kind too, which the cube index holds.
  // The overdue pledges are read from their own index, which holds every column the pass reads.
  const index =
    key.pledger.length > 0 || key.q !== null || (key.step !== null && !ROW_STEPS.includes(key.step))
      ? null
      : overdueByIndex(key)
        ? OVERDUE_INDEX
        : narrow
        ? 'pledges_announced_on_idx'
        : dated || clause.sql === '' || key.step !== null
          ? 'pledges_cube_idx'
          : null;
  return groupedPass(db, clause, index, selected, key.as_of);
}

/** The sums of GROUP_SUMS over the rows grouped, in that order. */
export const SUMS_SQL = `count(*) AS pledge_count,
            count(amount_usd) AS disclosed_count,
            count(CASE WHEN amount_usd IS NOT NULL THEN us_share_pct END) AS known_share_count,
            coalesce(sum(amount_usd), 0) AS amount_usd,
            coalesce(sum(CASE WHEN us_share_pct IS NOT NULL THEN amount_usd END), 0) AS share_base_usd,
            coalesce(sum(${US_AMOUNT}), 0) AS us_usd,
            count(CASE WHEN amount_usd IS NOT NULL AND ${NO_HORIZON} THEN 1 END) AS no_horizon_count,
            count(CASE WHEN ${ROW.outsideUs} THEN 1 END) AS outside_us_count,
            count(CASE WHEN ${ROW.usBoundPositive} THEN 1 END) AS us_bound_positive_count`;

/** The grouped fields of pledges p, as CubeGroup names them. */
export const FIELDS_SQL = `p.sector, p.status, p.country, coalesce(p.lever, 'none') AS lever, coalesce(p.pledger_kind, 'unknown') AS pledger_kind,
            coalesce(p.commitment_kind, 'unknown') AS commitment_kind`;

/**
 * The grouped pass over the pledges matching clause. As of a date (asOf), the pass groups by today's status (in
 * the index's order, with no sort) and the pledges whose status then differs are moved to their groups of then
 * afterwards (asOfGroups): grouping by the status then would sort every pledge of the view.
 */
function groupedPass(db: Db, clause: { sql: string; params: unknown[] }, index: string | null, selected: Selected, asOf: string | null = null): CubeGroup[] {
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
function asOfGroups(db: Db, groups: CubeGroup[], clause: { sql: string; params: unknown[] }, asOf: string): CubeGroup[] {
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

function interned(value: string): string {
  const known = internedValues.get(value);
  if (known !== undefined) return known;
  if (internedValues.size < INTERNED_MAX) internedValues.set(value, value);
  return value;
}

/**
 * The rows of a grouped statement (the six fields, then GROUP_SUMS, in that order) as CubeGroups. Read as arrays
 * and built here: for the 20,000 groups of a million generated pledges, about half the time better-sqlite3 takes
 * to build them as objects itself.
 */
function groupsOf(db: Db, grouped: string, params: unknown[], selected: Selected): CubeGroup[] {
  const { sql, params: all } = selected.length === 0 ? { sql: grouped, params } : selectedSql(grouped, params, selected);
  const rows = statement(db, sql).raw(true).all(...all) as GroupRow[];
  return rows.map((row) => cubeGroupOf(row));
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

