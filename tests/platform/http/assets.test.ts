import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { freshApp, type TestContext } from '../../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('static files under content-hashed URLs', () => {
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
});
