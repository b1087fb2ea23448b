import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadCache } from '../server/cache.ts';
import { openDatabase } from '../server/db.ts';
import { freshApp, pledgeForm, signedIn, addPledge, type TestContext } from './helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('the read cache', () => {
  it('answers a repeated read from memory, and recomputes after any write on this connection', () => {
    ctx = freshApp();
    const cache = new ReadCache(ctx.db);
    let computed = 0;
    const read = () => cache.get('k', () => ++computed);
    expect([read(), read(), read()]).toEqual([1, 1, 1]);
    expect(cache.hits).toBe(2);
    addPledge(ctx.db, { pledger: 'New' });
    expect(read()).toBe(2);
  });

  it('recomputes after another connection commits (an import from the command line)', () => {
    ctx = freshApp();
    const cache = new ReadCache(ctx.db);
    let computed = 0;
    cache.get('k', () => ++computed);
    const other = openDatabase(ctx.file);
    other.prepare("INSERT INTO pledges (pledger, announced_on) VALUES ('Other connection', '2025-01-01')").run();
    other.close();
    expect(cache.get('k', () => ++computed)).toBe(2);
  });

  it('never serves a stale summary after a write through the forms', async () => {
    ctx = freshApp();
    expect((await request(ctx.app).get('/api/summary')).body.totals.pledge_count).toBe(5);
    const { agent, csrf } = await signedIn(ctx);
    await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf, amount: '7B' }));
    const after = (await request(ctx.app).get('/api/summary')).body.totals;
    expect(after).toMatchObject({ pledge_count: 6, pledged_usd: 1_187_000_000_000 });
    expect((await request(ctx.app).get('/')).text).toContain('title="$1,187,000,000,000">$1.19T</data>');
  });
});

describe('compression', () => {
  it.each(['/', '/api/summary', '/pledges.csv'])('compresses %s for a client that accepts gzip', async (path) => {
    ctx = freshApp();
    const res = await request(ctx.app).get(path).set('Accept-Encoding', 'gzip');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
  });
});

describe('HTTP caching', () => {
  it('links static files by content hash and serves them as immutable for a year', async () => {
    ctx = freshApp();
    const page = (await request(ctx.app).get('/')).text;
    const urls = [...page.matchAll(/(?:src|href)="(\/assets\/[0-9a-f]{12}\/[\w.-]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual(
      expect.arrayContaining([expect.stringMatching(/site\.css$/), expect.stringMatching(/charts\.js$/), expect.stringMatching(/chart\.umd\.min\.js$/)]),
    );
    for (const url of new Set(urls)) {
      const res = await request(ctx.app).get(url);
      expect(res.status, url).toBe(200);
      expect(res.headers['cache-control'], url).toBe('public, max-age=31536000, immutable');
    }
    expect((await request(ctx.app).get('/assets/000000000000/site.css')).status).toBe(404);
  });

  it('answers a page the reader already has with 304 Not Modified', async () => {
    ctx = freshApp();
    const first = await request(ctx.app).get('/pledges');
    expect(first.headers.etag).toBeDefined();
    const again = await request(ctx.app).get('/pledges').set('If-None-Match', first.headers.etag);
    expect(again.status).toBe(304);
  });
});
