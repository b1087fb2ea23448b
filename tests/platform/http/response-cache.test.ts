import zlib from 'node:zlib';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/platform/db.ts';
import { createApp } from '../../../server/app.ts';
import { ResponseCache } from '../../../server/platform/http/response-cache.ts';
import { binary, freshApp, signedIn, TEST_TODAY, type TestContext } from '../../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

/**
 * A reader's GET, always naming the same host: supertest listens on a new port for each request, and the dashboard
 * is kept apart per origin (its embed codes name it).
 */
const reader = (path: string) => request(ctx.app).get(path).set('Host', 'tracker.test');

describe('the page cache (readers without a session)', () => {
  it('answers a repeated page from memory with the same body and the same security headers', async () => {
    ctx = freshApp();
    const first = await reader('/').set('Accept-Encoding', 'identity');
    const second = await reader('/').set('Accept-Encoding', 'identity');
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
    await reader('/');
    const cases: [string, string | undefined][] = [
      ['gzip, deflate, br, zstd', 'br'],
      ['br;q=0.5, gzip', 'gzip'],
      ['gzip, br;q=0', 'gzip'],
      ['deflate', undefined],
    ];
    for (const [accepted, expected] of cases) {
      const res = await reader('/').set('Accept-Encoding', accepted);
      expect([accepted, res.status, res.headers['x-cache'], res.headers['content-encoding']]).toEqual([accepted, 200, 'hit', expected]);
    }
  });

  it('drops every page after a write, whichever connection made it', async () => {
    ctx = freshApp();
    await reader('/');
    expect((await reader('/')).headers['x-cache']).toBe('hit');
    const other = openDatabase(ctx.file);
    other.prepare("INSERT INTO pledges (pledger, project, announced_on) VALUES ('Zephyr Fabs', 'Cache test', '2025-01-01')").run();
    other.close();
    const after = await request(ctx.app).get('/pledges?sort=-announced');
    expect(after.headers['x-cache']).toBe('miss');
    const dashboard = await reader('/');
    expect(dashboard.headers['x-cache']).toBe('miss');
    expect(dashboard.text).toContain('Zephyr Fabs: Cache test');
    expect(dashboard.text).toMatch(/<h2>Pledges<\/h2>\s*<p class="big">6<\/p>/);
  });

  it('never serves an editor (or anyone with a session) from it', async () => {
    ctx = freshApp();
    await reader('/');
    const { agent } = await signedIn(ctx);
    const page = await agent.get('/');
    expect(page.headers['x-cache']).toBeUndefined();
    expect(page.text).toContain('Sign out');
    expect((await reader('/')).text).not.toContain('Sign out');
  });

  it('keeps the dashboard apart for each origin asked, so a forged Host reaches no other reader', async () => {
    ctx = freshApp();
    const forged = await request(ctx.app).get('/').set('Host', 'evil.test');
    expect(forged.text).toContain('http://evil.test/embed/amounts');
    const page = await reader('/');
    expect(page.headers['x-cache']).toBe('miss');
    expect(page.text).toContain('http://tracker.test/embed/amounts');
    expect(page.text).not.toContain('evil.test');
    expect((await reader('/')).headers['x-cache']).toBe('hit');
  });

  it('answers a hit with every header the first answer carried, but its own id, date and X-Cache', async () => {
    ctx = freshApp();
    // A page, a page in German (chosen by ?lang: no Accept-Language in Vary), the JSON summary, an embed (framed by
    // any site: its own security policy) and a card image (a PNG, sent as it is).
    for (const path of ['/', '/pledges?lang=de', '/api/summary', '/embed/amounts', '/cards/charts/waterfall.png']) {
      const ask = () => reader(path).set('Accept-Encoding', 'gzip, deflate, br').set('Accept-Language', 'de').buffer(true).parse(binary);
      const first = await ask();
      const hit = await ask();
      expect([path, first.status, first.headers['x-cache'], hit.status, hit.headers['x-cache']]).toEqual([path, 200, 'miss', 200, 'hit']);
      const own = ['x-request-id', 'date', 'x-cache'];
      const kept = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([name]) => !own.includes(name)));
      expect(kept(hit.headers), path).toEqual(kept(first.headers));
      expect(hit.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(Buffer.compare(hit.body as Buffer, first.body as Buffer), path).toBe(0);
    }
  }, 20_000);

  it('logs a hit as any request, with the id its answer names', async () => {
    ctx = freshApp();
    await reader('/api/summary');
    const hit = await reader('/api/summary');
    expect(hit.headers['x-cache']).toBe('hit');
    const line = ctx.logLines.filter((entry) => entry.req).at(-1);
    expect(line).toMatchObject({ level: 30, req: { id: hit.headers['x-request-id'], method: 'GET', path: '/api/summary' }, res: { status: 200 } });
    expect(typeof line?.duration_ms).toBe('number');
  });

  it('sends a HEAD hit the headers of its GET and no body, and a 304 its headers but the length', async () => {
    ctx = freshApp();
    const get = await reader('/').set('Accept-Encoding', 'br');
    const head = await request(ctx.app).head('/').set('Host', 'tracker.test').set('Accept-Encoding', 'br');
    expect([head.status, head.headers['x-cache'], head.headers['content-length'], head.headers['content-encoding']]).toEqual([200, 'hit', get.headers['content-length'], 'br']);
    expect(head.text ?? '').toBe('');
    const again = await reader('/').set('Accept-Encoding', 'br').set('If-None-Match', get.headers.etag);
    expect([again.status, again.headers['x-cache'], again.headers.etag, again.headers.vary, again.headers['content-language']]).toEqual([
      304,
      'hit',
      get.headers.etag,
      get.headers.vary,
      'en',
    ]);
    expect(again.headers['content-length']).toBeUndefined();
    expect(again.headers['content-encoding']).toBeUndefined();
  });

  it('says HSTS on a hit that came over HTTPS through a trusted proxy, and no other', async () => {
    ctx = freshApp();
    const behindProxy = createApp({ db: ctx.db, today: () => TEST_TODAY, config: { env: 'test', sessionSecret: 'test-secret-test-secret-test-secret!', trustProxy: 1 } });
    const overHttps = () => request(behindProxy).get('/api/summary').set('X-Forwarded-Proto', 'https');
    await overHttps();
    const hit = await overHttps();
    expect([hit.headers['x-cache'], hit.headers['strict-transport-security']]).toEqual(['hit', 'max-age=31536000']);
    const plain = await request(behindProxy).get('/api/summary');
    expect([plain.headers['x-cache'], plain.headers['strict-transport-security']]).toEqual(['hit', undefined]);
  });

  it('answers a kept page with 400 when ?lang names a language the site lacks, and a token with no-store', async () => {
    ctx = freshApp();
    await reader('/');
    await reader('/?lang=xx');
    const refused = await reader('/?lang=xx');
    expect([refused.status, refused.headers['x-cache']]).toEqual([400, undefined]);
    expect(refused.text).toContain('lang=en or lang=de');
    // The JSON API ignores it: the summary is kept under the reader's own language.
    await request(ctx.app).get('/api/summary?lang=xx');
    expect((await request(ctx.app).get('/api/summary?lang=xx')).headers['x-cache']).toBe('hit');
    const withToken = await reader('/').set('Authorization', 'Bearer something');
    expect([withToken.headers['x-cache'], withToken.headers['cache-control']]).toEqual(['hit', 'private, no-store']);
  });

  it('answers a page the reader already has with 304 Not Modified', async () => {
    ctx = freshApp();
    const first = await request(ctx.app).get('/pledges');
    expect(first.headers.etag).toBeDefined();
    const again = await request(ctx.app).get('/pledges').set('If-None-Match', first.headers.etag);
    expect(again.status).toBe(304);
  });
});

describe('ResponseCache', () => {
  const insertPledge = "INSERT INTO pledges (pledger, project, announced_on) VALUES ('Zephyr Fabs', 'Cache test', '2025-01-01')";

  it('drops its answers as soon as its own connection writes, even between two requests of one turn', () => {
    ctx = freshApp();
    const cache = new ResponseCache(ctx.db, undefined, () => TEST_TODAY);
    cache.set('/', [], 'the dashboard');
    expect(cache.get('/')).toBeDefined();
    ctx.db.prepare(insertPledge).run();
    expect(cache.get('/')).toBeUndefined();
  });

  it("drops its answers from the next turn of the event loop when another connection writes", async () => {
    ctx = freshApp();
    const cache = new ResponseCache(ctx.db, undefined, () => TEST_TODAY);
    cache.set('/', [], 'the dashboard');
    const other = openDatabase(ctx.file);
    other.prepare(insertPledge).run();
    other.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(cache.get('/')).toBeUndefined();
  });

  it('compresses an answer in an encoding only when a reader first takes it, and once', () => {
    ctx = freshApp();
    const cache = new ResponseCache(ctx.db, undefined, () => TEST_TODAY);
    const page = '<p>A pledge of $500B</p>\n'.repeat(500);
    const made = cache.set('/', [], page)!;
    // A browser's answer is made in brotli alone: nothing is gzipped while it waits.
    expect([made.br, made.gzip]).toEqual([null, null]);
    const br = cache.body(made, 'br');
    expect(zlib.brotliDecompressSync(br).toString()).toBe(page);
    expect(made.gzip).toBeNull();
    const gzip = cache.body(made, 'gzip');
    expect(zlib.gunzipSync(gzip).toString()).toBe(page);
    expect(cache.body(made, 'gzip')).toBe(gzip);
    expect(cache.body(made, 'identity').toString()).toBe(page);
    expect(made.bytes).toBe(Buffer.byteLength(page) + br.length + gzip.length);
    // What is compressed already (a PNG) is sent as it is, whatever the reader takes.
    const png = cache.set('/card.png', [], Buffer.from([0x89, 0x50, 0x4e, 0x47]), false)!;
    expect(cache.body(png, 'br')).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect(png.bytes).toBe(4);
  });

  it('counts an answer made again for a key it holds once, and keeps the others', () => {
    ctx = freshApp();
    const cache = new ResponseCache(ctx.db, 4000, () => TEST_TODAY);
    cache.set('/events', [], 'e'.repeat(900));
    const dashboard = 'd'.repeat(900);
    // Readers who missed the dashboard at once each make it; the last one made is kept, counted once.
    for (let made = 0; made < 6; made++) cache.set('/', [], dashboard);
    const kept = cache.get('/')!;
    expect(cache.body(kept, 'br')).toEqual(zlib.brotliCompressSync(dashboard, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }));
    expect(cache.get('/events')?.identity.toString()).toBe('e'.repeat(900));
    // The bound still holds: answers past it drop the oldest.
    for (const path of ['/a', '/b', '/c']) cache.set(path, [], 'x'.repeat(900));
    expect(cache.get('/')).toBeUndefined();
    expect(cache.get('/c')).toBeDefined();
  });

  it('sends an answer asked for again in brotli at its best quality: smaller, the same page, the same ETag', async () => {
    ctx = freshApp();
    const cache = new ResponseCache(ctx.db, undefined, () => TEST_TODAY);
    const page = (await reader('/').set('Accept-Encoding', 'identity')).text;
    const made = cache.set('/', [], page)!;
    const quick = cache.body(made, 'br');
    cache.get('/');
    await cache.recompressed();
    const kept = cache.get('/')!;
    expect(kept.br!.length).toBeLessThan(quick.length * 0.95);
    expect(zlib.brotliDecompressSync(kept.br!).toString()).toBe(page);
    expect(kept.etag).toBe(made.etag);
  });
});

describe('the page cache over HTTP: brotli at its best quality', () => {
  it('serves the dashboard smaller from its second request on, decoded to the same page', async () => {
    ctx = freshApp();
    const identity = await reader('/').set('Accept-Encoding', 'identity');
    const first = await reader('/').set('Accept-Encoding', 'br');
    // Compressed again off the main thread: the answers after it are the smaller ones.
    let later = first;
    for (let attempt = 0; attempt < 100 && Number(later.headers['content-length']) >= Number(first.headers['content-length']); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      later = await reader('/').set('Accept-Encoding', 'br');
    }
    expect(Number(later.headers['content-length'])).toBeLessThan(Number(first.headers['content-length']) * 0.95);
    expect(later.headers['content-encoding']).toBe('br');
    expect(later.text).toBe(identity.text);
    expect(later.headers.etag).toBe(first.headers.etag);
  });
});
