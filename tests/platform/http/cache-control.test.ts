// What a browser's or a shared cache (nginx, a CDN) is told it may keep: the headers behind deploy/nginx.conf.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../server/app.ts';
import { addEditor } from '../../../server/auth/editors.ts';
import { csrfFrom, freshApp, PASSWORD, signedIn, type TestContext } from '../../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

/**
 * A reader's GET, always naming the same host: supertest listens on a new port for each request, and the dashboard
 * is kept apart per origin in the in-process cache (its embed codes name it).
 */
const reader = (path: string) => request(ctx.app).get(path).set('Host', 'tracker.test');

const PUBLIC = 'public, max-age=60, stale-while-revalidate=600';
const PRIVATE = 'private, no-store';

/** Every public read a reader without a session can make: pages, tables, exports, feeds, embeds and images. */
const PUBLIC_READS = [
  '/',
  '/?sector=Energy',
  '/pledges',
  '/pledges?status=announced',
  '/pledges/1',
  '/pledges.csv',
  '/events',
  '/events/1',
  '/levers',
  '/concessions',
  '/concessions.csv',
  '/changes',
  '/changes.atom',
  '/pledges/1/changes.atom',
  '/methodology',
  '/charts/amounts.csv',
  '/embed/amounts',
  '/embed/waterfall',
  '/cards/charts/waterfall.png',
  '/cards/pledges/1.png',
  '/api/pledges',
  '/api/pledges/1',
  '/api/summary',
  '/api/relations',
  '/api/concessions',
  '/api/changes',
  '/api/openapi.json',
  '/relations.csv',
  '/sources.csv',
  '/events.csv',
  '/revisions.csv',
  '/datapackage.json',
  '/pledges.db',
];

describe('Cache-Control for readers without a session', () => {
  it('lets any cache keep every public read for a minute, and serve it stale for ten while it fetches anew, without a cookie', async () => {
    ctx = freshApp();
    for (const path of PUBLIC_READS) {
      // Twice: the second answer of a cached page comes from the in-process cache and says the same.
      for (const round of ['first', 'again']) {
        const res = await reader(path).set('Accept-Encoding', 'gzip');
        expect([path, round, res.status, res.headers['cache-control']]).toEqual([path, round, 200, PUBLIC]);
        expect(res.headers['set-cookie'], path).toBeUndefined();
        expect(res.headers.vary, path).toMatch(/\bAccept-Encoding\b/);
      }
    }
    // Nobody's visit to a public page left a session behind.
    expect(ctx.db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(0);
  });

  it('says the same on a 304, from the in-process cache and from a route', async () => {
    ctx = freshApp();
    for (const path of ['/', '/pledges/1']) {
      const first = await reader(path);
      const again = await reader(path).set('If-None-Match', first.headers.etag);
      expect([path, again.status, again.headers['cache-control']]).toEqual([path, 304, PUBLIC]);
    }
  });

  it('lets a cache keep a 404 as briefly as a page: the same for every reader', async () => {
    ctx = freshApp();
    for (const path of ['/nope', '/pledges/999', '/api/pledges/999']) {
      const res = await request(ctx.app).get(path);
      expect([path, res.status, res.headers['cache-control']]).toEqual([path, 404, PUBLIC]);
    }
  });

  it('takes its max-age and stale window from the configuration', async () => {
    ctx = freshApp();
    const app = createApp({ db: ctx.db, config: { env: 'test', sessionSecret: 'test-secret-test-secret-test-secret!', trustProxy: false, cacheMaxAge: 2, cacheStaleSeconds: 30 } });
    expect((await request(app).get('/')).headers['cache-control']).toBe('public, max-age=2, stale-while-revalidate=30');
  });

  it('keeps the year-long immutable caching of the hashed assets', async () => {
    ctx = freshApp();
    const html = (await request(ctx.app).get('/')).text;
    const css = /href="(\/assets\/[^"]+\.css)"/.exec(html)![1];
    for (const encoding of ['identity', 'gzip']) {
      const res = await request(ctx.app).get(css).set('Accept-Encoding', encoding);
      expect([encoding, res.status, res.headers['cache-control']]).toEqual([encoding, 200, 'public, max-age=31536000, immutable']);
    }
  });
});

describe('Cache-Control: private, no-store', () => {
  it('for every page a signed-in editor gets, the public ones included', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx);
    for (const path of ['/', '/pledges', '/pledges/1', '/api/summary', '/pledges/new', '/pledges/1/edit', '/account', '/nope']) {
      const res = await agent.get(path);
      expect([path, res.headers['cache-control']]).toEqual([path, PRIVATE]);
    }
  });

  it('for the sign-in form (it sets a cookie) and the account page a reader is sent away from', async () => {
    ctx = freshApp();
    const login = await request(ctx.app).get('/login');
    expect([login.status, login.headers['cache-control']]).toEqual([200, PRIVATE]);
    expect(login.headers['set-cookie']).toBeDefined();
    for (const path of ['/account', '/pledges/new', '/pledges/1/edit']) {
      const res = await request(ctx.app).get(path);
      // A redirect to the sign-in kept by a browser would send the editor there again once signed in.
      expect([path, res.status, res.headers['cache-control']]).toEqual([path, 303, PRIVATE]);
    }
  });

  it('for any answer that sets a cookie, and for a write', async () => {
    ctx = freshApp();
    const login = await request(ctx.app).get('/login');
    const post = await request(ctx.app).post('/login').type('form').set('Cookie', login.headers['set-cookie']).send({ username: 'x', password: 'y' });
    expect([post.status, post.headers['cache-control']]).toEqual([403, PRIVATE]);
    const { agent, csrf } = await signedIn(ctx);
    const made = await agent.post('/pledges/1/delete').type('form').send({ _csrf: csrf, reason: 'test' });
    expect([made.status, made.headers['cache-control']]).toEqual([303, PRIVATE]);
  });

  it('tells the browser at sign-in to drop the public pages it kept, which would show the editor a reader\'s page', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'editor', PASSWORD);
    const agent = request.agent(ctx.app);
    const form = await agent.get('/login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'editor', password: PASSWORD });
    expect([res.status, res.headers['clear-site-data'], res.headers['cache-control']]).toEqual([303, '"cache"', PRIVATE]);
  });

  it('for an API read with a token, which a shared cache would otherwise keep for everyone', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/api/summary').set('Authorization', 'Bearer nothing');
    expect(res.headers['cache-control']).toBe(PRIVATE);
  });

  it('for errors other than 404 and 410: a bad query, a server error, the health check', async () => {
    ctx = freshApp();
    const bad = await request(ctx.app).get('/pledges?min=lots');
    expect([bad.status, bad.headers['cache-control']]).toEqual([400, PRIVATE]);
    expect((await request(ctx.app).get('/healthz')).headers['cache-control']).toBe(PRIVATE);
    ctx.db.close();
    const failed = await request(ctx.app).get('/');
    expect([failed.status, failed.headers['cache-control']]).toEqual([500, PRIVATE]);
    ctx.cleanup = () => {};
  });
});
