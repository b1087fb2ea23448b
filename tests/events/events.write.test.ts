import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { count, freshApp, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const EVENT = {
  occurred_on: '2025-08',
  title: 'Tariff on imported chips announced',
  kind: 'tariffs',
  note: 'A 100% tariff, with exemptions for companies building in the US.',
  source_url: 'https://example.com/tariff',
  source_title: 'Example News',
  pledge_ids: '3, 5',
  reason: '',
};

describe('event forms', () => {
  it('adds an event linked to pledges, with a revision, and shows it on both sides', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/events').type('form').send({ ...EVENT, _csrf: csrf });
    expect(res.status).toBe(303);
    const id = Number(res.headers.location.split('/').pop());
    expect(ctx.db.prepare('SELECT pledge_id FROM pledge_events WHERE event_id = ? ORDER BY pledge_id').pluck().all(id)).toEqual([3, 5]);
    expect(ctx.db.prepare("SELECT action FROM revisions WHERE entity = 'event' AND entity_id = ?").pluck().all(id)).toEqual(['create']);
    const pledgePage = await request(ctx.app).get('/pledges/3');
    expect(pledgePage.text).toContain(`href="/events/${id}">Tariff on imported chips announced`);
    expect((await request(ctx.app).get(`/events/${id}`)).text).toContain('<time datetime="2025-08">Aug 2025</time>');
  });

  it('refuses unknown pledges, impossible dates and unknown kinds with 422, keeping the values', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/events').type('form').send({ ...EVENT, _csrf: csrf, pledge_ids: '3, 99', occurred_on: '2025-13', kind: 'coup' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Use a real date');
    expect(res.text).toContain('Choose a kind from the list.');
    expect(res.text).toContain('value="3, 99"');
    expect(count(ctx.db, 'events')).toBe(6);
    const unknownPledge = await agent.post('/events').type('form').send({ ...EVENT, _csrf: csrf, pledge_ids: '3, 99' });
    expect(unknownPledge.text).toContain('No such pledge: 99.');
  });

  it.each(['https:alert(1)', 'http:/x', 'https:/\\evil', 'https:example.com', 'HTTPS://example.com/x'])(
    'refuses a source URL of %j with 422 beside the field (a parser reads it as a web address; the database does not)',
    async (url) => {
      ctx = freshApp();
      const { agent, csrf } = await signedIn(ctx);
      const before = [count(ctx.db, 'events'), count(ctx.db, 'pledge_events'), count(ctx.db, 'revisions')];
      const res = await agent.post('/events').type('form').send({ ...EVENT, _csrf: csrf, source_url: url });
      expect(res.status).toBe(422);
      expect(res.text).toMatch(/id="field-source_url-error">Use a full web address starting with http:\/\/ or https:\/\//);
      expect([count(ctx.db, 'events'), count(ctx.db, 'pledge_events'), count(ctx.db, 'revisions')]).toEqual(before);
    },
  );

  it('edits the links from the event side and records what changed', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/events/5').type('form').send({ ...EVENT, _csrf: csrf, title: 'Huang attends dinner at Mar-a-Lago', kind: 'export_controls', pledge_ids: '4', reason: 'Only the NPR pledge is tied to the dinner' });
    expect(res.status).toBe(303);
    expect(ctx.db.prepare('SELECT pledge_id FROM pledge_events WHERE event_id = 5').pluck().all()).toEqual([4]);
    const changes = JSON.parse(ctx.db.prepare("SELECT changes FROM revisions WHERE entity = 'event' ORDER BY id DESC").pluck().get() as string);
    expect(changes.pledge_ids).toEqual({ from: [4, 5], to: [4] });
  });

  it('deletes an event after confirmation; its pledges stay', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    expect((await agent.get('/events/5/delete')).text).toContain('Delete this event?');
    const res = await agent.post('/events/5/delete').type('form').send({ _csrf: csrf, reason: 'Unverified' });
    expect(res.status).toBe(303);
    expect(count(ctx.db, 'events')).toBe(5);
    expect(count(ctx.db, 'pledges')).toBe(5);
    expect(ctx.db.prepare('SELECT count(*) FROM pledge_events WHERE event_id = 5').pluck().get()).toBe(0);
  });

  it('links an event from the pledge side too', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx);
    const form = await agent.get('/events/new?pledge=2');
    expect(form.text).toContain('name="pledge_ids" type="text" value="2"');
  });
});
