// The process's memory after its large reads: a dashboard computed afresh, a whole export.
//
// The server runs with a small young generation (--max-semi-space-size=2, docs/performance.md): what lives
// through a few megabytes of allocation, such as the twenty thousand groups of a million pledges' grouped pass,
// is promoted to the old generation and left there as garbage once the page is answered. V8 collects the old
// generation only once it has grown past a limit set from what was live at the last collection, and on its own
// only seconds into a quiet spell; between, the process holds the garbage of every page computed since. With
// --expose-gc (npm start) these collect it themselves, at most once per GROWTH of new heap.
//
// A collection frees the old generation's dead objects but moves the live ones off only some of its pages: the
// others stay the process's, each partly filled. Once the server has been quiet for QUIET_MS after such a
// collection, it collects again, compacting the old generation, so that V8 gives back every page it leaves empty
// (docs/performance.md, "Memory after large answers").
import v8 from 'node:v8';

/** Heap grown since the last collection past which a large read collects (bytes). */
const GROWTH = 16 * 1024 * 1024;

/** How long no request must have come or gone, after a large answer's collection, before the heap is compacted (ms). */
export const QUIET_MS = 1_000;

export interface Collections {
  /** A full collection. */
  collect(): void;
  /** A full collection that compacts the old generation too: about twice as long (50 against 25 ms for 40 MB). */
  compact(): void;
  /** The heap's used size (bytes). */
  heapUsed(): number;
}

/** What the server does with its heap around requests. */
export interface MemoryKeeper {
  /** Collects now, before long work that allocates as it goes (a streamed export of every pledge). */
  beforeLongWork(): void;
  /** A request has come: it counts as activity until done() (its answer sent, or the client gone). */
  came(): () => void;
}

/**
 * A keeper over collections (none: it does nothing), on the process's timers. Not compacting before long work: a
 * compaction copies the live objects onto new pages before it gives the old ones back, a peak of the process's
 * memory (an export of a million pledges peaked at 154-166 MB with it, 131-140 without).
 */
export function memoryKeeper(collections: Collections | null): MemoryKeeper {
  if (collections === null) return { beforeLongWork: () => {}, came: () => () => {} };
  let liveAfterLast = 0;
  let scheduled = false;
  let inFlight = 0;
  let lastActivity = 0;
  let quietTimer: NodeJS.Timeout | null = null;

  const collect = (compacting: boolean) => {
    if (compacting) collections.compact();
    else collections.collect();
    liveAfterLast = collections.heapUsed();
  };
  // Compacts once no request has been in flight, come or gone for QUIET_MS.
  const whenQuiet = (wait: number) => {
    if (quietTimer !== null) return;
    quietTimer = setTimeout(() => {
      quietTimer = null;
      const quietFor = performance.now() - lastActivity;
      if (inFlight > 0 || quietFor < QUIET_MS) {
        whenQuiet(inFlight > 0 ? QUIET_MS : QUIET_MS - quietFor);
        return;
      }
      collect(true);
    }, wait).unref();
  };
  const collectIfGrown = () => {
    if (scheduled || collections.heapUsed() - liveAfterLast < GROWTH) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      collect(false);
      whenQuiet(QUIET_MS);
    });
  };
  return {
    beforeLongWork: () => collect(false),
    came: () => {
      inFlight++;
      lastActivity = performance.now();
      let gone = false;
      return () => {
        if (gone) return;
        gone = true;
        inFlight--;
        lastActivity = performance.now();
        collectIfGrown();
      };
    },
  };
}

const gc = (globalThis as { gc?: (options?: { type?: 'major' | 'minor' }) => void }).gc;

/** Bytes of large buffers read past which a young-generation collection runs (youngCollector). */
export const YOUNG_BYTES = 4 * 1024 * 1024;

/**
 * What a loop that reads many large buffers and drops each soon calls with each one's size (a pass over the
 * dashboard's blocks: 192 kB of facts and about 70 kB of status steps a block at a million pledges): every `every`
 * bytes, collect (the young generation). Such a buffer's bytes live outside V8's heap, which the young generation's
 * 2 MB does not count, so a pass over every block otherwise holds most of its 64 MB of blobs until a collection, and
 * malloc takes fresh pages from the kernel for them (a page fault each 4 kB, dear on the machines of
 * docs/performance.md) then gives them back once collected. Collected every 4 MB, the blobs come from memory the
 * earlier ones freed (docs/performance.md, "A young collection every 4 MB of blobs").
 */
export function youngCollector(collect: (() => void) | null, every = YOUNG_BYTES): (bytes: number) => void {
  if (collect === null) return () => {};
  let read = 0;
  return (bytes) => {
    read += bytes;
    if (read < every) return;
    read = 0;
    collect();
  };
}

/** This thread's youngCollector: a young-generation collection given --expose-gc (as npm start runs), none without. */
export const largeBufferRead = youngCollector(gc ? () => gc({ type: 'minor' }) : null);

/** V8's collections, given --expose-gc; compacting, for one collection, by V8's own flag. */
const processCollections: Collections | null = gc
  ? {
      collect: gc,
      compact: () => {
        v8.setFlagsFromString('--compact-on-every-full-gc');
        try {
          gc();
        } finally {
          v8.setFlagsFromString('--no-compact-on-every-full-gc');
        }
      },
      heapUsed: () => v8.getHeapStatistics().used_heap_size,
    }
  : null;

const keeper = memoryKeeper(processCollections);

/** What ends before long work: threads that hold memory only while views are worked out (releaseBeforeLongWork). */
const releases = new Set<() => void>();

/** Has release run before each long work (collectBeforeLongWork); returns what takes it off again. */
export function releaseBeforeLongWork(release: () => void): () => void {
  releases.add(release);
  return () => releases.delete(release);
}

/**
 * Before an export: ends what releaseBeforeLongWork was given, and, before long work that allocates as it goes (a
 * streamed export of every pledge), collects garbage. A short one (long: false) does not wait for a collection (27-51
 * ms at a million pledges): what it releases is collected after its answer (collectAfterLargeAnswers).
 */
export function collectBeforeLongWork(long = true): void {
  for (const release of releases) release();
  if (long) keeper.beforeLongWork();
}

/**
 * Once an answer has been sent: collects when the heap has grown by GROWTH since the last collection (a full
 * collection takes a few tens of milliseconds), and, QUIET_MS into the quiet spell after, compacts. Mounted after
 * the response cache, whose answers allocate little.
 */
export function collectAfterLargeAnswers(_req: unknown, res: { once(event: 'finish' | 'close', listener: () => void): unknown }, next: () => void): void {
  const done = keeper.came();
  res.once('finish', done);
  res.once('close', done);
  next();
}
