// The public change log: /changes and /api/changes, after edits made through the editors' forms.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { renameEditor } from '../../server/auth/editors.ts';
import { recordRevision } from '../../server/revisions/revisions.repository.ts';
import { count, freshApp, pledgeForm, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

// A username no page may show: the editor is known to readers by a display name only.
const USERNAME = 'private-login-9f3';

/** The edit form's values as the page holds them, for a post that changes only what the test says. */
async function editFormValues(agent: request.Agent, id: number): Promise<Record<string, string>> {
  const form = await agent.get(`/pledges/${id}/edit`);
  const inputs = [...form.text.matchAll(/<input id="field-([a-z_0-9]+)" name="\1" type="[a-z]+" value="([^"]*)"/g)];
  return Object.fromEntries(inputs.map((m) => [m[1], m[2].replaceAll('&amp;', '&').replaceAll('&#34;', '"')]));
}

/** Signs in as an editor called "Maria Lopez" and edits Microsoft's pledge (2): $80B → $95B, share 50 → 55 %. */
async function editMicrosoft(): Promise<{ agent: request.Agent; csrf: string }> {
  const { agent, csrf } = await signedIn(ctx, USERNAME);
  renameEditor(ctx.db, USERNAME, 'Maria Lopez');
  const values = await editFormValues(agent, 2);
  const res = await agent
    .post('/pledges/2')
    .type('form')
    .send({ ...pledgeForm(), ...values, _csrf: csrf, pledger: 'Microsoft', project: 'AI data centers FY2025', amount: '$95B', us_share_pct: '55', us_share_basis: 'inferred', status: 'announced', lever: 'export_controls', context_note: 'x', reason: 'Microsoft raised the figure' });
  expect(res.status).toBe(303);
  return { agent, csrf };
}

const entries = (html: string) => [...html.matchAll(/<li id="change-(\d+)">/g)].map((m) => Number(m[1]));

describe('GET /changes', () => {
  it('says there is nothing yet on a fresh tracker, whose data all comes from the seed', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/changes');
    expect(res.status).toBe(200);
    expect(res.text).toContain('No changes recorded yet');
  });

  it('shows an edit made through the form: each field from what to what, amounts as elsewhere, the reason, the UTC time and the display name, never the username', async () => {
    ctx = freshApp();
    await editMicrosoft();
    const res = await request(ctx.app).get('/changes');
    expect(res.status).toBe(200);
    const entry = res.text.slice(res.text.indexOf('<li id="change-'));
    expect(entry).toMatch(/<strong>Edited<\/strong>\s*<a href="\/pledges\/2">pledge 2: Microsoft: AI data centers FY2025<\/a>/);
    expect(entry).toMatch(/by Maria Lopez on <time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>: “Microsoft raised the figure”/);
    expect(entry).toMatch(/<th scope="row">Amount<\/th>\s*<td><data value="80000000000" title="\$80,000,000,000">\$80B<\/data><\/td>\s*<td><data value="95000000000" title="\$95,000,000,000">\$95B<\/data><\/td>/);
    expect(entry).toMatch(/<th scope="row">US share<\/th>\s*<td>50%<\/td>\s*<td>55%<\/td>/);
    expect(res.text).not.toContain(USERNAME);
    // The database holds the username; the page shows only the public name.
    expect(ctx.db.prepare('SELECT username FROM revisions').pluck().get()).toBe(USERNAME);
  });

  it('shows a value not recorded as "unknown", never as 0 or a blank', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx, USERNAME);
    const values = await editFormValues(agent, 2);
    await agent.post('/pledges/2').type('form').send({ ...pledgeForm(), ...values, _csrf: csrf, pledger: 'Microsoft', project: 'AI data centers FY2025', amount: '', us_share_pct: '', us_share_basis: '', status: 'announced', lever: 'export_controls', context_note: 'x', reason: 'Figure withdrawn' });
    const res = await request(ctx.app).get('/changes');
    expect(res.text).toMatch(/<th scope="row">Amount<\/th>\s*<td><data value="80000000000"[^>]*>\$80B<\/data><\/td>\s*<td>unknown<\/td>/);
    expect(res.text).toMatch(/<th scope="row">US share<\/th>\s*<td>50%<\/td>\s*<td>unknown<\/td>/);
  });

  it('shows a deleted pledge as a deletion with its last values and reason, linked to its page (which tells readers it was deleted)', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx, USERNAME);
    await agent.post('/pledges/3/delete').type('form').send({ _csrf: csrf, reason: 'Duplicate entry' });
    const res = await request(ctx.app).get('/changes');
    expect(res.text).toMatch(/<strong>Deleted<\/strong>\s*<a href="\/pledges\/3">pledge 3: TSMC: [^<]+<\/a> \(deleted\)/);
    expect(res.text).toContain('“Duplicate entry”');
    expect(res.text).toMatch(/<summary>Last values: \d+ fields<\/summary>/);
    expect(res.text).toMatch(/<th scope="row">Pledger<\/th>\s*<td>TSMC<\/td>/);
    expect(res.text).toMatch(/<th scope="row">Amount<\/th>\s*<td><data value="100000000000"[^>]*>\$100B<\/data><\/td>/);
    expect((await request(ctx.app).get('/pledges/3')).status).toBe(410);
  });

  it('shows a political event created through the form, linked to its page', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx, USERNAME);
    const res = await agent.post('/events').type('form').send({ _csrf: csrf, occurred_on: '2025-07-14', title: 'Chip tariff exemption', kind: 'tariffs', note: '', source_url: 'https://example.com/exemption', source_title: 'Proclamation', pledge_ids: '', reason: 'From the fact sheet' });
    expect(res.status).toBe(303);
    const id = Number(res.headers.location.split('/').pop());
    const page = await request(ctx.app).get('/changes');
    expect(page.text).toMatch(new RegExp(`<strong>Created</strong>\\s*<a href="/events/${id}">event ${id}: Chip tariff exemption</a>`));
    expect(page.text).toMatch(/<th scope="row">Date<\/th>\s*<td>14 Jul 2025<\/td>/);
    expect(page.text).toMatch(/<th scope="row">Kind<\/th>\s*<td>Tariffs<\/td>/);
  });

  it('names a deleted political event by its last title, without a link to a page that is gone', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx, USERNAME);
    const title = ctx.db.prepare('SELECT title FROM events WHERE id = 1').pluck().get() as string;
    expect((await agent.post('/events/1/delete').type('form').send({ _csrf: csrf, reason: 'Not a political event' })).status).toBe(303);
    const page = await request(ctx.app).get('/changes');
    expect(page.text).toMatch(/<strong>Deleted<\/strong>\s*event 1: ([^<]+) \(deleted\)/);
    expect(/event 1: ([^<]+) \(deleted\)/.exec(page.text)![1]).toBe(title.replaceAll('&', '&amp;').replaceAll("'", '&#39;').replaceAll('"', '&#34;'));
    expect(page.text).not.toContain('href="/events/1"');
  });

  it('names a renamed editor by the new name at once, cached page or not', async () => {
    ctx = freshApp();
    await editMicrosoft();
    expect((await request(ctx.app).get('/changes')).text).toContain('by Maria Lopez');
    renameEditor(ctx.db, USERNAME, 'M. Lopez');
    const page = await request(ctx.app).get('/changes');
    expect(page.text).toContain('by M. Lopez');
    expect(page.text).not.toContain('Maria');
  });

  it('pages newest first, 50 a page, with links to older and newer pages; a page past the end is 404, a bad page 400', async () => {
    ctx = freshApp();
    const editor = { id: null, username: 'tester (command line)' };
    ctx.db.transaction(() => {
      for (let i = 1; i <= 120; i++) {
        recordRevision(ctx.db, { entity: 'pledge', entityId: 1 + (i % 5), action: 'update', editor, changes: { amount_note: { from: `note ${i - 1}`, to: `note ${i}` } }, reason: `step ${i}` });
      }
    })();
    const first = await request(ctx.app).get('/changes');
    expect(entries(first.text)).toEqual(Array.from({ length: 50 }, (_, i) => 120 - i));
    expect(first.text).toContain('Page 1 of 3 (120 changes)');
    expect(first.text).toContain('<a href="/changes?page=2" rel="next">Older ›</a>');
    expect(first.text).toContain('by Command-line import');
    expect(first.text).not.toContain('tester');
    const third = await request(ctx.app).get('/changes?page=3');
    expect(entries(third.text)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
    expect(third.text).toContain('<a href="/changes?page=2" rel="prev">‹ Newer</a>');
    const past = await request(ctx.app).get('/changes?page=4');
    expect(past.status).toBe(404);
    expect(past.text).toContain('The change log has 3 pages: there is no page 4.');
    for (const bad of ['0', '-1', 'two', '1.5']) {
      const res = await request(ctx.app).get(`/changes?page=${bad}`);
      expect([bad, res.status]).toEqual([bad, 400]);
      expect(res.text).toContain('The parameter page must be a whole number from 1.');
    }
  });

  it('is linked from every page’s footer and from a pledge’s history, which offers the pledge’s own feed', async () => {
    ctx = freshApp();
    const home = await request(ctx.app).get('/');
    expect(home.text).toMatch(/<footer[\s\S]*<a href="\/changes">change log<\/a>/);
    const pledge = await request(ctx.app).get('/pledges/2');
    expect(pledge.text).toMatch(/<link rel="alternate" type="application\/atom\+xml" title="[^"]+" href="\/pledges\/2\/changes.atom">/);
    const history = pledge.text.slice(pledge.text.indexOf('id="history-heading"'));
    expect(history).toContain('<a href="/changes">the change log</a>');
    expect(history).toContain('<a href="/pledges/2/changes.atom" type="application/atom+xml">Atom</a>');
  });

  it('is served from the response cache to readers, and a write empties it', async () => {
    ctx = freshApp();
    expect((await request(ctx.app).get('/changes')).headers['x-cache']).toBe('miss');
    expect((await request(ctx.app).get('/changes')).headers['x-cache']).toBe('hit');
    await editMicrosoft();
    const after = await request(ctx.app).get('/changes');
    expect(after.headers['x-cache']).toBe('miss');
    expect(after.text).toContain('Microsoft raised the figure');
  });
});

describe('GET /api/changes', () => {
  it('counts the whole log again after each write', async () => {
    ctx = freshApp();
    const total = async () => (await request(ctx.app).get('/api/changes')).body.total;
    expect(await total()).toBe(0);
    const { agent, csrf } = await editMicrosoft();
    expect(await total()).toBe(1);
    const created = await agent.post('/pledges').type('form').send({ ...pledgeForm(), _csrf: csrf, pledger: 'Counted Co', reason: 'A new pledge' });
    expect(created.status).toBe(303);
    expect(await total()).toBe(2);
  });

  it('gives the same entries as JSON with the stored values, the public name only, and pages like /api/pledges', async () => {
    ctx = freshApp();
    await editMicrosoft();
    const res = await request(ctx.app).get('/api/changes');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 1, page: 1, per_page: 100 });
    expect(res.body.changes).toEqual([
      expect.objectContaining({
        entity: 'pledge',
        entity_id: 2,
        action: 'update',
        author: 'Maria Lopez',
        reason: 'Microsoft raised the figure',
        title: 'Microsoft: AI data centers FY2025',
        exists: true,
        path: '/pledges/2',
        changes: expect.objectContaining({ amount_usd: { from: 80_000_000_000, to: 95_000_000_000 } }),
      }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain(USERNAME);
    expect((await request(ctx.app).get('/api/changes?page=2')).body.changes).toEqual([]);
    const bad = await request(ctx.app).get('/api/changes?per_page=5000');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('per_page must be a whole number from 1 to 1000');
  });

  it('never gives anything of editors’ accounts or sessions', async () => {
    ctx = freshApp();
    await editMicrosoft();
    const body = JSON.stringify((await request(ctx.app).get('/api/changes')).body);
    for (const privateWord of ['username', 'user_id', 'password', 'session', 'sid', 'token', USERNAME]) expect(body).not.toContain(privateWord);
    expect(count(ctx.db, 'sessions')).toBeGreaterThan(0);
  });
});
