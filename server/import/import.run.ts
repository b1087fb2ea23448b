// CSV import, in one streaming pass: each row is read, validated, sorted into new, changed or unchanged and,
// when writing, written inside one transaction that is committed only if the whole file was valid. Nothing is
// held but the identity of the rows seen (to refuse the same pledge twice) and the first rows of each kind
// for the preview. Re-importing the same file changes nothing.
// Reading is import.rows.ts, sorting import.preview.ts, writing import.write.ts; this runs them in turn.
import type { Readable } from 'node:stream';
import type { Db } from '../platform/db.ts';
import { listEvents } from '../events/events.repository.ts';
import { ImportPreview, refused, type ImportOutcome } from './import.preview.ts';
import { firstChunk } from './import.csv.ts';
import { ImportFileError, MAX_PROBLEMS, readBatches, type ImportBatch, type ImportProblem, type ImportRow } from './import.rows.ts';
import { importRelationsCsv, isRelationsFile } from './import.relations.ts';
import { ImportWriter, type WriteOptions } from './import.write.ts';

export interface ImportOptions extends WriteOptions {
  /** Called every few thousand rows and at the end: rows read so far, and bytes of the file parsed. */
  onProgress?: (rows: number, bytes: number) => void;
  /** How many rows of each kind the outcome keeps for a preview (100 unless said). */
  keep?: number;
  /**
   * The file's size in bytes, when known (a file on disk): with the first batch's share of it, an estimate of the
   * pledges the file will create, which can begin a bulk load from the first batch on (ImportWriter.expectCreated).
   */
  fileBytes?: number;
}

/**
 * One import: fed batches of rows in file order by a reader. While writing it holds a write transaction on its
 * connection from its creation to finish().
 */
export class ImportRun {
  rows = 0;
  bytes = 0;
  readonly knownEventIds: ReadonlySet<number>;
  private readonly preview: ImportPreview;
  /** Null when not writing, or no longer: the file was refused, or the write committed. */
  private writer: ImportWriter | null;

  private batches = 0;
  private readonly fileBytes: number | undefined;

  constructor(db: Db, options: ImportOptions) {
    this.fileBytes = options.fileBytes;
    // The transaction begins first, so that rows are checked against the events the write sees.
    this.writer = options.write ? new ImportWriter(db, { ...options, write: options.write }) : null;
    this.preview = new ImportPreview(db, options.keep ?? 100);
    this.knownEventIds = new Set(listEvents(db).map((event) => event.id));
  }

  get outcome(): ImportOutcome {
    return this.preview.outcome;
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
    // Before the first batch is written: the pledges it names that do not exist yet, in proportion to the bytes it
    // took of the file. Written with every trigger, its 250 rows cost 0.15 s into an empty table.
    if (this.batches++ === 0 && this.writer && this.fileBytes !== undefined && batch.bytes > 0) {
      const absent = batch.rows.reduce((count, row) => count + (this.preview.exists(row) ? 0 : 1), 0);
      this.writer.expectCreated(Math.floor((absent * this.fileBytes) / batch.bytes));
    }
    let next = 0;
    for (const row of batch.rows) {
      while (next < batch.problems.length && batch.problems[next].line <= row.line) this.problem(batch.problems[next++]);
      this.record(row);
    }
    while (next < batch.problems.length) this.problem(batch.problems[next++]);
  }

  private record(row: ImportRow): void {
    this.rows += 1;
    const earlier = this.preview.repeated(row);
    if (earlier !== undefined) return this.problem({ line: row.line, column: null, message: `This row is the same pledge as line ${earlier}.` });
    // Once the file is known to be refused, the rest is only checked.
    if (this.problems.length === 0) this.sort(row);
  }

  private sort(row: ImportRow): void {
    const sorted = this.preview.sort(row);
    if (!this.writer) return;
    if (sorted.kind === 'created') this.writer.create(row);
    else if (sorted.kind === 'changed') this.writer.change(sorted.id, sorted.write, sorted.changes);
  }

  problem(problem: ImportProblem): void {
    this.problems.push(problem);
    this.stopWriting();
  }

  /** Commits when every row was valid (building again any index dropped for a bulk load), else rolls back. */
  finish(): ImportOutcome {
    if (this.full) this.problem({ line: this.problems.at(-1)!.line, column: null, message: `Stopped after ${MAX_PROBLEMS} problems.` });
    if (this.writer) {
      this.writer.commit();
      this.writer = null;
      this.outcome.written = true;
    }
    return this.outcome;
  }

  /** Rolls back whatever was written (an error, or a refused file). */
  stopWriting(): void {
    if (!this.writer) return;
    const writer = this.writer;
    this.writer = null;
    writer.rollback();
  }
}

/**
 * Reads, validates and sorts every row of a stream; with options.write, writes them too, committing only when
 * the whole file is valid. Yields to the event loop between batches, though a batch of very wide rows can still
 * hold the thread for a while (the import page reads on a thread of its own: importInBackground); a write
 * must run on a connection of its own, never on one other requests share.
 */
export async function importCsv(db: Db, input: Readable, options: ImportOptions = {}): Promise<ImportOutcome> {
  // A relations file (its header names kind, pledge_id and other_id) has a reader of its own.
  const head = await firstChunk(input);
  if (head.length > 0) input.unshift(head);
  if (isRelationsFile(head)) return importRelationsCsv(db, input, options);
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
