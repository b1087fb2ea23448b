// Memory under a stream of distinct filters: what a reader (or a crawler) can make the server keep.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
