// Memory under a stream of distinct filters: what a reader (or a crawler) can make the server keep.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { memoryKeeper, QUIET_MS, youngCollector } from '../../server/platform/memory.ts';
import { EMPTY_FILTER } from '../../server/pledges/pledges.filter.ts';
import { countPledges } from '../../server/pledges/pledges.sql.ts';
import { statement, statementsKept, STATEMENTS_KEPT } from '../../server/platform/statements.ts';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';
import { root } from '../process.ts';

describe('statement()', () => {
  let ctx: TestContext;
  beforeAll(() => (ctx = freshApp({ seed: false })));
  afterAll(() => ctx.cleanup());

  it('keeps at most STATEMENTS_KEPT statements a connection, dropping the least recently used', () => {
    const first = statement(ctx.db, 'SELECT 0');
    const second = statement(ctx.db, 'SELECT 1');
    for (let n = 2; n < STATEMENTS_KEPT + 100; n++) {
      statement(ctx.db, `SELECT ${n}`);
      expect(statement(ctx.db, 'SELECT 0')).toBe(first);
    }
    expect(statementsKept(ctx.db)).toBe(STATEMENTS_KEPT);
    expect(statement(ctx.db, 'SELECT 1')).not.toBe(second);
    expect(statement(ctx.db, 'SELECT 1').pluck().get()).toBe(1);
  });
});

describe('countPledges with a list of sectors', () => {
  it('counts what the list names, with one statement for each power of two of its length: 7 for lists of 1 to 50', () => {
    const ctx = freshApp({ seed: false });
    try {
      for (const sector of ['Energy', 'Steel', 'Steel', 'Shipbuilding']) addPledge(ctx.db, { sector });
      const before = statementsKept(ctx.db);
      for (let length = 1; length <= 50; length++) {
        const sector = ['Steel', 'Energy', ...Array.from({ length: 48 }, (_, k) => `Sector ${k}`)].slice(0, length);
        expect(countPledges(ctx.db, { ...EMPTY_FILTER, sector }), `${length} sectors`).toBe(length === 1 ? 2 : 3);
      }
      // 1, 2, 4, 8, 16, 32 and 64 values.
      expect(statementsKept(ctx.db) - before).toBe(7);
    } finally {
      ctx.cleanup();
    }
  });
});

describe('GET / and /api/summary, with 10,000 distinct filters', () => {
  it('keep the statement cache within its bound, and the process within 100 MB of its size after a warm-up', { timeout: 120_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', 'tests/platform/filter-stream.ts'], {
      cwd: root,
      // As `npm start` runs the server: fewer malloc arenas, less memory held and not used.
      env: { ...process.env, MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '262144', MALLOC_TRIM_THRESHOLD_: '131072' },
    });
    const { warm, end, statements, seconds } = JSON.parse(stdout) as { warm: number; end: number; statements: number; seconds: number };
    console.log(`RSS ${Math.round(warm)} MB after 1,000 filters, ${Math.round(end)} MB after 10,000; ${statements} statements kept; ${seconds} s`);
    expect(statements).toBeLessThanOrEqual(STATEMENTS_KEPT);
    // After the warm-up the aggregates' caches are full; what may still grow is the response cache (16 MB), the
    // statement cache (20 MB at the very most) and the allocator's slack: 35 to 47 MB was seen. With every
    // statement kept, the process grew by 350 MB (21,194 statements).
    expect(end - warm).toBeLessThan(100);
  });
});

describe('the collections after large answers', () => {
  afterEach(() => vi.useRealTimers());
  const MB = 1024 * 1024;

  /** A keeper whose heap the test grows, on fake timers; collections and compactions counted. */
  function fakeKeeper() {
    vi.useFakeTimers();
    let heap = 40 * MB;
    const counted = { collections: 0, compactions: 0 };
    const keeper = memoryKeeper({
      collect: () => {
        counted.collections++;
        heap = 40 * MB;
      },
      compact: () => {
        counted.compactions++;
        heap = 40 * MB;
      },
      heapUsed: () => heap,
    });
    // Collected once, as at start: growth counts from there.
    keeper.beforeLongWork();
    counted.collections = 0;
    /** A request that grows the heap by mb and takes ms to answer. */
    const request = (mb: number, ms = 0) => {
      const done = keeper.came();
      heap += mb * MB;
      vi.advanceTimersByTime(ms);
      done();
    };
    return { keeper, counted, request };
  }

  it('collects after an answer that grew the heap, and compacts once the server has been quiet for QUIET_MS', () => {
    const { counted, request } = fakeKeeper();
    request(20);
    vi.advanceTimersByTime(1);
    expect(counted).toEqual({ collections: 1, compactions: 0 });
    vi.advanceTimersByTime(QUIET_MS - 10);
    expect(counted.compactions).toBe(0);
    vi.advanceTimersByTime(20);
    expect(counted).toEqual({ collections: 1, compactions: 1 });
    // Once, until another answer grows the heap again.
    vi.advanceTimersByTime(10 * QUIET_MS);
    expect(counted).toEqual({ collections: 1, compactions: 1 });
  });

  it('does not compact while requests keep coming, nor while one is being answered, however long it takes', () => {
    const { counted, request, keeper } = fakeKeeper();
    // A reader's request every 100 ms for three seconds, each growing the heap by 20 MB.
    for (let n = 0; n < 30; n++) {
      request(20);
      vi.advanceTimersByTime(100);
    }
    expect(counted.collections).toBe(30);
    expect(counted.compactions).toBe(0);
    // Then an export that takes five seconds: no compaction while it streams.
    keeper.beforeLongWork();
    request(1, 5 * QUIET_MS);
    expect(counted.compactions).toBe(0);
    vi.advanceTimersByTime(QUIET_MS + 10);
    expect(counted.compactions).toBe(1);
    // The export's own collection is a plain one.
    expect(counted.collections).toBe(31);
  });

  it('neither collects nor compacts after answers that grew the heap by less than 16 MB', () => {
    const { counted, request } = fakeKeeper();
    for (let n = 0; n < 10; n++) request(1);
    vi.advanceTimersByTime(10 * QUIET_MS);
    expect(counted).toEqual({ collections: 0, compactions: 0 });
  });

  it('does nothing without the process’s collections (node without --expose-gc)', () => {
    const keeper = memoryKeeper(null);
    expect(() => {
      keeper.came()();
      keeper.beforeLongWork();
    }).not.toThrow();
  });
});

describe('youngCollector', () => {
  it('collects once each time the bytes read since the last collection reach its measure', () => {
    let collections = 0;
    const read = youngCollector(() => collections++, 1_000);
    read(999);
    expect(collections).toBe(0);
    read(1);
    expect(collections).toBe(1);
    // 9 reads of 300 bytes: 1,000 reached at the 4th and again at the 8th, counting afresh after each.
    for (let i = 0; i < 9; i++) read(300);
    expect(collections).toBe(3);
    read(5_000);
    expect(collections).toBe(4);
  });

  it('does nothing without a collector (a process run without --expose-gc)', () => {
    expect(() => youngCollector(null, 1)(10)).not.toThrow();
  });
});
