// Overdue in the table, on a pledge's page, under the filter, in the CSV and the JSON; the first-tranche date through
// the form, the API and the import. The five-pledge fixture on TEST_TODAY (2026-06-30): only Microsoft's pledge,
// whose horizon ended on 2025-06-30, is overdue.
import { Readable } from 'node:stream';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { importCsv } from '../../server/import/import.run.ts';
import { count, freshApp, pledgeForm, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const microsoftId = (c: TestContext) => c.db.prepare("SELECT id FROM pledges WHERE pledger = 'Microsoft'").pluck().get() as number;

describe('GET /pledges?overdue=1', () => {
  it('lists only the overdue pledges, each with its badge, and keeps overdue=1 in its links', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/pledges?overdue=1');
    expect(res.status).toBe(200);
    const rows = res.text.match(/<tr>\s*<td><a href="\/pledges\/\d+">[^<]*<\/a>/g) ?? [];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Microsoft');
    expect(res.text).toContain('<span class="overdue"');
    expect(res.text).toContain('Overdue: Overdue</span>');
    expect(res.text).toContain('href="/pledges?overdue=1&amp;sort=pledger"');
  });

  it('shows the badge only beside overdue pledges in the whole table', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/pledges');
    expect(res.text.match(/<span class="overdue"/g)).toHaveLength(1);
  });

  it.each(['yes', '0', 'true'])('answers 400 naming the parameter for overdue=%s, on the pages, the CSV and the JSON', async (value) => {
    ctx = freshApp();
    for (const path of ['/pledges', '/', '/pledges.csv', '/api/pledges', '/api/summary']) {
      const res = await request(ctx.app).get(`${path}?overdue=${value}`);
      expect(res.status, path).toBe(400);
      const message = path.startsWith('/api') ? res.body.error.message : res.text.replaceAll('&#34;', '"');
      expect(message, path).toContain(`The filter parameter overdue is wrong: "${value}" is not 1: use overdue=1 for the overdue pledges, or leave it out.`);
    }
  });
});

describe('every view with overdue=1', () => {
  it('answers with the overdue pledges only: pages, charts, exports and JSON', async () => {
    ctx = freshApp();
    for (const path of ['/levers', '/concessions', '/concessions.csv', '/api/concessions', '/relations.csv', '/api/relations', '/charts/amounts.csv', '/charts/timeline.csv']) {
      const res = await request(ctx.app).get(`${path}?overdue=1`);
      expect(res.status, path).toBe(200);
    }
    const amounts = (await request(ctx.app).get('/charts/amounts.csv?overdue=1')).text;
    expect(amounts).toContain('Microsoft');
    expect(amounts).not.toContain('TSMC');
  });
});

describe('GET /pledges/:id', () => {
  it('marks an overdue pledge as overdue, and not the others', async () => {
    ctx = freshApp();
    const overdue = await request(ctx.app).get(`/pledges/${microsoftId(ctx)}`);
    expect(overdue.text).toContain('<a class="overdue" href="/methodology#overdue"');
    const other = ctx.db.prepare("SELECT id FROM pledges WHERE pledger = 'TSMC'").pluck().get() as number;
    expect((await request(ctx.app).get(`/pledges/${other}`)).text).not.toContain('class="overdue"');
  });
});

describe('the overdue and first_tranche_by columns', () => {
  it('end the CSV header, after every earlier column, and say true or false', async () => {
    ctx = freshApp();
    ctx.db.prepare("UPDATE pledges SET first_tranche_by = '2025-09' WHERE pledger = 'TSMC'").run();
    const csv = (await request(ctx.app).get('/pledges.csv')).text;
    const lines = csv.split('\r\n');
    expect(lines[0]).toMatch(/,created_at,updated_at,pledger_kind,commitment_kind,horizon_start,new_money_usd,first_tranche_by,overdue$/);
    const byPledger = Object.fromEntries(lines.slice(1, -1).map((line) => [line.split(',')[1], line.split(',').slice(-2).join(',')]));
    expect(byPledger).toMatchObject({ Microsoft: ',true', TSMC: '2025-09,true', Nvidia: ',false' });
    expect((await request(ctx.app).get('/pledges.csv?overdue=1')).text.trim().split('\r\n')).toHaveLength(3);
  });

  it('are in the JSON list and in one pledge, overdue as a boolean', async () => {
    ctx = freshApp();
    const list = await request(ctx.app).get('/api/pledges?overdue=1');
    expect(list.body.total).toBe(1);
    expect(list.body.pledges[0]).toMatchObject({ pledger: 'Microsoft', overdue: true, first_tranche_by: null });
    const all = await request(ctx.app).get('/api/pledges');
    expect(all.body.pledges.filter((row: { overdue: boolean }) => row.overdue === false)).toHaveLength(4);
    const one = await request(ctx.app).get(`/api/pledges/${microsoftId(ctx)}`);
    expect(one.body).toMatchObject({ overdue: true, first_tranche_by: null });
  });
});

describe('the first-tranche date', () => {
  it('is saved from the form, shown on the page, offered back for editing and recorded in the history', async () => {
    ctx = freshApp({ seed: false });
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf, first_tranche_by: '2025-12' }));
    expect(res.status).toBe(303);
    const id = Number(res.headers.location.split('/').pop());
    expect(ctx.db.prepare('SELECT first_tranche_by FROM pledges WHERE id = ?').pluck().get(id)).toBe('2025-12');
    const page = await agent.get(`/pledges/${id}`);
    expect(page.text).toContain('<dt>First tranche due by</dt><dd><time datetime="2025-12">Dec 2025</time></dd>');
    // Due by the end of December 2025, still announced on TEST_TODAY.
    expect(page.text).toContain('class="overdue"');
    expect((await agent.get(`/pledges/${id}/edit`)).text).toContain('name="first_tranche_by" type="text" value="2025-12"');
    const edited = await agent.post(`/pledges/${id}`).type('form').send(pledgeForm({ _csrf: csrf, first_tranche_by: '2027-01-15' }));
    expect(edited.status).toBe(303);
    const changes = JSON.parse(ctx.db.prepare('SELECT changes FROM revisions ORDER BY id DESC LIMIT 1').pluck().get() as string);
    expect(changes).toEqual({ first_tranche_by: { from: '2025-12', to: '2027-01-15' } });
  });

  it.each([
    ['not a date', 'soon', 'Use a real date written YYYY-MM-DD, YYYY-MM or YYYY.'],
    ['not a real day', '2025-02-30', 'Use a real date written YYYY-MM-DD, YYYY-MM or YYYY.'],
    ['before the announcement', '2025-05', 'The first tranche cannot be due before the pledge was announced.'],
  ])('re-renders the form with 422 when it is %s, the message beside the field, nothing written', async (_what, value, message) => {
    ctx = freshApp({ seed: false });
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf, first_tranche_by: value }));
    expect(res.status).toBe(422);
    expect(res.text).toContain(`<p class="error" id="field-first_tranche_by-error">${message}`);
    expect(res.text).toContain(`name="first_tranche_by" type="text" value="${value}"`);
    expect([count(ctx.db, 'pledges'), count(ctx.db, 'revisions')]).toEqual([0, 0]);
  });

  it('is written and refused through the JSON API, a wrong one with 422 naming the field', async () => {
    ctx = freshApp({ seed: false });
    const { agent, csrf } = await signedIn(ctx);
    await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'script' });
    const bearer = /<code class="secret">(pt_[\w-]+)<\/code>/.exec((await agent.get('/account')).text)![1];
    const pledge = { pledger: 'Acme', announced_on: '2025-07-01', sources: [{ url: 'https://example.com/acme' }] };
    const wrong = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${bearer}`).send({ ...pledge, first_tranche_by: 'July' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.fields).toEqual({ first_tranche_by: 'Use a real date written YYYY-MM-DD, YYYY-MM or YYYY.' });
    expect(count(ctx.db, 'pledges')).toBe(0);
    const created = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${bearer}`).send({ ...pledge, first_tranche_by: '2025-09-30' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ first_tranche_by: '2025-09-30', overdue: true });
  });

  it('is read by the import, whose overdue column (computed) is ignored', async () => {
    ctx = freshApp({ seed: false });
    const file =
      'pledger,project,amount,announced_on,horizon_end,first_tranche_by,overdue,source_urls\r\n' +
      'Acme,Plant,5B,2025-03-01,,2025-06,false,https://example.com/a\r\n' +
      'Beta,Mill,2B,2025-03-01,2030-12-31,,true,https://example.com/b\r\n';
    const outcome = await importCsv(ctx.db, Readable.from([Buffer.from(file)]), { write: { author: { id: null, username: 'test' }, filename: 'f.csv' } });
    expect(outcome.problems).toEqual([]);
    expect(ctx.db.prepare('SELECT pledger, first_tranche_by FROM pledges ORDER BY pledger').all()).toEqual([
      { pledger: 'Acme', first_tranche_by: '2025-06' },
      { pledger: 'Beta', first_tranche_by: null },
    ]);
    const api = await request(ctx.app).get('/api/pledges?sort=pledger');
    expect(api.body.pledges.map((row: { overdue: boolean }) => row.overdue)).toEqual([true, false]);
  });

  it('names the line and the column when the import reads a wrong date', async () => {
    ctx = freshApp({ seed: false });
    const file = 'pledger,announced_on,first_tranche_by,source_urls\r\nAcme,2025-03-01,next year,https://example.com/a\r\n';
    const outcome = await importCsv(ctx.db, Readable.from([Buffer.from(file)]), { write: { author: { id: null, username: 'test' }, filename: 'f.csv' } });
    expect(outcome.problems).toEqual([{ line: 2, column: 'first_tranche_by', message: 'Use a real date written YYYY-MM-DD, YYYY-MM or YYYY.' }]);
    expect(count(ctx.db, 'pledges')).toBe(0);
  });
});
