// One public copy of the database for /pledges.db, made on a thread of its own: the copy and its VACUUM take
// seconds on a large database, which would hold up every request on the server's thread.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, openReader } from '../platform/db.ts';
import { copyInto, makePublic, snapshotKey } from './snapshot.repository.ts';

/** What the thread is given: the live database (read only) and the file to write. */
export interface SnapshotJob {
  source: string;
  target: string;
}

/** What it answers: the copy's key (snapshotKey, read from the copy itself), or the error that stopped it. */
export type SnapshotMessage = { type: 'done'; key: string } | { type: 'failed'; message: string; code?: string };

const { source, target } = workerData as SnapshotJob;
const answer = (message: SnapshotMessage) => parentPort!.postMessage(message);

try {
  const live = openReader(source);
  try {
    copyInto(live, target);
  } finally {
    live.close();
  }
  const copy = openDatabase(target);
  let key: string;
  try {
    key = snapshotKey(copy);
    makePublic(copy);
  } finally {
    copy.close();
  }
  answer({ type: 'done', key });
} catch (error) {
  const { message, code } = error as Error & { code?: unknown };
  answer({ type: 'failed', message, code: typeof code === 'string' ? code : undefined });
}
