import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { addEditor, authenticate, ensureFirstEditor } from '../../server/auth/editors.ts';
import { hashPassword, verifyPassword } from '../../server/auth/passwords.ts';
import { SqliteSessionStore } from '../../server/auth/sessions.store.ts';
import { count, csrfFrom, freshApp, PASSWORD, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

function sessionCookie(res: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((cookie) => cookie.startsWith('pledge_tracker.sid='))?.split(';')[0];
}

describe('passwords', () => {
  it('are stored as salted scrypt hashes and verified', async () => {
    const a = await hashPassword('same password here');
    const b = await hashPassword('same password here');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password here', a)).toBe(true);
    expect(await verifyPassword('other password', a)).toBe(false);
  });
});

describe('the first editor', () => {
  it('is created as admin with ADMIN_PASSWORD, and never twice', async () => {
    ctx = freshApp();
    expect(await ensureFirstEditor(ctx.db, 'from-the-environment')).toBeNull();
    expect(await authenticate(ctx.db, 'admin', 'from-the-environment')).toMatchObject({ username: 'admin' });
    expect(await ensureFirstEditor(ctx.db, 'another-password')).toBeNull();
    expect(count(ctx.db, 'users')).toBe(1);
  });

  it('gets a random password, returned once to be printed, when ADMIN_PASSWORD is unset', async () => {
    ctx = freshApp();
    const password = await ensureFirstEditor(ctx.db, undefined);
    expect(password).toMatch(/^[\w-]{20,}$/);
    expect(await authenticate(ctx.db, 'admin', password!)).not.toBeNull();
    expect(await ensureFirstEditor(ctx.db, undefined)).toBeNull();
  });
});

describe('POST /login', () => {
  it('signs in with a new session id and returns to the page asked for', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const agent = request.agent(ctx.app);
    const page = await agent.get('/login?next=/pledges/new');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'maria', password: PASSWORD, next: '/pledges/new' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/pledges/new');
    const first = sessionCookie(res);
    expect(first).toBeDefined();
    const form = await agent.get('/pledges/new');
    expect(form.status).toBe(200);
    expect(form.text).toContain('Signed in as Editor ');
    // Signing in again, holding the first session's cookie, gives another id: a planted id is worth nothing.
    const second = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'maria', password: PASSWORD });
    expect(second.status).toBe(303);
    expect(sessionCookie(second)).toBeDefined();
    expect(sessionCookie(second)).not.toBe(first);
  });

  it('sets an HttpOnly, SameSite=Lax session cookie at sign-in', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const agent = request.agent(ctx.app);
    const page = await agent.get('/login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'maria', password: PASSWORD });
    const cookie = ([] as string[]).concat(res.headers['set-cookie']).find((c) => c.startsWith('pledge_tracker.sid='))!;
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure');
  });

  it('gives one generic message, with 401, for a wrong password and for an unknown user', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    for (const [username, password] of [['maria', 'wrong password!'], ['nobody', PASSWORD], ['', '']]) {
      const agent = request.agent(ctx.app);
      const page = await agent.get('/login');
      const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username, password });
      expect(res.status).toBe(401);
      expect(res.text).toContain('Wrong username or password.');
      expect((await agent.get('/account')).status).toBe(303);
    }
  });

  it('never sends an editor to another site after signing in', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const agent = request.agent(ctx.app);
      const page = await agent.get('/login');
      const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'maria', password: PASSWORD, next });
      expect(res.headers.location).toBe('/');
    }
  });

  it('needs a CSRF token too', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const res = await request(ctx.app).post('/login').type('form').send({ username: 'maria', password: PASSWORD });
    expect(res.status).toBe(403);
  });
});

describe('sessions', () => {
  it('ends at sign-out', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/logout').type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect((await agent.get('/pledges/new')).status).toBe(303);
    expect(count(ctx.db, 'sessions')).toBe(0);
  });

  it('survive a restart: a new app on the same database file knows the session', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const agent = request.agent(ctx.app);
    const page = await agent.get('/login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'maria', password: PASSWORD });
    const cookie = sessionCookie(res)!;

    const restarted = createApp({ db: ctx.db, config: { env: 'test', sessionSecret: 'test-secret-test-secret-test-secret!', trustProxy: false } });
    const form = await request(restarted).get('/pledges/new').set('Cookie', cookie);
    expect(form.status).toBe(200);
    expect(form.text).toContain('maria');
  });

  it('generates a session secret once and keeps it in the database when SESSION_SECRET is unset', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const config = { env: 'test' as const, sessionSecret: undefined, trustProxy: false };
    const first = createApp({ db: ctx.db, config });
    const agent = request.agent(first);
    const page = await agent.get('/login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'maria', password: PASSWORD });
    const cookie = sessionCookie(res)!;
    const second = createApp({ db: ctx.db, config });
    expect((await request(second).get('/account').set('Cookie', cookie)).status).toBe(200);
  });

  it('purges expired sessions', () => {
    ctx = freshApp();
    const store = new SqliteSessionStore(ctx.db);
    ctx.db.prepare("INSERT INTO sessions (sid_hash, data, expires_at) VALUES ('old', '{}', 1), ('new', '{}', ?)").run(Date.now() + 60_000);
    expect(store.purgeExpired()).toBe(1);
    expect(ctx.db.prepare('SELECT sid_hash FROM sessions').pluck().all()).toEqual(['new']);
  });

  it('marks the cookie Secure when TRUST_PROXY is set and the proxy says HTTPS', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const app = createApp({ db: ctx.db, config: { env: 'test', sessionSecret: 'test-secret-test-secret-test-secret!', trustProxy: 1 } });
    const agent = request.agent(app);
    const page = await agent.get('/login').set('X-Forwarded-Proto', 'https');
    // A Secure cookie is not sent back over the test's plain HTTP: hand the form's cookie over as the browser would.
    const formCookie = ([] as string[]).concat(page.headers['set-cookie']).find((c) => c.startsWith('pledge_tracker.login='))!;
    expect(formCookie).toContain('Secure');
    const res = await request(app)
      .post('/login')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', formCookie.split(';')[0])
      .type('form')
      .send({ _csrf: csrfFrom(page.text), username: 'maria', password: PASSWORD });
    const cookie = ([] as string[]).concat(res.headers['set-cookie']).find((c) => c.startsWith('pledge_tracker.sid='))!;
    expect(cookie).toContain('Secure');
  });
});
