// One part of a long CSV export (pledges.export-thread.ts), on a thread of its own: reads the part's pledges from a
// snapshot of its own, says whether it holds the data version of the request's, and if so sends their records in
// chunks, each within one run of ids, saying when each of its runs is made; at most EXPORT_AHEAD chunks ahead of what
// the server's thread has taken ('more' gives one back).
import { parentPort, workerData } from 'node:worker_threads';
import { closeSnapshot, openSnapshotOf } from '../platform/db.ts';
import { databaseVersion } from '../platform/meta.repository.ts';
import { exportLines } from './pledges.export.ts';
import { EXPORT_AHEAD, partChunks, type ExportJob, type ExportMessage } from './pledges.export-thread.ts';

const { file, filter, version, part, lastRun } = workerData as ExportJob;
const port = parentPort!;
let credits = EXPORT_AHEAD;
let wake: (() => void) | null = null;
port.on('message', () => {
  credits++;
  wake?.();
  wake = null;
});

const send = (message: ExportMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

const snapshot = openSnapshotOf(file);
try {
  const seen = databaseVersion(snapshot);
  if (seen !== version) send({ type: 'moved', version: seen });
  else {
    send({ type: 'ready' });
    for (const made of partChunks(exportLines(snapshot, filter, part), part, lastRun)) {
      if (typeof made === 'number') {
        send({ type: 'run', run: made });
        continue;
      }
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      // A chunk's bytes are its own, handed over without a copy; a small chunk could sit in Buffer's shared pool,
      // which must stay here.
      const own = made.buffer instanceof ArrayBuffer && made.buffer.byteLength > Buffer.poolSize;
      send({ type: 'chunk', bytes: made }, own ? [made.buffer as ArrayBuffer] : []);
    }
    send({ type: 'end' });
  }
} finally {
  closeSnapshot(snapshot);
  // Nothing more to wait for: the thread ends once its last message is sent.
  port.unref();
}
