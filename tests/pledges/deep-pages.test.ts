// A deep page of the whole table in its default order, started from its nearest mark (pledges.deep-pages.ts), is
// the page the pledges sorted give: across marks, ties of amount and the step from disclosed to undisclosed amounts.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePledges } from '../../server/import/generate.ts';
import { deepPageIds, MARK_STEP } from '../../server/pledges/pledges.deep-pages.ts';
import { DEFAULT_SORT, orderBy } from '../../server/pledges/pledges.sql.ts';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
beforeAll(() => {
  ctx = freshApp({ seed: false });
  generatePledges(ctx.db, { rows: MARK_STEP + 1_000, seed: 11 });
}, 60_000);
afterAll(() => ctx?.cleanup());

/** The pledges sorted in the default order, read without any index. */
function sorted(offset: number, limit: number): number[] {
  return ctx.db.prepare(`SELECT p.id FROM pledges p NOT INDEXED ORDER BY ${orderBy(DEFAULT_SORT)} LIMIT ? OFFSET ?`).pluck().all(limit, offset) as number[];
}

const pledges = () => ctx.db.prepare('SELECT count(*) FROM pledges').pluck().get() as number;
const disclosed = () => ctx.db.prepare('SELECT count(*) FROM pledges WHERE amount_usd IS NOT NULL').pluck().get() as number;

describe('a deep page of the whole table', () => {
  it('lists every page as the sorted pledges give it, across marks and into the undisclosed amounts', () => {
    const step = 97;
    const total = pledges();
    const boundary = disclosed();
    expect(boundary).toBeGreaterThan(step);
    expect(boundary).toBeLessThan(total);
    // Every offset around the step from disclosed to undisclosed, and pages of many sizes along the table.
    const offsets = [step, step + 1, 2 * step - 1, boundary - 60, boundary - 50, boundary - 1, boundary, boundary + 1, total - 50, total - 1, total, total + 500];
    for (let offset = step; offset < total; offset += 313) offsets.push(offset);
    for (const offset of offsets) {
      for (const limit of [1, 50, step + 3]) expect([offset, limit, deepPageIds(ctx.db, offset, limit, step)]).toEqual([offset, limit, sorted(offset, limit)]);
    }
    // Within the first step, a plain OFFSET walks as quickly.
    expect(deepPageIds(ctx.db, step - 1, 50, step)).toBeNull();
  });

  it('follows a write: a pledge added with a large amount or ties of one amount move every later page', () => {
    const step = 64;
    expect(deepPageIds(ctx.db, 1_000, 50, step)).toEqual(sorted(1_000, 50));
    // Ties: many pledges of one amount, as many as a step and more, at the place of a mark.
    const [amount] = ctx.db.prepare(`SELECT amount_usd FROM pledges ORDER BY ${orderBy(DEFAULT_SORT).replaceAll('p.', '')} LIMIT 1 OFFSET ?`).pluck().all(10 * step) as number[];
    ctx.db.transaction(() => {
      for (let i = 0; i < 150; i++) addPledge(ctx.db, { pledger: `Tied ${i}`, amount_usd: amount });
      addPledge(ctx.db, { pledger: 'Largest', amount_usd: 9_000_000_000_000 });
      addPledge(ctx.db, { pledger: 'Undisclosed', amount_usd: null });
    })();
    for (let offset = 9 * step; offset < 14 * step; offset += 7) expect([offset, deepPageIds(ctx.db, offset, 50, step)]).toEqual([offset, sorted(offset, 50)]);
    expect(deepPageIds(ctx.db, pledges() - 1, 50, step)).toEqual(sorted(pledges() - 1, 50));
  });

  it('serves /pledges?page=N and /api/pledges from the marks, the same rows as the order gives', async () => {
    const perPage = 50;
    const page = Math.floor(MARK_STEP / perPage) + 3;
    const ids = (html: string) => [...html.matchAll(/<td><a href="\/pledges\/(\d+)">/g)].map((m) => Number(m[1]));
    const res = await request(ctx.app).get(`/pledges?page=${page}`);
    expect(res.status).toBe(200);
    expect(ids(res.text)).toEqual(sorted((page - 1) * perPage, perPage));
    const json = await request(ctx.app).get('/api/pledges?page=10&per_page=500');
    expect(json.body.pledges.map((p: { id: number }) => p.id)).toEqual(sorted(4_500, 500));
  });
});
