// The pledges' exports: /pledges.csv's query and records, and /sources.csv's rows.
import type { Db } from '../platform/db.ts';
import { CSV_COLUMNS, PLAIN_CSV_COLUMNS, SOURCE_CSV_COLUMNS } from './pledge.model.ts';
import type { CsvCell } from './pledges.csv.ts';
import { EMPTY_FILTER, type PledgeFilter } from './pledges.filter.ts';
import { EVENT_IDS, SOURCE_URLS, statusColumns } from './pledges.repository.ts';
import { whereClause } from './pledges.sql.ts';

/** The CSV's columns as SQL over pledges p, in its order, with the parameters of the status and overdue columns. */
function exportColumns(filter: Pick<PledgeFilter, 'on' | 'as_of'>, db?: Db): { columns: { name: (typeof CSV_COLUMNS)[number]; sql: string }[]; params: unknown[] } {
  const { status, overdue, params } = statusColumns(filter, db);
  const sqlOf: Partial<Record<(typeof CSV_COLUMNS)[number], string>> = { source_urls: SOURCE_URLS, event_ids: EVENT_IDS, overdue, status };
  // The status comes before overdue among the columns, as its parameters do.
  return { columns: CSV_COLUMNS.map((name) => ({ name, sql: sqlOf[name] ?? `p.${name}` })), params };
}

/**
 * The export's query: exactly the CSV's columns, in its order (nothing computed that the file leaves out), with the
 * parameters of its status and overdue columns, which go before the WHERE clause's.
 */
export function exportSql(whereSql = '', filter: Pick<PledgeFilter, 'on' | 'as_of'> = EMPTY_FILTER, db?: Db): { sql: string; params: unknown[] } {
  const { columns, params } = exportColumns(filter, db);
  const list = columns.map(({ name, sql }) => (sql === `p.${name}` ? sql : `${sql} AS ${name}`));
  return { sql: `SELECT ${list.join(', ')} FROM pledges p ${whereSql} ORDER BY p.id`, params };
}

/**
 * /pledges.csv's records, every matching pledge in id order: exportSql's columns, with each run of two or more plain columns (PLAIN_CSV_COLUMNS) already
 * joined by commas in SQL, one cell for the run (plain: true; the others are written as usual). The driver makes a
 * JavaScript value for every column of every row, which costs more than SQLite joining them: 26 columns become 19.
 */
export function exportRecords(db: Db, filter: PledgeFilter = EMPTY_FILTER): { records: IterableIterator<CsvCell[]>; plain: boolean[] } {
  const where = whereClause(filter, db);
  const { columns, params } = exportColumns(filter, db);
  const cells: { sql: string; plain: boolean }[] = [];
  let run: string[] = [];
  const endRun = () => {
    if (run.length === 1) cells.push({ sql: run[0]!, plain: true });
    else if (run.length > 1) cells.push({ sql: run.map((sql) => `coalesce(${sql}, '')`).join(" || ',' || "), plain: true });
    run = [];
  };
  for (const { name, sql } of columns) {
    if (PLAIN_CSV_COLUMNS.has(name)) run.push(sql);
    else {
      endRun();
      cells.push({ sql, plain: false });
    }
  }
  endRun();
  const sql = `SELECT ${cells.map((cell) => cell.sql).join(', ')} FROM pledges p ${where.sql} ORDER BY p.id`;
  return {
    records: db.prepare(sql).raw().iterate(...params, ...where.params) as IterableIterator<CsvCell[]>,
    plain: cells.map((cell) => cell.plain),
  };
}

/**
 * Every pledge's sources as /sources.csv's columns, by pledge and position, one row at a time; before (the day after
 * an as-of date): those of the pledges announced before it.
 */
export function iterateSourcesExport(db: Db, before: string | null = null): IterableIterator<CsvCell[]> {
  const columns = SOURCE_CSV_COLUMNS.map((column) => `s.${column}`).join(', ');
  return db
    .prepare(
      before === null
        ? `SELECT ${columns} FROM pledge_sources s ORDER BY s.pledge_id, s.position`
        : `SELECT ${columns} FROM pledge_sources s CROSS JOIN pledges p ON p.id = s.pledge_id WHERE p.announced_on < ? ORDER BY s.pledge_id, s.position`,
    )
    .raw()
    .iterate(...(before === null ? [] : [before])) as IterableIterator<CsvCell[]>;
}
