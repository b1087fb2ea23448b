// Who pledges, what kind of commitment, when the horizon starts, the part described as new, and a note on each
// status step: through the form, on the pledge's page, in the table and under the filter.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { addPledge, count, freshApp, pledgeForm, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const GILEAD = {
  pledger: 'Gilead',
  project: 'US manufacturing and R&D',
  amount: '$32B',
  new_money: '11B',
  pledger_kind: 'company',
  commitment_kind: 'capital_spending',
  announced_on: '2025-04-29',
  horizon_start: '2025-05-01',
  horizon_years: '',
  horizon_end: '2029-12-31',
};

describe('the pledge form', () => {
  it('offers who pledges and the kind of commitment in words, unknown by default', async () => {
    ctx = freshApp({ seed: false });
    const { agent } = await signedIn(ctx);
    const res = await agent.get('/pledges/new');
    expect(res.text).toMatch(/<label for="field-pledger_kind">Who pledges<\/label>/);
    expect(res.text).toMatch(/<label for="field-commitment_kind">What kind of commitment<\/label>/);
    for (const option of ['Company', 'Government', 'Joint venture or fund', 'Capital spending', 'Investment fund or financing vehicle', 'Purchases and trade', 'Mixed or unclear']) {
      expect(res.text, option).toContain(`>${option}</option>`);
    }
    expect(res.text).toMatch(/<option value="" selected>Unknown<\/option>/);
    expect(res.text).toContain('<label for="field-horizon_start">Horizon starts on</label>');
    expect(res.text).toContain('Leave empty when it starts on the announcement date.');
    expect(res.text).toContain('<label for="field-new_money">New money (the part described as new)</label>');
    expect(res.text).toContain('Leave empty when the pledger did not say.');
    expect(res.text).toContain('<label for="field-status_note">Status note</label>');
  });

  it('saves the four fields, shows them on the pledge page, and offers them back in the edit form', async () => {
    ctx = freshApp({ seed: false });
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf, ...GILEAD }));
    expect(res.status).toBe(303);
    const id = Number(res.headers.location.split('/').pop());
    expect(ctx.db.prepare('SELECT pledger_kind, commitment_kind, horizon_start, new_money_usd FROM pledges WHERE id = ?').get(id)).toEqual({
      pledger_kind: 'company',
      commitment_kind: 'capital_spending',
      horizon_start: '2025-05-01',
      new_money_usd: 11_000_000_000,
    });

    const page = await agent.get(`/pledges/${id}`);
    expect(page.text).toContain('<dt>New money</dt><dd>$11B of $32B described as new</dd>');
    expect(page.text).toContain('<dt>Who pledges</dt><dd>Company</dd>');
    expect(page.text).toContain('<dt>Kind of commitment</dt><dd>Capital spending</dd>');
    expect(page.text).toContain('from <time datetime="2025-05-01">1 May 2025</time> until <time datetime="2029-12-31">31 Dec 2029</time>');

    const form = await agent.get(`/pledges/${id}/edit`);
    expect(form.text).toContain('<option value="company" selected>Company</option>');
    expect(form.text).toContain('<option value="capital_spending" selected>Capital spending</option>');
    expect(form.text).toContain('name="new_money" type="text" value="$11B"');
    expect(form.text).toContain('name="horizon_start" type="text" value="2025-05-01"');
  });

  it('shows "Not stated" and "Unknown" when the new part and the kinds were not recorded', async () => {
    ctx = freshApp({ seed: false });
    const id = addPledge(ctx.db, { pledger_kind: null, commitment_kind: null, new_money_usd: null });
    const page = await request(ctx.app).get(`/pledges/${id}`);
    expect(page.text).toContain('<dt>New money</dt><dd>Not stated</dd>');
    expect(page.text).toContain('<dt>Who pledges</dt><dd>Unknown</dd>');
    expect(page.text).toContain('<dt>Kind of commitment</dt><dd>Unknown</dd>');
  });

  it.each([
    ['more new money than the amount', { new_money: '40B' }, 'new_money', 'The new part cannot be more than the amount.'],
    ['new money that is not an amount', { new_money: 'most of it' }, 'new_money', 'Write the amount in digits'],
    ['a horizon that starts after it ends', { horizon_start: '2030-01-01' }, 'horizon_start', 'The horizon must start before it ends.'],
    ['a horizon start that is not a day', { horizon_start: '2025-05' }, 'horizon_start', 'Use a real date written YYYY-MM-DD.'],
    ['a pledger kind not in the list', { pledger_kind: 'oligarch' }, 'pledger_kind', 'Choose a kind of pledger from the list.'],
    ['a commitment kind not in the list', { commitment_kind: 'bribe' }, 'commitment_kind', 'Choose a kind of commitment from the list.'],
  ])('re-renders the form with 422 for %s, the message beside the field, every value kept, nothing written', async (_what, wrong, field, message) => {
    ctx = freshApp({ seed: false });
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf, ...GILEAD, ...wrong }));
    expect(res.status).toBe(422);
    expect(res.text).toContain('One thing to fix');
    expect(res.text).toContain(`<p class="error" id="field-${field}-error">${message}`);
    expect(res.text).toContain(`<a href="#field-${field}">${message}`);
    const typed = { ...GILEAD, ...wrong };
    expect(res.text).toContain(`name="new_money" type="text" value="${typed.new_money}"`);
    expect(res.text).toContain(`name="horizon_start" type="text" value="${typed.horizon_start}"`);
    if (field !== 'pledger_kind') expect(res.text).toContain('<option value="company" selected>Company</option>');
    if (field !== 'commitment_kind') expect(res.text).toContain('<option value="capital_spending" selected>Capital spending</option>');
    expect([count(ctx.db, 'pledges'), count(ctx.db, 'revisions')]).toEqual([0, 0]);
  });

  it('records the four fields in the history when an edit changes them', async () => {
    ctx = freshApp({ seed: false });
    const { agent, csrf } = await signedIn(ctx);
    const created = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf, ...GILEAD }));
    const id = created.headers.location.split('/').pop();
    const edited = await agent
      .post(`/pledges/${id}`)
      .type('form')
      .send(pledgeForm({ _csrf: csrf, ...GILEAD, new_money: '', pledger_kind: 'government', horizon_start: '' }));
    expect(edited.status).toBe(303);
    const changes = JSON.parse(ctx.db.prepare('SELECT changes FROM revisions ORDER BY id DESC LIMIT 1').pluck().get() as string);
    expect(changes).toEqual({
      pledger_kind: { from: 'company', to: 'government' },
      horizon_start: { from: '2025-05-01', to: null },
      new_money_usd: { from: 11_000_000_000, to: null },
    });
  });
});

describe('the amount per year', () => {
  it('runs from the horizon start: $80B for July 2024 to June 2025 is $80B a year, not $162B', async () => {
    ctx = freshApp({ seed: false });
    const microsoft = { pledger: 'Microsoft', amount_usd: 80_000_000_000, announced_on: '2025-01-03', horizon_years: null, horizon_end: '2025-06-30' };
    const withStart = addPledge(ctx.db, { ...microsoft, project: 'FY2025', horizon_start: '2024-07-01' });
    const fromAnnouncement = addPledge(ctx.db, { ...microsoft, project: 'From the announcement' });
    const table = (await request(ctx.app).get('/pledges?sort=pledger')).text;
    const perYear = (id: number) => new RegExp(`href="/pledges/${id}">[\\s\\S]*?</td>\\s*<td class="num">.*?</td>\\s*<td class="num"><data value="(\\d+)"`).exec(table)?.[1];
    // 1 July to the end of 30 June: twelve calendar months, one year.
    expect(Number(perYear(withStart))).toBe(80_000_000_000);
    expect(Number(perYear(fromAnnouncement))).toBe(Math.round(80e9 / ((6 - 2 / 30.4375) / 12)));
    expect(table).toContain('>$80B</data>');
    const page = await request(ctx.app).get(`/pledges/${withStart}`);
    expect(page.text).toMatch(/<dt>Per year<\/dt><dd><data value="80\d{9}" title="[^"]+">\$80B<\/data> a year<\/dd>/);
    const summary = (await request(ctx.app).get('/api/summary')).body;
    expect(summary.by_per_year.map((row: { id: number; per_year_usd: number }) => [row.id, Math.round(row.per_year_usd / 1e9)])).toEqual([
      [fromAnnouncement, 162],
      [withStart, 80],
    ]);
  });
});

describe('the status note', () => {
  it('is saved with the status step and shown in the timeline and the JSON', async () => {
    ctx = freshApp({ seed: false });
    const { agent, csrf } = await signedIn(ctx);
    const created = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf }));
    const id = created.headers.location.split('/').pop();
    const step = { status: 'stalled', status_changed_on: '2025-09-04', status_evidence_url: 'https://example.com/raid', status_note: 'A raid at the <site> halted construction.' };
    const saved = await agent.post(`/pledges/${id}`).type('form').send(pledgeForm({ _csrf: csrf, ...step }));
    expect(saved.status).toBe(303);
    expect(ctx.db.prepare('SELECT status, changed_on, note FROM status_changes WHERE pledge_id = ?').all(id)).toEqual([
      { status: 'stalled', changed_on: '2025-09-04', note: 'A raid at the <site> halted construction.' },
    ]);
    const page = await agent.get(`/pledges/${id}`);
    expect(page.text).toMatch(/Stalled<\/span>\s*<time datetime="2025-09-04">[^<]+<\/time>\s*<a href="https:\/\/example.com\/raid"[^>]*>evidence<\/a>\s*<p class="step-note">A raid at the &lt;site&gt; halted construction.<\/p>/);
    const json = (await request(ctx.app).get(`/api/pledges/${id}`)).body;
    expect(json.status_steps).toEqual([
      { status: 'announced', changed_on: '2025-06-02', evidence_url: 'https://example.com/acme-ohio', note: '' },
      { status: 'stalled', changed_on: '2025-09-04', evidence_url: 'https://example.com/raid', note: 'A raid at the <site> halted construction.' },
    ]);
  });

  it('is refused beside its field when too long, with nothing written', async () => {
    ctx = freshApp({ seed: false });
    const { agent, csrf } = await signedIn(ctx);
    const created = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf }));
    const id = created.headers.location.split('/').pop();
    const revisions = count(ctx.db, 'revisions');
    const res = await agent
      .post(`/pledges/${id}`)
      .type('form')
      .send(pledgeForm({ _csrf: csrf, status: 'stalled', status_changed_on: '2025-09-04', status_evidence_url: 'https://example.com/raid', status_note: 'x'.repeat(501) }));
    expect(res.status).toBe(422);
    expect(res.text).toContain('<p class="error" id="field-status_note-error">At most 500 characters.</p>');
    expect(res.text).toContain(`>${'x'.repeat(501)}</textarea>`);
    expect([count(ctx.db, 'status_changes'), count(ctx.db, 'revisions')]).toEqual([0, revisions]);
    expect(ctx.db.prepare('SELECT status FROM pledges WHERE id = ?').pluck().get(id)).toBe('announced');
  });
});

describe('the table under a kind filter', () => {
  it('lists only the pledges of that kind, unknown matching none recorded, with each row’s kinds in words', async () => {
    ctx = freshApp({ seed: false });
    addPledge(ctx.db, { pledger: 'Acme', amount_usd: 10e9, pledger_kind: 'company', commitment_kind: 'capital_spending' });
    addPledge(ctx.db, { pledger: 'Qatar', amount_usd: 20e9, pledger_kind: 'government', commitment_kind: 'purchases_trade' });
    addPledge(ctx.db, { pledger: 'Mystery', amount_usd: 30e9, pledger_kind: null, commitment_kind: null });
    const pledgers = (html: string) => [...html.matchAll(/<td><a href="\/pledges\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);

    const government = await request(ctx.app).get('/pledges?pledger_kind=government');
    expect(pledgers(government.text)).toEqual(['Qatar']);
    expect(government.text).toContain('<span class="fine row-kind" title="Who pledges">Government</span>');
    expect(government.text).toContain('<span class="fine row-kind" title="Kind of commitment">Purchases and trade</span>');
    const unknown = await request(ctx.app).get('/pledges?commitment_kind=unknown');
    expect(pledgers(unknown.text)).toEqual(['Mystery']);
    expect(unknown.text).toContain('<span class="fine row-kind" title="Who pledges">kind unknown</span>');

    const dashboard = await request(ctx.app).get('/?pledger_kind=company&pledger_kind=unknown');
    expect(Number(/<h2>Pledges<\/h2>\s*<p class="big">(\d+)<\/p>/.exec(dashboard.text)?.[1])).toBe(2);
    expect(pledgers(dashboard.text)).toEqual(['Mystery', 'Acme']);
    const csv = await request(ctx.app).get('/pledges.csv?commitment_kind=purchases_trade&commitment_kind=unknown');
    expect(csv.text.trimEnd().split('\r\n').slice(1).map((line) => line.split(',')[1])).toEqual(['Qatar', 'Mystery']);
    const summary = (await request(ctx.app).get('/api/summary?pledger_kind=government')).body;
    expect(summary.totals).toMatchObject({ pledge_count: 1, pledged_usd: 20e9 });
  });
});
