import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../server/pledges/pledge.model.ts';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('GET /api/pledges', () => {
  it('returns the rows with the CSV column names, amounts as integers or null', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/api/pledges');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toMatchObject({ total: 5, page: 1, per_page: 100 });
    expect(res.body.pledges).toHaveLength(5);
    for (const pledge of res.body.pledges) {
      for (const column of CSV_COLUMNS) expect(pledge).toHaveProperty(column);
      expect(pledge.amount_usd === null || Number.isInteger(pledge.amount_usd)).toBe(true);
    }
    const undisclosed = res.body.pledges.find((p: { id: number }) => p.id === 4);
    expect(undisclosed.amount_usd).toBeNull();
    expect(undisclosed.source_urls).toEqual(['https://hothardware.com/news/huang-dinner-appearance-eases-trade-restrictions']);
    expect(undisclosed.event_ids).toHaveLength(5);
  });

  it('pages through the rows', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/api/pledges?per_page=2&page=2&sort=announced');
    expect(res.body.pledges.map((p: { id: number }) => p.id)).toEqual([3, 4]);
    expect(res.body.total).toBe(5);
  });

  it('counts every pledge without a filter, and the total follows each write', async () => {
    ctx = freshApp();
    const total = async (query = '') => (await request(ctx.app).get(`/api/pledges${query}`)).body.total;
    expect(await total()).toBe(5);
    const added = addPledge(ctx.db, { pledger: 'Counted Co' });
    expect(await total()).toBe(6);
    ctx.db.prepare('DELETE FROM pledges WHERE id IN (?, 2)').run(added);
    expect(await total()).toBe(4);
    expect(await total('?pledger=Microsoft')).toBe(0);
  });

  it.each(['page=0', 'page=abc', 'per_page=5000', 'page=1&page=2'])('answers 400 with a message for %s', async (query) => {
    ctx = freshApp();
    const res = await request(ctx.app).get(`/api/pledges?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/page must be a whole number/);
  });
});

describe('GET /api/pledges with the kinds', () => {
  it('gives each row its kinds, horizon start and new money, null when not recorded, and filters by kind', async () => {
    ctx = freshApp({ seed: false });
    addPledge(ctx.db, { pledger: 'Gilead', amount_usd: 32e9, new_money_usd: 11e9, horizon_start: '2025-05-01', pledger_kind: 'company', commitment_kind: 'capital_spending' });
    addPledge(ctx.db, { pledger: 'Unknown Co', pledger_kind: null, commitment_kind: null });
    const all = (await request(ctx.app).get('/api/pledges?sort=pledger')).body.pledges;
    const pick = ({ pledger, pledger_kind, commitment_kind, horizon_start, new_money_usd }: Record<string, unknown>) => ({ pledger, pledger_kind, commitment_kind, horizon_start, new_money_usd });
    expect(all.map(pick)).toEqual([
      { pledger: 'Gilead', pledger_kind: 'company', commitment_kind: 'capital_spending', horizon_start: '2025-05-01', new_money_usd: 11e9 },
      { pledger: 'Unknown Co', pledger_kind: null, commitment_kind: null, horizon_start: null, new_money_usd: null },
    ]);
    const unknown = (await request(ctx.app).get('/api/pledges?pledger_kind=unknown')).body;
    expect([unknown.total, unknown.pledges.map(pick)]).toEqual([1, [all.map(pick)[1]]]);
    expect((await request(ctx.app).get('/api/pledges?commitment_kind=fund')).body.total).toBe(0);
  });
});

describe('GET /api/pledges/:id', () => {
  it('returns one pledge with its sources and events', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/api/pledges/2');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 2, pledger: 'Microsoft', amount_usd: 80_000_000_000, us_share_pct: 50, us_amount_usd: 40_000_000_000 });
    expect(res.body.sources[0]).toEqual({
      url: 'https://blogs.microsoft.com/on-the-issues/2025/01/03/the-golden-opportunity-for-american-ai/',
      title: 'Microsoft On the Issues: The Golden Opportunity for American AI',
    });
    expect(res.body.events).toHaveLength(1);
  });

  it.each(['999', 'abc'])('answers 404 as JSON for %s', async (id) => {
    ctx = freshApp();
    const res = await request(ctx.app).get(`/api/pledges/${id}`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error.message).toContain(id);
  });
});
