// Pledges as RFC 4180 CSV through csv-stringify, streamed with backpressure, formula cells neutralised.
import { Readable, type Writable, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import type { PledgeListRow } from './pledges.repository.ts';

/** The export's columns, in order; the JSON API uses the same names. */
export const CSV_COLUMNS = [
  'id',
  'pledger',
  'project',
  'amount_usd',
  'amount_note',
  'us_share_pct',
  'us_share_basis',
  'announced_on',
  'horizon_years',
  'horizon_end',
  'horizon_note',
  'sector',
  'country',
  'status',
  'lever',
  'context_note',
  'source_urls',
  'event_ids',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof PledgeListRow)[];

// OWASP CSV injection triggers, plus LF and NUL (which csv-stringify's escape_formulas misses) and the
// full-width forms that some spreadsheets fold to their ASCII twins.
const FORMULA_START = /^[=+\-@\t\r\n\0\uFF1D\uFF0B\uFF0D\uFF20]/;

/** A text cell a spreadsheet would run as a formula gets a leading apostrophe. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Undoes neutraliseFormula: "'=1+1" was "=1+1" before it was exported. */
export function unneutraliseFormula(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

type CsvCell = string | number | null;

export function toCsvRecord(row: PledgeListRow): CsvCell[] {
  return CSV_COLUMNS.map((column) => {
    const value = row[column];
    return typeof value === 'string' ? neutraliseFormula(value) : value;
  });
}

const CSV_OPTIONS = {
  record_delimiter: 'windows',
  // With CRLF records csv-stringify only quotes fields holding a whole CRLF; RFC 4180 wants any CR or LF quoted.
  quoted_match: /[\r\n]/,
} as const;

function csvStringifier() {
  return stringify({ ...CSV_OPTIONS, header: true, columns: [...CSV_COLUMNS] });
}

/** A small table (its first row the header) as CSV text, formula cells neutralised. */
export function tableCsv(rows: CsvCell[][]): string {
  return stringifySync(
    rows.map((row) => row.map((cell) => (typeof cell === 'string' ? neutraliseFormula(cell) : cell))),
    CSV_OPTIONS,
  );
}

/** Writes rows to out as CSV, reading the next rows only as fast as out takes them. */
export function streamCsv(rows: Iterable<PledgeListRow>, out: Writable, done: (error?: Error | null) => void): void {
  const records = Readable.from(
    (function* () {
      for (const row of rows) yield toCsvRecord(row);
    })(),
  );
  pipeline(records, csvStringifier(), out, done);
}

export function csvFilename(now = new Date()): string {
  return `pledges-${now.toISOString().slice(0, 10)}.csv`;
}
