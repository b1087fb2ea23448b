// A date given to the month or the year counts from its first day, in every read that asks "dated by a day": a pledge
// announced in "April 2025" is not yet announced as of 31 March 2025, nor in a view up to that day, and is from
// 1 April on. (Read as "before 1 April", it slipped into the view of 31 March.)
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { datedBy } from '../../server/lib/dates.ts';
import { cachedFacets, ReadCache } from '../../server/dashboard/dashboard.reads.ts';
import { parseFilter } from '../../server/pledges/pledges.filter.ts';
import { addPledge, freshApp, TEST_TODAY, type TestContext } from '../helpers.ts';

let ctx: TestContext;
beforeEach(() => {
  ctx = freshApp({ seed: false });
  addPledge(ctx.db, { pledger: 'Early', project: 'Mill', announced_on: '2025-03-31', amount_usd: 1e9 });
  addPledge(ctx.db, { pledger: 'April', project: 'Fab', announced_on: '2025-04', amount_usd: 2e9 });
  addPledge(ctx.db, { pledger: 'Next year', project: 'Plant', announced_on: '2026', amount_usd: 4e9 });
});
afterEach(() => ctx?.cleanup());

async function pledgers(query: string): Promise<string[]> {
  const res = await request(ctx.app).get(`/api/pledges?${query}&sort=announced`);
  expect(res.status, res.text).toBe(200);
  return (res.body.pledges as { pledger: string }[]).map((pledge) => pledge.pledger);
}

describe('dates given to the month or the year', () => {
  it('count from their first day as of a day and up to a day', async () => {
    expect(await pledgers('as_of=2025-03-31')).toEqual(['Early']);
    expect(await pledgers('as_of=2025-04-01')).toEqual(['Early', 'April']);
    expect(await pledgers('to=2025-03-31')).toEqual(['Early']);
    expect(await pledgers('to=2025-04-01')).toEqual(['Early', 'April']);
    expect(await pledgers('to=2025-12-31')).toEqual(['Early', 'April']);
    expect(await pledgers('to=2026-01-01')).toEqual(['Early', 'April', 'Next year']);
    // A month or a year as the bound takes all of it.
    expect(await pledgers('to=2025-04')).toEqual(['Early', 'April']);
    expect(await pledgers('to=2025')).toEqual(['Early', 'April']);
  });

  it('count the same in the totals and in the pledger facet as in the list', async () => {
    const summary = await request(ctx.app).get('/api/summary?as_of=2025-12-31');
    expect(summary.body.totals).toMatchObject({ pledge_count: 2, pledged_usd: 3e9 });
    const upTo = await request(ctx.app).get('/api/summary?to=2025-03-31');
    expect(upTo.body.totals).toMatchObject({ pledge_count: 1, pledged_usd: 1e9 });
    const pledgerFacet = (query: Record<string, string>) =>
      cachedFacets(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, parseFilter(query, TEST_TODAY))
        .find((facet) => facet.field === 'pledger')!
        .values.map((value) => value.value);
    expect(pledgerFacet({ to: '2025-03-31' })).toEqual(['Early']);
    expect(pledgerFacet({ to: '2025-04-30' }).sort()).toEqual(['April', 'Early']);
  });

  it('bound a day, a time of the day, a month and a year in text order', () => {
    const byDay = datedBy('2025-03-31');
    expect(['2025-03', '2025', '2025-03-31', '2025-03-31T23:59:59Z'].every((date) => date < byDay)).toBe(true);
    expect(['2025-04', '2025-04-01', '2026'].some((date) => date < byDay)).toBe(false);
    expect(datedBy('2025-03')).toBe('2025-04');
    expect(datedBy('2025')).toBe('2026');
  });
});
