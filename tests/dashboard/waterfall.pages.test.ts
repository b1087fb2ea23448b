// The waterfall where readers meet it: the headline cards, the chart and its table, its CSV, /api/summary, and
// the step filter that every read view honours.
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { EMPTY_FILTER } from '../../server/pledges/pledges.filter.ts';
import { WATERFALL_STEPS, type NewPledge } from '../../server/pledges/pledge.model.ts';
import { whereClause } from '../../server/pledges/pledges.sql.ts';
import type { Db } from '../../server/platform/db.ts';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const B = 1_000_000_000;

function pledge(db: Db, amount: number | null, overrides: Partial<NewPledge> = {}): number {
  return addPledge(db, { amount_usd: amount, us_share_pct: 100, new_money_usd: amount, commitment_kind: 'capital_spending', ...overrides });
}

function relate(db: Db, pledgeId: number, kind: string, otherId: number | null, amount: number | null = null): void {
  db.prepare('INSERT INTO pledge_relations (pledge_id, kind, other_id, amount_usd) VALUES (?, ?, ?, ?)').run(pledgeId, kind, otherId, amount);
}

/** One pledge behind each step, and one that no step touches. */
function arrange() {
  ctx = freshApp({ seed: false });
  const { db } = ctx;
  const ids = {
    old: pledge(db, 21 * B, { pledger: 'Old figure' }),
    latest: pledge(db, 26 * B, { pledger: 'Latest figure' }),
    inside: pledge(db, 5 * B, { pledger: 'Plant inside' }),
    group: pledge(db, 50 * B, { pledger: 'Group plan', sector: 'Pharmaceuticals' }),
    chips: pledge(db, 500 * B, { pledger: 'Chips', us_share_pct: 80 }),
    fabs: pledge(db, 100 * B, { pledger: 'Fabs', sector: 'Semiconductors' }),
    again: pledge(db, 32 * B, { pledger: 'Said before', new_money_usd: 11 * B }),
    trade: pledge(db, 10 * B, { pledger: 'Aircraft deal', commitment_kind: 'purchases_trade' }),
    plain: pledge(db, 7 * B, { pledger: 'Plain plant' }),
  };
  relate(db, ids.latest, 'supersedes', ids.old);
  relate(db, ids.group, 'contains', ids.inside);
  relate(db, ids.chips, 'overlaps', ids.fabs, 100 * B);
  return ids;
}

async function csvIds(query: string): Promise<number[]> {
  const res = await request(ctx.app).get(`/pledges.csv${query}`);
  expect(res.status).toBe(200);
  return (parse(res.text, { columns: true }) as { id: string }[]).map((row) => Number(row.id));
}

describe('the waterfall on the dashboard', () => {
  it('shows Announced and New US investment side by side, with the method one click away', async () => {
    arrange();
    const res = await request(ctx.app).get('/');
    expect(res.status).toBe(200);
    // 751B announced; less 21 superseded, 5 contained, 100 overlapping, 21 not new, 80 outside the US, 10 trade.
    expect(res.text).toMatch(/<h2>Announced<\/h2>\s*<p class="big"><data value="751000000000"/);
    expect(res.text).toMatch(/<h2>New US investment<\/h2>\s*<p class="big"><data value="514000000000"/);
    expect(res.text).toContain('<a href="/methodology">How this is counted</a>');
  });

  it('says upper bound only when a figure it needs is unknown', async () => {
    arrange();
    ctx.db.prepare('UPDATE pledges SET us_share_pct = NULL WHERE pledger = ?').run('Plain plant');
    const res = await request(ctx.app).get('/');
    expect(res.text).toMatch(/<h2>New US investment \(upper bound\)<\/h2>\s*<p class="big"><data value="514000000000"/);
    expect(res.text).toContain('and 1 pledge of unknown US share');
  });

  it('draws the waterfall from JSON, with a table whose rows link to the pledges behind each step', async () => {
    arrange();
    const res = await request(ctx.app).get('/?sector=Manufacturing&sector=Semiconductors');
    const json = /<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(res.text)![1]!;
    const { waterfall } = JSON.parse(json);
    expect(waterfall.codes).toEqual(['announced', ...WATERFALL_STEPS, 'new_us_investment']);
    expect(waterfall.links[1]).toBe('/pledges?sector=Manufacturing&sector=Semiconductors&step=superseded');
    // The group plan (Pharmaceuticals) is filtered out: the plant inside it stays whole.
    expect(waterfall.usd).toEqual([701 * B, 21 * B, 0, 100 * B, 21 * B, 80 * B, 10 * B, 469 * B]);
    expect(res.text).toContain('<canvas id="chart-waterfall"');
    expect(res.text).toContain(`<a href="/pledges?sector=Manufacturing&amp;sector=Semiconductors&amp;step=overlaps">Known overlaps</a>`);
  });

  it('offers the waterfall as a CSV of whole dollars', async () => {
    arrange();
    const res = await request(ctx.app).get('/charts/waterfall.csv');
    expect(res.status).toBe(200);
    expect(res.text.split('\r\n').slice(0, 4)).toEqual([
      'step,what,usd,left_after_usd,pledges,unknown',
      'announced,Announced,751000000000,751000000000,9,',
      'superseded,Superseded pledges,21000000000,730000000000,1,',
      'contained,Contained in other pledges,5000000000,725000000000,1,',
    ]);
  });
});

describe('GET /api/summary', () => {
  it('carries the waterfall beside the totals', async () => {
    arrange();
    const { body } = await request(ctx.app).get('/api/summary');
    expect(body.totals.pledged_usd).toBe(751 * B);
    expect(body.waterfall).toMatchObject({ announced_usd: 751 * B, new_us_usd: 514 * B, upper_bound: false, pledge_count: 9, undisclosed_count: 0 });
    expect(body.waterfall.steps.map((step: { step: string; deducted_usd: number }) => [step.step, step.deducted_usd])).toEqual([
      ['superseded', 21 * B],
      ['contained', 5 * B],
      ['overlaps', 100 * B],
      ['not_new', 21 * B],
      ['outside_us', 80 * B],
      ['not_investment', 10 * B],
    ]);
  });

  it('is computed afresh once a relation is added', async () => {
    const ids = arrange();
    expect((await request(ctx.app).get('/api/summary')).body.waterfall.new_us_usd).toBe(514 * B);
    relate(ctx.db, ids.plain, 'repeats', null, 2 * B);
    expect((await request(ctx.app).get('/api/summary')).body.waterfall.new_us_usd).toBe(512 * B);
  });
});

describe('the step filter', () => {
  it('lists exactly the pledges each step took dollars from, in every read view', async () => {
    const ids = arrange();
    const expected: Record<string, number[]> = {
      superseded: [ids.old],
      contained: [ids.inside],
      overlaps: [ids.chips],
      not_new: [ids.again],
      outside_us: [ids.chips],
      not_investment: [ids.trade],
    };
    for (const [step, pledges] of Object.entries(expected)) {
      expect([step, await csvIds(`?step=${step}`)]).toEqual([step, pledges]);
      const api = await request(ctx.app).get(`/api/pledges?step=${step}`);
      expect([step, api.body.pledges.map((row: { id: number }) => row.id)]).toEqual([step, pledges]);
      const table = await request(ctx.app).get(`/pledges?step=${step}`);
      expect([step, [...table.text.matchAll(/<a href="\/pledges\/(\d+)">/g)].map((match) => Number(match[1]))]).toEqual([step, pledges]);
      const summary = await request(ctx.app).get(`/api/summary?step=${step}`);
      expect([step, summary.body.totals.pledge_count]).toEqual([step, pledges.length]);
    }
  });

  it('applies the rest of the filter first: a relation whose other side it leaves out takes nothing', async () => {
    arrange();
    expect(await csvIds('?sector=Manufacturing&step=contained')).toEqual([]);
    const summary = await request(ctx.app).get('/api/summary?sector=Manufacturing&step=outside_us');
    expect(summary.body.totals.pledge_count).toBe(1);
    const dashboard = await request(ctx.app).get('/?sector=Manufacturing&step=outside_us');
    expect(dashboard.text).toMatch(/<h2>Pledges<\/h2>\s*<p class="big">1<\/p>/);
  });

  it('shows as a chip with a label and a way to remove it', async () => {
    arrange();
    const res = await request(ctx.app).get('/pledges?sector=Manufacturing&step=superseded');
    expect(res.text).toContain('<span>Waterfall step: Superseded pledges</span>');
    expect(res.text).toContain('<a href="/pledges?sector=Manufacturing" aria-label="Remove filter Waterfall step: Superseded pledges">×</a>');
  });

  it('refuses an unknown step with a 400 that names the parameter', async () => {
    arrange();
    for (const url of ['/pledges?step=fees', '/?step=fees', '/api/summary?step=fees', '/pledges.csv?step=fees', '/pledges?step=superseded&step=contained']) {
      const res = await request(ctx.app).get(url);
      expect([url, res.status]).toEqual([url, 400]);
      expect(res.text).toContain('The filter parameter step is wrong');
    }
  });

  it('gives the same pledges in one statement as through the connection’s kept steps', () => {
    arrange();
    for (const step of WATERFALL_STEPS) {
      const filter = { ...EMPTY_FILTER, step };
      const inStatement = whereClause(filter);
      const kept = whereClause(filter, ctx.db);
      expect(kept.sql).toContain('temp.step_hits');
      const ids = (where: { sql: string; params: unknown[] }) => ctx.db.prepare(`SELECT p.id FROM pledges p ${where.sql} ORDER BY p.id`).pluck().all(...where.params);
      expect([step, ids(inStatement)]).toEqual([step, ids(kept)]);
    }
  });
});
