// The concessions of a view read either way round (from the concessions, or from the view's pledges when it has
// fewer pledges than there are links): the same rows in the same order, on generated pledges and concessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countConcessionLinks, listConcessions } from '../../server/events/concessions.repository.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { parseFilter } from '../../server/pledges/pledges.filter.ts';
import { freshApp, TEST_TODAY, type TestContext } from '../helpers.ts';

let ctx: TestContext;
beforeAll(() => {
  ctx = freshApp({ seed: false });
  generatePledges(ctx.db, { rows: 4000, seed: 5 });
});
afterAll(() => ctx?.cleanup());

describe('a view’s concessions, either way round', () => {
  it('has links to read', () => {
    expect(countConcessionLinks(ctx.db)).toBeGreaterThan(40);
  });

  it.each(['', 'pledger=Nvidia', 'sector=Energy&from=2020', 'status=completed', 'min=1B&as_of=2023-06-30', 'q=fab'])(
    'gives the same rows for "%s", limited or not',
    (query) => {
      const filter = { pledges: parseFilter(Object.fromEntries(new URLSearchParams(query)), TEST_TODAY), types: [] };
      for (const limit of [-1, 7]) {
        const fromEvents = listConcessions(ctx.db, { filter, limit });
        const fromPledges = listConcessions(ctx.db, { filter, limit, viewPledges: 0 });
        expect(fromPledges).toEqual(fromEvents);
        if (limit === -1) expect(fromEvents.length).toBeGreaterThan(0);
      }
    },
  );
});
