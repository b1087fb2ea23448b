// CSV import, in one streaming pass: each row is read, validated, sorted into new, changed or unchanged and,
// when writing, written inside one transaction that is committed only if the whole file was valid. Nothing is
// held but the identity of the rows seen (to refuse the same pledge twice) and the first rows of each kind
// for the preview. Re-importing the same file changes nothing.
import type { Readable } from 'node:stream';
import { parse, type Options as ParseOptions } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { beginBulkLoad, endBulkLoad, type BulkLoad } from './bulk-load.ts';
import type { Db } from './db.ts';
import { listEvents } from './events.repository.ts';
import { unneutraliseFormula } from './pledges.csv.ts';
import {
  addPledgeWithRevision,
  changePledgeWithRevision,
  countPledges,
  findPledgeByIdentity,
  IDENTITY_INDEX,
  pendingChanges,
  pledgeExists,
  sourcesOf,
  type PledgeWrite,
} from './pledges.repository.ts';
import { emptyPledgeForm, validatePledge, type PledgeFormValues } from './pledges.validation.ts';
import type { Author, Changes } from './revisions.repository.ts';

export interface ImportProblem {
  line: number;
  column: string | null;
  message: string;
}

interface ImportRow {
  line: number;
  id: number | null;
  write: PledgeWrite;
}

export interface ImportOutcome {
  /** Every problem found, with its line and column; when there is one, nothing was written. */
  problems: ImportProblem[];
  created: number;
  changed: number;
  unchanged: number;
  /** The first rows of each kind (see ImportOptions.keep), for a preview. */
  sample: {
    created: { line: number; id: number | null; write: PledgeWrite }[];
    changed: { line: number; id: number; write: PledgeWrite; changes: Changes }[];
  };
  /** True when the rows were written and committed. */
  written: boolean;
}

export interface ImportOptions {
  /** Called every few thousand rows and at the end: rows read so far, and bytes of the file parsed. */
  onProgress?: (rows: number, bytes: number) => void;
  /** Write the file, every change with a revision "import FILENAME", in one transaction. */
  write?: { author: Author; filename: string };
  /** How many rows of each kind the outcome keeps for a preview (100 unless said). */
  keep?: number;
  /**
   * A write that has created this many pledges, and at least as many as the table held, becomes a bulk load
   * (beginBulkLoad): the secondary indexes are dropped and built again before committing, one sorted pass each
   * instead of a million scattered inserts, and the data version moves once instead of on every row (2,000
   * unless said).
   */
  bulkFrom?: number;
  /** Called when a bulk load's indexes are being built again, before the commit. */
  onIndexing?: () => void;
}

/** The largest field a cell may hold; a 10 MB field is refused by the parser, not stored. */
export const MAX_FIELD_BYTES = 100_000;

// Header names as people write them, matched without case, spaces or punctuation.
const HEADER_ALIASES: Record<string, string> = {
  id: 'id',
  pledger: 'pledger',
  who: 'pledger',
  project: 'project',
  amount: 'amount',
  amountusd: 'amount',
  amountinusd: 'amount',
  amountnote: 'amount_note',
  ussharepct: 'us_share_pct',
  usshare: 'us_share_pct',
  ussharepercent: 'us_share_pct',
  usshareinpercent: 'us_share_pct',
  ussharebasis: 'us_share_basis',
  announcedon: 'announced_on',
  announced: 'announced_on',
  announceddate: 'announced_on',
  date: 'announced_on',
  horizonyears: 'horizon_years',
  horizonend: 'horizon_end',
  horizonnote: 'horizon_note',
  sector: 'sector',
  country: 'country',
  status: 'status',
  lever: 'lever',
  politicallever: 'lever',
  contextnote: 'context_note',
  sourceurls: 'source_urls',
  sourceurl: 'source_urls',
  source: 'source_urls',
  sources: 'source_urls',
  eventids: 'event_ids',
  createdat: 'created_at',
  updatedat: 'updated_at',
};
const REQUIRED = ['pledger', 'announced_on', 'source_urls'];
const IGNORED = new Set(['created_at', 'updated_at']);

export function canonicalHeader(name: string): string | undefined {
  return HEADER_ALIASES[name.toLowerCase().replace(/[^a-z0-9]/g, '')];
}

/** Looks at the first chunk to refuse UTF-16 and pick the separator (comma, or semicolon as European spreadsheets write). */
function sniff(head: Buffer): { delimiter: string } {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff) || head.subarray(0, 200).includes(0)) {
    throw new ImportFileError('The file looks like UTF-16 (or binary): save it as "CSV UTF-8" and import again.');
  }
  const firstLine = head.subarray(0, 64 * 1024).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
  const count = (char: string) => firstLine.split(char).length - 1;
  return { delimiter: count(';') > count(',') ? ';' : ',' };
}

export class ImportFileError extends Error {}

const PROGRESS_EVERY = 2_000;
const MAX_PROBLEMS = 1000;

function parserOptions(delimiter: string): ParseOptions {
  return { bom: true, delimiter, relax_column_count: false, max_record_size: MAX_FIELD_BYTES, skip_empty_lines: true };
}

/** What the parser's own errors mean, in an editor's words. */
function parseProblem(error: unknown): ImportProblem {
  const err = error as Error & { lines?: number; code?: string };
  const message =
    err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
      ? 'This row has a different number of columns than the header.'
      : err.code === 'CSV_QUOTE_NOT_CLOSED'
        ? 'A quote opened here is never closed.'
        : err.code === 'CSV_MAX_RECORD_SIZE'
          ? `A field is larger than ${MAX_FIELD_BYTES / 1000} kB.`
          : `The file cannot be read as CSV: ${err.message.split('\n')[0]}`;
  return { line: err.lines ?? 0, column: null, message };
}

/**
 * One import: fed the header and then each record, in order, by a reader (streaming or not). While writing it
 * holds a write transaction on its connection from the first row to finish().
 */
class ImportRun {
  readonly outcome: ImportOutcome = { problems: [], created: 0, changed: 0, unchanged: 0, sample: { created: [], changed: [] }, written: false };
  rows = 0;
  private headers: (string | undefined)[] = [];
  private readonly knownEventIds: ReadonlySet<number>;
  /** The same pledge twice in one file would make a re-import ambiguous: each row's identity, with its line. */
  private readonly seen = new Map<string, number>();
  private readonly keep: number;
  private readonly bulkFrom: number;
  private readonly reason: string;
  private writing: boolean;
  private tableRows = 0;
  private bulkLoad: BulkLoad | null = null;

  constructor(
    private readonly db: Db,
    private readonly options: ImportOptions,
  ) {
    this.knownEventIds = new Set(listEvents(db).map((event) => event.id));
    this.keep = options.keep ?? 100;
    this.bulkFrom = options.bulkFrom ?? 2_000;
    this.reason = `import ${options.write?.filename ?? ''}`;
    this.writing = options.write !== undefined;
    if (this.writing) {
      db.exec('BEGIN IMMEDIATE');
      this.tableRows = countPledges(db);
    }
  }

  get problems(): ImportProblem[] {
    return this.outcome.problems;
  }

  /** Enough problems to stop reading. */
  get full(): boolean {
    return this.problems.length >= MAX_PROBLEMS;
  }

  /** Takes the header row; false when a required column is missing (nothing further is read). */
  header(record: string[]): boolean {
    this.headers = record.map(canonicalHeader);
    const missing = REQUIRED.filter((name) => !this.headers.includes(name));
    for (const name of missing) this.problem({ line: 1, column: name, message: `The header row has no ${name} column.` });
    return missing.length === 0;
  }

  get hasHeader(): boolean {
    return this.headers.length > 0;
  }

  record(record: string[], line: number): void {
    const row = readRow(record, this.headers, line, this.knownEventIds, this.problems);
    if (this.problems.length > 0) this.stopWriting();
    if (!row) return;
    this.rows += 1;
    const { pledger, project, announced_on: announcedOn } = row.write.pledge;
    const key = row.id !== null ? `id:${row.id}` : JSON.stringify([pledger, project, announcedOn]);
    const earlier = this.seen.get(key);
    if (earlier !== undefined) return this.problem({ line, column: null, message: `This row is the same pledge as line ${earlier}.` });
    this.seen.set(key, line);
    // Once the file is known to be refused, the rest is only checked.
    if (this.problems.length === 0) this.sort(row);
  }

  problem(problem: ImportProblem): void {
    this.problems.push(problem);
    this.stopWriting();
  }

  /** Commits when every row was valid (building again any index dropped for a bulk load), else rolls back. */
  finish(): ImportOutcome {
    if (!this.hasHeader && this.problems.length === 0) this.problem({ line: 1, column: null, message: 'The file is empty.' });
    if (this.full) this.problem({ line: this.problems.at(-1)!.line, column: null, message: `Stopped after ${MAX_PROBLEMS} problems.` });
    if (this.writing) {
      if (this.bulkLoad) {
        this.options.onIndexing?.();
        endBulkLoad(this.db, this.bulkLoad);
      }
      this.db.exec('COMMIT');
      this.writing = false;
      this.outcome.written = true;
    }
    return this.outcome;
  }

  /** Rolls back whatever was written (an error, or a refused file). */
  stopWriting(): void {
    if (!this.writing) return;
    this.writing = false;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  private sort(row: ImportRow): void {
    const { db, outcome } = this;
    const { pledge } = row.write;
    const id =
      row.id !== null
        ? pledgeExists(db, row.id) ? row.id : null
        : (findPledgeByIdentity(db, pledge.pledger, pledge.project, pledge.announced_on) ?? null);
    if (id === null) {
      outcome.created += 1;
      if (outcome.sample.created.length < this.keep) outcome.sample.created.push({ line: row.line, id: row.id, write: row.write });
      if (this.writing) {
        addPledgeWithRevision(db, { ...row.write, reason: this.reason }, this.options.write!.author, row.id);
        if (!this.bulkLoad && outcome.created >= this.bulkFrom && outcome.created >= this.tableRows) {
          this.bulkLoad = beginBulkLoad(db, [IDENTITY_INDEX]);
        }
      }
      return;
    }
    // The CSV carries source URLs, not titles: keep the titles already known for the same URLs.
    const titles = new Map(sourcesOf(db, id).map((source) => [source.url, source.title]));
    const sources = pledge.sources.map((source) => ({ url: source.url, title: source.title || titles.get(source.url) || '' }));
    const write = { ...row.write, pledge: { ...pledge, sources } };
    const changes = pendingChanges(db, id, write)!;
    if (Object.keys(changes).length === 0) {
      outcome.unchanged += 1;
      return;
    }
    outcome.changed += 1;
    if (outcome.sample.changed.length < this.keep) outcome.sample.changed.push({ line: row.line, id, write, changes });
    if (this.writing) changePledgeWithRevision(db, id, { ...write, reason: this.reason }, this.options.write!.author, changes);
  }
}

/**
 * Reads, validates and sorts every row of a stream; with options.write, writes them too, committing only when
 * the whole file is valid. Yields to the event loop between slices of a large file: so it must run on a
 * connection of its own when writing (the command line), never on one that other requests share.
 */
export async function importCsv(db: Db, input: Readable, options: ImportOptions = {}): Promise<ImportOutcome> {
  // The first chunk is looked at (encoding, separator), put back, and the whole stream piped into the parser,
  // which holds the file back (backpressure) while rows are handled.
  const head = await firstChunk(input);
  let delimiter: string;
  try {
    delimiter = sniff(head).delimiter;
  } catch (error) {
    input.destroy();
    return refused((error as Error).message);
  }
  const run = new ImportRun(db, options);
  let bytes = 0;
  const parser = parse({ ...parserOptions(delimiter), info: true });
  if (head.length > 0) input.unshift(head);
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
      bytes = info.bytes;
      if (!run.hasHeader) {
        if (!run.header(record)) break;
        continue;
      }
      run.record(record, info.lines);
      if (run.full) break;
      if ((run.rows + run.problems.length) % PROGRESS_EVERY === 0) {
        options.onProgress?.(run.rows, bytes);
        // Let the server answer other requests (the progress bar's among them) between slices of a large file.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } catch (error) {
    if (!isParseError(error)) {
      run.stopWriting();
      throw error;
    }
    run.problem(parseProblem(error));
  } finally {
    input.unpipe(parser);
    input.destroy();
    parser.destroy();
  }
  options.onProgress?.(run.rows, bytes);
  try {
    return run.finish();
  } finally {
    run.stopWriting();
  }
}

/**
 * importCsv for a file already in memory, without yielding: the server writes an upload this way on the
 * connection its requests share, so that no other request runs inside the import's transaction.
 */
export function importCsvSync(db: Db, data: Buffer, options: ImportOptions = {}): ImportOutcome {
  let delimiter: string;
  try {
    delimiter = sniff(data).delimiter;
  } catch (error) {
    return refused((error as Error).message);
  }
  const run = new ImportRun(db, options);
  try {
    parseSync(data, {
      ...parserOptions(delimiter),
      on_record: (record: string[], context) => {
        if (!run.hasHeader) {
          if (!run.header(record)) throw new StopReading();
        } else run.record(record, context.lines);
        if (run.full) throw new StopReading();
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof StopReading)) {
      if (!isParseError(error)) {
        run.stopWriting();
        throw error;
      }
      run.problem(parseProblem(error));
    }
  }
  try {
    return run.finish();
  } finally {
    run.stopWriting();
  }
}

class StopReading extends Error {}

function isParseError(error: unknown): boolean {
  return String((error as { code?: unknown }).code).startsWith('CSV_');
}

function refused(message: string): ImportOutcome {
  return { problems: [{ line: 1, column: null, message }], created: 0, changed: 0, unchanged: 0, sample: { created: [], changed: [] }, written: false };
}

/** The stream's first chunk (empty for an empty stream), left unread for the parser to take again. */
async function firstChunk(input: Readable): Promise<Buffer> {
  for (;;) {
    const chunk = input.read() as Buffer | string | null;
    if (chunk !== null) return Buffer.from(chunk);
    if (input.readableEnded || input.destroyed) return Buffer.alloc(0);
    await new Promise<void>((resolve) => {
      const done = () => {
        input.off('readable', done);
        input.off('end', done);
        input.off('error', done);
        resolve();
      };
      input.on('readable', done);
      input.on('end', done);
      input.on('error', done);
    });
  }
}

function readRow(
  record: string[],
  headers: (string | undefined)[],
  line: number,
  knownEventIds: ReadonlySet<number>,
  problems: ImportProblem[],
): ImportRow | null {
  const values: PledgeFormValues = emptyPledgeForm();
  let id: number | null = null;
  let urls: string[] = [];
  const problemsBefore = problems.length;
  headers.forEach((name, i) => {
    if (name === undefined || IGNORED.has(name)) return;
    const cell = unneutraliseFormula(record[i] ?? '');
    if (name === 'id') {
      if (cell.trim() === '') return;
      if (!/^\d{1,15}$/.test(cell.trim())) problems.push({ line, column: 'id', message: 'An id is a whole number.' });
      else id = Number(cell.trim());
    } else if (name === 'source_urls') {
      urls = cell.split(/\s+/).filter(Boolean);
    } else if (name === 'event_ids') {
      const ids = cell.split(/[\s,]+/).filter(Boolean);
      if (!ids.every((item) => /^\d{1,15}$/.test(item))) problems.push({ line, column: 'event_ids', message: 'List event ids as numbers.' });
      else values.event_ids = ids.map(Number);
    } else {
      (values as unknown as Record<string, string>)[name] = cell;
    }
  });
  values.sources = urls.map((url) => ({ url, title: '' }));
  if (values.status === '') values.status = 'announced';
  const result = validatePledge(values, { previousStatus: values.status as never, knownEventIds, requireStatusEvidence: false });
  if (!result.ok) {
    for (const [field, message] of Object.entries(result.errors)) {
      problems.push({ line, column: field.startsWith('source_url') || field === 'sources' ? 'source_urls' : field, message });
    }
  }
  if (problems.length > problemsBefore || !result.ok) return null;
  return { line, id, write: result.value };
}
