// The dashboard of a search, the overdue pledges or a waterfall step read in one statement (dashboard.one-pass.ts)
// against the same figures from the statements each chart runs on its own, on 3,000 generated pledges with dated status steps: every total, facet, lever, timeline
// point, overdue count and waterfall step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cubeOf } from '../../server/dashboard/dashboard.cube.ts';
import { facets, overdueTotals, pledgerValues } from '../../server/dashboard/dashboard.facets.ts';
import { ReadCache, cachedFacets, cachedSummary, cachedWaterfall } from '../../server/dashboard/dashboard.reads.ts';
import { onePassServes } from '../../server/dashboard/dashboard.one-pass.ts';
import { summarize, timelineByDate } from '../../server/dashboard/dashboard.summary.ts';
import { computeWaterfall } from '../../server/dashboard/dashboard.waterfall.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { parseFilter } from '../../server/pledges/pledges.filter.ts';
import { freshApp, TEST_TODAY, type TestContext } from '../helpers.ts';

let ctx: TestContext;
beforeAll(() => {
  ctx = freshApp({ seed: false });
  generatePledges(ctx.db, { rows: 3000, seed: 11 });
}, 60_000);
afterAll(() => ctx?.cleanup());

const SEARCHES: Record<string, string>[] = [
  { q: 'ing' },
  { q: 'Semiconductors' },
  { q: 'Nvidia' },
  { q: 'center 1' },
  { q: 'energy', from: '2019' },
  { q: 'ing', min: '1B', to: '2024-06' },
  { q: 'example.com' },
  { overdue: '1' },
  { overdue: '1', from: '2020', max: '10B' },
  { q: 'ing', overdue: '1' },
  { step: 'superseded' },
  { step: 'contained', from: '2020' },
  { step: 'overlaps' },
  { step: 'outside_us', q: 'energy' },
  { step: 'not_new', q: 'ing', min: '1B' },
];

describe('a view’s dashboard in one pass', () => {
  it.each(SEARCHES)('gives every figure the separate statements give, for %o', (query) => {
    const filter = parseFilter(query, TEST_TODAY);
    expect(onePassServes(filter)).toBe(true);
    const groups = cubeOf(ctx.db, filter);
    const overdue = overdueTotals(ctx.db, filter);
    const cache = new ReadCache(ctx.db, () => TEST_TODAY);
    const summary = cachedSummary(cache, ctx.db, filter);
    expect(summary).toEqual(summarize(ctx.db, filter, groups, overdue, timelineByDate(ctx.db, filter)));
    expect(cachedFacets(cache, ctx.db, filter)).toEqual(facets(ctx.db, filter, 10, groups, pledgerValues(ctx.db, filter), overdue));
    expect(cachedWaterfall(cache, ctx.db, filter)).toEqual(computeWaterfall(ctx.db, filter, groups));
    expect(summary.totals.pledge_count).toBeGreaterThan(0);
  });

  it('has overdue pledges and undisclosed amounts among its matches to be tested on', () => {
    const summary = cachedSummary(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, parseFilter({ q: 'ing' }, TEST_TODAY));
    expect(summary.totals.overdue_count).toBeGreaterThan(0);
    expect(summary.totals.pledge_count).toBeGreaterThan(summary.totals.disclosed_count);
    expect(summary.timeline.length).toBeGreaterThan(100);
  });

  it('shares its pass with a selection under the same search, and gives that selection its own figures', () => {
    const cache = new ReadCache(ctx.db, () => TEST_TODAY);
    const all = parseFilter({ q: 'ing' }, TEST_TODAY);
    cachedSummary(cache, ctx.db, all);
    const energy = parseFilter({ q: 'ing', sector: 'Energy' }, TEST_TODAY);
    expect(onePassServes(energy)).toBe(false);
    const summary = cachedSummary(cache, ctx.db, energy);
    expect(summary).toEqual(summarize(ctx.db, energy, cubeOf(ctx.db, energy), overdueTotals(ctx.db, energy), timelineByDate(ctx.db, energy)));
    expect(summary.totals.pledge_count).toBeLessThan(cachedSummary(cache, ctx.db, all).totals.pledge_count);
  });

  it('shows an empty dashboard for a search matching nothing', () => {
    const filter = parseFilter({ q: 'zzqxv' }, TEST_TODAY);
    const summary = cachedSummary(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, filter);
    expect(summary.totals.pledge_count).toBe(0);
    expect(summary.timeline).toEqual([]);
    expect(summary).toEqual(summarize(ctx.db, filter, cubeOf(ctx.db, filter), overdueTotals(ctx.db, filter), timelineByDate(ctx.db, filter)));
  });
});
