import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { createLogger } from '../../server/platform/log.ts';
import { csrfFrom, freshApp, PASSWORD, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('request logs', () => {
  it('write one structured line per request: method, path, status, duration', async () => {
    ctx = freshApp();
    await request(ctx.app).get('/pledges?sector=Energy');
    await request(ctx.app).get('/pledges/999');
    const lines = ctx.logLines.filter((line) => line.req);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, req: { method: 'GET', path: '/pledges' }, res: { status: 200 } });
    expect(typeof lines[0].duration_ms).toBe('number');
    expect(lines[1]).toMatchObject({ level: 40, req: { path: '/pledges/999' }, res: { status: 404 } });
  });

  it('never contain passwords, tokens, session ids or cookies', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'script' });
    const page = await agent.get('/account');
    const token = /<code class="secret">(pt_[\w-]+)<\/code>/.exec(page.text)![1];
    await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${token}`).send({ pledger: 'x' });
    const login = await request(ctx.app).get('/login');
    await request(ctx.app).post('/login').type('form').send({ _csrf: csrfFrom(login.text), username: 'editor', password: 'wrong-password-in-log?' });
    const cookie = agent.jar.getCookie('pledge_tracker.sid', { domain: '127.0.0.1', path: '/', secure: false, script: false })!;
    const sessionIds = [decodeURIComponent(cookie.value).slice(2).split('.')[0], ...(ctx.db.prepare('SELECT sid_hash FROM sessions').pluck().all() as string[])];
    const text = JSON.stringify(ctx.logLines);
    for (const secret of [PASSWORD, 'wrong-password-in-log?', token, csrf, ...sessionIds, 'pledge_tracker.sid']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('createLogger', () => {
  const config = { env: 'test', sessionSecret: 'test-secret-test-secret-test-secret!', trustProxy: false } as const;
  // Colours follow the terminal the tests run in: compare the text without them.
  // eslint-disable-next-line no-control-regex
  const plain = (text: string) => text.replace(/\u001b\[[\d;]*m/g, '');

  it('writes JSON lines by default', () => {
    const written: string[] = [];
    createLogger('info', { write: (line: string) => written.push(line) }).info({ migrations: ['001'] }, 'Applied migrations: 001');
    expect(JSON.parse(written[0])).toMatchObject({ level: 30, msg: 'Applied migrations: 001', migrations: ['001'] });
  });

  it('writes a readable line per request when pretty: time, level and message, no JSON', async () => {
    ctx = freshApp();
    const written: string[] = [];
    const logger = createLogger('info', { write: (line: string) => written.push(plain(line)) }, 'pretty');
    const app = createApp({ db: ctx.db, config, logger });
    await request(app).get('/pledges?sector=Energy');
    await request(app).get('/pledges/999');
    expect(written).toHaveLength(2);
    expect(written[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/pledges 200 \d+ms\n$/);
    expect(written[1]).toMatch(/^\[[\d:.]+\] WARN: GET \/pledges\/999 404 \d+ms\n$/);
    expect(() => JSON.parse(written[0])).toThrow();
  });

  it('keeps the request id on a pretty error line, as the 500 page shows it', async () => {
    ctx = freshApp();
    const written: string[] = [];
    const app = createApp({ db: ctx.db, config, logger: createLogger('info', { write: (line: string) => written.push(plain(line)) }, 'pretty') });
    ctx.db.close();
    const res = await request(app).get('/');
    expect(res.status).toBe(500);
    const id = res.headers['x-request-id'];
    expect(written.join('')).toMatch(new RegExp(`ERROR: GET / 500 \\d+ms \\(request ${id}\\)\n`));
    ctx.cleanup = () => {};
  });

  it('lets nothing logged send control characters to the terminal', () => {
    const written: string[] = [];
    createLogger('info', { write: (line: string) => written.push(plain(line)) }, 'pretty').warn('a name with \u001b]0;owned\u0007 in it');
    expect(written[0]).toMatch(/WARN: a name with \]0;owned in it\n$/);
  });
});

describe('a server error', () => {
  it('shows no stack trace, SQL or path: only an apology with the request id, which the log line also has', async () => {
    ctx = freshApp();
    ctx.db.close();
    const res = await request(ctx.app).get('/');
    expect(res.status).toBe(500);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.text).toContain(`tell us request ${id}`);
    // (The footer links the SQLite database download: the words alone are not a leak; the driver's error is.)
    expect(res.text).not.toMatch(/connection is not open|SqliteError|better-sqlite3|SELECT|at .*\.ts|\/work\//i);
    const logged = ctx.logLines.find((line) => (line.req as { id?: string } | undefined)?.id === id && line.level === 50);
    expect(logged).toBeDefined();
    const api = await request(ctx.app).get('/api/summary');
    expect(api.status).toBe(500);
    expect(JSON.stringify(api.body)).not.toMatch(/database|sqlite/i);
    ctx.cleanup = () => {};
  });
});

describe('headers follow the deployment', () => {
  it('leaves out upgrade-insecure-requests on plain HTTP, and sends it behind an HTTPS proxy', async () => {
    ctx = freshApp();
    expect((await request(ctx.app).get('/')).headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    const { createApp } = await import('../../server/app.ts');
    const proxied = createApp({ db: ctx.db, config: { env: 'production', sessionSecret: 'x'.repeat(32), trustProxy: 1 } });
    expect((await request(proxied).get('/')).headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  it('refuses bodies over 100 kB with 413', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).post('/login').type('form').send({ username: 'x'.repeat(110_000) });
    expect(res.status).toBe(413);
    const api = await request(ctx.app).post('/api/pledges').send({ pledger: 'x'.repeat(110_000) });
    expect(api.status).toBe(413);
  });
});
