import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadCache } from '../../server/dashboard/dashboard.reads.ts';
import { openDatabase } from '../../server/platform/db.ts';
import { freshApp, pledgeForm, signedIn, addPledge, type TestContext } from '../helpers.ts';

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

  it('keeps its answers while a signed-in editor browses (session writes are not data), drops them on an edit', async () => {
    ctx = freshApp();
    const cache = new ReadCache(ctx.db);
    let computed = 0;
    cache.get('k', () => ++computed);
    const { agent, csrf } = await signedIn(ctx);
    for (const path of ['/', '/pledges', '/events', '/pledges/new']) expect((await agent.get(path)).status).toBe(200);
    expect(ctx.db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBeGreaterThan(0);
    expect(cache.get('k', () => ++computed)).toBe(1);
    await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf }));
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

  it('sends each static file compressed ahead: brotli when taken, else gzip, the file itself once decoded', async () => {
    ctx = freshApp();
    const page = (await request(ctx.app).get('/')).text;
    const chartJs = page.match(/src="(\/assets\/[0-9a-f]{12}\/chart\.umd\.min\.js)"/)![1];
    const css = page.match(/href="(\/assets\/[0-9a-f]{12}\/site\.css)"/)![1];
    const server = http.createServer(ctx.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    // The raw bytes and headers, undecoded.
    const get = (url: string, headers: Record<string, string>) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        http.get({ port, host: '127.0.0.1', path: url, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        }).on('error', reject);
      });
    try {
      const file = fs.readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'));
      // Made on the thread pool when the app starts: wait for them.
      let br = await get(chartJs, { 'Accept-Encoding': 'gzip, deflate, br' });
      for (let tries = 0; !String(br.headers.etag).endsWith('-br"') && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        br = await get(chartJs, { 'Accept-Encoding': 'gzip, deflate, br' });
      }
      expect(br.headers).toMatchObject({ 'content-encoding': 'br', vary: 'Accept-Encoding', 'cache-control': 'public, max-age=31536000, immutable' });
      expect(br.headers['content-type']).toMatch(/javascript/);
      expect(zlib.brotliDecompressSync(br.body).equals(file)).toBe(true);
      // Smaller than the quality compression on the fly uses.
      expect(br.body.length).toBeLessThan(zlib.brotliCompressSync(file, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }).length);
      const gz = await get(chartJs, { 'Accept-Encoding': 'gzip' });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(zlib.gunzipSync(gz.body).equals(file)).toBe(true);
      const plain = await get(chartJs, { 'Accept-Encoding': 'identity' });
      expect([plain.headers['content-encoding'], plain.body.equals(file)]).toEqual([undefined, true]);
      expect((await get(chartJs, { 'Accept-Encoding': 'br', 'If-None-Match': String(br.headers.etag) })).status).toBe(304);
      const style = await get(css, { 'Accept-Encoding': 'br' });
      expect(style.headers['content-type']).toMatch(/^text\/css/);
    } finally {
      server.close();
    }
  });

  it('answers a page the reader already has with 304 Not Modified', async () => {
    ctx = freshApp();
    const first = await request(ctx.app).get('/pledges');
    expect(first.headers.etag).toBeDefined();
    const again = await request(ctx.app).get('/pledges').set('If-None-Match', first.headers.etag);
    expect(again.status).toBe(304);
  });
});

describe('the page cache (readers without a session)', () => {
  it('answers a repeated page from memory with the same body and the same security headers', async () => {
    ctx = freshApp();
    const first = await request(ctx.app).get('/').set('Accept-Encoding', 'identity');
    const second = await request(ctx.app).get('/').set('Accept-Encoding', 'identity');
    expect(first.headers['x-cache']).toBe('miss');
    expect(second.headers['x-cache']).toBe('hit');
    expect(second.text).toBe(first.text);
    for (const header of ['content-security-policy', 'x-content-type-options', 'referrer-policy', 'content-type', 'etag']) {
      expect(second.headers[header], header).toBe(first.headers[header]);
    }
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  });

  it('sends the encoding the reader accepts, and 304 to a reader who has the page', async () => {
    ctx = freshApp();
    const plain = await request(ctx.app).get('/api/summary').set('Accept-Encoding', 'identity');
    for (const encoding of ['gzip', 'br']) {
      const res = await request(ctx.app).get('/api/summary').set('Accept-Encoding', encoding);
      expect(res.headers['x-cache']).toBe('hit');
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers.vary).toBe('Accept-Encoding');
      expect(res.body).toEqual(plain.body);
    }
    const again = await request(ctx.app).get('/api/summary').set('If-None-Match', plain.headers.etag);
    expect(again.status).toBe(304);
  });

  it('sends brotli to a browser, which lists gzip first, and follows a weight the reader gives', async () => {
    ctx = freshApp();
    await request(ctx.app).get('/');
    const cases: [string, string | undefined][] = [
      ['gzip, deflate, br, zstd', 'br'],
      ['br;q=0.5, gzip', 'gzip'],
      ['gzip, br;q=0', 'gzip'],
      ['deflate', undefined],
    ];
    for (const [accepted, expected] of cases) {
      const res = await request(ctx.app).get('/').set('Accept-Encoding', accepted);
      expect([accepted, res.status, res.headers['x-cache'], res.headers['content-encoding']]).toEqual([accepted, 200, 'hit', expected]);
    }
  });

  it('drops every page after a write, whichever connection made it', async () => {
    ctx = freshApp();
    await request(ctx.app).get('/');
    expect((await request(ctx.app).get('/')).headers['x-cache']).toBe('hit');
    const other = openDatabase(ctx.file);
    other.prepare("INSERT INTO pledges (pledger, project, announced_on) VALUES ('Zephyr Fabs', 'Cache test', '2025-01-01')").run();
    other.close();
    const after = await request(ctx.app).get('/pledges?sort=-announced');
    expect(after.headers['x-cache']).toBe('miss');
    const dashboard = await request(ctx.app).get('/');
    expect(dashboard.headers['x-cache']).toBe('miss');
    expect(dashboard.text).toContain('Zephyr Fabs: Cache test');
    expect(dashboard.text).toMatch(/<h2>Pledges<\/h2>\s*<p class="big">6<\/p>/);
  });

  it('never serves an editor (or anyone with a session) from it', async () => {
    ctx = freshApp();
    await request(ctx.app).get('/');
    const { agent } = await signedIn(ctx);
    const page = await agent.get('/');
    expect(page.headers['x-cache']).toBeUndefined();
    expect(page.text).toContain('Sign out');
    expect((await request(ctx.app).get('/')).text).not.toContain('Sign out');
  });
});
