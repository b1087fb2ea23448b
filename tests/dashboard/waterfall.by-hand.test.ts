// A filtered view's waterfall equals the rule done by hand (waterfall.reference.ts) on the filtered CSV export and
// the relations CSV, for synthetic data with chains, undisclosed amounts, unknown shares and stated new parts.
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePledges } from '../../server/import/generate.ts';
import { WATERFALL_STEPS } from '../../server/pledges/pledge.model.ts';
import type { Waterfall } from '../../server/dashboard/dashboard.waterfall.ts';
import { freshApp, type TestContext } from '../helpers.ts';
import { referenceWaterfall, type ReferencePledge, type ReferenceRelation } from './waterfall.reference.ts';

let ctx: TestContext;

beforeAll(() => {
  ctx = freshApp({ seed: false });
  generatePledges(ctx.db, { rows: 3000, seed: 11 });
  // Some pledges state their new part, some of them none of it, and a few amounts are zero.
  ctx.db.exec(`UPDATE pledges SET new_money_usd = amount_usd / 3 WHERE id % 7 = 0 AND amount_usd IS NOT NULL;
               UPDATE pledges SET new_money_usd = 0 WHERE id % 53 = 0 AND amount_usd IS NOT NULL;
               UPDATE pledges SET amount_usd = 0, new_money_usd = NULL WHERE id % 97 = 0;
               UPDATE pledges SET us_share_pct = 33.33 WHERE id % 11 = 0;`);
});
afterAll(() => ctx?.cleanup());

async function exported(query: string): Promise<ReferencePledge[]> {
  const res = await request(ctx.app).get(`/pledges.csv${query}`);
  expect(res.status).toBe(200);
  const rows = parse(res.text, { columns: true }) as Record<string, string>[];
  const amount = (text: string) => (text === '' ? null : BigInt(text));
  return rows.map((row) => ({
    id: Number(row.id),
    amount_usd: amount(row.amount_usd!),
    us_share_pct: row.us_share_pct === '' ? null : Number(row.us_share_pct),
    commitment_kind: row.commitment_kind || null,
    new_money_usd: amount(row.new_money_usd!),
  }));
}

/**
 * Every relation, from GET /relations.csv without a filter: a chain of supersedes may run through pledges on
 * neither side of the filter, whose relations a filtered file leaves out.
 */
async function relations(): Promise<ReferenceRelation[]> {
  const res = await request(ctx.app).get('/relations.csv');
  expect(res.status).toBe(200);
  const rows = parse(res.text, { columns: true }) as Record<string, string>[];
  return rows.map((row) => ({
    pledge_id: Number(row.pledge_id),
    kind: row.kind as ReferenceRelation['kind'],
    other_id: row.other_id === '' ? null : Number(row.other_id),
    amount_usd: row.amount_usd === '' ? null : BigInt(row.amount_usd!),
  }));
}

describe('a filtered view’s waterfall', () => {
  it('has relations of every kind to work on, chains included', () => {
    const kinds = ctx.db.prepare('SELECT kind, count(*) AS n FROM pledge_relations GROUP BY kind ORDER BY kind').all();
    expect(kinds.map((row) => (row as { kind: string }).kind)).toEqual(['contains', 'overlaps', 'repeats', 'supersedes']);
    const chained = ctx.db
      .prepare("SELECT count(*) FROM pledge_relations a JOIN pledge_relations b ON b.other_id = a.pledge_id AND b.kind = a.kind WHERE a.kind IN ('supersedes', 'contains')")
      .pluck()
      .get() as number;
    expect(chained).toBeGreaterThan(0);
  });

  it.each([
    '',
    '?sector=Energy',
    '?sector=Semiconductors&sector=Automotive',
    '?from=2019&to=2022-06-30',
    '?status=completed&country=Japan',
    '?commitment_kind=mixed&commitment_kind=purchases_trade',
    '?min=5B',
    '?max=2B&lever=tariffs',
    '?pledger=Nvidia&pledger=TSMC',
    '?q=center%201',
  ])('equals the arithmetic done by hand on GET /pledges.csv%s and the relations', async (query) => {
    const view = await exported(query);
    const expected = referenceWaterfall(view, await relations());
    const res = await request(ctx.app).get(`/api/summary${query}`);
    const waterfall = res.body.waterfall as Waterfall;
    expect(BigInt(waterfall.announced_usd)).toBe(expected.announced);
    expect(waterfall.pledge_count).toBe(view.length);
    expect(waterfall.undisclosed_count).toBe(view.filter((pledge) => pledge.amount_usd === null).length);
    for (const step of waterfall.steps) {
      expect([step.step, BigInt(step.deducted_usd)]).toEqual([step.step, expected.deducted[step.step]]);
      expect([step.step, step.pledge_count]).toEqual([step.step, expected.listed[step.step].length]);
      for (const [kind, count] of Object.entries(step.unknown)) expect([kind, count]).toEqual([kind, expected.unknown[kind]]);
    }
    expect(BigInt(waterfall.new_us_usd)).toBe(expected.newUs);
    expect(waterfall.upper_bound).toBe(Object.values(expected.unknown).some((count) => count > 0));
  });

  it.each(['', '?sector=Energy&sector=Steel', '?from=2021'])('lists behind each step exactly the pledges the hand count names, for %j', async (query) => {
    const expected = referenceWaterfall(await exported(query), await relations());
    for (const step of WATERFALL_STEPS) {
      const listed = await exported(`${query || '?'}${query ? '&' : ''}step=${step}`);
      expect([step, listed.map((pledge) => pledge.id)]).toEqual([step, expected.listed[step]]);
    }
    expect(expected.listed.superseded.length).toBeGreaterThan(0);
  });
});
