// Findings of the outside security review about accounts: the sign-in limits, sessions that a copy
// of the database cannot replay, credentials that a new password or a deletion retires, and what caches keep.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import path from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { addEditor, changePassword, removeEditor } from '../../server/auth/editors.ts';
import { ACCOUNT_FAILURES, delayAfter, FREE_FAILURES_PER_ADDRESS, LoginLimits } from '../../server/auth/login.limits.ts';
import { DEFAULT_SCRYPT_N, hashPassword, setPasswordCost } from '../../server/auth/passwords.ts';
import { sessionIdHash } from '../../server/auth/sessions.store.ts';
import { createApiToken, findUserByName } from '../../server/auth/users.repository.ts';
import { count, csrfFrom, freshApp, PASSWORD, pledgeForm, signedIn, type TestContext } from '../helpers.ts';

const SECRET = 'test-secret-test-secret-test-secret!';
let ctx: TestContext | undefined;
let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
  ctx?.cleanup();
  ctx = undefined;
});

function cookieOf(res: request.Response, name: string): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((cookie) => cookie.startsWith(`${name}=`))?.split(';')[0];
}

/** A sign-in form as a browser holds it: its token and the cookie it came with. */
async function loginForm(app: request.Agent | ReturnType<typeof request>): Promise<{ csrf: string; cookie: string }> {
  const page = await (app as ReturnType<typeof request>).get('/login');
  return { csrf: csrfFrom(page.text), cookie: cookieOf(page, 'pledge_tracker.login')! };
}

function listen(app: ReturnType<typeof createApp>): Server {
  server = app.listen(0, '127.0.0.1');
  return server;
}

describe('POST /login, many tries at once', () => {
  it('checks only the free tries of one address when 100 wrong passwords arrive in parallel', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const http = listen(ctx.app);
    const form = await loginForm(request(http));
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        request(http).post('/login').set('Cookie', form.cookie).type('form').send({ _csrf: form.csrf, username: 'maria', password: 'wrong password!' }),
      ),
    );
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(FREE_FAILURES_PER_ADDRESS);
    expect(statuses.filter((status) => status === 429)).toHaveLength(100 - FREE_FAILURES_PER_ADDRESS);
    const refused = answers.find((res) => res.status === 429)!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(5);
    expect(refused.text).toContain('Too many failed sign-ins from your address');
  });

  it('checks only the account limit of tries when 100 addresses try one account in parallel', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const app = createApp({ db: ctx.db, config: { env: 'test', sessionSecret: SECRET, trustProxy: true } });
    const http = listen(app);
    const form = await loginForm(request(http));
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        request(http)
          .post('/login')
          .set('X-Forwarded-For', `203.0.113.${i + 1}`)
          .set('Cookie', form.cookie)
          .type('form')
          .send({ _csrf: form.csrf, username: 'maria', password: 'wrong password!' }),
      ),
    );
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(ACCOUNT_FAILURES);
    expect(statuses.filter((status) => status === 429)).toHaveLength(100 - ACCOUNT_FAILURES);
  });
});

describe('POST /login, an attacker against the owner', () => {
  it('lets the owner in from a browser that signed in before while the account is under attack', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'admin2', PASSWORD);
    const app = createApp({ db: ctx.db, config: { env: 'test', sessionSecret: SECRET, trustProxy: true } });
    // The owner signs in once from their laptop, and signs out.
    const laptop = request.agent(app);
    const first = await loginForm(laptop);
    const signIn = await laptop.post('/login').set('X-Forwarded-For', '198.51.100.7').type('form').send({ _csrf: first.csrf, username: 'admin2', password: PASSWORD });
    expect(signIn.status).toBe(303);
    expect(cookieOf(signIn, 'pledge_tracker.device')).toBeDefined();
    const account = await laptop.get('/account');
    await laptop.post('/logout').type('form').send({ _csrf: csrfFrom(account.text) });

    // Someone tries 30 wrong passwords from 30 addresses.
    const form = await loginForm(request(app));
    for (let i = 0; i < 30; i++) {
      await request(app)
        .post('/login')
        .set('X-Forwarded-For', `203.0.113.${i + 1}`)
        .set('Cookie', form.cookie)
        .type('form')
        .send({ _csrf: form.csrf, username: 'admin2', password: 'guess guess guess' });
    }
    // A browser the account has never seen is held back with the account, saying why and what to do.
    const stranger = await request(app)
      .post('/login')
      .set('X-Forwarded-For', '192.0.2.99')
      .set('Cookie', form.cookie)
      .type('form')
      .send({ _csrf: form.csrf, username: 'admin2', password: PASSWORD });
    expect(stranger.status).toBe(429);
    expect(stranger.text).toContain('sign in from a browser you have used to sign in before');

    // The owner's laptop, from yet another address (a café), gets in.
    const again = await loginForm(laptop);
    const owner = await laptop.post('/login').set('X-Forwarded-For', '192.0.2.200').type('form').send({ _csrf: again.csrf, username: 'admin2', password: PASSWORD });
    expect(owner.status).toBe(303);
    expect((await laptop.get('/account')).status).toBe(200);
  });

  it('slows one address down more with every further failure, up to 15 minutes', async () => {
    let now = 1_000_000;
    const limits = new LoginLimits(() => now);
    const wrong = () => Promise.resolve(null);
    const waits: number[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      // Waits exactly as long as it is told to each time, then fails again.
      let outcome = await limits.attempt('203.0.113.5', `account-${attempt}`, null, wrong);
      if ('refused' in outcome) {
        expect(outcome.refused.reason).toBe('address');
        waits.push(outcome.refused.retryAfterSeconds);
        now += outcome.refused.retryAfterSeconds * 1000;
        outcome = await limits.attempt('203.0.113.5', `account-${attempt}`, null, wrong);
      }
      expect('refused' in outcome).toBe(false);
    }
    expect(waits).toHaveLength(40 - FREE_FAILURES_PER_ADDRESS);
    expect(waits.slice(0, 6)).toEqual([5, 10, 20, 40, 80, 160]);
    expect(Math.max(...waits)).toBe(15 * 60);
    expect(delayAfter(FREE_FAILURES_PER_ADDRESS)).toBe(5000);
    // Another address is not slowed by the first one's failures.
    expect('refused' in (await limits.attempt('203.0.113.6', 'account-x', null, wrong))).toBe(false);
  });

  it('queues a newsroom behind one address that signs in at once, instead of refusing it', async () => {
    ctx = freshApp();
    const names = Array.from({ length: 20 }, (_, i) => `editor${i}`);
    for (const name of names) await addEditor(ctx.db, name, PASSWORD);
    const http = listen(ctx.app);
    const form = await loginForm(request(http));
    const answers = await Promise.all(
      names.map((username) => request(http).post('/login').set('Cookie', form.cookie).type('form').send({ _csrf: form.csrf, username, password: PASSWORD })),
    );
    expect(answers.map((res) => res.status)).toEqual(names.map(() => 303));
  });

  it('gives a successful try back, so an editor who mistypes now and then is never held back', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const agent = request.agent(ctx.app);
    for (let day = 0; day < 8; day++) {
      const form = await loginForm(agent);
      expect((await agent.post('/login').type('form').send({ _csrf: form.csrf, username: 'maria', password: 'typo typo typo' })).status).toBe(401);
      const ok = await agent.post('/login').type('form').send({ _csrf: form.csrf, username: 'maria', password: PASSWORD });
      expect(ok.status).toBe(303);
      const account = await agent.get('/account');
      await agent.post('/logout').type('form').send({ _csrf: csrfFrom(account.text) });
    }
  });
});

describe('histories of edits', () => {
  it('name the editor by their public name, never their username', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx, 'maria.k');
    const created = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf }));
    expect(created.status).toBe(303);
    const page = await request(ctx.app).get(created.headers.location);
    const id = findUserByName(ctx.db, 'maria.k')!.id;
    expect(page.text).toContain(`by Editor ${id} on`);
    expect(page.text).not.toContain('maria.k');

    const account = await agent.get('/account');
    const renamed = await agent.post('/account/name').type('form').send({ _csrf: csrfFrom(account.text), display_name: 'Maria K., data desk' });
    expect(renamed.status).toBe(303);
    expect((await request(ctx.app).get(created.headers.location)).text).toContain('by Maria K., data desk on');
  });

  it('refuse an empty public name next to the field, with 422', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx, 'maria');
    const res = await agent.post('/account/name').type('form').send({ _csrf: csrf, display_name: '   ' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="field-display_name-error">Give a name readers will see/);
    expect(findUserByName(ctx.db, 'maria')!.display_name).toMatch(/^Editor \d+$/);
  });
});

describe('sessions in the database', () => {
  it('are stored by a hash of their id: a cookie made from the database and the secret opens nothing', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx, 'maria');
    const jar = agent.jar.getCookie('pledge_tracker.sid', { domain: '127.0.0.1', path: '/', secure: false, script: false })!;
    const sid = decodeURIComponent(jar.value).slice(2).split('.')[0];
    const stored = ctx.db.prepare('SELECT sid_hash FROM sessions').pluck().all() as string[];
    expect(stored).toEqual([sessionIdHash(sid)]);
    expect(stored).not.toContain(sid);

    const sign = (value: string) => `s:${value}.${createHmac('sha256', SECRET).update(value).digest('base64').replace(/=+$/, '')}`;
    // The real id, signed, is the editor's session (the forgery below is refused for the right reason) …
    expect((await request(ctx.app).get('/account').set('Cookie', `pledge_tracker.sid=${encodeURIComponent(sign(sid))}`)).status).toBe(200);
    // … but what the database holds, signed with the secret, is no session at all.
    const forged = await request(ctx.app).get('/account').set('Cookie', `pledge_tracker.sid=${encodeURIComponent(sign(stored[0]))}`);
    expect(forged.status).toBe(303);
  });

  it('are not written for readers who open the sign-in page', async () => {
    ctx = freshApp();
    for (let i = 0; i < 200; i++) {
      const res = await request(ctx.app).get('/login');
      expect(cookieOf(res, 'pledge_tracker.sid')).toBeUndefined();
    }
    expect(count(ctx.db, 'sessions')).toBe(0);
  });

  it('refuse a sign-in whose form token is forged or comes without its cookie', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const form = await loginForm(request(ctx.app));
    const [issued] = form.csrf.split('.');
    for (const [cookie, csrf] of [
      ['', form.csrf],
      [form.cookie, `${issued}.AAAA${form.csrf.slice(issued.length + 5)}`],
      [form.cookie, `${Date.now() - 2 * 60 * 60 * 1000}.${form.csrf.split('.')[1]}`],
      ['pledge_tracker.login=aaaaaaaaaaaaaaaaaaaaaa', form.csrf],
    ]) {
      const res = await request(ctx.app).post('/login').set('Cookie', cookie).type('form').send({ _csrf: csrf, username: 'maria', password: PASSWORD });
      expect(res.status).toBe(403);
    }
    expect(count(ctx.db, 'sessions')).toBe(0);
  });
});

describe('a new password', () => {
  it('signs the editor out everywhere and stops their API tokens', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx, 'maria');
    const user = findUserByName(ctx.db, 'maria')!;
    const token = createApiToken(ctx.db, user.id, 'script');
    expect((await agent.get('/account')).status).toBe(200);
    expect((await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${token}`).send({})).status).toBe(422);

    await changePassword(ctx.db, 'maria', 'a brand new password');

    expect((await agent.get('/account')).status).toBe(303);
    const api = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${token}`).send({});
    expect(api.status).toBe(401);
    expect(count(ctx.db, 'sessions')).toBe(0);
    expect(ctx.db.prepare('SELECT revoked_at FROM api_tokens').pluck().get()).not.toBeNull();
  });

  it('retires a session that was still in flight when the password changed', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx, 'maria');
    // A session row written back after the change (a request that was being answered) carries the old version.
    const saved = ctx.db.prepare('SELECT * FROM sessions').get() as Record<string, unknown>;
    await changePassword(ctx.db, 'maria', 'a brand new password');
    ctx.db.prepare('INSERT INTO sessions (sid_hash, user_id, data, expires_at) VALUES (?, ?, ?, ?)').run(saved.sid_hash, saved.user_id, saved.data, saved.expires_at);
    expect((await agent.get('/account')).status).toBe(303);
  });
});

describe('deleting an editor', () => {
  it('never gives their id to the next editor, and their old cookie opens nothing', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'keeper', PASSWORD);
    const { agent } = await signedIn(ctx, 'leaver');
    const leaver = findUserByName(ctx.db, 'leaver')!;
    createApiToken(ctx.db, leaver.id, 'script');
    removeEditor(ctx.db, 'leaver');
    expect(ctx.db.prepare('SELECT count(*) FROM sessions WHERE user_id = ?').pluck().get(leaver.id)).toBe(0);
    expect(ctx.db.prepare('SELECT count(*) FROM api_tokens WHERE user_id = ?').pluck().get(leaver.id)).toBe(0);

    const next = await addEditor(ctx.db, 'newcomer', PASSWORD);
    expect(next).toBeGreaterThan(leaver.id);
    expect((await agent.get('/account')).status).toBe(303);
  });

  it('keeps the history of an editor who made changes, naming a former editor, and nothing else can change it', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'keeper', PASSWORD);
    await addEditor(ctx.db, 'leaver', PASSWORD, 'Leaving Editor');
    const { agent, csrf } = await signedIn(ctx, 'leaver');
    expect((await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf, pledger: 'Left behind' }))).status).toBe(303);
    const id = ctx.db.prepare("SELECT id FROM pledges WHERE pledger = 'Left behind'").pluck().get() as number;
    expect((await request(ctx.app).get(`/pledges/${id}`)).text).toContain('Leaving Editor');

    removeEditor(ctx.db, 'leaver');
    const page = (await request(ctx.app).get(`/pledges/${id}`)).text;
    expect(page).toContain('A former editor');
    expect(page).not.toContain('Leaving Editor');
    expect(ctx.db.prepare("SELECT count(*) FROM revisions WHERE entity_id = ? AND user_id IS NULL").pluck().get(id)).toBe(1);
    // Still append-only: no other update, and no deletion.
    expect(() => ctx!.db.prepare("UPDATE revisions SET reason = 'rewritten' WHERE entity_id = ?").run(id)).toThrow('append-only');
    expect(() => ctx!.db.prepare('DELETE FROM revisions WHERE entity_id = ?').run(id)).toThrow('append-only');
  });

  it('is refused for the only editor', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'only', PASSWORD);
    expect(() => removeEditor(ctx!.db, 'only')).toThrow('only editor');
  });

  it('works from the command line: npm run user -- delete NAME', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'keeper', PASSWORD);
    await addEditor(ctx.db, 'leaver', PASSWORD);
    const root = path.resolve(import.meta.dirname, '../..');
    const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['server/cli/user.cli.ts', 'delete', 'leaver'], {
        cwd: root,
        env: { ...process.env, DATABASE_PATH: ctx!.file },
      });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      child.once('exit', (code) => resolve({ code, text }));
    });
    expect(output.code, output.text).toBe(0);
    expect(output.text).toContain('Deleted editor leaver');
    expect(findUserByName(ctx.db, 'leaver')).toBeUndefined();
    expect(findUserByName(ctx.db, 'keeper')).toBeDefined();
  });
});

describe('Cache-Control', () => {
  it('is private, no-store on every answer to a signed-in editor and on the sign-in form', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx, 'maria');
    for (const url of ['/', '/pledges', '/pledges/new', '/account', '/pledges.csv', '/api/pledges', '/no-such-page']) {
      const res = await agent.get(url);
      expect(res.headers['cache-control'], url).toBe('private, no-store');
    }
    expect((await request(ctx.app).get('/login')).headers['cache-control']).toBe('private, no-store');
    // A reader without a session is not told so: public pages stay cacheable.
    expect((await request(ctx.app).get('/pledges')).headers['cache-control']).not.toBe('private, no-store');
  });
});

describe('passwords at OWASP cost', () => {
  it('are hashed at N = 2^17 by default, and an older, cheaper hash is re-made at the next sign-in', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    expect(findUserByName(ctx.db, 'maria')!.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    setPasswordCost(DEFAULT_SCRYPT_N);
    try {
      expect(await hashPassword('x'.repeat(12))).toMatch(/^scrypt\$131072\$8\$1\$/);
      const agent = request.agent(ctx.app);
      const form = await loginForm(agent);
      expect((await agent.post('/login').type('form').send({ _csrf: form.csrf, username: 'maria', password: PASSWORD })).status).toBe(303);
      expect(findUserByName(ctx.db, 'maria')!.password_hash).toMatch(/^scrypt\$131072\$8\$1\$/);
      const again = request.agent(ctx.app);
      const second = await loginForm(again);
      expect((await again.post('/login').type('form').send({ _csrf: second.csrf, username: 'maria', password: PASSWORD })).status).toBe(303);
    } finally {
      setPasswordCost(2 ** 14);
    }
  });
});

describe('Strict-Transport-Security', () => {
  it('is sent only when TRUST_PROXY trusts a proxy that says the request came over HTTPS', async () => {
    ctx = freshApp();
    const behindProxy = createApp({ db: ctx.db, config: { env: 'test', sessionSecret: SECRET, trustProxy: 1 } });
    expect((await request(behindProxy).get('/').set('X-Forwarded-Proto', 'https')).headers['strict-transport-security']).toBe('max-age=31536000');
    expect((await request(behindProxy).get('/')).headers['strict-transport-security']).toBeUndefined();
    expect((await request(ctx.app).get('/').set('X-Forwarded-Proto', 'https')).headers['strict-transport-security']).toBeUndefined();
  });
});
