// The process's memory after its large reads: a dashboard computed afresh, a whole export.
//
// The server runs with a small young generation (--max-semi-space-size=2, docs/performance.md): what lives
// through a few megabytes of allocation, such as the twenty thousand groups of a million pledges' grouped pass,
// is promoted to the old generation and left there as garbage once the page is answered. V8 collects the old
// generation only once it has grown past a limit set from what was live at the last collection, and on its own
// only seconds into a quiet spell; between, the process holds the garbage of every page computed since. With
// --expose-gc (npm start) these collect it themselves, at most once per GROWTH of new heap.
import v8 from 'node:v8';

const collect = (globalThis as { gc?: () => void }).gc;

/** Heap grown since the last collection past which a large read collects (bytes). */
const GROWTH = 16 * 1024 * 1024;

let liveAfterLast = 0;
let scheduled = false;

/** Collects garbage now, before long work that allocates as it goes (a streamed export of every pledge). */
export function collectBeforeLongWork(): void {
  if (!collect) return;
  collect();
  liveAfterLast = v8.getHeapStatistics().used_heap_size;
}

/**
 * Once an answer has been sent: collects when the heap has grown by GROWTH since the last collection (a full
 * collection takes a few tens of milliseconds). Mounted after the response cache, whose answers allocate little.
 */
export function collectAfterLargeAnswers(_req: unknown, res: { once(event: 'finish', listener: () => void): unknown }, next: () => void): void {
  if (collect) res.once('finish', collectIfGrown);
  next();
}

function collectIfGrown(): void {
  if (scheduled || v8.getHeapStatistics().used_heap_size - liveAfterLast < GROWTH) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    collectBeforeLongWork();
  });
}
