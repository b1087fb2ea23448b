import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { count, freshApp, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const PLEDGE = {
  pledger: 'Acme',
  project: 'Texas plant',
  amount: '12.5B',
  us_share_pct: 100,
  announced_on: '2025-07-01',
  status: 'announced',
  lever: 'tariffs',
  sources: [{ url: 'https://example.com/acme', title: 'Acme release' }],
  event_ids: [1],
};

/** An editor creates a token on the account page; the page shows it once. */
async function token(ctx: TestContext): Promise<{ token: string; agent: request.Agent; csrf: string }> {
  const { agent, csrf } = await signedIn(ctx);
  const res = await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'import script' });
  expect(res.status).toBe(303);
  const page = await agent.get('/account');
  const value = /<code class="secret">(pt_[\w-]+)<\/code>/.exec(page.text)?.[1];
  expect(value).toBeDefined();
  expect((await agent.get('/account')).text).not.toContain(value!);
  expect(ctx.db.prepare('SELECT token_hash FROM api_tokens').pluck().get()).not.toBe(value);
  return { token: value!, agent, csrf };
}

describe('the JSON write API', () => {
  it('answers 401 without a token, or with a wrong one, and writes nothing', async () => {
    ctx = freshApp();
    for (const auth of [undefined, 'Bearer pt_wrong', 'Basic abc']) {
      const req = request(ctx.app).post('/api/pledges').send(PLEDGE);
      const res = await (auth ? req.set('Authorization', auth) : req);
      expect(res.status).toBe(401);
      expect(res.body.error.message).toContain('API token');
      expect(res.headers['www-authenticate']).toContain('Bearer');
    }
    expect((await request(ctx.app).put('/api/pledges/1').send(PLEDGE)).status).toBe(401);
    expect((await request(ctx.app).delete('/api/pledges/1')).status).toBe(401);
    expect(count(ctx.db, 'pledges')).toBe(5);
  });

  it('creates (201), replaces (200) and deletes (204) with a token, each with a revision', async () => {
    ctx = freshApp();
    const { token: bearer } = await token(ctx);
    const created = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${bearer}`).send(PLEDGE);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ pledger: 'Acme', amount_usd: 12_500_000_000, event_ids: [1] });
    expect(created.headers.location).toBe(`/api/pledges/${created.body.id}`);

    const replaced = await request(ctx.app)
      .put(`/api/pledges/${created.body.id}`)
      .set('Authorization', `Bearer ${bearer}`)
      .send({ ...PLEDGE, amount_usd: 13_000_000_000, amount: undefined, reason: 'Revised figure' });
    expect(replaced.status).toBe(200);
    expect(replaced.body.amount_usd).toBe(13_000_000_000);

    const deleted = await request(ctx.app).delete(`/api/pledges/${created.body.id}?reason=dupe`).set('Authorization', `Bearer ${bearer}`);
    expect(deleted.status).toBe(204);
    const actions = ctx.db.prepare("SELECT action || ':' || reason FROM revisions WHERE entity_id = ? ORDER BY id").pluck().all(created.body.id);
    expect(actions).toEqual(['create:', 'update:Revised figure', 'delete:dupe']);
  });

  it('answers 422 with each wrong field named, and writes nothing', async () => {
    ctx = freshApp();
    const { token: bearer } = await token(ctx);
    const res = await request(ctx.app)
      .post('/api/pledges')
      .set('Authorization', `Bearer ${bearer}`)
      .send({ ...PLEDGE, pledger: '', amount: '-5B', us_share_pct: 'lots', announced_on: 20250101, sources: [{ url: 'data:text/html,x' }] });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.error.fields).sort()).toEqual(['amount', 'announced_on', 'pledger', 'source_url_0', 'us_share_pct']);
    expect(count(ctx.db, 'pledges')).toBe(5);
  });

  it.each(['https:alert(1)', 'http:/x', 'https:/\\evil', 'https:example.com', 'HTTPS://example.com/x'])(
    'answers 422 naming the source when its URL is %j (a parser reads it as a web address; the database does not), and writes nothing',
    async (url) => {
      ctx = freshApp();
      const { token: bearer } = await token(ctx);
      const before = [count(ctx.db, 'pledges'), count(ctx.db, 'pledge_sources'), count(ctx.db, 'revisions')];
      const res = await request(ctx.app)
        .post('/api/pledges')
        .set('Authorization', `Bearer ${bearer}`)
        .send({ ...PLEDGE, sources: [{ url, title: 'Release' }] });
      expect(res.status).toBe(422);
      expect(res.body.error.fields).toEqual({ source_url_0: 'Use a full web address starting with http:// or https://.' });
      expect([count(ctx.db, 'pledges'), count(ctx.db, 'pledge_sources'), count(ctx.db, 'revisions')]).toEqual(before);
    },
  );

  it('refuses a body that is not JSON with 415, and malformed JSON with 400', async () => {
    ctx = freshApp();
    const { token: bearer } = await token(ctx);
    const text = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${bearer}`).type('text/plain').send('pledger=Acme');
    expect(text.status).toBe(415);
    const broken = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${bearer}`).type('application/json').send('{"pledger": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error.status).toBe(400);
    expect(count(ctx.db, 'pledges')).toBe(5);
  });

  it('stops accepting a token once it is revoked', async () => {
    ctx = freshApp();
    const { token: bearer, agent, csrf } = await token(ctx);
    const id = ctx.db.prepare('SELECT id FROM api_tokens').pluck().get();
    expect((await agent.post(`/account/tokens/${id}/revoke`).type('form').send({ _csrf: csrf })).status).toBe(303);
    const res = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${bearer}`).send(PLEDGE);
    expect(res.status).toBe(401);
    expect(count(ctx.db, 'pledges')).toBe(5);
  });

  it('takes who pledges, the kind of commitment, the horizon start and the new money, as text or whole dollars', async () => {
    ctx = freshApp({ seed: false });
    const { token: bearer } = await token(ctx);
    const fields = { pledger_kind: 'government', commitment_kind: 'purchases_trade', horizon_start: '2025-07-01', horizon_end: '2026-06-30', new_money_usd: 2_500_000_000 };
    const created = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${bearer}`).send({ ...PLEDGE, event_ids: [], ...fields });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(fields);
    const replaced = await request(ctx.app)
      .put(`/api/pledges/${created.body.id}`)
      .set('Authorization', `Bearer ${bearer}`)
      .send({ ...PLEDGE, event_ids: [], pledger_kind: 'company', new_money: '3B' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ pledger_kind: 'company', commitment_kind: null, horizon_start: null, new_money_usd: 3_000_000_000 });
    expect(ctx.db.prepare('SELECT pledger_kind, commitment_kind, new_money_usd FROM pledges').get()).toEqual({ pledger_kind: 'company', commitment_kind: null, new_money_usd: 3e9 });
  });

  it('answers 422 naming a wrong kind, new money above the amount or a horizon that starts after it ends, and writes nothing', async () => {
    ctx = freshApp({ seed: false });
    const { token: bearer } = await token(ctx);
    const res = await request(ctx.app)
      .post('/api/pledges')
      .set('Authorization', `Bearer ${bearer}`)
      .send({ ...PLEDGE, event_ids: [], pledger_kind: 'oligarch', commitment_kind: 'fund', new_money_usd: 13e9, horizon_start: '2027-01-01', horizon_end: '2026-01-01' });
    expect(res.status).toBe(422);
    expect(res.body.error.fields).toEqual({ pledger_kind: 'Choose a kind of pledger from the list.' });
    const second = await request(ctx.app)
      .post('/api/pledges')
      .set('Authorization', `Bearer ${bearer}`)
      .send({ ...PLEDGE, event_ids: [], new_money_usd: 13e9, horizon_start: '2027-01-01', horizon_end: '2026-01-01' });
    expect(second.body.error.fields).toEqual({ new_money: 'The new part cannot be more than the amount.', horizon_start: 'The horizon must start before it ends.' });
    const fractional = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${bearer}`).send({ ...PLEDGE, event_ids: [], new_money_usd: 1.5 });
    expect(fractional.body.error.fields).toEqual({ new_money: 'Send the amount as whole dollars or as text like "500B".' });
    expect([count(ctx.db, 'pledges'), count(ctx.db, 'revisions')]).toEqual([0, 0]);
  });

  it('answers 404 for an unknown pledge', async () => {
    ctx = freshApp();
    const { token: bearer } = await token(ctx);
    expect((await request(ctx.app).put('/api/pledges/999').set('Authorization', `Bearer ${bearer}`).send(PLEDGE)).status).toBe(404);
    expect((await request(ctx.app).delete('/api/pledges/999').set('Authorization', `Bearer ${bearer}`)).status).toBe(404);
  });
});
