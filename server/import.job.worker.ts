// The import page's confirm, on a thread of its own (importInBackground): opens its own connection to the
// database, imports the file as `npm run import` does, and answers with the outcome or the error that stopped it.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './db.ts';
import { importCsvFile, type ImportJob, type ImportJobMessage } from './pledges.import.ts';

const { databasePath, maxBytes, file, write } = workerData as ImportJob;
const answer = (message: ImportJobMessage) => parentPort!.postMessage(message);

const db = openDatabase(databasePath, { maxBytes });
try {
  answer({ type: 'done', outcome: await importCsvFile(db, file, { write, keep: 0 }) });
} catch (error) {
  const { message, code } = error as Error & { code?: unknown };
  answer({ type: 'failed', message, code: typeof code === 'string' ? code : undefined });
} finally {
  db.close();
}
