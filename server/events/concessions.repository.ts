// The concessions and the pledges they answered, one row per pair, for /concessions, its CSV, its JSON and the
// timeline's joins: the pledges' filter applies to the pledge, `types` to the concession.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import type { CsvCell } from '../pledges/pledges.csv.ts';
import { datedBy, EMPTY_FILTER, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { pledgesRead, whereClause } from '../pledges/pledges.sql.ts';
import { CONCESSION_CSV_COLUMNS, type ConcessionRow, type ConcessionType } from './event.model.ts';

export interface ConcessionFilter {
  pledges: PledgeFilter;
  /** Empty: every type. */
  types: ConcessionType[];
}

export const EMPTY_CONCESSION_FILTER: ConcessionFilter = { pledges: EMPTY_FILTER, types: [] };

// Days only when both dates have one: a month-only date gives no count of days.
const DAYS_BETWEEN = `CASE WHEN length(e.occurred_on) = 10 AND length(p.announced_on) = 10
  THEN CAST(julianday(e.occurred_on) - julianday(p.announced_on) AS INTEGER) END`;

const SOURCE_URLS = `trim(coalesce(e.source_url, '') || coalesce((SELECT ' ' || group_concat(s.url, ' ' ORDER BY s.position)
  FROM event_sources s WHERE s.event_id = e.id), ''))`;

const COLUMNS: Record<(typeof CONCESSION_CSV_COLUMNS)[number], string> = {
  pledge_id: 'p.id',
  pledger: 'p.pledger',
  project: 'p.project',
  amount_usd: 'p.amount_usd',
  announced_on: 'p.announced_on',
  concession_id: 'e.id',
  concession: 'e.title',
  concession_type: 'e.concession_type',
  occurred_on: 'e.occurred_on',
  days_between: DAYS_BETWEEN,
  source_urls: SOURCE_URLS,
  note: 'e.note',
};
const SELECT = CONCESSION_CSV_COLUMNS.map((column) => `${COLUMNS[column]} AS ${column}`).join(', ');

/**
 * A statement over the pairs (concession e, pledge p): it starts from the concessions (a partial index holds them)
 * and tries the pledges' filter only on the pledges they answered, never on every pledge the filter matches. With
 * fromPledges, the other way: the filter's pledges first (through its own index), each looked up among the links
 * by its id, for a view with fewer pledges than there are links (readConcessionLinks): at a million generated
 * pledges, 20,000 links are 20,000 rows of the wide table read for a pledger's 14,000 pledges read from an index.
 */
function concessionsQuery(db: Db, filter: ConcessionFilter, select: string, tail = '', fromPledges = false): { sql: string; params: unknown[] } {
  // From the concessions, each pledge they answered is looked up among a search's matches by the link's id, before
  // its row is read: only the matches' rows are (at a million pledges, 20,000 links' rows read cold took 240 ms).
  const where = whereClause(filter.pledges, db, fromPledges ? false : 'pe.pledge_id');
  const types = filter.types.length > 0 ? `AND e.concession_type IN (${filter.types.map(() => '?').join(', ')})` : '';
  // As of a date: the concessions dated by then (the pledges' filter leaves out those announced later).
  const asOf = filter.pledges.as_of;
  const joins = fromPledges
    ? 'pledges p CROSS JOIN pledge_events pe ON pe.pledge_id = p.id CROSS JOIN events e ON e.id = pe.event_id'
    : 'events e CROSS JOIN pledge_events pe ON pe.event_id = e.id CROSS JOIN pledges p ON p.id = pe.pledge_id';
  return {
    sql: `SELECT ${select}
            FROM ${joins}
           WHERE e.kind = 'concession' ${types} ${asOf === null ? '' : 'AND e.occurred_on < ?'} ${where.sql.replace(/^WHERE /, 'AND ')} ${tail}`,
    params: [...filter.types, ...(asOf === null ? [] : [datedBy(asOf)]), ...where.params],
  };
}

const ORDER = 'ORDER BY e.occurred_on, e.id, p.announced_on, p.id';

/** How many links there are between concessions and pledges. */
export function countConcessionLinks(db: Db): number {
  return statement(db, "SELECT count(*) FROM events e CROSS JOIN pledge_events pe ON pe.event_id = e.id WHERE e.kind = 'concession'").pluck().get() as number;
}

/**
 * viewPledges: how many pledges the filter matches, when known: a view that reads fewer pledges than there are links
 * (pledgesRead: a search with a selection reads all its matches) starts from them.
 */
export function listConcessions(
  db: Db,
  {
    filter = EMPTY_CONCESSION_FILTER,
    limit = -1,
    offset = 0,
    viewPledges,
  }: { filter?: ConcessionFilter; limit?: number; offset?: number; viewPledges?: number } = {},
): ConcessionRow[] {
  // Starting from the pledges reads a search's every match (by id), whatever the view selects besides.
  const fromPledges = viewPledges !== undefined && pledgesRead(db, filter.pledges, viewPledges) < countConcessionLinks(db);
  const query = concessionsQuery(db, filter, SELECT, `${ORDER} LIMIT ? OFFSET ?`, fromPledges);
  return statement(db, query.sql).all(...query.params, limit, offset) as ConcessionRow[];
}

export function countConcessions(db: Db, filter: ConcessionFilter = EMPTY_CONCESSION_FILTER): number {
  const query = concessionsQuery(db, filter, 'count(*)');
  return statement(db, query.sql).pluck().get(...query.params) as number;
}

/** Every pair in the table's order, as arrays of the CSV's columns, one row at a time. */
export function iterateConcessionsExport(db: Db, filter: ConcessionFilter = EMPTY_CONCESSION_FILTER): IterableIterator<CsvCell[]> {
  const query = concessionsQuery(db, filter, SELECT, ORDER);
  return db.prepare(query.sql).raw().iterate(...query.params) as IterableIterator<CsvCell[]>;
}
