// Overdue on the dashboard: the headline count, the facet, the filter; and caches that follow the day. The
// five-pledge fixture: only Microsoft's $80B, whose horizon ended on 2025-06-30, can be overdue.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadCache, cachedFacets, cachedSummary } from '../../server/dashboard/dashboard.reads.ts';
import { EMPTY_FILTER } from '../../server/pledges/pledges.filter.ts';
import { freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

/** The headline card's figure and link. */
function overdueCard(html: string): { count: string; href: string } | null {
  const match = /<h2>Overdue<\/h2>\s*<p class="big"><a href="([^"]+)">(\d+)<\/a><\/p>/.exec(html);
  return match ? { href: match[1]!.replaceAll('&amp;', '&'), count: match[2]! } : null;
}

/** The overdue facet's link and figures, or null when it shows no value. */
function overdueFacet(html: string): string | null {
  const facets = html.slice(html.indexOf('<nav class="facets"'));
  const match = /<section class="facet">\s*<h2>Overdue<\/h2>[\s\S]*?<\/section>/.exec(facets);
  return match ? match[0].replace(/\s+/g, ' ') : null;
}

describe('GET / and overdue', () => {
  it('counts the overdue pledges in a headline card linking to ?overdue=1, and offers them as a facet', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/');
    expect(overdueCard(res.text)).toEqual({ count: '1', href: '/?overdue=1' });
    expect(overdueFacet(res.text)).toContain('<a href="/?overdue=1">Overdue</a> <span class="facet-figures">1 · $80B</span>');
  });

  it('counts under the rest of the filter, and keeps it in the link', async () => {
    ctx = freshApp();
    const energy = await request(ctx.app).get('/?sector=AI+data+centers');
    expect(overdueCard(energy.text)).toEqual({ count: '1', href: '/?sector=AI+data+centers&overdue=1' });
    const chips = await request(ctx.app).get('/?sector=Semiconductors');
    expect(overdueCard(chips.text)).toEqual({ count: '0', href: '/?sector=Semiconductors&overdue=1' });
    expect(overdueFacet(chips.text)).toBeNull();
    const underWay = await request(ctx.app).get('/?status=under_way');
    expect(overdueCard(underWay.text)!.count).toBe('0');
  });

  it('shows only the overdue pledges under overdue=1: totals, table and summary', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/?overdue=1');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<h2>Pledges<\/h2>\s*<p class="big">1<\/p>/);
    expect(overdueFacet(res.text)).toContain('aria-current="true" title="Remove this filter">Overdue ×</a>');
    expect(overdueFacet(res.text)).toContain('href="/"');
    const summary = await request(ctx.app).get('/api/summary?overdue=1');
    expect(summary.body.totals).toMatchObject({ pledge_count: 1, pledged_usd: 80_000_000_000, overdue_count: 1 });
    expect((await request(ctx.app).get('/api/summary')).body.totals).toMatchObject({ pledge_count: 5, overdue_count: 1 });
    const sectors = (await request(ctx.app).get('/?overdue=1')).text;
    expect(sectors).toContain('href="/?sector=AI+data+centers&amp;overdue=1"');
  });
});

describe('caches and the day', () => {
  it('answer with the new day’s overdue count once the date changes, without any write', async () => {
    let day = '2025-06-30';
    ctx = freshApp({ today: () => day });
    const before = await request(ctx.app).get('/api/summary');
    expect(before.body.totals.overdue_count).toBe(0);
    const again = await request(ctx.app).get('/api/summary');
    expect([again.headers['x-cache'], again.body.totals.overdue_count]).toEqual(['hit', 0]);
    expect(overdueCard((await request(ctx.app).get('/')).text)!.count).toBe('0');

    day = '2025-07-01';
    const after = await request(ctx.app).get('/api/summary');
    expect([after.headers['x-cache'], after.body.totals.overdue_count]).toEqual(['miss', 1]);
    expect(overdueCard((await request(ctx.app).get('/')).text)!.count).toBe('1');
    expect((await request(ctx.app).get('/pledges?overdue=1')).text).toContain('Microsoft');
  });

  it('keep the aggregates only for the day they were computed on', () => {
    ctx = freshApp();
    let day = '2025-06-30';
    const cache = new ReadCache(ctx.db, () => day);
    expect(cache.get('figure', () => 'first day')).toBe('first day');
    expect(cache.get('figure', () => 'again')).toBe('first day');
    day = '2025-07-01';
    expect(cache.get('figure', () => 'second day')).toBe('second day');
    const facetOf = (on: string) => cachedFacets(cache, ctx.db, { ...EMPTY_FILTER, on }).find((facet) => facet.field === 'overdue')!.values;
    expect(facetOf('2025-06-30')).toEqual([]);
    expect(facetOf('2025-07-01')).toEqual([{ value: 'overdue', pledge_count: 1, amount_usd: 80_000_000_000 }]);
    expect(cachedSummary(cache, ctx.db, { ...EMPTY_FILTER, on: '2025-07-01' }).totals.overdue_count).toBe(1);
  });
});
