// One filter, every view: on a generated data set, the table, CSV, JSON rows, summary and dashboard agree.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePledges } from '../../server/import/generate.ts';
import { parseFilter } from '../../server/pledges/pledges.filter.ts';
import { facets } from '../../server/dashboard/dashboard.facets.ts';
import { freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
beforeAll(() => {
  ctx = freshApp({ seed: false });
  generatePledges(ctx.db, { rows: 600, seed: 7 });
  // Some kinds not recorded, as in a real data set, for the filters' "unknown".
  ctx.db.prepare('UPDATE pledges SET pledger_kind = NULL WHERE id % 7 = 0').run();
  ctx.db.prepare('UPDATE pledges SET commitment_kind = NULL WHERE id % 5 = 0').run();
});
afterAll(() => ctx?.cleanup());

const FILTERS = [
  '',
  'sector=Semiconductors',
  'sector=Semiconductors&sector=Energy',
  'status=announced',
  'status=stalled&status=withdrawn',
  'country=Taiwan',
  'lever=export_controls',
  'lever=none',
  'lever=tariffs&lever=subsidies',
  'pledger=Nvidia',
  'pledger=Nvidia&pledger=TSMC',
  'from=2020',
  'to=2019-06',
  'from=2018-01-15&to=2022-12',
  'min=1B',
  'max=100M',
  'min=10B&max=500B',
  'q=fab',
  'q=example.com%2Fpledges%2F1',
  'sector=AI+data+centers&status=under_way&min=1B',
  'country=Japan&lever=tariffs&from=2021',
  'q=nothing-matches-this',
  'pledger=Apple&sector=Pharmaceuticals&to=2020',
  'pledger_kind=government',
  'pledger_kind=unknown',
  'pledger_kind=company&pledger_kind=unknown&min=1B',
  'commitment_kind=fund&commitment_kind=purchases_trade',
  'commitment_kind=unknown&sector=Semiconductors',
  'pledger_kind=government&commitment_kind=capital_spending',
];

async function apiRows(query: string): Promise<{ total: number; sum: number; ids: number[] }> {
  const ids: number[] = [];
  let sum = 0;
  let total: number;
  for (let page = 1; ; page++) {
    const res = await request(ctx.app).get(`/api/pledges?${query}&per_page=1000&page=${page}`);
    expect(res.status).toBe(200);
    total = res.body.total;
    for (const pledge of res.body.pledges) {
      ids.push(pledge.id);
      sum += pledge.amount_usd ?? 0;
    }
    if (res.body.pledges.length < 1000) break;
  }
  return { total, sum, ids };
}

describe('the same filter gives the same rows everywhere', () => {
  it.each(FILTERS)('?%s', async (query) => {
    const csv = await request(ctx.app).get(`/pledges.csv?${query}`);
    expect(csv.status).toBe(200);
    const lines = csv.text.split('\r\n').slice(1, -1);
    const csvSum = lines.reduce((sum, line) => sum + Number(line.split(',')[3] || 0), 0);

    const api = await apiRows(query);
    const summary = (await request(ctx.app).get(`/api/summary?${query}`)).body;
    const table = await request(ctx.app).get(`/pledges?${query}`);
    const tableTotal = Number(/<p class="lede">(\d+) pledges?/.exec(table.text)?.[1]);
    const tableRows = (table.text.match(/<td><a href="\/pledges\/\d+">/g) ?? []).length;
    const dashboard = await request(ctx.app).get(`/?${query}`);
    const headline = Number(/<h2>Pledges<\/h2>\s*<p class="big">(\d+)<\/p>/.exec(dashboard.text)?.[1]);

    expect(lines.length).toBe(api.total);
    expect(api.ids).toHaveLength(api.total);
    expect(summary.totals.pledge_count).toBe(api.total);
    expect(tableTotal).toBe(api.total);
    expect(tableRows).toBe(Math.min(50, api.total));
    expect(headline).toBe(api.total);
    expect(csvSum).toBe(api.sum);
    expect(summary.totals.pledged_usd).toBe(api.sum);
    // The top bars and the "all others" bar add up to the whole.
    expect(summary.by_pledge.length).toBeLessThanOrEqual(20);
    expect(summary.by_pledge.reduce((sum: number, row: { amount_usd: number }) => sum + row.amount_usd, 0) + summary.others.amount_usd).toBe(api.sum);
    expect(summary.by_pledge.length + summary.others.pledge_count).toBe(summary.totals.disclosed_count);
    expect(summary.timeline.reduce((n: number, row: { pledge_count: number }) => n + row.pledge_count, 0)).toBe(api.total);
    if (summary.timeline.length > 0) expect(summary.timeline.at(-1).cumulative_usd).toBe(api.sum);
  });

  it('covers at least 20 filters, some matching nothing and some everything', async () => {
    expect(FILTERS.length).toBeGreaterThanOrEqual(20);
    expect((await apiRows('q=nothing-matches-this')).total).toBe(0);
    expect((await apiRows('')).total).toBe(600);
  });

  it('keeps the filter in every link of a filtered page', async () => {
    const res = await request(ctx.app).get('/pledges?min=100M&sort=-announced');
    expect(res.text).toContain('href="/pledges.csv?min=100000000"');
    expect(res.text).toContain('href="/api/pledges?min=100000000"');
    expect(res.text).toContain('href="/?min=100000000"');
    // The navigation carries the filter from view to view.
    expect(res.text).toContain('<li><a href="/levers?min=100000000"');
    expect(res.text).toContain('<li><a href="/pledges.csv?min=100000000" download>CSV</a></li>');
    expect(res.text).toContain('href="/pledges?min=100000000&amp;sort=-announced&amp;page=2"');
    expect(res.text).toContain('href="/pledges?min=100000000&amp;sort=pledger"');
    expect(res.text).toMatch(/href="\/pledges\?sector=[^"&]+&amp;min=100000000&amp;sort=-announced"/);
    expect(res.text).toContain('href="/pledges?sort=-announced" aria-label="Remove filter At least: $100M"');
  });

  it('paginates 50 a page, with the total and first, previous, next and last', async () => {
    const first = await request(ctx.app).get('/pledges?sort=announced');
    expect(first.text).toContain('Page 1 of 12');
    expect(first.text).toContain('Pledges 1–50 of 600');
    const third = await request(ctx.app).get('/pledges?sort=announced&page=3');
    expect(third.text).toContain('Page 3 of 12');
    for (const label of ['« First', '‹ Previous', 'Next ›', 'Last »']) expect(third.text).toContain(label);
    const api = await request(ctx.app).get('/api/pledges?sort=announced&per_page=50&page=3');
    const ids = [...third.text.matchAll(/<td><a href="\/pledges\/(\d+)">/g)].map((m) => Number(m[1]));
    expect(ids).toEqual(api.body.pledges.map((p: { id: number }) => p.id));
  });
});

describe('facets', () => {
  it('count and sum each value as SQL computed apart does, leaving out the field’s own selection', () => {
    const filter = parseFilter({ sector: 'Semiconductors', status: 'announced' }, '');
    const computed = Object.fromEntries(facets(ctx.db, filter, 100).map((facet) => [facet.field, facet.values]));
    const byStatus = ctx.db
      .prepare(
        `SELECT status AS value, count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd
           FROM pledges WHERE sector = 'Semiconductors' GROUP BY status ORDER BY pledge_count DESC, value`,
      )
      .all();
    const byCountry = ctx.db
      .prepare(
        `SELECT country AS value, count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd
           FROM pledges WHERE sector = 'Semiconductors' AND status = 'announced' GROUP BY country ORDER BY pledge_count DESC, value`,
      )
      .all();
    const byLever = ctx.db
      .prepare(
        `SELECT ifnull(lever, 'none') AS value, count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd
           FROM pledges WHERE sector = 'Semiconductors' AND status = 'announced' GROUP BY 1 ORDER BY pledge_count DESC, value`,
      )
      .all();
    expect(computed.status).toEqual(byStatus);
    expect(computed.country).toEqual(byCountry);
    expect(computed.lever).toEqual(byLever);
  });

  it('count each kind, "unknown" for none recorded, leaving out the kind’s own selection', () => {
    const filter = parseFilter({ sector: 'Semiconductors', pledger_kind: 'company', commitment_kind: 'unknown' }, '');
    const computed = Object.fromEntries(facets(ctx.db, filter, 100).map((facet) => [facet.field, facet.values]));
    const byKind = (field: string, where: string) =>
      ctx.db
        .prepare(
          `SELECT ifnull(${field}, 'unknown') AS value, count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd
             FROM pledges WHERE sector = 'Semiconductors' AND ${where} GROUP BY 1 ORDER BY pledge_count DESC, value`,
        )
        .all();
    const pledgerKinds = byKind('pledger_kind', 'commitment_kind IS NULL');
    const commitmentKinds = byKind('commitment_kind', "pledger_kind = 'company'");
    expect(pledgerKinds.map((row) => (row as { value: string }).value)).toContain('unknown');
    expect(computed.pledger_kind).toEqual(pledgerKinds);
    expect(computed.commitment_kind).toEqual(commitmentKinds);
  });

  it('name the kinds and their values in words, and link each to the filtered table', async () => {
    const res = await request(ctx.app).get('/pledges?pledger_kind=government&commitment_kind=unknown');
    expect(res.text).toContain('<h2>Who pledges</h2>');
    expect(res.text).toContain('<h2>Kind of commitment</h2>');
    expect(res.text).toMatch(/<a href="\/pledges\?pledger_kind=government&amp;commitment_kind=unknown&amp;commitment_kind=fund">Investment fund or financing vehicle<\/a>/);
    expect(res.text).toMatch(/<a href="\/pledges\?pledger_kind=government&amp;pledger_kind=company&amp;commitment_kind=unknown">Company<\/a>/);
    expect(res.text).toContain('aria-label="Remove filter Who pledges: Government"');
    expect(res.text).toContain('aria-label="Remove filter Kind of commitment: Unknown"');
    const dashboard = await request(ctx.app).get('/?pledger_kind=joint_venture');
    expect(dashboard.text).toContain('aria-label="Remove filter Who pledges: Joint venture or fund"');
    expect(dashboard.text).toMatch(/<a href="\/\?pledger_kind=joint_venture&amp;commitment_kind=fund">Investment fund or financing vehicle<\/a>/);
  });

  it('are shown beside the table, each value a link that adds it to the filter', async () => {
    const res = await request(ctx.app).get('/pledges?country=Taiwan');
    expect(res.text).toContain('aria-label="Facets: narrow the pledges"');
    expect(res.text).toMatch(/href="\/pledges\?sector=[^"]+&amp;country=Taiwan">/);
    expect(res.text).toContain('aria-label="Remove filter Country: Taiwan"');
    expect(res.text).toContain('>Clear all</a>');
  });
});
