import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('GET /levers', () => {
  it('lists count and amount per lever, each linking to the filtered table', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/levers');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<a href="\/pledges\?lever=export_controls">Export controls<\/a><\/th>\s*<td class="num">3<\/td>\s*<td class="num">1<\/td>\s*<td class="num"><data value="580000000000"/);
    const filtered = await request(ctx.app).get('/levers?country=Taiwan');
    expect(filtered.text).toContain('<a href="/pledges?country=Taiwan&amp;lever=tariffs">Tariffs</a>');
    expect(filtered.text).not.toContain('Export controls</a>');
  });

  it('shows the dashboard’s figures for the same view, a search too, and a write at once', async () => {
    ctx = freshApp();
    const levers = async (query: string) => {
      const [page, summary] = await Promise.all([request(ctx.app).get(`/levers${query}`), request(ctx.app).get(`/api/summary${query}`)]);
      const rows = (summary.body as { by_lever: { lever: string | null; pledge_count: number; amount_usd: number }[] }).by_lever;
      return { page: page.text, rows };
    };
    const before = await levers('');
    expect(before.page).not.toContain('Subsidies</a>');
    addPledge(ctx.db, { pledger: 'Lever Test Co', lever: 'subsidies', amount_usd: 7_000_000_000 });
    const after = await levers('');
    expect(after.rows.find((row) => row.lever === 'subsidies')).toMatchObject({ pledge_count: 1, amount_usd: 7_000_000_000 });
    expect(after.page).toMatch(/<a href="\/pledges\?lever=subsidies">Subsidies<\/a><\/th>\s*<td class="num">1<\/td>\s*<td class="num">0<\/td>\s*<td class="num"><data value="7000000000"/);
    const search = await levers('?q=Lever%20Test');
    expect(search.rows).toEqual([expect.objectContaining({ lever: 'subsidies', pledge_count: 1, amount_usd: 7_000_000_000 })]);
    expect(search.page).toContain('<a href="/pledges?lever=subsidies&amp;q=Lever+Test">Subsidies</a>');
    expect(search.page).not.toContain('Export controls</a>');
  });
});
