// The app as createApp wires it: what every page shares, the routes of its own (/vendor, /healthz), the 404.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { freshApp, signedIn, type TestContext } from './helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('other routes', () => {
  it('answers an unknown path with a 404 page', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/no/such/page');
    expect(res.status).toBe(404);
    expect(res.text).toContain('<nav class="nav"');
  });

  it('answers an unknown API path with JSON, not a page', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/api/nothing');
    expect(res.status).toBe(404);
    expect(res.body.error.status).toBe(404);
  });

  it('serves the favicon, the stylesheet, the chart script and Chart.js itself', async () => {
    ctx = freshApp();
    for (const [path, type] of [
      ['/favicon.svg', 'image/svg+xml'],
      ['/css/site.css', 'text/css; charset=utf-8'],
      ['/js/charts.js', 'text/javascript; charset=utf-8'],
      ['/vendor/chart.umd.min.js', 'text/javascript; charset=utf-8'],
    ]) {
      const res = await request(ctx.app).get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toBe(type);
    }
    expect((await request(ctx.app).get('/vendor/../package.json')).status).toBe(404);
    expect((await request(ctx.app).get('/vendor/chart.js')).status).toBe(404);
  });

  it('sends a strict Content-Security-Policy and security headers on every response', async () => {
    ctx = freshApp();
    for (const path of ['/', '/pledges.csv', '/api/summary', '/nope']) {
      const res = await request(ctx.app).get(path);
      const csp = res.headers['content-security-policy'];
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("style-src 'self'");
      expect(csp, path).toContain("script-src-attr 'none'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['referrer-policy'], path).toBe('strict-origin-when-cross-origin');
      expect(res.headers['x-powered-by'], path).toBeUndefined();
    }
  });
});

describe('compression', () => {
  it.each(['/', '/api/summary', '/pledges.csv'])('compresses %s for a client that accepts gzip', async (path) => {
    ctx = freshApp();
    const res = await request(ctx.app).get(path).set('Accept-Encoding', 'gzip');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
  });

  /** The answer's encoding and body as bytes, as sent (supertest would decompress them). */
  const sent = async (path: string, encoding: string): Promise<{ encoding: string | undefined; body: Buffer }> => {
    const server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      return await new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path, headers: { 'accept-encoding': encoding } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
            res.on('error', reject);
          })
          .on('error', reject);
      });
    } finally {
      server.close();
    }
  };

  // gzip's header says how hard its compressor worked (RFC 1952, XFL): 4 for the fastest, 0 for the default.
  it.each([
    ['/pledges.csv', 4],
    ['/api/pledges', 0],
  ])('compresses %s (XFL %i) to the bytes it sends uncompressed, with gzip and brotli', async (path, xfl) => {
    ctx = freshApp();
    const plain = await sent(path, 'identity');
    expect(plain.encoding).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(1_024);
    const gzip = await sent(path, 'gzip');
    expect(gzip.encoding).toBe('gzip');
    expect(gzip.body[8]).toBe(xfl);
    expect(zlib.gunzipSync(gzip.body)).toEqual(plain.body);
    const brotli = await sent(path, 'br');
    expect(brotli.encoding).toBe('br');
    expect(zlib.brotliDecompressSync(brotli.body)).toEqual(plain.body);
  });
});

describe('page headings', () => {
  /** The pages' h1–h6 in document order, with the first heading that skips a level (h1 then h3, h2 then h4). */
  const headingOrder = (html: string) => {
    const levels = [...html.matchAll(/<h([1-6])[\s>]/gi)].map((match) => Number(match[1]));
    const skip = levels.findIndex((level, i) => level > (levels[i - 1] ?? 0) + 1);
    return { levels, skip: skip === -1 ? null : `h${levels[skip - 1] ?? 0} then h${levels[skip]}` };
  };

  // Screen-reader users move by headings: a skipped level reads as a missing section (Lighthouse's heading-order).
  it('never skip a level, from an h1 down, on the public pages', async () => {
    ctx = freshApp();
    for (const path of ['/', '/?sector=Energy', '/pledges', '/pledges?sector=Energy', '/pledges/1', '/events', '/events/1', '/levers', '/login', '/nope']) {
      const res = await request(ctx.app).get(path);
      const { levels, skip } = headingOrder(res.text);
      expect(levels[0], path).toBe(1);
      expect(skip, `${path}: ${levels.join(' ')}`).toBeNull();
    }
  });

  it('never skip a level on an editor\'s pages, a form with its errors included', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const invalid = await agent.post('/pledges').type('form').send({ _csrf: csrf, pledger: '' });
    expect(invalid.status).toBe(422);
    const pages = [['POST /pledges', invalid.text]];
    for (const path of ['/pledges/new', '/pledges/1/edit', '/pledges/1/delete', '/pledges/import', '/events/new', '/events/1/edit', '/account']) {
      const res = await agent.get(path);
      expect(res.status, path).toBe(200);
      pages.push([path, res.text]);
    }
    for (const [path, html] of pages) {
      const { levels, skip } = headingOrder(html);
      expect(levels[0], path).toBe(1);
      expect(skip, `${path}: ${levels.join(' ')}`).toBeNull();
    }
  });
});

describe('GET /vendor/:file', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('answers 404 for /vendor/%s, a name every object has', async (name) => {
    ctx = freshApp();
    const res = await request(ctx.app).get(`/vendor/${name}`);
    expect(res.status).toBe(404);
    expect(res.text).toContain(`Nothing lives at /vendor/${name}.`);
    expect(ctx.errors).toEqual([]);
  });

  it('still serves a real vendor file', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/vendor/chart.umd.min.js');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Chart');
  });
});

describe('GET /healthz', () => {
  it('answers 200 after a database round trip', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: 'ok' });
  });

  it('answers 503 when the database cannot be read', async () => {
    ctx = freshApp();
    ctx.db.close();
    const res = await request(ctx.app).get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('unavailable');
    ctx.cleanup = () => {};
  });
});
