// Pledges as RFC 4180 CSV, streamed with backpressure, formula cells neutralised.
import { Readable, type Writable, pipeline } from 'node:stream';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { CSV_COLUMNS } from './pledge.model.ts';

// OWASP CSV injection triggers, plus LF and NUL (which csv-stringify's escape_formulas misses) and the
// full-width forms that some spreadsheets fold to their ASCII twins.
export const FORMULA_START = /^[=+\-@\t\r\n\0\uFF1D\uFF0B\uFF0D\uFF20]/;

/** A text cell a spreadsheet would run as a formula gets a leading apostrophe. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Undoes neutraliseFormula: "'=1+1" was "=1+1" before it was exported. */
export function unneutraliseFormula(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

export type CsvCell = string | number | null;

const CSV_OPTIONS = {
  record_delimiter: 'windows',
  // With CRLF records csv-stringify only quotes fields holding a whole CRLF; RFC 4180 wants any CR or LF quoted.
  quoted_match: /[\r\n]/,
} as const;

/** A small table (its first row the header) as CSV text, formula cells neutralised. */
export function tableCsv(rows: CsvCell[][]): string {
  return stringifySync(
    rows.map((row) => row.map((cell) => (typeof cell === 'string' ? neutraliseFormula(cell) : cell))),
    CSV_OPTIONS,
  );
}

// The full export writes a million rows: csv-stringify's general machinery costs more per row than reading
// the row. For that one path each cell is written here, as csv-stringify writes it with
// CSV_OPTIONS (tests/pledges/csv.test.ts holds the two to the same output): quoted when it holds a quote, a comma, a
// CR or an LF, with quotes doubled; numbers as JavaScript prints them; null as nothing.
const NEEDS_QUOTES = /[",\r\n]/;

function csvCell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = neutraliseFormula(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Any character of a text cell that makes it more than itself in the file: a quote to add, a formula to neutralise. */
const NEEDS_MORE = new RegExp(`${NEEDS_QUOTES.source}|${FORMULA_START.source}`);

/**
 * One CSV record, CRLF-terminated. A record none of whose text cells needs anything (nearly every one) is its cells
 * joined, which writes numbers and nulls as csvCell does, in one string instead of one for each cell.
 */
export function csvLine(cells: readonly CsvCell[]): string {
  let more = false;
  for (let i = 0; i < cells.length && !more; i++) {
    const cell = cells[i];
    more = typeof cell === 'string' && NEEDS_MORE.test(cell);
  }
  if (!more) return `${cells.join(',')}\r\n`;
  let line = '';
  for (let i = 0; i < cells.length; i++) line += (i === 0 ? '' : ',') + csvCell(cells[i]);
  return `${line}\r\n`;
}

export const CHUNK_BYTES = 64 * 1024;

/**
 * The header and then the records (CRLF-terminated lines), in chunks of about 64 kB, each made only when the reader
 * asks for it.
 */
export function csvChunks(lines: Iterable<string>, header: readonly string[]): Generator<Buffer> {
  return chunked<never>(lines, csvLine(header));
}

/**
 * Lines (after head, if any) written into chunks of about 64 kB, each in bytes of its own (the next is made in new
 * ones); a number among the lines ends the chunk being written, and comes after it as it is (pledges.export-thread.ts:
 * a run of ids made). Each line is written into the chunk's bytes as it comes, so that it is garbage at once: a chunk
 * kept as a string would hold its lines until it was sent, and the server's small young generation would copy them
 * from one collection to the next.
 */
export function* chunked<Mark extends number = never>(lines: Iterable<string | Mark>, head = ''): Generator<Buffer | Mark> {
  let chunk = Buffer.allocUnsafe(Math.max(2 * CHUNK_BYTES, 3 * head.length));
  let used = chunk.write(head);
  for (const line of lines) {
    if (typeof line === 'number') {
      if (used > 0) yield chunk.subarray(0, used);
      chunk = Buffer.allocUnsafe(2 * CHUNK_BYTES);
      used = 0;
      yield line;
      continue;
    }
    // A UTF-8 character takes at most three bytes for each UTF-16 unit of the string.
    if (used + 3 * line.length > chunk.length) {
      if (used > 0) yield chunk.subarray(0, used);
      chunk = Buffer.allocUnsafe(Math.max(2 * CHUNK_BYTES, 3 * line.length));
      used = 0;
    }
    used += chunk.write(line, used);
    if (used >= CHUNK_BYTES) {
      yield chunk.subarray(0, used);
      chunk = Buffer.allocUnsafe(2 * CHUNK_BYTES);
      used = 0;
    }
  }
  if (used > 0) yield chunk.subarray(0, used);
}

function* linesOf(rows: Iterable<readonly CsvCell[]>): Generator<string> {
  for (const row of rows) yield csvLine(row);
}

/**
 * Writes rows (arrays of the CSV's columns) to out, reading the next rows only as fast as out takes them. The
 * header is the pledges' columns unless another table's are given.
 */
export function streamCsv(rows: Iterable<readonly CsvCell[]>, out: Writable, done: (error?: Error | null) => void, header: readonly string[] = CSV_COLUMNS): void {
  streamCsvLines(linesOf(rows), out, done, header);
}

/** streamCsv for records already written as CSV lines (pledges.export.ts). */
export function streamCsvLines(lines: Iterable<string>, out: Writable, done: (error?: Error | null) => void, header: readonly string[] = CSV_COLUMNS): void {
  pipeline(Readable.from(csvChunks(lines, header), { objectMode: false, highWaterMark: 4 * CHUNK_BYTES }), out, done);
}

/** pledges-2025-06-02.csv, or another table's name for its export. */
export function csvFilename(now = new Date(), table = 'pledges'): string {
  return `${table}-${now.toISOString().slice(0, 10)}.csv`;
}
