// The import page's preview and confirm, on a thread of their own (importInBackground): opens its own connection
// to the database, reads (and, to confirm, imports) the file as `npm run import` does, and answers with its
// progress, then the outcome or the error that stopped it.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../platform/db.ts';
import { importCsvFile, type ImportJob, type ImportJobMessage } from './import.threads.ts';

const { databasePath, maxBytes, file, write } = workerData as ImportJob;
const answer = (message: ImportJobMessage) => parentPort!.postMessage(message);

const db = openDatabase(databasePath, { maxBytes });
try {
  const onProgress = (rows: number, bytes: number) => answer({ type: 'progress', rows, bytes });
  answer({ type: 'done', outcome: await importCsvFile(db, file, { write, keep: write ? 0 : undefined, onProgress }) });
} catch (error) {
  const { message, code } = error as Error & { code?: unknown };
  answer({ type: 'failed', message, code: typeof code === 'string' ? code : undefined });
} finally {
  db.close();
}
