// Memory under a stream of distinct filters: what a reader (or a crawler) can make the server keep.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EMPTY_FILTER } from '../../server/pledges/pledges.filter.ts';
import { countPledges } from '../../server/pledges/pledges.sql.ts';
import { statement, statementsKept, STATEMENTS_KEPT } from '../../server/platform/statements.ts';
import { quietCollector } from '../../server/platform/memory.ts';
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
      env: { ...process.env, MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' },
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

describe('the collection after large answers', () => {
  afterEach(() => vi.useRealTimers());
  const MB = 1024 * 1024;

  /** A collector whose heap the test grows, on the fake clock; collections counted. */
  function fakeCollector() {
    vi.useFakeTimers();
    let heap = 40 * MB;
    let collections = 0;
    const collector = quietCollector(
      () => {
        collections++;
        heap = 40 * MB;
      },
      () => heap,
      () => Date.now(),
    );
    collector.now();
    collections = 0;
    return { collector, grow: (mb: number) => (heap += mb * MB), collections: () => collections };
  }

  it('waits while requests keep coming, so that none waits for it, and collects once 200 ms pass without one', () => {
    const { collector, grow, collections } = fakeCollector();
    // A reader's requests every 50 ms for a second, each growing the heap by 10 MB.
    for (let n = 0; n < 20; n++) {
      collector.requested();
      grow(10);
      collector.answered();
      vi.advanceTimersByTime(50);
    }
    expect(collections()).toBe(0);
    vi.advanceTimersByTime(149);
    expect(collections()).toBe(0);
    vi.advanceTimersByTime(2);
    expect(collections()).toBe(1);
    // Once only, until the heap has grown again.
    vi.advanceTimersByTime(10_000);
    expect(collections()).toBe(1);
  });

  it('counts a request computed for longer than 200 ms as activity until its answer goes', () => {
    vi.useFakeTimers();
    // The clock apart from the timers: a request computed for 300 ms holds the event loop, so no timer runs before
    // its answer goes, however late it is.
    let now = 0;
    let collections = 0;
    let heap = 0;
    const collector = quietCollector(() => collections++, () => heap, () => now);
    collector.requested();
    heap += 20 * MB;
    collector.answered();
    collector.requested();
    now += 300;
    heap += 20 * MB;
    collector.answered();
    // The timer set by the first answer runs now, late: the server has been quiet for no time at all.
    vi.advanceTimersByTime(200);
    expect(collections).toBe(0);
    now += 200;
    vi.advanceTimersByTime(200);
    expect(collections).toBe(1);
  });

  it('does not collect after answers that left the heap under 16 MB larger, and collects at once when asked', () => {
    const { collector, grow, collections } = fakeCollector();
    collector.requested();
    grow(15);
    collector.answered();
    vi.advanceTimersByTime(1_000);
    expect(collections()).toBe(0);
    collector.now();
    expect(collections()).toBe(1);
  });

  it('does nothing without global.gc (the server run without --expose-gc)', () => {
    vi.useFakeTimers();
    const collector = quietCollector(undefined, () => 1_000 * MB, () => Date.now());
    collector.requested();
    collector.answered();
    expect(vi.getTimerCount()).toBe(0);
    expect(() => collector.now()).not.toThrow();
  });
});
