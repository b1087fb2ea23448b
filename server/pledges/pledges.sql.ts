// A filter as SQL over pledges p: the WHERE clause with its parameters bound, the search, the sort orders,
// and the expressions every query shares (per year, US amount).
import type { Db } from '../platform/db.ts';
import { heldIds, heldIdsIn, holdGivenIds, holdIds, idsJson, keepHeldIds, keptIdsIn, type HeldIds, type KeptSet, type ProbeColumn } from '../platform/kept-ids.ts';
import { statement } from '../platform/statements.ts';
import { datedBy, EMPTY_FILTER, isEmptyFilter, type PledgeFilter } from './pledges.filter.ts';
import { stepCondition, stepLedgerIds, usPart } from './pledges.waterfall.sql.ts';
import { overdueByIndex, overdueCondition, statusAsOf } from './pledges.dates.sql.ts';
import type { WaterfallStep } from './pledge.model.ts';

export { DUE_ON, keptStatuses, overdueByIndex, overdueCondition, spansAt, statusAsOf } from './pledges.dates.sql.ts';

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

/** Whether a sort is the table's default order (undisclosed amounts last, the largest first, then by id). */
export function isDefaultSort(sort: Sort): boolean {
  return sort.key === DEFAULT_SORT.key && sort.descending === DEFAULT_SORT.descending;
}

/** `amount`, `-announced`, …; anything else falls back to the default order. */
export function parseSort(value: unknown): Sort {
  if (typeof value !== 'string') return DEFAULT_SORT;
  const descending = value.startsWith('-');
  const key = descending ? value.slice(1) : value;
  return (SORT_KEYS as string[]).includes(key) ? { key: key as SortKey, descending } : DEFAULT_SORT;
}

export function orderBy(sort: Sort): string {
  const direction = sort.descending ? 'DESC' : 'ASC';
  // Unknown values (an undisclosed amount, an unknown share) go last in either direction; ties by id, oldest first.
  return `${SORTS[sort.key]} IS NULL, ${SORTS[sort.key]} ${direction}, p.id ASC`;
}

// Years a pledge runs: its stated horizon, or from its start (else the announcement) to the end of its end date,
// counted in calendar months (and days over 30.4375 a month), so that 1 July 2024 to 30 June 2025 is one year
// exactly. NULL when unknown. The same text as pledges_per_year_idx (migration 011).
const START = `coalesce(p.horizon_start, substr(p.announced_on || '-01-01', 1, 10))`;
const AFTER_END = `date(p.horizon_end, '+1 day')`;
const YEARS = `CASE
  WHEN p.horizon_years IS NOT NULL THEN p.horizon_years
  WHEN p.horizon_end IS NOT NULL AND p.horizon_end >= ${START}
  THEN ((strftime('%Y', ${AFTER_END}) - strftime('%Y', ${START})) * 12 + strftime('%m', ${AFTER_END}) - strftime('%m', ${START})
        + (strftime('%d', ${AFTER_END}) - strftime('%d', ${START})) / 30.4375) / 12.0
END`;

/**
 * A disclosed pledge with no horizon to spread it over (PER_YEAR is then NULL), without the date arithmetic: the
 * same text as the amount bands' no_horizon_count (migration 012).
 */
export const NO_HORIZON = `p.horizon_years IS NULL AND NOT coalesce(p.horizon_end IS NOT NULL AND p.horizon_end >= ${START}, 0)`;

/** Amount per year of the horizon, in whole dollars: $500B over four years compares with $80B in one. */
export const PER_YEAR = `CAST(round(p.amount_usd / (${YEARS})) AS INTEGER)`;

/** The index holding every announced pledge by the first day it is overdue (migration 018). */
export const OVERDUE_INDEX = 'pledges_overdue_idx';

/**
 * The filter as a WHERE clause over pledges p, with its parameters bound. Given the connection the clause will
 * run on, a search reads the pledges it matches from that connection's search table (searchHits) instead of
 * matching text in every statement; probe: looked up there for each pledge (keptIdsIn), for a statement that
 * reads few pledges from another table first (by that table's column, when given).
 */
export function whereClause(filter: PledgeFilter, db?: Db, probe: boolean | ProbeColumn = false): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const anyOf = (column: string, list: string[]) => {
    if (list.length === 0) return;
    const values = padded(list);
    conditions.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  anyOf('p.sector', filter.sector);
  if (filter.as_of !== null && filter.status.length > 0) {
    // The status on the as-of date; the pledges announced after it are left out below.
    const status = statusAsOf(filter.as_of, db);
    const values = padded(filter.status);
    conditions.push(`${status.sql} IN (${values.map(() => '?').join(', ')})`);
    params.push(...status.params, ...values);
  } else {
    anyOf('p.status', filter.status);
  }
  anyOf('p.country', filter.country);
  anyOf('p.pledger', filter.pledger);
  // A list whose one word (none, unknown) matches the pledges with nothing recorded.
  const anyOrNull = (column: string, list: string[], nullWord: string) => {
    if (list.length === 0) return;
    const named = padded(list.filter((value) => value !== nullWord));
    const parts = named.length > 0 ? [`${column} IN (${named.map(() => '?').join(', ')})`] : [];
    if (list.includes(nullWord)) parts.push(`${column} IS NULL`);
    conditions.push(`(${parts.join(' OR ')})`);
    params.push(...named);
  };
  anyOrNull('p.lever', filter.lever, 'none');
  anyOrNull('p.pledger_kind', filter.pledger_kind, 'unknown');
  anyOrNull('p.commitment_kind', filter.commitment_kind, 'unknown');
  if (filter.from !== null) {
    conditions.push('p.announced_on >= ?');
    params.push(filter.from);
  }
  if (filter.to !== null) {
    conditions.push('p.announced_on < ?');
    params.push(datedBy(filter.to));
  }
  if (filter.as_of !== null) {
    // Announced by the as-of date: a date given to the month or the year counts from its first day, as `to` reads it.
    conditions.push('p.announced_on < ?');
    params.push(datedBy(filter.as_of));
  }
  if (filter.min !== null) {
    conditions.push('p.amount_usd >= ?');
    params.push(filter.min);
  }
  if (filter.max !== null) {
    conditions.push('p.amount_usd <= ?');
    params.push(filter.max);
  }
  if (filter.overdue) {
    const overdue = overdueCondition(filter.on, filter.as_of !== null, db);
    conditions.push(overdue.sql);
    params.push(...overdue.params);
  }
  if (filter.q !== null) {
    const search = db ? searchHits(db, filter.q, probe) : searchCondition(filter.q);
    conditions.push(search.sql);
    params.push(...search.params);
  }
  if (filter.step !== null) {
    // A step's pledges are those of the rest of the filter that the step took dollars from: the waterfall of
    // the view without the step decides, and its conditions apply as well. Its ledger reads the view's related
    // pledges (ledgerWhere).
    const base = { ...filter, step: null };
    const step = stepCondition(filter.step, ledgerWhere(base, db), db && { db, key: stepListsKey(filter) });
    conditions.push(step.sql);
    params.push(...step.params);
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

/**
 * The pledges of the ledger that the filter's step lists (stepLedgerIds), ascending: the waterfall of the view
 * without the step decides, as in whereClause, whose kept run they share.
 */
export function stepLedgerMatches(db: Db, filter: PledgeFilter & { step: WaterfallStep }): number[] {
  const base = { ...filter, step: null };
  return stepLedgerIds(db, filter.step, ledgerWhere(base, db), stepListsKey(filter));
}

/** The key a step view's lists are kept under (stepCondition, stepLedgerMatches): the view without its step. */
export function stepListsKey(filter: PledgeFilter): string {
  return JSON.stringify({ ...filter, step: null });
}

/**
 * The filter's WHERE clause for the waterfall's ledger, which reads the view's related pledges (pledge_ledger:
 * 50,441 rows of a million pledges): each looked up among a search's matches, rather than each match looked up
 * there (409,113 of `ing`: 26-27 ms against 107-110 to copy the view's related pledges; 1,072 of `center 12`: 12
 * ms against 1). computeWaterfall reads them so too.
 */
export function ledgerWhere(filter: PledgeFilter, db?: Db): { sql: string; params: unknown[] } {
  return whereClause(filter, db, true);
}

/**
 * A list's values repeated up to the next power of two (3 → 4, 33 → 64): a list then makes one of seven
 * statement texts, not one for each of its 50 possible lengths, and the statements prepared and cached by text
 * (statements.ts) serve again. A repeated value matches nothing more. Placeholders rather than one JSON array
 * (json_each): bound one by one, the values reach the planner, which estimates each one's rows from the index
 * statistics; given an array it cannot see into, it scanned the whole table to count two sectors in two countries.
 */
export function padded<T>(list: T[]): T[] {
  const size = 2 ** Math.ceil(Math.log2(list.length));
  return Array.from({ length: size }, (_, index) => list[index % list.length]!);
}

/** A plain substring search over the pledges' text and their sources, as a condition on pledges p. */
function searchCondition(q: string): { sql: string; params: unknown[] } {
  const like = likePattern(q);
  const matches = (column: string) => `${column} LIKE ? ESCAPE '\\'`;
  const own = ['p.pledger', 'p.project', 'p.amount_note', 'p.context_note', 'p.sector', 'p.country'].map(matches);
  // The pledges with a matching source, found once per statement (a pass over the sources, kept in an
  // ephemeral index) rather than looked up once per pledge.
  const sources = `p.id IN (SELECT s.pledge_id FROM pledge_sources s WHERE ${matches('s.url')} OR ${matches('s.title')})`;
  return { sql: `(${[...own, sources].join(' OR ')})`, params: Array(own.length + 2).fill(like) };
}

/** A LIKE pattern for text containing q, to use with ESCAPE '\\': % and _ typed by the reader are literal characters, not wildcards. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** The searches a connection keeps the matches of, per data version. */
const SEARCHES: KeptSet = { name: 'search', kept: 8 };

/** The fewest characters a term needs for the trigram index (023) to narrow its search: one trigram. */
const TRIGRAM_LENGTH = 3;

/**
 * A term the trigram index finds exactly as the LIKE does: three printable ASCII characters (one trigram, whose
 * case both fold alike) without a k or an s, the two ASCII letters that the index's folding also makes of characters
 * outside ASCII (the Kelvin sign U+212A, the long s U+017F: every character to U+FFFF tried), which LIKE does not.
 * 409,113 matches of "ing" at a million pledges: 282 ms with the LIKE, about 150 without.
 */
const ONE_TRIGRAM = /^[\x20-\x7e]{3}$/;
const FOLDED_INTO_ASCII = /[ks]/i;

/** Whether the trigram index alone finds the term's matches, without reading their texts (ONE_TRIGRAM). */
function indexAlone(q: string): boolean {
  return ONE_TRIGRAM.test(q) && !FOLDED_INTO_ASCII.test(q) && trigrams(q) !== null;
}

/**
 * The pledges a search matches, held in memory the first time a connection is asked for them at this data version
 * (platform/kept-ids.ts), for its later statements. Returns the condition on pledges p: probe, each pledge looked
 * up among the held matches; else read from the matches kept as a temporary table too (keptSearch). Each pledge's
 * text and its sources' (search_texts, 009) is matched with one LIKE; a term of three characters or more is matched
 * only in the texts holding each of its trigrams (search_fts, 023), a shorter one in every text.
 */
export function searchHits(db: Db, q: string, probe: boolean | ProbeColumn = false): { sql: string; params: unknown[] } {
  if (probe) return heldIdsIn(heldSearch(db, q), probe === true ? 'p.id' : probe);
  return keptIdsIn(SEARCHES, keptSearch(db, q));
}

/** Holds the search's matches in memory (searchHits). */
function heldSearch(db: Db, q: string): HeldIds {
  return holdIds(db, SEARCHES, q, searchSelect(q));
}

/** Keeps the search's held matches as a temporary table too, for a statement that reads them all; returns the run. */
function keptSearch(db: Db, q: string): number {
  return keepHeldIds(db, SEARCHES, q, () => heldSearch(db, q));
}

/**
 * The statement giving the ids (column `id`) of the pledges a search matches (searchHits); from: those from that
 * id on, below: those below it (the halves of a search the server's thread and the waterfall helper share).
 */
function searchSelect(q: string, { from = null, below = null }: { from?: number | null; below?: number | null } = {}): { sql: string; params: unknown[] } {
  const pieces = trigrams(q);
  const range = (column: string) => `${from === null ? '' : ` AND ${column} >= ?`}${below === null ? '' : ` AND ${column} < ?`}`;
  const bounds = [...(from === null ? [] : [from]), ...(below === null ? [] : [below])];
  if (q.includes('\n')) {
    // Text with a line break could match across two fields of search_texts: matched field by field.
    const search = searchCondition(q);
    return { sql: `SELECT p.id AS id FROM pledges p WHERE ${search.sql}${range('p.id')}`, params: [...search.params, ...bounds] };
  }
  if (pieces !== null && indexAlone(q)) {
    // The term is its one trigram: the index alone names the texts holding it, without reading them.
    return { sql: `SELECT f.rowid AS id FROM search_fts f WHERE search_fts MATCH ?${range('f.rowid')}`, params: [pieces, ...bounds] };
  }
  if (pieces !== null) {
    // The index names the texts holding every trigram (anywhere, in any order); the LIKE keeps those holding the term.
    return {
      sql: `SELECT t.id AS id FROM search_fts f CROSS JOIN search_texts t ON t.id = f.rowid
             WHERE search_fts MATCH ?${range('f.rowid')} AND t.text LIKE ? ESCAPE '\\'`,
      params: [pieces, ...bounds, likePattern(q)],
    };
  }
  return { sql: `SELECT t.id AS id FROM search_texts t WHERE t.text LIKE ? ESCAPE '\\'${range('t.id')}`, params: [likePattern(q), ...bounds] };
}

/**
 * The ids of a search's matches from the id `from` on, or below the id `below`, as SQLite writes them (a JSON array,
 * in the order found: by id, which holdSearchMatches checks): the half of a search one thread finds while another
 * finds the other half (dashboard.reads.ts).
 */
export function searchMatchesJson(db: Db, q: string, range: { from: number } | { below: number }): string {
  return idsJson(db, searchSelect(q, range));
}

/** Whether finding a search's matches reads texts (a LIKE), unlike a term that is its one trigram (searchSelect). */
export function searchReadsTexts(q: string): boolean {
  return !indexAlone(q);
}

/** How many pledges a search matches: its matches found and held (searchHits) if they are not yet. */
export function searchMatchCount(db: Db, q: string): number {
  return heldSearch(db, q).ids.length;
}

/** Whether a search's matches are held at the connection's data version (searchMatchIds then finds nothing). */
export function searchHeld(db: Db, q: string): boolean {
  return heldIds(db, SEARCHES, q) !== undefined;
}

/** Holds a search's matches found in halves (searchMatchesJson) as its own, for its later statements. */
export function holdSearchMatches(db: Db, q: string, ids: number[]): readonly number[] {
  return holdGivenIds(db, SEARCHES, q, ids).ids;
}

/** Whether the filter is a search and nothing else: its pledges are its kept matches. */
function isSearchAlone(filter: PledgeFilter): boolean {
  return filter.q !== null && isEmptyFilter({ ...filter, q: null });
}

/** How many pledges a search matches, from its held matches (found and held first if they are not yet). */
export function searchMatches(db: Db, q: string): number {
  return heldSearch(db, q).ids.length;
}

/** The ids of the pledges a search matches, ascending, from its held matches (found and held first if they are not yet). */
export function searchMatchIds(db: Db, q: string): readonly number[] {
  return heldSearch(db, q).ids;
}

/**
 * The term's trigrams (characters, not UTF-16 units) as an FTS5 query asking for all of them, each a quoted
 * string (so that no character of the term is query syntax); null for a term too short to have one, or holding
 * a NUL character, which ends an FTS5 query's text (LIKE then reads the term as it always did).
 */
function trigrams(q: string): string | null {
  const characters = [...q];
  if (characters.length < TRIGRAM_LENGTH || q.includes('\0')) return null;
  const pieces = new Set<string>();
  for (let index = 0; index + TRIGRAM_LENGTH <= characters.length; index++) {
    pieces.add(`"${characters.slice(index, index + TRIGRAM_LENGTH).join('').replaceAll('"', '""')}"`);
  }
  return [...pieces].join(' AND ');
}

/**
 * The largest pledge id, 0 with none: it stands for the number of pledges where an estimate serves (a page's walk, the
 * events' top pledges, where a search is split), read from the table's b-tree at once, unlike count(*).
 */
export function lastPledgeId(db: Db): number {
  return (statement(db, 'SELECT max(id) FROM pledges').pluck().get() as number | null) ?? 0;
}

/** The index in the table's default order: undisclosed amounts last, the largest first, then by id (migration 004). */
const DEFAULT_ORDER_INDEX = 'pledges_default_order_idx';

/**
 * The index to choose a page of the view's pledges through, or null for the planner's choice (reading every match,
 * then sorting). In the default order, walking the index from the largest amount and keeping the matches stops at
 * the page's last one: about (offset + limit) × pledges / matches entries, each read whole where the planner's
 * choice reads an index entry, so the walk is taken when it is under a quarter of the matches. First page, 1M
 * pledges: Nvidia's 27,804 search matches 14 ms walked against 1.3 s read by id (cold); the 93,229 overdue 5 ms
 * against 580 ms. A rare match (a long walk) or a deep page keeps the planner's choice, and so does a view whose
 * matches an amount range puts at one end of the order. A past day's view walks too (its statuses then are worked
 * out for the pledges walked): energy as of 2024-06-30, 1M pledges, 93-186 ms read by id and sorted.
 * matches: how many pledges the view has, when the caller knows; a search alone counts its kept matches.
 */
export function pageIndex(db: Db, filter: PledgeFilter, sort: Sort, end: number, matches?: number): string | null {
  if (!isDefaultSort(sort) || end <= 0) return null;
  if (filter.min !== null || filter.max !== null) return null;
  const known = matches ?? (isSearchAlone(filter) ? searchMatches(db, filter.q!) : undefined);
  if (known === undefined || known === 0) return null;
  const pledges = lastPledgeId(db);
  return 4 * end * pledges < known * pledgesRead(db, filter, known) ? DEFAULT_ORDER_INDEX : null;
}

/**
 * How many pledges a statement reads that starts from the view's pledges (matches: the view's count), as the
 * planner chooses it: a search's every match by id, whatever the view selects besides (7,507 of Expansion's 100,110
 * matches are in Japan: its dashboard's table 88-120 ms read so, 5-8 ms walked in the table's order), else the
 * view's own pledges.
 */
export function pledgesRead(db: Db, filter: PledgeFilter, matches: number): number {
  return filter.q === null || isSearchAlone(filter) ? matches : searchMatches(db, filter.q);
}

/** The US part of a pledge, in whole dollars (integer arithmetic, rounded half up); NULL when the amount or the share is unknown. */
export const US_AMOUNT = usPart('amount_usd', 'us_share_pct');

/** How many pledges the filter matches. */
export function countPledges(db: Db, filter: PledgeFilter = EMPTY_FILTER): number {
  // A search alone: its kept matches, without reading a pledge.
  if (isSearchAlone(filter)) return searchMatches(db, filter.q!);
  const where = whereClause(filter, db);
  // The overdue pledges are counted in their own index, which holds every field a filter names but the text
  // searched (read by id) and a waterfall step's relations; without statistics the planner may walk the status
  // index and read a table row for each announced pledge.
  const own = overdueByIndex(filter) && filter.q === null && filter.step === null ? `INDEXED BY ${OVERDUE_INDEX}` : '';
  return statement(db, `SELECT count(*) FROM pledges p ${own} ${where.sql}`).pluck().get(...where.params) as number;
}
