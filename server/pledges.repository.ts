// Every SQL statement about pledges and their sources, with bound parameters; aggregates in SQL.
import type { Db } from './db.ts';
import { databaseVersion } from './meta.repository.ts';
import { statement } from './statements.ts';
import { CSV_COLUMNS, type CsvCell } from './pledges.csv.ts';
import { dateAfter, EMPTY_FILTER, isEmptyFilter, type ListParam, type PledgeFilter } from './pledges.filter.ts';
import { diff, recordRevision, type Author, type Changes } from './revisions.repository.ts';
import { CUBE_FIELDS, cubeOf, MANY, unmatchedField, type CubeGroup } from './pledges.cube.ts';

export const STATUSES = ['announced', 'under_way', 'completed', 'stalled', 'withdrawn'] as const;
export const LEVERS = ['export_controls', 'tariffs', 'subsidies', 'white_house_event', 'other'] as const;
export type Status = (typeof STATUSES)[number];
export type Lever = (typeof LEVERS)[number];

export interface Pledge {
  id: number;
  pledger: string;
  project: string;
  amount_usd: number | null;
  amount_note: string;
  us_share_pct: number | null;
  us_share_basis: 'stated' | 'inferred' | null;
  announced_on: string;
  horizon_years: number | null;
  horizon_end: string | null;
  horizon_note: string;
  sector: string;
  country: string;
  status: Status;
  lever: Lever | null;
  context_note: string;
  created_at: string;
  updated_at: string;
}

/** A pledge as listed and exported: its own fields plus its sources and events, flattened. */
export interface PledgeListRow extends Pledge {
  us_amount_usd: number | null;
  per_year_usd: number | null;
  source_urls: string;
  event_ids: string;
}

export interface Source {
  url: string;
  title: string;
}

/** Sort keys a reader may ask for, each with its SQL expression. Ties are always broken by id. */
const SORTS = {
  pledger: 'p.pledger COLLATE NOCASE',
  project: 'p.project COLLATE NOCASE',
  amount: 'p.amount_usd',
  us_share: 'p.us_share_pct',
  announced: 'p.announced_on',
  per_year: 'per_year_usd',
  status: 'p.status',
  sector: 'p.sector COLLATE NOCASE',
  country: 'p.country COLLATE NOCASE',
  lever: 'p.lever',
} as const;
export type SortKey = keyof typeof SORTS;
export const SORT_KEYS = Object.keys(SORTS) as SortKey[];

export interface Sort {
  key: SortKey;
  descending: boolean;
}

export const DEFAULT_SORT: Sort = { key: 'amount', descending: true };

/** `amount`, `-announced`, …; anything else falls back to the default order. */
export function parseSort(value: unknown): Sort {
  if (typeof value !== 'string') return DEFAULT_SORT;
  const descending = value.startsWith('-');
  const key = descending ? value.slice(1) : value;
  return (SORT_KEYS as string[]).includes(key) ? { key: key as SortKey, descending } : DEFAULT_SORT;
}

function orderBy(sort: Sort): string {
  const direction = sort.descending ? 'DESC' : 'ASC';
  // Unknown values (an undisclosed amount, an unknown share) go last in either direction; ties by id, oldest first.
  return `${SORTS[sort.key]} IS NULL, ${SORTS[sort.key]} ${direction}, p.id ASC`;
}

// Years a pledge runs: its stated horizon, or from the announcement to its end date. NULL when unknown.
const YEARS = `CASE
  WHEN p.horizon_years IS NOT NULL THEN p.horizon_years
  WHEN p.horizon_end IS NOT NULL
   AND julianday(p.horizon_end) > julianday(substr(p.announced_on || '-01-01', 1, 10))
  THEN (julianday(p.horizon_end) - julianday(substr(p.announced_on || '-01-01', 1, 10))) / 365.25
END`;

/** Amount per year of the horizon, in whole dollars: $500B over four years compares with $80B in one. */
export const PER_YEAR = `CAST(round(p.amount_usd / (${YEARS})) AS INTEGER)`;

/**
 * The filter as a WHERE clause over pledges p, with its parameters bound. Given the connection the clause will
 * run on, a search reads the pledges it matches from that connection's search table (searchHits) instead of
 * matching text in every statement.
 */
export function whereClause(filter: PledgeFilter, db?: Db): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const anyOf = (column: string, list: string[]) => {
    if (list.length === 0) return;
    const values = padded(list);
    conditions.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  anyOf('p.sector', filter.sector);
  anyOf('p.status', filter.status);
  anyOf('p.country', filter.country);
  anyOf('p.pledger', filter.pledger);
  if (filter.lever.length > 0) {
    const named = padded(filter.lever.filter((lever) => lever !== 'none'));
    const parts = named.length > 0 ? [`p.lever IN (${named.map(() => '?').join(', ')})`] : [];
    if (filter.lever.includes('none')) parts.push('p.lever IS NULL');
    conditions.push(`(${parts.join(' OR ')})`);
    params.push(...named);
  }
  if (filter.from !== null) {
    conditions.push('p.announced_on >= ?');
    params.push(filter.from);
  }
  if (filter.to !== null) {
    conditions.push('p.announced_on < ?');
    params.push(dateAfter(filter.to));
  }
  if (filter.min !== null) {
    conditions.push('p.amount_usd >= ?');
    params.push(filter.min);
  }
  if (filter.max !== null) {
    conditions.push('p.amount_usd <= ?');
    params.push(filter.max);
  }
  if (filter.q !== null) {
    const search = db ? searchHits(db, filter.q) : searchCondition(filter.q);
    conditions.push(search.sql);
    params.push(...search.params);
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

/**
 * A list's values repeated up to the next power of two (3 → 4, 33 → 64): a list then makes one of seven
 * statement texts, not one for each of its 50 possible lengths, and the statements prepared and cached by text
 * (statements.ts) serve again. A repeated value matches nothing more. Placeholders rather than one JSON array
 * (json_each): bound one by one, the values reach the planner, which estimates each one's rows from the index
 * statistics; given an array it cannot see into, it scanned the whole table to count two sectors in two countries.
 */
function padded<T>(list: T[]): T[] {
  const size = 2 ** Math.ceil(Math.log2(list.length));
  return Array.from({ length: size }, (_, index) => list[index % list.length]!);
}

/** A plain substring search over the pledges' text and their sources, as a condition on pledges p. */
function searchCondition(q: string): { sql: string; params: unknown[] } {
  const like = likePattern(q);
  const matches = (column: string) => `${column} LIKE ? ESCAPE '\\'`;
  const own = ['p.pledger', 'p.project', 'p.amount_note', 'p.context_note', 'p.sector', 'p.country'].map(matches);
  // The pledges with a matching source, found once per statement (a pass over the sources, kept in an
  // ephemeral index) rather than looked up for every pledge: half of a search's time at a million pledges.
  const sources = `p.id IN (SELECT s.pledge_id FROM pledge_sources s WHERE ${matches('s.url')} OR ${matches('s.title')})`;
  return { sql: `(${[...own, sources].join(' OR ')})`, params: Array(own.length + 2).fill(like) };
}

/** A LIKE pattern for text containing q, to use with ESCAPE '\\': % and _ typed by the reader are literal characters, not wildcards. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Searches a connection keeps the matches of, per data version. */
const SEARCHES_KEPT = 8;
const searchTables = new WeakSet<Db>();

/**
 * The pledges a search matches, found by one pass over search_texts (009: each pledge's text and its sources',
 * one LIKE a pledge) the first time a connection is asked for them at this data version, and kept in a
 * temporary table of that connection (never shared, gone with it) that every later statement reads by id: a
 * dashboard's dozen statements each made their own pass over six columns and the sources, 8.4 s for q=Nvidia
 * at a million pledges. A write moves the data version, which drops what was kept. Returns the condition on
 * pledges p.
 */
export function searchHits(db: Db, q: string): { sql: string; params: unknown[] } {
  if (!searchTables.has(db)) {
    // The temporary database's pages live in a file; its page cache gets the main database's small size, not
    // SQLite's 16 MB default (ten broad searches at a million pledges grew the server by 50 MB).
    db.pragma(`temp.cache_size = ${db.pragma('cache_size', { simple: true }) as number}`);
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS search_runs (version TEXT NOT NULL, q TEXT NOT NULL, PRIMARY KEY (version, q));
             CREATE TEMP TABLE IF NOT EXISTS search_hits (version TEXT NOT NULL, q TEXT NOT NULL, id INTEGER NOT NULL,
                                                          PRIMARY KEY (version, q, id)) WITHOUT ROWID;`);
    searchTables.add(db);
  }
  const version = databaseVersion(db);
  if (!statement(db, 'SELECT 1 FROM temp.search_runs WHERE version = ? AND q = ?').get(version, q)) {
    db.transaction(() => {
      statement(db, 'DELETE FROM temp.search_hits WHERE version <> ?').run(version);
      statement(db, 'DELETE FROM temp.search_runs WHERE version <> ?').run(version);
      const oldest = statement(db, 'SELECT q FROM temp.search_runs ORDER BY rowid DESC LIMIT -1 OFFSET ?').pluck().all(SEARCHES_KEPT - 1);
      for (const old of oldest) {
        statement(db, 'DELETE FROM temp.search_hits WHERE version = ? AND q = ?').run(version, old);
        statement(db, 'DELETE FROM temp.search_runs WHERE version = ? AND q = ?').run(version, old);
      }
      if (q.includes('\n')) {
        // Text with a line break could match across two fields of search_texts: matched field by field.
        const search = searchCondition(q);
        statement(db, `INSERT INTO temp.search_hits (version, q, id) SELECT ?, ?, p.id FROM pledges p WHERE ${search.sql}`).run(version, q, ...search.params);
      } else {
        statement(db, "INSERT INTO temp.search_hits (version, q, id) SELECT ?, ?, t.id FROM search_texts t WHERE t.text LIKE ? ESCAPE '\\'").run(version, q, likePattern(q));
      }
      statement(db, 'INSERT INTO temp.search_runs (version, q) VALUES (?, ?)').run(version, q);
    })();
  }
  return { sql: 'p.id IN (SELECT h.id FROM temp.search_hits h WHERE h.version = ? AND h.q = ?)', params: [version, q] };
}

// A pledge's source URLs in order, and its event ids, each space-separated: as the table and the CSV show them.
const SOURCE_URLS = `coalesce((SELECT group_concat(s.url, ' ' ORDER BY s.position) FROM pledge_sources s WHERE s.pledge_id = p.id), '')`;
const EVENT_IDS = `coalesce((SELECT group_concat(pe.event_id, ' ' ORDER BY pe.event_id) FROM pledge_events pe WHERE pe.pledge_id = p.id), '')`;

const LIST_COLUMNS = `
  p.*,
  ${PER_YEAR} AS per_year_usd,
  CASE WHEN p.amount_usd IS NOT NULL AND p.us_share_pct IS NOT NULL
       THEN CAST(round(p.amount_usd * p.us_share_pct / 100.0) AS INTEGER) END AS us_amount_usd,
  ${SOURCE_URLS} AS source_urls,
  ${EVENT_IDS} AS event_ids`;

export function countPledges(db: Db, filter: PledgeFilter = EMPTY_FILTER): number {
  const where = whereClause(filter, db);
  return statement(db, `SELECT count(*) FROM pledges p ${where.sql}`).pluck().get(...where.params) as number;
}

export function listPledges(
  db: Db,
  { filter = EMPTY_FILTER, sort = DEFAULT_SORT, limit = -1, offset = 0 }: { filter?: PledgeFilter; sort?: Sort; limit?: number; offset?: number } = {},
): PledgeListRow[] {
  const where = whereClause(filter, db);
  // The page's pledges are chosen first, by what the order reads; only those few are then read whole, with
  // their sources and events. SQLite computed every column of every matching row before sorting and skipping:
  // at a million pledges, /pledges?sector=Energy&page=51 took 237 ms against 66 now, the API's page 20 of the
  // stalled pledges 183 ms against 40.
  const order = orderBy(sort);
  // The per-year amount is computed for every matching row only when the order reads it.
  const chosen = sort.key === 'per_year' ? `p.id, ${PER_YEAR} AS per_year_usd` : 'p.id';
  return db
    .prepare(
      `SELECT ${LIST_COLUMNS}
         FROM (SELECT ${chosen} FROM pledges p ${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?) AS page
         CROSS JOIN pledges p ON p.id = page.id
        ORDER BY ${order}`,
    )
    .all(...where.params, limit, offset) as PledgeListRow[];
}

/** The export's query: exactly the CSV's columns, in its order (nothing computed that the file leaves out). */
export function exportSql(whereSql = ''): string {
  const columns = CSV_COLUMNS.map((column) =>
    column === 'source_urls' ? `${SOURCE_URLS} AS source_urls` : column === 'event_ids' ? `${EVENT_IDS} AS event_ids` : `p.${column}`,
  );
  return `SELECT ${columns.join(', ')} FROM pledges p ${whereSql} ORDER BY p.id`;
}

/** Every matching pledge in id order as an array of the CSV's columns, one row at a time: for the export. */
export function iterateExport(db: Db, filter: PledgeFilter = EMPTY_FILTER): IterableIterator<CsvCell[]> {
  const where = whereClause(filter, db);
  return db.prepare(exportSql(where.sql)).raw().iterate(...where.params) as IterableIterator<CsvCell[]>;
}

export function findPledge(db: Db, id: number): PledgeListRow | undefined {
  return statement(db, `SELECT ${LIST_COLUMNS} FROM pledges p WHERE p.id = ?`).get(id) as PledgeListRow | undefined;
}

export function sourcesOf(db: Db, pledgeId: number): Source[] {
  return statement(db, 'SELECT url, title FROM pledge_sources WHERE pledge_id = ? ORDER BY position').all(pledgeId) as Source[];
}

export type NewPledge = Omit<Pledge, 'id' | 'created_at' | 'updated_at'> & { sources: Source[] };

/**
 * Inserts a pledge with its sources; the caller wraps it in a transaction with whatever goes with it.
 * An id is given only by an import that restores exported rows.
 */
export function insertPledge(db: Db, pledge: NewPledge, requestedId: number | null = null): number {
  const { sources } = pledge;
  // Positional parameters: binding sixteen by name cost a fifth of the insert in a large import.
  const { lastInsertRowid } = statement(
    db,
    `INSERT INTO pledges (id, pledger, project, amount_usd, amount_note, us_share_pct, us_share_basis, announced_on,
       horizon_years, horizon_end, horizon_note, sector, country, status, lever, context_note)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    requestedId,
    pledge.pledger,
    pledge.project,
    pledge.amount_usd,
    pledge.amount_note,
    pledge.us_share_pct,
    pledge.us_share_basis,
    pledge.announced_on,
    pledge.horizon_years,
    pledge.horizon_end,
    pledge.horizon_note,
    pledge.sector,
    pledge.country,
    pledge.status,
    pledge.lever,
    pledge.context_note,
  );
  const id = Number(lastInsertRowid);
  const addSource = statement(db, 'INSERT INTO pledge_sources (pledge_id, position, url, title) VALUES (?, ?, ?, ?)');
  sources.forEach((source, position) => addSource.run(id, position, source.url, source.title));
  return id;
}

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

/** How many pledges of an ordered index summarize checks, in turn, before sorting what the filter matches. */
const RANKING_HEADS = [256, 4096];

/** The US part of a pledge, in whole dollars; NULL when the amount or the share is unknown. */
export const US_AMOUNT = 'CAST(round(amount_usd * us_share_pct / 100.0) AS INTEGER)';

export function summarize(db: Db, filter: PledgeFilter = EMPTY_FILTER, groups: CubeGroup[] = cubeOf(db, filter)): Summary {
  const where = whereClause(filter, db);
  const totals: Omit<Totals, 'us_share_pct'> = {
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
  // Each statement below reads one index that holds every column it reads, so that no table row is read. One
  // facet field chosen: that field's index (its entries, in date order). Two or more: no single-field index
  // narrows by both, and a skip-scan of the cube index, which holds every field, is faster. None (dates and
  // amounts alone): the date index, which holds the amounts too; left to itself the planner took the amount
  // index and read a table row for each pledge in the range (a third of a second for max=50,000,000 at a
  // million pledges, against 30-80 ms). A search reads the table whatever the index: the planner's choice.
  const chosen = FACET_FIELDS.filter((field) => filter[field].length > 0);
  const index =
    filter.q !== null ? null : chosen.length >= 2 ? 'pledges_cube_idx' : chosen.length === 1 ? `pledges_${chosen[0]}_idx` : 'pledges_announced_on_idx';
  const source = `pledges p ${index ? `INDEXED BY ${index}` : ''}`;
  const disclosed = `FROM ${source} ${where.sql ? `${where.sql} AND` : 'WHERE'} amount_usd IS NOT NULL`;
  const amountColumns = `id, pledger, project, amount_usd, us_share_pct, us_share_basis, ${US_AMOUNT} AS us_amount_usd,
              ${PER_YEAR} AS per_year_usd`;
  // The ranking reads only what an index holds (id, amount, horizon); the few winners are then read whole.
  // First the head of an index already in the ranking's order is checked against the filter, a few hundred
  // pledges, then a few thousand: when enough of them match, they are the top (nothing further down can rank
  // higher), and a filter matching a tenth of a million pledges is not sorted whole. A narrow filter, or one
  // whose pledges rank low (a maximum amount), falls through to sorting what it matches.
  const ranked = (order: string, walk: { index: string; order: string; where?: string; params?: unknown[] }, extra = '') => {
    let ids: [number][] = [];
    for (const head of RANKING_HEADS) {
      ids = statement(
        db,
        `SELECT p.id, ${PER_YEAR} AS per_year_usd
           FROM (SELECT p.id FROM pledges p INDEXED BY ${walk.index} WHERE p.amount_usd IS NOT NULL ${walk.where ?? ''}
                  ORDER BY ${walk.order} LIMIT ?) AS head
           CROSS JOIN pledges p ON p.id = head.id
           ${where.sql ? `${where.sql} AND` : 'WHERE'} p.amount_usd IS NOT NULL ${extra} ORDER BY ${order} LIMIT ?`,
      ).raw().all(...(walk.params ?? []), head, ...where.params, MAX_BARS) as [number][];
      if (ids.length === MAX_BARS) break;
    }
    if (ids.length < MAX_BARS) {
      ids = db.prepare(`SELECT id, ${PER_YEAR} AS per_year_usd ${disclosed} ${extra} ORDER BY ${order} LIMIT ?`).raw().all(...where.params, MAX_BARS) as [number][];
    }
    return ids.map(([id]) => statement(db, `SELECT ${amountColumns} FROM pledges p WHERE id = ?`).get(id) as PledgeAmountRow);
  };
  // An amount range is walked from its top, in the amount index (SQLite sorts only pledges of equal amounts by
  // id as it goes): the head of the range, not of all pledges, whose largest a maximum leaves out (at a million
  // pledges, max=1000000000 with a date: a sort of 700,000 pledges, 50–110 ms, against 1 ms).
  const range = [
    ...(filter.min !== null ? [{ sql: 'AND p.amount_usd >= ?', param: filter.min }] : []),
    ...(filter.max !== null ? [{ sql: 'AND p.amount_usd <= ?', param: filter.max }] : []),
  ];
  const byPledge = ranked(
    'p.amount_usd DESC, p.id ASC',
    range.length > 0
      ? { index: 'pledges_amount_idx', order: 'p.amount_usd DESC, p.id', where: range.map((term) => term.sql).join(' '), params: range.map((term) => term.param) }
      : { index: 'pledges_default_order_idx', order: '(p.amount_usd IS NULL), p.amount_usd DESC, p.id' },
  );
  const byPerYear = ranked('per_year_usd DESC, p.id ASC', { index: 'pledges_per_year_idx', order: `${PER_YEAR} DESC, p.id` }, `AND ${PER_YEAR} IS NOT NULL`);
  // Dates and amounts only, so that an index holding both serves it; names are looked up afterwards, and only
  // for the dates that have a single pledge and are drawn one by one.
  const byDate = db
    .prepare(
      `SELECT min(id) AS id, '' AS pledger, '' AS project, count(*) AS pledge_count, announced_on,
              sum(amount_usd) AS amount_usd,
              sum(coalesce(sum(amount_usd), 0)) OVER (ORDER BY announced_on ROWS UNBOUNDED PRECEDING) AS cumulative_usd
         FROM ${source} ${where.sql} GROUP BY announced_on ORDER BY announced_on`,
    )
    .all(...where.params) as TimelineRow[];
  const { rows: timeline, grouping: timelineGrouping } = coarsenTimeline(byDate);
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
    totals: { ...totals, us_share_pct },
    by_pledge: byPledge,
    others,
    by_per_year: byPerYear,
    no_horizon_count: noHorizon,
    timeline,
    timeline_grouping: timelineGrouping,
    by_lever: byLever,
  };
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

export interface StatusStep {
  status: Status;
  changed_on: string;
  evidence_url: string | null;
}

/** The announcement, then every recorded status change, oldest first. */
export function statusTimeline(db: Db, pledge: Pick<Pledge, 'id' | 'announced_on'>): StatusStep[] {
  const first = statement(db, 'SELECT url FROM pledge_sources WHERE pledge_id = ? ORDER BY position LIMIT 1').pluck().get(pledge.id) as
    | string
    | undefined;
  const changes = db
    .prepare('SELECT status, changed_on, evidence_url FROM status_changes WHERE pledge_id = ? ORDER BY changed_on, id')
    .all(pledge.id) as StatusStep[];
  return [{ status: 'announced', changed_on: pledge.announced_on, evidence_url: first ?? null }, ...changes];
}

export function eventIdsOf(db: Db, pledgeId: number): number[] {
  return statement(db, 'SELECT event_id FROM pledge_events WHERE pledge_id = ? ORDER BY event_id').pluck().all(pledgeId) as number[];
}

export interface PledgeWrite {
  pledge: NewPledge;
  eventIds: number[];
  reason: string;
  statusChange: { changed_on: string; evidence_url: string } | null;
}

/** What the revision log compares: every editable field, the sources and the linked events. */
/** What an edit would change, without writing: for an import's preview. Null when the pledge is gone. */
export function pendingChanges(db: Db, id: number, write: PledgeWrite): Changes | null {
  const before = snapshot(db, id);
  return before && diff(before, asSnapshot(write));
}

/** The pledge an import row without an id means: same pledger, project and announcement date. */
export function findPledgeByIdentity(db: Db, pledger: string, project: string, announcedOn: string): number | undefined {
  return statement(db, 'SELECT id FROM pledges WHERE pledger = ? AND project = ? AND announced_on = ? ORDER BY id LIMIT 1')
    .pluck()
    .get(pledger, project, announcedOn) as number | undefined;
}

function snapshot(db: Db, id: number): Record<string, unknown> | null {
  const row = statement(db, 'SELECT * FROM pledges WHERE id = ?').get(id) as Pledge | undefined;
  if (!row) return null;
  const { id: _id, created_at: _createdAt, updated_at: _updatedAt, ...fields } = row;
  return { ...fields, sources: sourcesOf(db, id), event_ids: eventIdsOf(db, id) };
}

function fieldsOf(pledge: NewPledge): Omit<NewPledge, 'sources'> {
  const { sources: _sources, ...fields } = pledge;
  return fields;
}

function asSnapshot(write: PledgeWrite): Record<string, unknown> {
  return { ...fieldsOf(write.pledge), sources: write.pledge.sources, event_ids: write.eventIds };
}

/** Writes a pledge's sources, event links and status step; `created`: it has none yet, nothing to delete. */
function replaceLinks(db: Db, id: number, write: PledgeWrite, created = false): void {
  if (!created) statement(db, 'DELETE FROM pledge_sources WHERE pledge_id = ?').run(id);
  const addSource = statement(db, 'INSERT INTO pledge_sources (pledge_id, position, url, title) VALUES (?, ?, ?, ?)');
  write.pledge.sources.forEach((source, position) => addSource.run(id, position, source.url, source.title));
  if (!created) statement(db, 'DELETE FROM pledge_events WHERE pledge_id = ?').run(id);
  const link = statement(db, 'INSERT INTO pledge_events (pledge_id, event_id) VALUES (?, ?)');
  for (const eventId of write.eventIds) link.run(id, eventId);
  if (write.statusChange) {
    statement(db, 'INSERT INTO status_changes (pledge_id, status, changed_on, evidence_url) VALUES (?, ?, ?, ?)').run(
      id,
      write.pledge.status,
      write.statusChange.changed_on,
      write.statusChange.evidence_url,
    );
  }
}

/** Adds a pledge with its sources, events, status step and revision, all or nothing. */
export function createPledge(db: Db, write: PledgeWrite, editor: Author, id: number | null = null): number {
  return db.transaction(() => addPledgeWithRevision(db, write, editor, id)).immediate();
}

/** Applies an edit; returns false when the pledge does not exist. An edit that changes nothing writes nothing. */
export function updatePledge(db: Db, id: number, write: PledgeWrite, editor: Author): boolean {
  return db.transaction(() => {
    const before = snapshot(db, id);
    if (!before) return false;
    changePledgeWithRevision(db, id, write, editor, diff(before, asSnapshot(write)));
    return true;
  }).immediate();
}

/** Pure: the changes a pledge's creation revision records (every field with a value), from the write itself. */
export function creationChanges(write: PledgeWrite): Changes {
  return diff(null, asSnapshot(write));
}

/**
 * The body of createPledge, for a caller that already holds a transaction (an import of many rows), which may
 * have written the creation's changes as JSON already (on another thread).
 */
export function addPledgeWithRevision(db: Db, write: PledgeWrite, editor: Author, id: number | null = null, changes: Changes | string = creationChanges(write)): number {
  const created = insertPledge(db, { ...write.pledge, sources: [] }, id);
  replaceLinks(db, created, write, true);
  recordRevision(db, { entity: 'pledge', entityId: created, action: 'create', editor, changes, reason: write.reason });
  return created;
}

/** The body of updatePledge, given the changes already computed; inside the caller's transaction. */
export function changePledgeWithRevision(db: Db, id: number, write: PledgeWrite, editor: Author, changes: Changes): void {
  if (Object.keys(changes).length === 0) return;
  statement(
    db,
    `UPDATE pledges SET pledger = @pledger, project = @project, amount_usd = @amount_usd, amount_note = @amount_note,
       us_share_pct = @us_share_pct, us_share_basis = @us_share_basis, announced_on = @announced_on,
       horizon_years = @horizon_years, horizon_end = @horizon_end, horizon_note = @horizon_note, sector = @sector,
       country = @country, status = @status, lever = @lever, context_note = @context_note,
       updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
     WHERE id = @id`,
  ).run({ ...fieldsOf(write.pledge), id });
  replaceLinks(db, id, write);
  recordRevision(db, { entity: 'pledge', entityId: id, action: 'update', editor, changes, reason: write.reason });
}

/** Deletes a pledge; its revision keeps every value it had. Returns false when there was nothing to delete. */
export function deletePledge(db: Db, id: number, editor: Author, reason: string): boolean {
  return db.transaction(() => {
    const before = snapshot(db, id);
    if (!before) return false;
    statement(db, 'DELETE FROM pledges WHERE id = ?').run(id);
    recordRevision(db, { entity: 'pledge', entityId: id, action: 'delete', editor, changes: diff(before, null), reason });
    return true;
  }).immediate();
}

export function pledgeExists(db: Db, id: number): boolean {
  return statement(db, 'SELECT 1 FROM pledges WHERE id = ?').get(id) !== undefined;
}

export interface FacetValue {
  value: string;
  pledge_count: number;
  amount_usd: number;
}

export interface Facet {
  field: FacetField;
  values: FacetValue[];
  /** How many distinct values there are in all; the view shows the first few. */
  distinct: number;
}

/** The fields a reader narrows by from the facets; the grouped pass of pledges.cube.ts groups by all but pledger. */
export const FACET_FIELDS = ['sector', 'status', 'country', 'lever', 'pledger'] as const satisfies readonly ListParam[];
export type FacetField = (typeof FACET_FIELDS)[number];
type CubeField = (typeof CUBE_FIELDS)[number];

/**
 * Each field's values among the matching pledges, with their count and summed amount. A field's own
 * selections are left out of its counts, so choosing a second sector shows what it would add.
 */
export function facets(
  db: Db,
  filter: PledgeFilter,
  limit = 10,
  groups: CubeGroup[] = cubeOf(db, filter),
  pledgers: FacetValue[] = pledgerValues(db, filter),
): Facet[] {
  const values = new Map(CUBE_FIELDS.map((field) => [field, new Map<string, FacetValue>()]));
  const add = (field: FacetField, group: CubeGroup) => {
    const value = group[field as CubeField];
    if (value === '') return;
    const byValue = values.get(field as CubeField)!;
    const row = byValue.get(value);
    if (row) {
      row.pledge_count += group.pledge_count;
      row.amount_usd += group.amount_usd;
    } else byValue.set(value, { value, pledge_count: group.pledge_count, amount_usd: group.amount_usd });
  };
  // One pass: a group meeting every selection counts in every facet; one missing a single field's selection
  // counts only in that field's facet (whose own selection is left out); any other group in none.
  for (const group of groups) {
    const missed = unmatchedField(group, filter);
    if (missed === null) for (const field of CUBE_FIELDS) add(field, group);
    else if (missed !== MANY) add(missed, group);
  }
  return FACET_FIELDS.map((field) => {
    const all = field === 'pledger' ? pledgers : [...values.get(field)!.values()].sort(byCountThenValue);
    return { field, values: all.slice(0, limit), distinct: all.length };
  });
}

const byCountThenValue = (a: FacetValue, b: FacetValue) => b.pledge_count - a.pledge_count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/** The pledger facet: every pledger among the pledges matching the filter but for its pledger selection. */
export function pledgerValues(db: Db, filter: PledgeFilter): FacetValue[] {
  if (isEmptyFilter({ ...filter, pledger: [], from: null, to: null })) return pledgersByMonth(db, filter.from, filter.to);
  const where = whereClause({ ...filter, pledger: [] }, db);
  // With a sector, status, country or lever chosen, the cube index holds every column this reads; left to
  // itself the planner may walk the pledger index and read each table row (seconds at a million pledges).
  // A search reads its own matches by id: the planner's choice.
  const grouped = filter.q === null && CUBE_FIELDS.some((field) => filter[field].length > 0);
  const rows = statement(
    db,
    `SELECT pledger AS value, count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd
       FROM pledges p ${grouped ? 'INDEXED BY pledges_cube_idx' : ''} ${where.sql} GROUP BY pledger`,
  ).all(...where.params) as FacetValue[];
  return rows.sort(byCountThenValue);
}

/**
 * The pledger facet of the pledges announced from `from` up to `to` (either may be null), from pledger_months
 * (migration 008): the periods the range covers whole are added up, and only the pledges of a month it cuts (a
 * range starting or ending on a day) are read, through the date index. A period's smallest date is the period
 * itself ('2025-04', or '2025' for a year alone), and every date in a month starts with the month.
 */
export function pledgersByMonth(db: Db, from: string | null, to: string | null): FacetValue[] {
  const end = to === null ? null : dateAfter(to);
  const before = end === null ? null : end.slice(0, 7);
  const whole = statement(
    db,
    `SELECT pledger AS value, sum(pledge_count) AS pledge_count, sum(amount_usd) AS amount_usd
       FROM pledger_months WHERE period >= ? ${before === null ? '' : 'AND period < ?'} GROUP BY pledger`,
  ).all(...[from ?? '', ...(before === null ? [] : [before])]) as FacetValue[];
  const cut = new Set([from, end].filter((date): date is string => date !== null && date.length === 10).map((date) => date.slice(0, 7)));
  if (cut.size === 0) return whole.sort(byCountThenValue);
  const values = new Map(whole.map((row) => [row.value, row]));
  for (const month of cut) {
    const low = from !== null && from > month ? from : month;
    const next = dateAfter(month);
    const high = end !== null && end < next ? end : next;
    const rows = statement(
      db,
      `SELECT pledger AS value, count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd
         FROM pledges p INDEXED BY pledges_announced_on_idx WHERE p.announced_on >= ? AND p.announced_on < ? GROUP BY pledger`,
    ).all(low, high) as FacetValue[];
    for (const row of rows) {
      const known = values.get(row.value);
      if (!known) values.set(row.value, row);
      else {
        known.pledge_count += row.pledge_count;
        known.amount_usd += row.amount_usd;
      }
    }
  }
  return [...values.values()].sort(byCountThenValue);
}

/** The index the import looks rows up by (pledger + project + date): kept through a bulk load. */
export const IDENTITY_INDEX = 'pledges_identity_idx';
