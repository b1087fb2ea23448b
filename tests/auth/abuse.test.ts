import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { WRITES_PER_MINUTE } from '../../server/auth/auth.ts';
import { createApp } from '../../server/app.ts';
import { addEditor } from '../../server/auth/editors.ts';
import { csrfFrom, freshApp, PASSWORD, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

/** An app that believes X-Forwarded-For, so that one test can come from many addresses. */
function behindProxy(ctx: TestContext) {
  return createApp({ db: ctx.db, config: { env: 'test', sessionSecret: 'test-secret-test-secret-test-secret!', trustProxy: 1 } });
}

async function attempt(app: ReturnType<typeof createApp>, ip: string, username: string, password: string) {
  const agent = request.agent(app);
  const page = await agent.get('/login').set('X-Forwarded-For', ip);
  return agent.post('/login').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrfFrom(page.text), username, password });
}

describe('sign-in limits', () => {
  it('locks an account after 10 failures in 15 minutes, from whatever address, with 429 and Retry-After', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const app = behindProxy(ctx);
    for (let i = 0; i < 10; i++) expect((await attempt(app, `10.0.0.${i}`, 'maria', 'wrong password')).status).toBe(401);
    const locked = await attempt(app, '10.0.1.1', 'MARIA', PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.text).toContain('Too many failed sign-ins');
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    // Another account is not locked by maria's failures.
    await addEditor(ctx.db, 'omar', PASSWORD);
    expect((await attempt(app, '10.0.1.2', 'omar', PASSWORD)).status).toBe(303);
  });

  it('slows an address down after 5 failures, whichever accounts it tried', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const app = behindProxy(ctx);
    for (let i = 0; i < 5; i++) expect((await attempt(app, '192.0.2.7', `user${i}`, 'guess')).status).toBe(401);
    const slowed = await attempt(app, '192.0.2.7', 'maria', PASSWORD);
    expect(slowed.status).toBe(429);
    expect(slowed.text).toContain('from your address');
    expect(Number(slowed.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(slowed.headers['retry-after'])).toBeLessThanOrEqual(5);
    expect((await attempt(app, '192.0.2.8', 'maria', PASSWORD)).status).toBe(303);
  });

  it('gives a successful sign-in its try back, and keeps counting the account’s other failures', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'maria', PASSWORD);
    const app = behindProxy(ctx);
    for (let i = 0; i < 8; i++) await attempt(app, `10.1.0.${i}`, 'maria', 'wrong password');
    expect((await attempt(app, '10.1.1.1', 'maria', PASSWORD)).status).toBe(303);
    expect((await attempt(app, '10.1.1.2', 'maria', PASSWORD)).status).toBe(303);
    for (let i = 0; i < 2; i++) expect((await attempt(app, `10.2.0.${i}`, 'maria', 'wrong password')).status).toBe(401);
    expect((await attempt(app, '10.2.1.0', 'maria', 'wrong password')).status).toBe(429);
  });
});

describe('write limits', () => {
  it(`allows ${WRITES_PER_MINUTE} writes a minute per session, then answers 429`, async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    for (let i = 0; i < WRITES_PER_MINUTE; i++) {
      expect((await agent.post('/pledges').type('form').send({ _csrf: csrf, pledger: '' })).status).toBe(422);
    }
    const limited = await agent.post('/pledges').type('form').send({ _csrf: csrf, pledger: 'One too many' });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    // Another editor's session is not slowed by it.
    const other = await signedIn(ctx, 'other');
    expect((await other.agent.post('/pledges').type('form').send({ _csrf: other.csrf, pledger: '' })).status).toBe(422);
  });
});
