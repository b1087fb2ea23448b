// The reading half of `npm run import`, on a thread of its own: parses and validates the file in batches while
// the main thread sorts and writes. Sends at most READ_AHEAD batches before the main thread asks for more.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ImportFileError, readBatches } from './import.rows.ts';
import { READ_AHEAD, type ReaderInput, type ReaderMessage } from './import.threads.ts';

const port = parentPort!;
const { file, knownEventIds } = workerData as ReaderInput;
let credit = READ_AHEAD;
let wake: (() => void) | null = null;
port.on('message', () => {
  credit += 1;
  wake?.();
});

const send = (message: ReaderMessage) => port.postMessage(message);

try {
  for await (const batch of readBatches(fs.createReadStream(file, { highWaterMark: 256 * 1024 }), new Set(knownEventIds))) {
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit -= 1;
    send({ type: 'batch', batch });
  }
} catch (error) {
  if (!(error instanceof ImportFileError)) throw error;
  send({ type: 'refused', message: error.message });
}
