import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { freshApp, type TestContext } from '../helpers.ts';

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
});
