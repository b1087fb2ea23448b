// A pass over the packed blocks tells the thread's young collector (platform/memory.ts) how many bytes of blobs it
// read, so that a pass over a million pledges collects as it goes rather than holding its 64 MB of blobs.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { blocksOf } from '../../server/dashboard/dashboard.packed-blocks.ts';
import { BLOCK_SHIFT, packStaleFacts } from '../../server/dashboard/dashboard.packing.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { freshApp, type TestContext } from '../helpers.ts';

const reported = vi.hoisted(() => [] as number[]);
vi.mock('../../server/platform/memory.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../server/platform/memory.ts')>()),
  largeBufferRead: (bytes: number) => reported.push(bytes),
}));

let ctx: TestContext;
beforeAll(() => {
  ctx = freshApp({ seed: false });
  generatePledges(ctx.db, { rows: 3 * (1 << BLOCK_SHIFT) + 100, seed: 7 });
  expect(packStaleFacts(ctx.db)).toBe(true);
}, 60_000);
afterAll(() => ctx?.cleanup());

const bytesIn = (table: string): number => ctx.db.prepare(`SELECT sum(length(data)) FROM ${table}`).pluck().get() as number;

describe('blocksOf', () => {
  it("reports each block's facts it reads, with their status steps when it reads those too", () => {
    reported.length = 0;
    expect([...blocksOf(ctx.db, null)]).toHaveLength(4);
    expect(reported).toHaveLength(4);
    expect(reported.reduce((sum, bytes) => sum + bytes, 0)).toBe(bytesIn('pledge_facts'));

    reported.length = 0;
    expect([...blocksOf(ctx.db, null, true)].every((part) => part?.h)).toBe(true);
    expect(reported.reduce((sum, bytes) => sum + bytes, 0)).toBe(bytesIn('pledge_facts') + bytesIn('pledge_status_facts'));
  });

  it('reports only the blocks holding the ids it is given', () => {
    reported.length = 0;
    const ids = [5, 6, 3 * (1 << BLOCK_SHIFT) + 1];
    expect([...blocksOf(ctx.db, ids)].map((part) => part!.count)).toEqual([2, 1]);
    const blockBytes = ctx.db.prepare('SELECT length(data) FROM pledge_facts WHERE block IN (0, 3) ORDER BY block').pluck().all();
    expect(reported).toEqual(blockBytes);
  });
});
