// Memory under a stream of distinct filters: what a reader (or a crawler) can make the server keep.
import { describe, expect, it } from 'vitest';
import { EMPTY_FILTER } from '../server/pledges.filter.ts';
import { countPledges } from '../server/pledges.repository.ts';
import { statementsKept } from '../server/statements.ts';
import { addPledge, freshApp } from './helpers.ts';

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
