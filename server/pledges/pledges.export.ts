// The pledges' exports: /pledges.csv's query and records, and /sources.csv's rows.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import { CSV_COLUMNS, SOURCE_CSV_COLUMNS } from './pledge.model.ts';
import { csvLine, FORMULA_START, type CsvCell } from './pledges.csv.ts';
import { EMPTY_FILTER, type PledgeFilter } from './pledges.filter.ts';
import { EVENT_IDS, SOURCE_URLS, statusColumns } from './pledges.repository.ts';
import { searchMatchCount, whereClause } from './pledges.sql.ts';

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

/** The rows past which an export is long work (collectBeforeLongWork): about 14 MB of CSV. */
export const LONG_EXPORT_ROWS = 50_000;

/**
 * Whether the export of the filter's pledges is long work: every export but that of a search matching at most
 * LONG_EXPORT_ROWS pledges (its matches found and held for the export, which reads them).
 */
export function exportIsLong(db: Db, filter: PledgeFilter, longRows = LONG_EXPORT_ROWS): boolean {
  return filter.q === null || searchMatchCount(db, filter.q) > longRows;
}

/**
 * The table's size (its largest id) from which a long export (exportIsLong) is made in parts on threads of their own
 * (pledges.export-thread.ts): a thread takes tens of milliseconds to start, which a small table's export does not
 * make up for.
 */
export const EXPORT_THREAD_ROWS = LONG_EXPORT_ROWS;

/** The pledges table's largest id (0: empty): its size near enough to choose how to export, and its last run of ids. */
export function lastPledgeId(db: Db): number {
  return statement(db, 'SELECT coalesce(max(id), 0) FROM pledges').pluck().get() as number;
}

/**
 * The CSV's columns whose values SQLite writes as text otherwise than JavaScript prints them: REAL numbers (10.0
 * against 10, and fifteen digits against the shortest exact form). They come to JavaScript as numbers; every other
 * column is joined with its neighbours in SQL.
 */
const REAL_COLUMNS: ReadonlySet<(typeof CSV_COLUMNS)[number]> = new Set(['us_share_pct', 'horizon_years']);

/** A cell of the export's record query: a run of columns joined by commas in SQL, or one REAL column. */
interface RecordCell {
  sql: string;
  /** For a run, how many columns it joins; null for a REAL column. */
  columns: number | null;
}

/**
 * A run of columns joined in SQL that is already its CSV: no quote, CR or LF anywhere, exactly one comma between
 * each two columns (a comma inside a cell would make more), and no cell that a spreadsheet would read as a formula
 * (neutraliseFormula; numbers, dates and the enumerations' words never start so, and checking them too cost nothing
 * measurable). Any other run is written cell by cell.
 */
function isWritten(run: string, columns: number): boolean {
  if (QUOTE_OR_BREAK.test(run)) return false;
  let start = 0;
  for (let column = 0; column < columns; column++) {
    const comma = run.indexOf(',', start);
    const last = column === columns - 1;
    if (last ? comma !== -1 : comma === -1) return false;
    if (FORMULA_START.test(run.charAt(start))) return false;
    start = comma + 1;
  }
  return true;
}

const QUOTE_OR_BREAK = /["\r\n]/;

/**
 * /pledges.csv's records (CRLF-terminated lines), every matching pledge in id order. The driver makes a JavaScript
 * value for every column of every row, which costs more than SQLite joining them: here every column but the REAL
 * ones is joined by commas in SQL, five values a row instead of twenty-six (docs/performance.md). A record whose
 * runs are its CSV already (isWritten: nearly every one) is its values joined; another is read again by id, its 26
 * cells each written as csvLine writes them. A statement being read holds its connection, so that read ends the
 * first one, which starts again after that pledge: at once when the query reads the table in id order (no filter);
 * with a filter, whose query may sort its matches, every later record is read cell by cell instead, the query
 * started once more.
 */
export function exportLines(db: Db, filter: PledgeFilter = EMPTY_FILTER, part: ExportPart | null = null): Iterable<string> {
  const matching = whereClause(filter, db);
  // Without a filter the query reads the table in id order, a part's too.
  const inId = matching.sql === '';
  const where = part === null ? matching : partOf(matching, part);
  const { columns, params } = exportColumns(filter, db);
  const cells: RecordCell[] = [];
  let run: string[] = [];
  const endRun = () => {
    // Text even for a run of one column: SQLite's text of an integer is JavaScript's.
    if (run.length > 0) cells.push({ sql: `CAST(${run.map((sql) => `coalesce(${sql}, '')`).join(" || ',' || ")} AS TEXT)`, columns: run.length });
    run = [];
  };
  for (const { name, sql } of columns) {
    if (!REAL_COLUMNS.has(name)) run.push(sql);
    else {
      endRun();
      cells.push({ sql, columns: null });
    }
  }
  endRun();
  const after = where.sql === '' ? 'WHERE p.id > ?' : `${where.sql} AND p.id > ?`;
  const joined = (from: string) => db.prepare(`SELECT ${cells.map((cell) => cell.sql).join(', ')} FROM pledges p ${from} ORDER BY p.id`).raw();
  const whole = (from: string) => db.prepare(exportSql(from, filter, db).sql).raw();
  const first = joined(where.sql);
  const later = joined(after);
  const byId = whole('WHERE p.id = ?');
  // Everything above (the search's matches too) is worked out before the answer starts, as a failure should be.
  return (function* lines(): Generator<string> {
    let rows = first.iterate(...params, ...where.params) as IterableIterator<CsvCell[]>;
    for (;;) {
      let unwritten: number | null = null;
      for (const row of rows) {
        let written = true;
        for (let i = 0; i < row.length && written; i++) {
          const joined = cells[i]!.columns;
          written = joined === null || isWritten(row[i] as string, joined);
        }
        if (written) {
          yield `${row.join(',')}\r\n`;
          continue;
        }
        // The id leads the first run.
        unwritten = parseInt(row[0] as string, 10);
        break;
      }
      if (unwritten === null) return;
      yield csvLine(byId.get(...params, unwritten) as CsvCell[]);
      if (inId) {
        rows = later.iterate(...params, ...where.params, unwritten) as IterableIterator<CsvCell[]>;
        continue;
      }
      for (const row of whole(after).iterate(...params, ...where.params, unwritten) as IterableIterator<CsvCell[]>) yield csvLine(row);
      return;
    }
  })();
}

/**
 * One of the parts an export is made in side by side (pledges.export-thread.ts): the pledges of every `of`-th run of
 * 2^shift ids, from the run `index` (runs counted from id 0).
 */
export interface ExportPart {
  index: number;
  of: number;
  shift: number;
}

/** The id run of a pledge (ExportPart). */
export function idRun(id: number, shift: number): number {
  return Math.floor(id / 2 ** shift);
}

function partOf(where: { sql: string; params: unknown[] }, { index, of, shift }: ExportPart): { sql: string; params: unknown[] } {
  const condition = '((p.id >> ?) % ?) = ?';
  return { sql: where.sql === '' ? `WHERE ${condition}` : `${where.sql} AND ${condition}`, params: [...where.params, shift, of, index] };
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
