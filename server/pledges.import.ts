// CSV import, in one streaming pass: each row is read, validated, sorted into new, changed or unchanged and,
// when writing, written inside one transaction that is committed only if the whole file was valid. Nothing is
// held but the identity of the rows seen (to refuse the same pledge twice) and the first rows of each kind
// for the preview. Re-importing the same file changes nothing.
import { on } from 'node:events';
import type { Readable } from 'node:stream';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { parse, type Options as ParseOptions } from 'csv-parse';
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
  type Status,
} from './pledges.repository.ts';
import { validatePledge, type PledgeFormValues } from './pledges.validation.ts';
import type { Author, Changes } from './revisions.repository.ts';

export interface ImportProblem {
  line: number;
  column: string | null;
  message: string;
}

export interface ImportRow {
  line: number;
  id: number | null;
  write: PledgeWrite;
  /** The revision of the pledge's creation, as JSON, when the reader already wrote it (the worker thread does). */
  creation?: string;
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

/** What the reading half of an import hands the writing half: validated rows and problems, in file order. */
export interface ImportBatch {
  rows: ImportRow[];
  problems: ImportProblem[];
  /** Bytes of the file read so far. */
  bytes: number;
  /** The last batch of the file. */
  last?: true;
}

/**
 * Rows a reader hands over at a time; the reader yields to the event loop between them. Small enough that a
 * batch copied to the writing thread dies young there, instead of filling its old generation.
 */
const BATCH_ROWS = 250;
/** Nor more than this much of the file in a batch: a file of rows at their largest stays in bounds too. */
const BATCH_BYTES = 1024 * 1024;
const MAX_PROBLEMS = 1000;

/**
 * The reading half: takes parsed records one by one (the first is the header), reads and validates each into
 * the batch it is filling. Shared by the streaming reader and the worker-thread one.
 */
class RecordReader {
  batch: ImportBatch = { rows: [], problems: [], bytes: 0 };
  private readRow: ReturnType<typeof rowReader> | null = null;
  private problemCount = 0;
  /** Where in the file the batch being filled starts. */
  private batchStart = 0;

  constructor(private readonly knownEventIds: ReadonlySet<number>) {}

  /** Takes one record; false when reading should stop (a header without a required column, too many problems). */
  record(record: string[], line: number): boolean {
    const { batch } = this;
    const before = batch.problems.length;
    if (!this.readRow) {
      const headers = record.map(canonicalHeader);
      for (const name of REQUIRED.filter((required) => !headers.includes(required))) {
        batch.problems.push({ line: 1, column: name, message: `The header row has no ${name} column.` });
      }
      if (batch.problems.length > before) return false;
      this.readRow = rowReader(headers, this.knownEventIds);
      return true;
    }
    const row = this.readRow(record, line, batch.problems);
    if (row) batch.rows.push(row);
    this.problemCount += batch.problems.length - before;
    return this.problemCount < MAX_PROBLEMS;
  }

  /** The batch filled so far, once it holds enough rows or bytes to hand over (or always, with `force`). */
  take(force = false): ImportBatch | null {
    const { batch } = this;
    if (!force && batch.rows.length + batch.problems.length < BATCH_ROWS && batch.bytes - this.batchStart < BATCH_BYTES) return null;
    this.batch = { rows: [], problems: [], bytes: batch.bytes };
    this.batchStart = batch.bytes;
    return batch;
  }

  /** The last batch: with the parser's error, or the news that there was nothing to read. */
  end(error?: unknown): ImportBatch {
    if (error !== undefined) {
      if (!isParseError(error)) throw error;
      this.batch.problems.push(parseProblem(error));
    } else if (!this.readRow && this.batch.problems.length === 0) {
      this.batch.problems.push({ line: 1, column: null, message: 'The file is empty.' });
    }
    return { ...this.take(true)!, last: true };
  }
}

/**
 * Reads and validates a stream in batches, in file order. Throws ImportFileError for a file that cannot be
 * read as UTF-8 text at all. The parser holds the file back (backpressure) while a batch is handled.
 */
export async function* readBatches(input: Readable, knownEventIds: ReadonlySet<number>): AsyncGenerator<ImportBatch> {
  // The first chunk is looked at (encoding, separator), put back, and the whole stream piped into the parser.
  const head = await firstChunk(input);
  let delimiter: string;
  try {
    delimiter = sniff(head).delimiter;
  } catch (error) {
    input.destroy();
    throw error;
  }
  const reader = new RecordReader(knownEventIds);
  const parser = parse({ ...parserOptions(delimiter), info: true });
  if (head.length > 0) input.unshift(head);
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let failure: unknown;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
      reader.batch.bytes = info.bytes;
      if (!reader.record(record, info.lines)) break;
      const batch = reader.take();
      if (batch) yield batch;
    }
  } catch (error) {
    failure = error;
  } finally {
    input.unpipe(parser);
    input.destroy();
    parser.destroy();
  }
  yield reader.end(failure);
}

/**
 * One import: fed batches of rows in file order by a reader. While writing it holds a write transaction on its
 * connection from its creation to finish().
 */
class ImportRun {
  readonly outcome: ImportOutcome = { problems: [], created: 0, changed: 0, unchanged: 0, sample: { created: [], changed: [] }, written: false };
  rows = 0;
  bytes = 0;
  readonly knownEventIds: ReadonlySet<number>;
  /**
   * The same pledge twice in one file would make a re-import ambiguous: the line of each id, and of each
   * pledger + project + date of a row without one.
   */
  private readonly seen = { ids: new Map<number, number>(), identities: new Map<string, number>() };
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
    this.keep = options.keep ?? 100;
    this.bulkFrom = options.bulkFrom ?? 2_000;
    this.reason = `import ${options.write?.filename ?? ''}`;
    this.writing = options.write !== undefined;
    if (this.writing) {
      db.exec('BEGIN IMMEDIATE');
      this.tableRows = countPledges(db);
    }
    this.knownEventIds = new Set(listEvents(db).map((event) => event.id));
  }

  get problems(): ImportProblem[] {
    return this.outcome.problems;
  }

  /** Enough problems to stop reading. */
  get full(): boolean {
    return this.problems.length >= MAX_PROBLEMS;
  }

  /** Takes a batch: its rows and problems in line order. */
  take(batch: ImportBatch): void {
    this.bytes = batch.bytes;
    let next = 0;
    for (const row of batch.rows) {
      while (next < batch.problems.length && batch.problems[next].line <= row.line) this.problem(batch.problems[next++]);
      this.record(row);
    }
    while (next < batch.problems.length) this.problem(batch.problems[next++]);
  }

  private record(row: ImportRow): void {
    this.rows += 1;
    const earlier = row.id !== null ? this.seen.ids.get(row.id) : this.seen.identities.get(identityKey(row.write.pledge));
    if (earlier !== undefined) return this.problem({ line: row.line, column: null, message: `This row is the same pledge as line ${earlier}.` });
    if (row.id !== null) this.seen.ids.set(row.id, row.line);
    else this.seen.identities.set(identityKey(row.write.pledge), row.line);
    // Once the file is known to be refused, the rest is only checked.
    if (this.problems.length === 0) this.sort(row);
  }

  problem(problem: ImportProblem): void {
    this.problems.push(problem);
    this.stopWriting();
  }

  /** Commits when every row was valid (building again any index dropped for a bulk load), else rolls back. */
  finish(): ImportOutcome {
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

  /**
   * The pledge a row names, if it exists: by id, else by pledger + project + date (the identity index, kept
   * through a bulk load for this; keeping the pledges created in memory instead cost 20 MB for 100,000 rows and
   * saved nothing: the writing thread waits for rows anyway).
   */
  private existing(row: ImportRow): number | null {
    const { pledge } = row.write;
    if (row.id !== null) return pledgeExists(this.db, row.id) ? row.id : null;
    return findPledgeByIdentity(this.db, pledge.pledger, pledge.project, pledge.announced_on) ?? null;
  }

  private sort(row: ImportRow): void {
    const { db, outcome } = this;
    const { pledge } = row.write;
    const id = this.existing(row);
    if (id === null) {
      outcome.created += 1;
      if (outcome.sample.created.length < this.keep) outcome.sample.created.push({ line: row.line, id: row.id, write: row.write });
      if (this.writing) {
        addPledgeWithRevision(db, { ...row.write, reason: this.reason }, this.options.write!.author, row.id, row.creation);
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

function identityKey(pledge: { pledger: string; project: string; announced_on: string }): string {
  return JSON.stringify([pledge.pledger, pledge.project, pledge.announced_on]);
}

/**
 * Reads, validates and sorts every row of a stream; with options.write, writes them too, committing only when
 * the whole file is valid. Yields to the event loop between batches, though a batch of very wide rows can still
 * hold the thread for a while (the import page reads on a thread of its own: importInBackground); a write
 * must run on a connection of its own, never on one other requests share.
 */
export async function importCsv(db: Db, input: Readable, options: ImportOptions = {}): Promise<ImportOutcome> {
  const run = new ImportRun(db, options);
  try {
    for await (const batch of readBatches(input, run.knownEventIds)) {
      run.take(batch);
      options.onProgress?.(run.rows, run.bytes);
      if (run.full || batch.last) break;
      // Let the server answer other requests (the progress bar's among them) between batches of a large file:
      // not after the last, whose progress is all of the file while the outcome is still being made.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return run.finish();
  } catch (error) {
    if (error instanceof ImportFileError) return refused(error.message);
    throw error;
  } finally {
    run.stopWriting();
  }
}

/**
 * importCsv for a file on disk, read and validated on a worker thread while this one writes: the command line's
 * way in, and the import page's preview and confirm (on a thread of their own: importInBackground). The same
 * outcome as importCsv, rows in the same order.
 */
export async function importCsvFile(db: Db, file: string, options: ImportOptions = {}): Promise<ImportOutcome> {
  const run = new ImportRun(db, options);
  const worker = startReader(file, run.knownEventIds);
  try {
    for await (const [message] of on(worker, 'message') as AsyncIterable<[ReaderMessage]>) {
      if (message.type === 'refused') return refused(message.message);
      run.take(message.batch);
      options.onProgress?.(run.rows, run.bytes);
      if (run.full || message.batch.last) break;
      worker.postMessage('more');
    }
    return run.finish();
  } finally {
    run.stopWriting();
    await worker.terminate();
  }
}

/** What the reader thread is given. */
export interface ReaderInput {
  file: string;
  knownEventIds: number[];
}

/** What the reader thread says: batches in file order, the last marked so (or, instead of all, a refusal). */
export type ReaderMessage = { type: 'batch'; batch: ImportBatch } | { type: 'refused'; message: string };

/** Batches the reader thread may send ahead of the writing thread: a bound on the memory they hold. */
export const READ_AHEAD = 4;

function startReader(file: string, knownEventIds: ReadonlySet<number>): Worker {
  return startWorker('pledges.import.worker', {
    workerData: { file, knownEventIds: [...knownEventIds] } satisfies ReaderInput,
    // What the thread keeps is a few batches; a small old generation has the collector reclaim the rest early
    // (else it grew to 70 MB). A thread that needs more fails with ERR_WORKER_OUT_OF_MEMORY, and nothing is written.
    resourceLimits: { maxOldGenerationSizeMb: 64 },
  });
}

/** Starts a worker script of this folder (each one an entry point of the build, package.json). */
function startWorker(name: string, options: WorkerOptions): Worker {
  if (!new URL(import.meta.url).pathname.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), options);
  // Run from the TypeScript sources (tests, tsx): tsx's loader does not reach a worker thread
  // (privatenumber/tsx#354), its API does (and adds a query to the URLs of the modules it loads).
  const script = JSON.stringify(new URL(`./${name}.ts`, import.meta.url).href);
  return new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${script}, ${script}))`, { ...options, eval: true });
}

/**
 * What an import on a thread of its own is given: the database (and the cap on its size that the server's
 * connection has, openDatabase's maxBytes), the file, and, to write it, who imports it under what name.
 */
export interface ImportJob {
  databasePath: string;
  maxBytes?: number;
  file: string;
  write?: { author: Author; filename: string };
}

/** What the import's thread says: its progress, then the outcome or the error that stopped it (SQLite's code kept). */
export type ImportJobMessage =
  | { type: 'progress'; rows: number; bytes: number }
  | { type: 'done'; outcome: ImportOutcome }
  | { type: 'failed'; message: string; code?: string };

/**
 * importCsvFile on a thread of its own with a connection of its own (server/import.job.worker.ts): the import
 * page's preview (no `write`: the first 100 rows of each kind kept) and its confirm (no preview rows kept). The
 * server's thread goes on answering other requests while the file is read, however wide its rows, and written;
 * they read the database as it was until the import commits. A write they make meanwhile waits for the import's
 * transaction like any other (the busy timeout, then 503), without holding it up.
 */
export function importInBackground(job: ImportJob, onProgress?: ImportOptions['onProgress']): Promise<ImportOutcome> {
  const worker = startWorker('import.job.worker', { workerData: job });
  return new Promise((resolve, reject) => {
    worker.on('message', (message: ImportJobMessage) => {
      if (message.type === 'progress') onProgress?.(message.rows, message.bytes);
      else if (message.type === 'done') resolve(message.outcome);
      else reject(Object.assign(new Error(message.message), { code: message.code }));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`The import's thread stopped (exit code ${code}) before it finished.`)));
  });
}

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
    if (input.errored) throw input.errored;
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

type CsvField = (typeof CSV_FIELDS)[number];
const CSV_FIELDS = ['id', 'pledger', 'project', 'amount', 'amount_note', 'us_share_pct', 'us_share_basis', 'announced_on', 'horizon_years', 'horizon_end', 'horizon_note', 'sector', 'country', 'status', 'lever', 'context_note', 'source_urls', 'event_ids'] as const;

/**
 * Reads a record into a validated pledge write, or pushes its problems. Where each field sits is found once
 * from the header (a column named twice: the last one), and each row is read into an object of one fixed
 * shape: reading the header's names row by row into an empty form cost twice the validation itself.
 */
function rowReader(headers: readonly (string | undefined)[], knownEventIds: ReadonlySet<number>) {
  const at = Object.fromEntries(CSV_FIELDS.map((field) => [field, headers.lastIndexOf(field)])) as Record<CsvField, number>;
  const [idAt, pledgerAt, projectAt, amountAt, amountNoteAt, shareAt, basisAt, announcedAt, yearsAt, endAt, horizonNoteAt, sectorAt, countryAt, statusAt, leverAt, contextAt, urlsAt, eventsAt] =
    CSV_FIELDS.map((field) => at[field]);
  return (record: string[], line: number, problems: ImportProblem[]): ImportRow | null => {
    const cell = (i: number) => (i < 0 ? '' : unneutraliseFormula(record[i] ?? ''));
    const problemsBefore = problems.length;
    let id: number | null = null;
    const idCell = cell(idAt).trim();
    if (idCell !== '') {
      if (!/^\d{1,15}$/.test(idCell)) problems.push({ line, column: 'id', message: 'An id is a whole number.' });
      else id = Number(idCell);
    }
    let eventIds: number[] = [];
    const ids = cell(eventsAt).split(/[\s,]+/).filter(Boolean);
    if (!ids.every((item) => /^\d{1,15}$/.test(item))) problems.push({ line, column: 'event_ids', message: 'List event ids as numbers.' });
    else eventIds = ids.map(Number);
    const values: PledgeFormValues = {
      pledger: cell(pledgerAt),
      project: cell(projectAt),
      amount: cell(amountAt),
      amount_note: cell(amountNoteAt),
      us_share_pct: cell(shareAt),
      us_share_basis: cell(basisAt),
      announced_on: cell(announcedAt),
      horizon_years: cell(yearsAt),
      horizon_end: cell(endAt),
      horizon_note: cell(horizonNoteAt),
      sector: cell(sectorAt),
      country: cell(countryAt),
      status: cell(statusAt) || 'announced',
      lever: cell(leverAt),
      context_note: cell(contextAt),
      reason: '',
      status_changed_on: '',
      status_evidence_url: '',
      sources: cell(urlsAt).split(/\s+/).filter(Boolean).map((url) => ({ url, title: '' })),
      event_ids: eventIds,
    };
    const result = validatePledge(values, { previousStatus: values.status as Status, knownEventIds, requireStatusEvidence: false });
    if (!result.ok) {
      for (const [field, message] of Object.entries(result.errors)) {
        problems.push({ line, column: field.startsWith('source_url') || field === 'sources' ? 'source_urls' : field, message });
      }
    }
    if (problems.length > problemsBefore || !result.ok) return null;
    return { line, id, write: result.value };
  };
}
