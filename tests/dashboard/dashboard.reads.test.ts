import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadCache } from '../../server/dashboard/dashboard.reads.ts';
import { openDatabase } from '../../server/platform/db.ts';
import { addEditor } from '../../server/auth/editors.ts';
import { addPledge, freshApp, PASSWORD, pledgeForm, signedIn, type TestContext } from '../helpers.ts';

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
    // The account exists already: naming a new editor is a change of public data (the change log shows names).
    await addEditor(ctx.db, 'editor', PASSWORD, 'An editor');
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
