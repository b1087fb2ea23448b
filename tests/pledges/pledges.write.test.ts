import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/platform/db.ts';
import { count, csrfFrom, freshApp, pledgeForm, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

function lastRevision(ctx: TestContext) {
  const row = ctx.db.prepare('SELECT * FROM revisions ORDER BY id DESC LIMIT 1').get() as
    | { entity: string; entity_id: number; action: string; username: string; changes: string; reason: string }
    | undefined;
  return row && { ...row, changes: JSON.parse(row.changes) as Record<string, { from: unknown; to: unknown }> };
}

// Read by a URL parser as https://alert(1)/, http://x/, https://evil/ and so on; refused by the database's check.
const BAD_URLS = ['https:alert(1)', 'http:/x', 'https:/\\evil', 'https:example.com', 'HTTPS://example.com/x'];

describe('write routes refuse anonymous readers', () => {
  it.each([
    ['get', '/pledges/new'],
    ['get', '/pledges/1/edit'],
    ['get', '/pledges/1/delete'],
    ['get', '/events/new'],
    ['get', '/events/1/edit'],
    ['get', '/account'],
  ])('%s %s redirects to the sign-in page and back', async (_method, path) => {
    ctx = freshApp();
    const res = await request(ctx.app).get(path);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
  });

  it.each(['/pledges', '/pledges/1', '/pledges/1/delete', '/events', '/events/1', '/events/1/delete'])(
    'POST %s redirects to sign in and writes nothing',
    async (path) => {
      ctx = freshApp();
      const before = [count(ctx.db, 'pledges'), count(ctx.db, 'events'), count(ctx.db, 'revisions')];
      const res = await request(ctx.app).post(path).type('form').send(pledgeForm({ title: 'x', occurred_on: '2025-01-01', kind: 'other' }));
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(/^\/login\?next=/);
      expect([count(ctx.db, 'pledges'), count(ctx.db, 'events'), count(ctx.db, 'revisions')]).toEqual(before);
    },
  );
});

describe('CSRF and origin checks on every write', () => {
  it.each(['/pledges', '/pledges/1', '/pledges/1/delete', '/events', '/events/1', '/events/1/delete', '/account/tokens', '/logout'])(
    'POST %s without a CSRF token answers 403 and changes nothing',
    async (path) => {
      ctx = freshApp();
      const { agent } = await signedIn(ctx);
      const before = [count(ctx.db, 'pledges'), count(ctx.db, 'events'), count(ctx.db, 'revisions'), count(ctx.db, 'api_tokens')];
      const res = await agent.post(path).type('form').send({ ...pledgeForm(), name: 'script' });
      expect(res.status).toBe(403);
      expect(res.text).toContain('did not come from this site');
      expect([count(ctx.db, 'pledges'), count(ctx.db, 'events'), count(ctx.db, 'revisions'), count(ctx.db, 'api_tokens')]).toEqual(before);
    },
  );

  it('refuses a forged CSRF token', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx);
    const res = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: 'forged' }));
    expect(res.status).toBe(403);
    expect(count(ctx.db, 'pledges')).toBe(5);
  });

  it.each(['/pledges', '/pledges/1', '/pledges/1/delete', '/events', '/events/1', '/events/1/delete', '/account/tokens', '/logout'])(
    'POST %s from another Origin answers 403 and changes nothing, even with a valid token',
    async (path) => {
      ctx = freshApp();
      const { agent, csrf } = await signedIn(ctx);
      const before = [count(ctx.db, 'pledges'), count(ctx.db, 'events'), count(ctx.db, 'revisions'), count(ctx.db, 'api_tokens')];
      for (const origin of ['https://evil.example', 'null']) {
        const res = await agent
          .post(path)
          .set('Origin', origin)
          .type('form')
          .send({ ...pledgeForm({ _csrf: csrf }), name: 'script', title: 'x', occurred_on: '2025-01-01', kind: 'other' });
        expect(res.status).toBe(403);
      }
      expect([count(ctx.db, 'pledges'), count(ctx.db, 'events'), count(ctx.db, 'revisions'), count(ctx.db, 'api_tokens')]).toEqual(before);
    },
  );

  it('accepts a same-origin request with a valid token', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/pledges').set('Origin', 'http://127.0.0.1').set('Host', '127.0.0.1').type('form').send(pledgeForm({ _csrf: csrf }));
    expect(res.status).toBe(303);
  });

  it('refuses a request the browser marks as cross-site', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/pledges').set('Sec-Fetch-Site', 'cross-site').type('form').send(pledgeForm({ _csrf: csrf }));
    expect(res.status).toBe(403);
    expect(count(ctx.db, 'pledges')).toBe(5);
  });
});

describe('POST /pledges', () => {
  it('stores a valid pledge, redirects 303 to it, records a revision, and flashes once', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent
      .post('/pledges')
      .type('form')
      .send(pledgeForm({ _csrf: csrf, source_url_1: 'https://example.com/second', source_title_1: 'Second', event_1: 'on', reason: 'New filing' }));
    expect(res.status).toBe(303);
    const id = Number(/^\/pledges\/(\d+)$/.exec(res.headers.location)![1]);
    const row = ctx.db.prepare('SELECT * FROM pledges WHERE id = ?').get(id) as Record<string, unknown>;
    expect(row).toMatchObject({ pledger: 'Acme Semiconductors', amount_usd: 20_000_000_000, us_share_pct: 100, announced_on: '2025-06-02', lever: 'tariffs' });
    expect(ctx.db.prepare('SELECT url FROM pledge_sources WHERE pledge_id = ? ORDER BY position').pluck().all(id)).toEqual([
      'https://example.com/acme-ohio',
      'https://example.com/second',
    ]);
    expect(ctx.db.prepare('SELECT event_id FROM pledge_events WHERE pledge_id = ?').pluck().all(id)).toEqual([1]);
    const revision = lastRevision(ctx)!;
    expect(revision).toMatchObject({ entity: 'pledge', entity_id: id, action: 'create', username: 'editor', reason: 'New filing' });
    expect(revision.changes.amount_usd).toEqual({ from: null, to: 20_000_000_000 });

    const page = await agent.get(res.headers.location);
    expect(page.text).toContain('Pledge added.');
    expect((await agent.get(res.headers.location)).text).not.toContain('Pledge added.');
    expect(page.text).toContain('Created</strong>');
  });

  it('re-renders the form with 422, a message beside each wrong field, a summary, and every typed value', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent
      .post('/pledges')
      .type('form')
      .send(
        pledgeForm({
          _csrf: csrf,
          pledger: 'Typed <Pledger>',
          amount: 'lots',
          us_share_pct: '150',
          announced_on: '2025-02-30',
          source_url_0: 'javascript:alert(1)',
          context_note: 'kept note',
        }),
      );
    expect(res.status).toBe(422);
    expect(res.text).toContain('4 things to fix');
    expect(res.text).toMatch(/id="field-amount-error">Write the amount in digits/);
    expect(res.text).toMatch(/id="field-us_share_pct-error">The US share must be from 0 to 100/);
    expect(res.text).toMatch(/id="field-announced_on-error">Use a real date/);
    expect(res.text).toMatch(/id="field-source_url_0-error">Use a full web address starting with http/);
    expect(res.text).toContain('value="Typed &lt;Pledger&gt;"');
    expect(res.text).toContain('value="lots"');
    expect(res.text).toContain('value="javascript:alert(1)"');
    expect(res.text).toContain('>kept note</textarea>');
    expect(count(ctx.db, 'pledges')).toBe(5);
    expect(count(ctx.db, 'revisions')).toBe(0);
  });

  it.each(BAD_URLS)('re-renders the form with 422 and a message beside the source URL when it is %j, writing nothing', async (url) => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const before = [count(ctx.db, 'pledges'), count(ctx.db, 'pledge_sources'), count(ctx.db, 'revisions')];
    const res = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf, source_url_0: url }));
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="field-source_url_0-error">Use a full web address starting with http:\/\/ or https:\/\//);
    expect([count(ctx.db, 'pledges'), count(ctx.db, 'pledge_sources'), count(ctx.db, 'revisions')]).toEqual(before);
  });

  it('refuses a field sent twice', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/pledges').type('form').send(`${new URLSearchParams(pledgeForm({ _csrf: csrf }) as Record<string, string>)}&pledger=Again`);
    expect(res.status).toBe(422);
    expect(res.text).toContain('Send this field once, as text.');
    expect(count(ctx.db, 'pledges')).toBe(5);
  });

  it('requires at least one source', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf, source_url_0: '', source_title_0: '' }));
    expect(res.status).toBe(422);
    expect(res.text).toContain('Add at least one source URL');
  });

  it('stores a blank amount as undisclosed (NULL)', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf, amount: '' }));
    const id = Number(res.headers.location.split('/').pop());
    expect(ctx.db.prepare('SELECT amount_usd FROM pledges WHERE id = ?').pluck().get(id)).toBeNull();
  });
});

describe('POST /pledges/:id (edit)', () => {
  it('saves the change with who, what from what to what, and the reason; the page shows the history newest first', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const form = await agent.get('/pledges/2/edit');
    expect(form.text).toContain('value="$80B"');
    const body = Object.fromEntries([...form.text.matchAll(/<input id="field-([a-z_0-9]+)" name="\1" type="[a-z]+" value="([^"]*)"/g)].map((m) => [m[1], m[2].replaceAll('&amp;', '&').replaceAll('&#34;', '"')]));
    const res = await agent
      .post('/pledges/2')
      .type('form')
      .send({ ...pledgeForm(), ...body, _csrf: csrf, pledger: 'Microsoft', project: 'AI data centers FY2025', amount: '$80B', us_share_pct: '55', us_share_basis: 'inferred', status: 'announced', lever: 'export_controls', context_note: 'x', reason: 'Microsoft said more than half' });
    expect(res.status).toBe(303);
    const revision = lastRevision(ctx)!;
    expect(revision).toMatchObject({ action: 'update', entity_id: 2, reason: 'Microsoft said more than half' });
    expect(revision.changes.us_share_pct).toEqual({ from: 50, to: 55 });
    expect(revision.changes.amount_usd).toBeUndefined();
    const page = await agent.get('/pledges/2');
    expect(page.text).toContain('Microsoft said more than half');
    expect(page.text).toMatch(/<th scope="row">US share<\/th><td>50%<\/td><td>55%<\/td>/);
  });

  it('writes no revision when nothing changed', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const values = { _csrf: csrf, ...pledgeForm() };
    const created = await agent.post('/pledges').type('form').send(values);
    const id = created.headers.location.split('/').pop();
    const before = count(ctx.db, 'revisions');
    const res = await agent.post(`/pledges/${id}`).type('form').send(values);
    expect(res.status).toBe(303);
    expect(count(ctx.db, 'revisions')).toBe(before);
  });

  it('asks for the date and evidence when the status changes, then shows the status timeline', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const created = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf }));
    const id = created.headers.location.split('/').pop();
    const refused = await agent.post(`/pledges/${id}`).type('form').send(pledgeForm({ _csrf: csrf, status: 'under_way' }));
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Say when the status changed.');
    expect(refused.text).toContain('Link the evidence for the new status.');
    expect(count(ctx.db, 'status_changes')).toBe(0);

    const saved = await agent
      .post(`/pledges/${id}`)
      .type('form')
      .send(pledgeForm({ _csrf: csrf, status: 'under_way', status_changed_on: '2025-09-15', status_evidence_url: 'https://example.com/groundbreaking' }));
    expect(saved.status).toBe(303);
    const page = await agent.get(`/pledges/${id}`);
    expect(page.text).toMatch(/Announced<\/span>\s*<time datetime="2025-06-02">2 Jun 2025<\/time>/);
    expect(page.text).toMatch(/Under way<\/span>\s*<time datetime="2025-09-15">15 Sept? 2025<\/time>\s*<a href="https:\/\/example.com\/groundbreaking"/);
  });

  it.each(BAD_URLS)('re-renders the form with 422 and a message beside the evidence when it is %j, writing nothing', async (url) => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const before = [count(ctx.db, 'status_changes'), count(ctx.db, 'revisions')];
    const res = await agent
      .post('/pledges/3')
      .type('form')
      .send(pledgeForm({ _csrf: csrf, status: 'under_way', status_changed_on: '2025-09-15', status_evidence_url: url }));
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="field-status_evidence_url-error">Use a full web address starting with http:\/\/ or https:\/\//);
    expect([count(ctx.db, 'status_changes'), count(ctx.db, 'revisions')]).toEqual(before);
  });

  it('answers 404 for an unknown pledge', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    expect((await agent.post('/pledges/999').type('form').send(pledgeForm({ _csrf: csrf }))).status).toBe(404);
    expect((await agent.get('/pledges/999/edit')).status).toBe(404);
  });
});

describe('deleting a pledge', () => {
  it('asks first, deletes with a revision, and keeps the history for editors (readers get 410)', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const confirm = await agent.get('/pledges/3/delete');
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Delete this pledge?');
    expect(count(ctx.db, 'pledges')).toBe(5);

    const res = await agent.post('/pledges/3/delete').type('form').send({ _csrf: csrf, reason: 'Duplicate entry' });
    expect(res.status).toBe(303);
    expect(ctx.db.prepare('SELECT count(*) FROM pledges WHERE id = 3').pluck().get()).toBe(0);
    expect(ctx.db.prepare('SELECT count(*) FROM pledge_sources WHERE pledge_id = 3').pluck().get()).toBe(0);
    const revision = lastRevision(ctx)!;
    expect(revision).toMatchObject({ action: 'delete', entity_id: 3, reason: 'Duplicate entry' });
    expect(revision.changes.pledger).toEqual({ from: 'TSMC', to: null });

    const reader = await request(ctx.app).get('/pledges/3');
    expect(reader.status).toBe(410);
    expect(reader.text).not.toContain('Duplicate entry');
    const editor = await agent.get('/pledges/3');
    expect(editor.status).toBe(410);
    expect(editor.text).toContain('Duplicate entry');
    expect(editor.text).toContain('TSMC');
  });

  it('never gives a deleted pledge’s id, or a deleted event’s, to the next one added', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const last = ctx.db.prepare('SELECT max(id) FROM pledges').pluck().get() as number;
    expect((await agent.post(`/pledges/${last}/delete`).type('form').send({ _csrf: csrf, reason: 'Duplicate entry' })).status).toBe(303);
    const added = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf, pledger: 'Newcomer' }));
    expect(added.status).toBe(303);
    const id = Number(/\/pledges\/(\d+)/.exec(added.headers.location)![1]);
    expect(id).toBeGreaterThan(last);
    // The deleted pledge is still gone, and the new one's history is its own.
    expect((await request(ctx.app).get(`/pledges/${last}`)).status).toBe(410);
    expect(ctx.db.prepare("SELECT action FROM revisions WHERE entity = 'pledge' AND entity_id = ?").pluck().all(id)).toEqual(['create']);

    const event = ctx.db.prepare('SELECT max(id) FROM events').pluck().get() as number;
    expect((await agent.post(`/events/${event}/delete`).type('form').send({ _csrf: csrf, reason: 'Duplicate entry' })).status).toBe(303);
    const addedEvent = await agent
      .post('/events')
      .type('form')
      .send({ _csrf: csrf, occurred_on: '2025-05-01', title: 'A new event', kind: 'other', note: '', source_url: 'https://example.com/new', source_title: 'Example', reason: 'New' });
    expect(addedEvent.status).toBe(303);
    expect(Number(/\/events\/(\d+)/.exec(addedEvent.headers.location)![1])).toBeGreaterThan(event);
  });
});

describe('the revision log', () => {
  it('cannot be edited or deleted, even by SQL', () => {
    ctx = freshApp();
    ctx.db
      .prepare("INSERT INTO revisions (entity, entity_id, action, username, changes) VALUES ('pledge', 1, 'update', 'x', '{}')")
      .run();
    expect(() => ctx.db.prepare("UPDATE revisions SET reason = 'rewritten'").run()).toThrow('append-only');
    expect(() => ctx.db.prepare('DELETE FROM revisions').run()).toThrow('append-only');
  });
});

describe('the add form', () => {
  it('has every field of a pledge, several source rows, event checkboxes and a reason', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx);
    const res = await agent.get('/pledges/new');
    for (const name of ['pledger', 'project', 'amount', 'amount_note', 'us_share_pct', 'us_share_basis', 'announced_on', 'horizon_years', 'horizon_end', 'sector', 'country', 'status', 'lever', 'context_note', 'source_url_0', 'source_title_0', 'source_url_1', 'reason', 'status_changed_on', 'status_evidence_url', 'status_note', 'pledger_kind', 'commitment_kind', 'horizon_start', 'new_money', 'event_1']) {
      expect(res.text, name).toContain(`name="${name}"`);
    }
    expect(csrfFrom(res.text)).toMatch(/.{20,}/);
  });
});

describe('a write while another connection holds the database', () => {
  it('leaves a signed-in editor’s pages answered at once: the session’s expiry does not wait for the lock', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx);
    const timeout = ctx.db.pragma('busy_timeout', { simple: true });
    expect(timeout).toBe(5000);
    const other = openDatabase(ctx.file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const started = performance.now();
      const res = await agent.get('/pledges');
      expect(res.status).toBe(200);
      expect(res.text).toContain('Sign out');
      // Far below the 5 s the busy timeout would have held the server's thread.
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(ctx.db.pragma('busy_timeout', { simple: true })).toBe(timeout);
  });

  it('gets 503 with Retry-After and a plain message once the busy timeout passes, and writes nothing', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'script' });
    const token = /<code class="secret">(pt_[\w-]+)<\/code>/.exec((await agent.get('/account')).text)![1];
    ctx.db.pragma('busy_timeout = 200');
    const other = openDatabase(ctx.file);
    const before = [count(ctx.db, 'pledges'), count(ctx.db, 'revisions')];
    other.exec('BEGIN IMMEDIATE');
    try {
      const res = await agent.post('/pledges').type('form').send({ ...pledgeForm({ pledger: 'Blocked Co' }), _csrf: csrf });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.text).toContain('The database is busy with another write');
      expect(res.text).not.toMatch(/SQLITE|at .*\.ts:\d+/);
      const api = await request(ctx.app)
        .post('/api/pledges')
        .set('Authorization', `Bearer ${token}`)
        .send({ pledger: 'Blocked Co', announced_on: '2025-01-01', sources: [{ url: 'https://example.com/b' }] });
      expect([api.status, api.headers['retry-after'], api.body.error?.message]).toEqual([503, '5', expect.stringContaining('busy')]);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect([count(ctx.db, 'pledges'), count(ctx.db, 'revisions')]).toEqual(before);
    expect(ctx.db.prepare("SELECT count(*) FROM pledges WHERE pledger = 'Blocked Co'").pluck().get()).toBe(0);
  });
});
