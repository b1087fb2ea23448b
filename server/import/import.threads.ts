// The import's threads: the reader thread that parses and validates a file while this thread sorts and writes
// (import.rows.worker.ts), and a whole import on a thread of its own for the import page (import.job.worker.ts),
// with the messages each sends. Stays in the workers' folder: startWorker finds them next to it.
import { on } from 'node:events';
import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { Db } from '../platform/db.ts';
import { startWorker } from '../platform/threads.ts';
import { refused, type ImportOutcome } from './import.preview.ts';
import type { ImportBatch } from './import.rows.ts';
import { ImportRun, type ImportOptions } from './import.run.ts';
import { importRelationsCsv, isRelationsFile } from './import.relations.ts';
import type { Author } from '../revisions/revisions.repository.ts';

/**
 * importCsv for a file on disk, read and validated on a worker thread while this one writes: the command line's
 * way in, and the import page's preview and confirm (on a thread of their own: importInBackground). The same
 * outcome as importCsv, rows in the same order.
 */
export async function importCsvFile(db: Db, file: string, options: ImportOptions = {}): Promise<ImportOutcome> {
  // A relations file (its header names kind, pledge_id and other_id): few rows, read on this thread.
  if (isRelationsFile(fileHead(file))) return importRelationsCsv(db, fs.createReadStream(file), options);
  const run = new ImportRun(db, { ...options, fileBytes: fs.statSync(file).size });
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

/** The first 64 kB of a file, where its header is. */
function fileHead(file: string): Buffer {
  const head = Buffer.alloc(64 * 1024);
  const fd = fs.openSync(file, 'r');
  try {
    return head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
  } finally {
    fs.closeSync(fd);
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
  return startWorker(import.meta.url, 'import.rows.worker', {
    workerData: { file, knownEventIds: [...knownEventIds] } satisfies ReaderInput,
    // What the thread keeps is a few batches; a small old generation has the collector reclaim the rest early
    // instead of letting it grow. A thread that needs more fails with ERR_WORKER_OUT_OF_MEMORY, and nothing is written.
    resourceLimits: { maxOldGenerationSizeMb: 64 },
  });
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
  const worker = startWorker(import.meta.url, 'import.job.worker', { workerData: job });
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
