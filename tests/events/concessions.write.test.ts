// Concessions entered through the event form: the type they need, the further sources, the revision.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { validateEvent, emptyEventForm } from '../../server/events/events.validation.ts';
import { count, freshApp, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const CONCESSION = {
  occurred_on: '2025-07-14',
  title: 'H20 export licences assured',
  kind: 'concession',
  concession_type: 'export_relief',
  note: 'After Huang met Trump.',
  source_url: 'https://example.com/licences',
  source_title: 'Example News',
  source_url_2: 'https://example.org/letter',
  source_title_2: 'Lawmakers object',
  pledge_ids: '4',
  reason: 'From the fact sheet',
};

const writes = (db: TestContext['db']) => [count(db, 'events'), count(db, 'event_sources'), count(db, 'pledge_events'), count(db, 'revisions')];

describe('validating a concession', () => {
  const exists = () => true;
  it('needs a type when the kind is concession, and refuses one on any other kind', () => {
    const missing = validateEvent({ ...emptyEventForm(), ...CONCESSION, concession_type: '' }, exists);
    expect(missing).toEqual({ ok: false, errors: { concession_type: 'A concession needs its type: choose what the pledger got.' } });
    const stray = validateEvent({ ...emptyEventForm(), ...CONCESSION, kind: 'tariffs' }, exists);
    expect(stray.ok).toBe(false);
    expect(!stray.ok && stray.errors.concession_type).toMatch(/^Only a concession has a type/);
    const unknown = validateEvent({ ...emptyEventForm(), ...CONCESSION, concession_type: 'bribe' }, exists);
    expect(!unknown.ok && unknown.errors.concession_type).toBe('Choose what the pledger got from the list.');
  });

  it('keeps the further sources in order, skips empty rows, and wants a URL for a title', () => {
    const ok = validateEvent({ ...emptyEventForm(), ...CONCESSION, source_url_3: ' ', source_url_4: 'https://example.net/x' }, exists);
    expect(ok.ok && ok.value.moreSources).toEqual([
      { url: 'https://example.org/letter', title: 'Lawmakers object' },
      { url: 'https://example.net/x', title: '' },
    ]);
    expect(ok.ok && ok.value.event).toMatchObject({ kind: 'concession', concession_type: 'export_relief' });
    const titleOnly = validateEvent({ ...emptyEventForm(), ...CONCESSION, source_url_2: '' }, exists);
    expect(!titleOnly.ok && titleOnly.errors.source_url_2).toBe('A source URL is required.');
  });
});

describe('the database', () => {
  it('refuses a concession without a type and a type on another kind, by its named constraint', () => {
    ctx = freshApp();
    const insert = ctx.db.prepare("INSERT INTO events (occurred_on, title, kind, concession_type) VALUES ('2025-07-14', 'x', ?, ?)");
    expect(() => insert.run('concession', null)).toThrow(/events_concession_type_needed/);
    expect(() => insert.run('tariffs', 'export_relief')).toThrow(/events_concession_type_needed/);
    expect(() => insert.run('concession', 'bribe')).toThrow(/events_concession_type_valid/);
    expect(insert.run('concession', 'export_relief').changes).toBe(1);
  });
});

describe('POST /events with the kind concession', () => {
  it('adds the concession with its type, its two sources and its pledge, with a revision, and shows them', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/events').type('form').send({ ...CONCESSION, _csrf: csrf });
    expect(res.status).toBe(303);
    const id = Number(res.headers.location.split('/').pop());
    expect(ctx.db.prepare('SELECT kind, concession_type FROM events WHERE id = ?').get(id)).toEqual({ kind: 'concession', concession_type: 'export_relief' });
    expect(ctx.db.prepare('SELECT position, url, title FROM event_sources WHERE event_id = ?').all(id)).toEqual([
      { position: 1, url: 'https://example.org/letter', title: 'Lawmakers object' },
    ]);
    const changes = JSON.parse(ctx.db.prepare("SELECT changes FROM revisions WHERE entity = 'event' AND entity_id = ?").pluck().get(id) as string);
    expect(changes).toMatchObject({
      concession_type: { from: null, to: 'export_relief' },
      more_sources: { from: null, to: [{ url: 'https://example.org/letter', title: 'Lawmakers object' }] },
    });
    const page = await request(ctx.app).get(`/events/${id}`);
    expect(page.text).toContain('Export licence or control relief');
    expect(page.text).toContain('href="https://example.org/letter"');
    expect(page.text).toContain('Pledges this concession answered');
    expect(page.text).toContain('concession 96 days after the pledge');
  });

  it('re-renders the form with 422 and the message beside the type when a concession has none, writing nothing', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const before = writes(ctx.db);
    const res = await agent.post('/events').type('form').send({ ...CONCESSION, concession_type: '', _csrf: csrf });
    expect(res.status).toBe(422);
    expect(res.text).toContain('id="field-concession_type-error">A concession needs its type: choose what the pledger got.');
    expect(res.text).toContain('value="https://example.org/letter"');
    expect(writes(ctx.db)).toEqual(before);
  });

  it('refuses without a signed-in editor or without the CSRF token', async () => {
    ctx = freshApp();
    const before = writes(ctx.db);
    const anonymous = await request(ctx.app).post('/events').type('form').send(CONCESSION);
    expect(anonymous.headers.location ?? '').not.toMatch(/^\/events\/\d+$/);
    const { agent } = await signedIn(ctx);
    expect((await agent.post('/events').type('form').send(CONCESSION)).status).toBe(403);
    expect(writes(ctx.db)).toEqual(before);
  });

  it('offers the type select always, with its hint, and arrives as a concession from a pledge page', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx);
    const form = await agent.get('/events/new?pledge=4&kind=concession');
    expect(form.text).toContain('<option value="concession" selected>Concession</option>');
    expect(form.text).toContain('name="concession_type"');
    expect(form.text).toContain('For the kind Concession only, and required for it');
    expect(form.text).toContain('name="pledge_ids" type="text" value="4"');
    expect((await agent.get('/pledges/4')).text).toContain('href="/events/new?pledge=4&amp;kind=concession"');
  });

  it('edits a concession keeping its further sources, and records a change of type', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const created = await agent.post('/events').type('form').send({ ...CONCESSION, _csrf: csrf });
    const id = Number(created.headers.location.split('/').pop());
    const form = await agent.get(`/events/${id}/edit`);
    expect(form.text).toContain('name="source_url_2" type="url" value="https://example.org/letter"');
    expect(form.text).toContain('<option value="export_relief" selected>');
    const res = await agent.post(`/events/${id}`).type('form').send({ ...CONCESSION, concession_type: 'government_stake', _csrf: csrf });
    expect(res.status).toBe(303);
    expect(ctx.db.prepare('SELECT concession_type FROM events WHERE id = ?').pluck().get(id)).toBe('government_stake');
    expect(count(ctx.db, 'event_sources')).toBe(1);
    const changes = JSON.parse(ctx.db.prepare("SELECT changes FROM revisions WHERE entity = 'event' ORDER BY id DESC").pluck().get() as string);
    expect(changes).toEqual({ concession_type: { from: 'export_relief', to: 'government_stake' } });
  });
});
