// The process's memory after its large reads: a dashboard computed afresh, a whole export.
//
// The server runs with a small young generation (--max-semi-space-size=2, docs/performance.md): what lives
// through a few megabytes of allocation, such as the twenty thousand groups of a million pledges' grouped pass,
// is promoted to the old generation and left there as garbage once the page is answered. V8 collects the old
// generation only once it has grown past a limit set from what was live at the last collection, and on its own
// only seconds into a quiet spell; between, the process holds the garbage of every page computed since. With
// --expose-gc (npm start) these collect it themselves, at most once per GROWTH of new heap, and only once no request
// has come for QUIET ms: a full collection takes 20-25 ms at a million pledges, which the next reader waited for when
// it ran as soon as an answer was sent.
import v8 from 'node:v8';

/** Heap grown since the last collection past which a large read collects (bytes). */
const GROWTH = 16 * 1024 * 1024;

/** How long no request must have come before a grown heap is collected (ms). */
const QUIET = 200;

export interface Collector {
  /** Collects garbage now, before long work that allocates as it goes (a streamed export of every pledge). */
  now(): void;
  /** A request has come (a large answer may follow: a dashboard computed afresh). */
  requested(): void;
  /** An answer was sent: the heap is collected once grown by GROWTH, when QUIET ms have passed without a request
   * coming or an answer going. */
  answered(): void;
}

/**
 * A collector over collect (global.gc; absent, it does nothing) and the heap's used size, with its clock: the
 * server's is the process's own (below); tests give theirs.
 */
export function quietCollector(
  collect: (() => void) | undefined,
  heapUsed: () => number = () => v8.getHeapStatistics().used_heap_size,
  clock: () => number = () => performance.now(),
): Collector {
  let liveAfterLast = 0;
  let scheduled: NodeJS.Timeout | null = null;
  // The last request's coming or answer's going: a request computed for longer than QUIET has not left the server quiet.
  let lastActivity = -Infinity;
  const now = () => {
    if (!collect) return;
    collect();
    liveAfterLast = heapUsed();
  };
  const whenQuiet = () => {
    const quietFor = clock() - lastActivity;
    if (quietFor < QUIET) {
      scheduled = setTimeout(whenQuiet, QUIET - quietFor).unref();
      return;
    }
    scheduled = null;
    now();
  };
  return {
    now,
    requested: () => {
      lastActivity = clock();
    },
    answered: () => {
      lastActivity = clock();
      if (!collect || scheduled || heapUsed() - liveAfterLast < GROWTH) return;
      scheduled = setTimeout(whenQuiet, QUIET).unref();
    },
  };
}

const collector = quietCollector((globalThis as { gc?: () => void }).gc);

/** Collects garbage now, before long work that allocates as it goes (a streamed export of every pledge). */
export function collectBeforeLongWork(): void {
  collector.now();
}

/**
 * Once an answer has been sent: collects when the heap has grown by GROWTH since the last collection, once no
 * request has come for QUIET ms (a full collection takes a few tens of milliseconds, which a reader whose request
 * came meanwhile would wait for). Mounted after the response cache, whose answers allocate little.
 */
export function collectAfterLargeAnswers(_req: unknown, res: { once(event: 'finish', listener: () => void): unknown }, next: () => void): void {
  collector.requested();
  res.once('finish', collector.answered);
  next();
}
