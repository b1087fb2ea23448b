import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('GET /pledges', () => {
  it('lists every pledge, largest amount first by default', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/pledges');
    expect(res.status).toBe(200);
    const pledgers = [...res.text.matchAll(/<td><a href="\/pledges\/(\d+)">/g)].map((m) => Number(m[1]));
    expect(pledgers).toEqual([1, 5, 3, 2, 4]);
  });

  it('counts every pledge without a filter, and the count follows each write', async () => {
    ctx = freshApp();
    const caption = async (query = '') =>
      /Pledges 1–(\d+) of (\d+)/.exec((await request(ctx.app).get(`/pledges${query}`)).text)?.slice(1).map(Number);
    expect(await caption()).toEqual([5, 5]);
    const added = addPledge(ctx.db, { pledger: 'Counted Co' });
    addPledge(ctx.db, { pledger: 'Counted Co', project: 'Second plant' });
    expect(await caption()).toEqual([7, 7]);
    ctx.db.prepare('DELETE FROM pledges WHERE id IN (?, 2)').run(added);
    expect(await caption()).toEqual([5, 5]);
    // A filtered table counts its own.
    expect(await caption('?pledger=Counted+Co')).toEqual([1, 1]);
  });

  it('sorts by a column, ascending or descending, ties broken by id', async () => {
    ctx = freshApp();
    const ids = async (sort: string) => {
      const res = await request(ctx.app).get(`/pledges?sort=${sort}`);
      return [...res.text.matchAll(/<td><a href="\/pledges\/(\d+)">/g)].map((m) => Number(m[1]));
    };
    expect(await ids('announced')).toEqual([2, 1, 3, 4, 5]);
    expect(await ids('-announced')).toEqual([5, 4, 3, 1, 2]);
    expect(await ids('pledger')).toEqual([2, 4, 5, 1, 3]);
    // Undisclosed amounts go last both ways.
    expect(await ids('amount')).toEqual([2, 3, 1, 5, 4]);
    expect(await ids('nonsense')).toEqual([1, 5, 3, 2, 4]);
  });

  it('marks the sorted column for assistive technology', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/pledges?sort=-announced');
    expect(res.text).toMatch(/aria-sort="descending">\s*<a href="\/pledges\?sort=announced">Announced/);
  });
});

describe('GET /pledges/:id', () => {
  it('shows every figure, the sources as links and the linked events', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/pledges/4');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Nvidia');
    expect(res.text).toContain('not disclosed');
    expect(res.text).toContain('href="https://hothardware.com/news/huang-dinner-appearance-eases-trade-restrictions"');
    expect(res.text).toMatch(/href="\/events\/\d+">The US government tells Nvidia the H20 needs an export license/);
    expect(res.text).toContain('<time datetime="2025-02">Feb 2025</time>');
  });

  it.each(['999', 'abc', '1.5', '-1', '0', '99999999999999999999', '1%00'])('answers 404 with a page for id %s', async (id) => {
    ctx = freshApp();
    const res = await request(ctx.app).get(`/pledges/${id}`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Not found');
  });
});
