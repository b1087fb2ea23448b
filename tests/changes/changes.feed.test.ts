// The change log's Atom feeds: /changes.atom and /pledges/:id/changes.atom, read back with a real feed parser.
import { parseFeed } from '@rowanmanning/feed-parser';
import { XMLValidator } from 'fast-xml-parser';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { renameEditor } from '../../server/auth/editors.ts';
import { recordRevision } from '../../server/revisions/revisions.repository.ts';
import { freshApp, pledgeForm, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const USERNAME = 'private-login-7c1';
const HOST = 'tracker.example';

const unescape = (text: string) => text.replaceAll('&#34;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

/** Every value a form holds as the page shows it: fields, text areas, chosen options, ticked boxes. */
function formValues(html: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const m of html.matchAll(/<input id="field-[^"]+" name="([^"]+)" type="[a-z]+" value="([^"]*)"/g)) values[m[1]] = unescape(m[2]);
  for (const m of html.matchAll(/<textarea id="field-[^"]+" name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)) values[m[1]] = unescape(m[2]);
  for (const m of html.matchAll(/<select id="field-[^"]+" name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) values[m[1]] = unescape(/<option value="([^"]*)" selected/.exec(m[2])?.[1] ?? '');
  for (const m of html.matchAll(/<input type="checkbox" name="([^"]+)" value="on" checked/g)) values[m[1]] = 'on';
  return values;
}

/** Signs in as "Maria Lopez" (username private) and changes a pledge's amount note through the edit form. */
async function editNote(id: number, note: string, reason: string): Promise<void> {
  const { agent, csrf } = await signedIn(ctx, USERNAME);
  renameEditor(ctx.db, USERNAME, 'Maria Lopez');
  const form = await agent.get(`/pledges/${id}/edit`);
  const res = await agent.post(`/pledges/${id}`).type('form').send({ ...formValues(form.text), _csrf: csrf, amount_note: note, reason });
  expect(res.status).toBe(303);
  const revision = ctx.db.prepare('SELECT changes FROM revisions ORDER BY id DESC LIMIT 1').pluck().get() as string;
  expect(Object.keys(JSON.parse(revision) as object)).toEqual(['amount_note']);
}

async function feed(path: string, headers: Record<string, string> = {}) {
  const res = await request(ctx.app).get(path).set('Host', HOST).set(headers);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
  // Well-formed XML, strictly; then read as a feed reader reads it.
  expect(XMLValidator.validate(res.text)).toBe(true);
  return { res, parsed: parseFeed(res.text) };
}

describe('GET /changes.atom', () => {
  it('is a valid Atom feed of the change log, newest first, with absolute links, reasons, values and display names', async () => {
    ctx = freshApp();
    await editNote(2, 'Fiscal year 2025', 'Added the fiscal year');
    await editNote(4, 'Over four years', 'Added the span');
    const { res, parsed } = await feed('/changes.atom');
    expect(parsed.meta.type).toBe('atom');
    expect(parsed.title).toBe('Pledge Tracker: every change');
    expect(parsed.url).toBe(`http://${HOST}/changes`);
    expect(parsed.self).toBe(`http://${HOST}/changes.atom`);
    expect(parsed.items.map((item) => item.url)).toEqual([`http://${HOST}/pledges/4`, `http://${HOST}/pledges/2`]);
    const [newest, older] = parsed.items;
    expect(newest.title).toMatch(/^Edited pledge 4: /);
    expect(newest.authors.map((author) => author.name)).toEqual(['Maria Lopez']);
    expect(newest.content).toContain('Reason: “Added the span”');
    expect(newest.content).toMatch(/<th>Amount note<\/th><td>[^<]*<\/td><td>Over four years<\/td>/);
    expect(newest.id).not.toBe(older.id);
    expect(newest.updated?.toISOString()).toBe(ctx.db.prepare('SELECT max(at) FROM revisions').pluck().get());
    expect(res.text).not.toContain(USERNAME);
  });

  it('holds the newest 50 changes', async () => {
    ctx = freshApp();
    const editor = { id: null, username: 'Seed update' };
    ctx.db.transaction(() => {
      for (let i = 1; i <= 60; i++) recordRevision(ctx.db, { entity: 'pledge', entityId: 1, action: 'update', editor, changes: { amount_note: { from: `${i - 1}`, to: `${i}` } }, reason: `step ${i}` });
    })();
    const { parsed } = await feed('/changes.atom');
    expect(parsed.items).toHaveLength(50);
    expect(parsed.items[0].content).toContain('step 60');
    expect(parsed.items[49].content).toContain('step 11');
  });

  it('takes the scheme and host a trusted proxy forwards (TRUST_PROXY), and ignores them from anyone else', async () => {
    ctx = freshApp();
    await editNote(2, 'Fiscal year 2025', 'Added the fiscal year');
    const forwarded = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'pledges.example.org' };
    expect((await feed('/changes.atom', forwarded)).parsed.items[0].url).toBe(`http://${HOST}/pledges/2`);
    ctx.app = createApp({ db: ctx.db, config: { env: 'test', sessionSecret: 'test-secret-test-secret-test-secret!', trustProxy: true } });
    const behindProxy = (await feed('/changes.atom', forwarded)).parsed;
    expect(behindProxy.self).toBe('https://pledges.example.org/changes.atom');
    expect(behindProxy.items[0].url).toBe('https://pledges.example.org/pledges/2');
  });

  it('carries an ETag, and answers 304 to a reader who has this version; a change gives a new one', async () => {
    ctx = freshApp();
    await editNote(2, 'Fiscal year 2025', 'Added the fiscal year');
    const { res } = await feed('/changes.atom');
    expect(res.headers.etag).toBeDefined();
    const again = await request(ctx.app).get('/changes.atom').set('Host', HOST).set('If-None-Match', res.headers.etag);
    expect(again.status).toBe(304);
    await editNote(2, 'Fiscal year 2025 (July to June)', 'Clearer');
    expect((await feed('/changes.atom')).res.headers.etag).not.toBe(res.headers.etag);
  });

  it('stays valid XML whatever the data holds: markup, CDATA ends, control characters', async () => {
    ctx = freshApp();
    const nasty = '<script>alert(1)</script> ]]> & ]]> \u0001 \uD800 done';
    recordRevision(ctx.db, { entity: 'pledge', entityId: 1, action: 'update', editor: { id: null, username: 'Seed update' }, changes: { amount_note: { from: '', to: nasty } }, reason: nasty });
    const { res, parsed } = await feed('/changes.atom');
    // The HTML inside the feed holds the text escaped (a reader decodes it once, to text, not markup).
    expect(res.text).not.toContain('<script>');
    expect(res.text).toContain('<td>&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &amp; ]]&gt;   done</td>');
    expect(parsed.items[0].content).toContain('done</td>');
  });

  it('is a valid empty feed on a fresh tracker', async () => {
    ctx = freshApp();
    const { parsed } = await feed('/changes.atom');
    expect(parsed.items).toEqual([]);
  });
});

describe('GET /pledges/:id/changes.atom', () => {
  it('holds only that pledge’s changes, and is offered on its page', async () => {
    ctx = freshApp();
    await editNote(2, 'Fiscal year 2025', 'Added the fiscal year');
    await editNote(4, 'Over four years', 'Added the span');
    const { parsed } = await feed('/pledges/2/changes.atom');
    const title = ctx.db.prepare("SELECT pledger || ': ' || project FROM pledges WHERE id = 2").pluck().get() as string;
    expect(parsed.title).toBe(`Pledge Tracker: changes to pledge 2 (${title})`);
    expect(parsed.url).toBe(`http://${HOST}/pledges/2`);
    expect(parsed.self).toBe(`http://${HOST}/pledges/2/changes.atom`);
    expect(parsed.items.map((item) => item.url)).toEqual([`http://${HOST}/pledges/2`]);
    expect(parsed.items[0].content).toContain('Added the fiscal year');
  });

  it('keeps a deleted pledge’s feed, ending with its deletion and last values', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx, USERNAME);
    const created = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf, reason: 'From the press release' }));
    const id = Number(created.headers.location.split('/').pop());
    await agent.post(`/pledges/${id}/delete`).type('form').send({ _csrf: csrf, reason: 'Duplicate entry' });
    const { parsed } = await feed(`/pledges/${id}/changes.atom`);
    expect(parsed.title).toBe(`Pledge Tracker: changes to pledge ${id} (Acme Semiconductors: Ohio fab)`);
    expect(parsed.items.map((item) => item.title)).toEqual([`Deleted pledge ${id}: Acme Semiconductors: Ohio fab`, `Created pledge ${id}: Acme Semiconductors: Ohio fab`]);
    expect(parsed.items[0].content).toMatch(/<th>Last value<\/th>[\s\S]*<th>Amount<\/th><td><abbr title="\$20,000,000,000">\$20B<\/abbr><\/td>/);
    expect(parsed.items[0].content).toContain('Reason: “Duplicate entry”');
  });

  it('answers 404 for a pledge that never was', async () => {
    ctx = freshApp();
    expect((await request(ctx.app).get('/pledges/999/changes.atom')).status).toBe(404);
    expect((await request(ctx.app).get('/pledges/abc/changes.atom')).status).toBe(404);
  });
});
