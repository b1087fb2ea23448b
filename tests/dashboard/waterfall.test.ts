// The waterfall from announced to new US investment (docs/methodology.md) on hand-made pledges and relations.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { computeWaterfall, type Waterfall } from '../../server/dashboard/dashboard.waterfall.ts';
import { EMPTY_FILTER, type PledgeFilter } from '../../server/pledges/pledges.filter.ts';
import type { NewPledge } from '../../server/pledges/pledge.model.ts';
import type { Db } from '../../server/platform/db.ts';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';
import { referenceWaterfall } from './waterfall.reference.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const B = 1_000_000_000;

/**
 * A pledge the waterfall takes nothing from unless a test says so: all in the US, all stated as new, capital
 * spending.
 */
function pledge(db: Db, amount: number | null, overrides: Partial<NewPledge> = {}): number {
  return addPledge(db, { amount_usd: amount, us_share_pct: 100, new_money_usd: amount, commitment_kind: 'capital_spending', ...overrides });
}

function relate(db: Db, pledgeId: number, kind: string, otherId: number | null, amount: number | null = null): void {
  db.prepare('INSERT INTO pledge_relations (pledge_id, kind, other_id, amount_usd) VALUES (?, ?, ?, ?)').run(pledgeId, kind, otherId, amount);
}

function waterfall(filter: Partial<PledgeFilter> = {}): Waterfall {
  return computeWaterfall(ctx.db, { ...EMPTY_FILTER, ...filter });
}

/** Each step's deducted dollars, by name. */
function deducted(result: Waterfall): Record<string, number> {
  return Object.fromEntries(result.steps.map((step) => [step.step, step.deducted_usd]));
}

function stepOf(result: Waterfall, name: string) {
  return result.steps.find((step) => step.step === name)!;
}

const NOTHING = { superseded: 0, contained: 0, overlaps: 0, not_new: 0, outside_us: 0, not_investment: 0 };

describe('the waterfall', () => {
  it('when nothing is to be taken off, then new US investment is what was announced, and no upper bound', () => {
    ctx = freshApp({ seed: false });
    pledge(ctx.db, 7 * B);
    pledge(ctx.db, 3 * B);
    const result = waterfall();
    expect(result).toMatchObject({ announced_usd: 10 * B, new_us_usd: 10 * B, upper_bound: false, pledge_count: 2, undisclosed_count: 0 });
    expect(deducted(result)).toEqual(NOTHING);
  });

  it('counts a chain of supersedes once, at its latest figure', () => {
    ctx = freshApp({ seed: false });
    const first = pledge(ctx.db, 21 * B);
    const second = pledge(ctx.db, 24 * B);
    const latest = pledge(ctx.db, 26 * B);
    relate(ctx.db, second, 'supersedes', first);
    relate(ctx.db, latest, 'supersedes', second);
    const result = waterfall();
    expect(result.announced_usd).toBe(71 * B);
    expect(deducted(result)).toEqual({ ...NOTHING, superseded: 45 * B });
    expect(stepOf(result, 'superseded').pledge_count).toBe(2);
    expect(result.new_us_usd).toBe(26 * B);
  });

  it('when the middle of a chain of supersedes is filtered out, then the oldest is still superseded by the latest', () => {
    ctx = freshApp({ seed: false });
    const first = pledge(ctx.db, 21 * B, { sector: 'Automotive' });
    const middle = pledge(ctx.db, 24 * B, { sector: 'Steel' });
    const latest = pledge(ctx.db, 26 * B, { sector: 'Automotive' });
    relate(ctx.db, middle, 'supersedes', first);
    relate(ctx.db, latest, 'supersedes', middle);
    const result = waterfall({ sector: ['Automotive'] });
    expect(result.announced_usd).toBe(47 * B);
    expect(deducted(result)).toEqual({ ...NOTHING, superseded: 21 * B });
    expect(result.new_us_usd).toBe(26 * B);
  });

  it('when a contained pledge is also superseded, then its dollars leave once', () => {
    ctx = freshApp({ seed: false });
    const country = pledge(ctx.db, 200 * B);
    const company = pledge(ctx.db, 50 * B);
    const update = pledge(ctx.db, 60 * B);
    relate(ctx.db, country, 'contains', company);
    relate(ctx.db, update, 'supersedes', company);
    const result = waterfall();
    expect(result.announced_usd).toBe(310 * B);
    expect(deducted(result)).toEqual({ ...NOTHING, superseded: 50 * B });
    expect(result.new_us_usd).toBe(260 * B);
  });

  it('takes off a contained pledge whole, or the part the relation states', () => {
    ctx = freshApp({ seed: false });
    const whole = pledge(ctx.db, 27 * B);
    const plant = pledge(ctx.db, 5 * B);
    const partly = pledge(ctx.db, 10 * B);
    relate(ctx.db, whole, 'contains', plant);
    relate(ctx.db, whole, 'contains', partly, 4 * B);
    const result = waterfall();
    expect(deducted(result)).toEqual({ ...NOTHING, contained: 9 * B });
    expect(stepOf(result, 'contained').pledge_count).toBe(2);
    expect(result.new_us_usd).toBe(33 * B);
  });

  it('follows a chain of contains, but not into a container whose amount is undisclosed', () => {
    ctx = freshApp({ seed: false });
    const outer = pledge(ctx.db, 100 * B, { sector: 'Government' });
    const middle = pledge(ctx.db, null);
    const inner = pledge(ctx.db, 8 * B);
    relate(ctx.db, outer, 'contains', middle);
    relate(ctx.db, middle, 'contains', inner);
    expect(deducted(waterfall())).toEqual({ ...NOTHING, contained: 8 * B });
    // Without the outer pledge, the undisclosed one holds no dollars of the sums: the inner one's stay.
    const alone = waterfall({ sector: ['Manufacturing'] });
    expect(alone).toMatchObject({ announced_usd: 8 * B, new_us_usd: 8 * B, undisclosed_count: 1 });
  });

  it('takes an overlap off its first side, then the outside-US step works on what is left', () => {
    ctx = freshApp({ seed: false });
    const chips = pledge(ctx.db, 500 * B, { us_share_pct: 60, sector: 'AI' });
    const fabs = pledge(ctx.db, 165 * B, { sector: 'Semiconductors' });
    relate(ctx.db, chips, 'overlaps', fabs, 100 * B);
    const result = waterfall();
    // 500 − 100 = 400 left, of which 60% in the US: 160 outside (not 40% of 500).
    expect(deducted(result)).toEqual({ ...NOTHING, overlaps: 100 * B, outside_us: 160 * B });
    expect(result.new_us_usd).toBe(405 * B);
    expect(result.new_us_usd + result.steps.reduce((sum, step) => sum + step.deducted_usd, 0)).toBe(result.announced_usd);
  });

  it('when the other side of an overlap is filtered out, then the overlap is not taken off', () => {
    ctx = freshApp({ seed: false });
    const chips = pledge(ctx.db, 500 * B, { sector: 'AI' });
    const fabs = pledge(ctx.db, 165 * B, { sector: 'Semiconductors' });
    relate(ctx.db, chips, 'overlaps', fabs, 100 * B);
    const result = waterfall({ sector: ['AI'] });
    expect(deducted(result)).toEqual(NOTHING);
    expect(result.new_us_usd).toBe(500 * B);
  });

  it('when the other side of an overlap is removed whole, then the overlap is not taken off again', () => {
    ctx = freshApp({ seed: false });
    const chips = pledge(ctx.db, 500 * B);
    const fabs = pledge(ctx.db, 100 * B);
    const newer = pledge(ctx.db, 165 * B);
    const inside = pledge(ctx.db, 30 * B);
    const group = pledge(ctx.db, 400 * B);
    relate(ctx.db, chips, 'overlaps', fabs, 100 * B);
    relate(ctx.db, newer, 'supersedes', fabs);
    relate(ctx.db, chips, 'overlaps', inside, 20 * B);
    relate(ctx.db, group, 'contains', inside);
    const result = waterfall();
    // The fabs' $100B left with the fabs pledge, the $30B inside the group with it: the overlaps took nothing.
    expect(deducted(result)).toEqual({ ...NOTHING, superseded: 100 * B, contained: 30 * B });
    expect(result.new_us_usd).toBe(1_065 * B);
  });

  it('when an overlap is of unknown size, then it takes nothing, is counted, and the result is an upper bound', () => {
    ctx = freshApp({ seed: false });
    const campus = pledge(ctx.db, 250 * B);
    const texas = pledge(ctx.db, 40 * B);
    relate(ctx.db, campus, 'overlaps', texas, null);
    const result = waterfall();
    expect(deducted(result)).toEqual(NOTHING);
    expect(stepOf(result, 'overlaps')).toMatchObject({ pledge_count: 1, unknown: { overlaps_of_unknown_size: 1 } });
    expect(result).toMatchObject({ new_us_usd: 290 * B, upper_bound: true });
  });

  it('takes off a repeat of an earlier plan the tracker does not hold', () => {
    ctx = freshApp({ seed: false });
    const plan = pledge(ctx.db, 32 * B, { new_money_usd: null });
    relate(ctx.db, plan, 'repeats', null, 21 * B);
    const result = waterfall();
    expect(deducted(result)).toEqual({ ...NOTHING, not_new: 21 * B });
    // The pledge did not say which part is new: what is left is at most new.
    expect(stepOf(result, 'not_new')).toMatchObject({ pledge_count: 1, unknown: { new_part_not_stated: 1, repeats_of_unknown_size: 0 } });
    expect(result).toMatchObject({ new_us_usd: 11 * B, upper_bound: true });
  });

  it('takes the larger of the part not described as new and the repeats, not both', () => {
    ctx = freshApp({ seed: false });
    const stated = pledge(ctx.db, 32 * B, { new_money_usd: 11 * B });
    relate(ctx.db, stated, 'repeats', null, 15 * B);
    const repeated = pledge(ctx.db, 32 * B, { new_money_usd: 11 * B });
    relate(ctx.db, repeated, 'repeats', null, 25 * B);
    const result = waterfall();
    expect(deducted(result)).toEqual({ ...NOTHING, not_new: 21 * B + 25 * B });
    expect(result).toMatchObject({ new_us_usd: 11 * B + 7 * B, upper_bound: false });
  });

  it('when a repeat is of unknown size, then it is counted as unknown', () => {
    ctx = freshApp({ seed: false });
    const plan = pledge(ctx.db, 32 * B);
    const earlier = pledge(ctx.db, 20 * B, { sector: 'Elsewhere' });
    relate(ctx.db, plan, 'repeats', earlier, null);
    // The earlier pledge is filtered out: a repeat applies all the same.
    const result = waterfall({ sector: ['Manufacturing'] });
    expect(stepOf(result, 'not_new').unknown).toEqual({ new_part_not_stated: 0, repeats_of_unknown_size: 1 });
    expect(result.upper_bound).toBe(true);
  });

  it('takes off purchases and trade whole, and counts a mixed or unknown kind', () => {
    ctx = freshApp({ seed: false });
    pledge(ctx.db, 100 * B, { commitment_kind: 'purchases_trade', us_share_pct: 50 });
    pledge(ctx.db, 30 * B, { commitment_kind: 'mixed' });
    pledge(ctx.db, 20 * B, { commitment_kind: null });
    pledge(ctx.db, 10 * B, { commitment_kind: 'fund' });
    const result = waterfall();
    expect(deducted(result)).toEqual({ ...NOTHING, outside_us: 50 * B, not_investment: 50 * B });
    expect(stepOf(result, 'not_investment')).toMatchObject({ pledge_count: 3, unknown: { mixed_or_unknown_kind: 2 } });
    expect(result).toMatchObject({ new_us_usd: 60 * B, upper_bound: true });
  });

  it('leaves a pledge of undisclosed amount out of the figures and counts it', () => {
    ctx = freshApp({ seed: false });
    const known = pledge(ctx.db, 9 * B);
    const secret = pledge(ctx.db, null);
    // A later figure that is undisclosed still replaces the earlier one.
    relate(ctx.db, secret, 'supersedes', known);
    expect(waterfall()).toMatchObject({ announced_usd: 9 * B, undisclosed_count: 1, pledge_count: 2, new_us_usd: 0 });
  });

  it('counts an unknown US share, and works out a 33.33% share of an odd amount exactly', () => {
    ctx = freshApp({ seed: false });
    const odd = 1_000_000_001;
    pledge(ctx.db, odd, { us_share_pct: 33.33 });
    pledge(ctx.db, 5 * B, { us_share_pct: null });
    const result = waterfall();
    // 1,000,000,001 × 0.3333 = 333,300,000.3333…: rounded half up, 333,300,000 in the US.
    expect(stepOf(result, 'outside_us')).toMatchObject({ deducted_usd: odd - 333_300_000, pledge_count: 2, unknown: { unknown_us_share: 1 } });
    expect(result.new_us_usd).toBe(333_300_000 + 5 * B);
  });

  it('rounds a half dollar up where a float product would round it down, in every figure', async () => {
    ctx = freshApp({ seed: false });
    // 35,000 × 14.29% = 5,001.5 exactly; in floating point 5,001.4999…
    const own = pledge(ctx.db, 35_000, { us_share_pct: 14.29 });
    const related = pledge(ctx.db, 35_000, { us_share_pct: 14.29 });
    relate(ctx.db, related, 'repeats', null, 0);
    expect(waterfall().new_us_usd).toBe(2 * 5_002);
    expect((await request(ctx.app).get(`/api/pledges/${own}`)).body.us_amount_usd).toBe(5_002);
    expect((await request(ctx.app).get('/api/summary')).body.totals.us_usd).toBe(2 * 5_002);
  });

  it('agrees with the hand count at the edges of rounding, from the amount bands and from a pass over the pledges', () => {
    ctx = freshApp({ seed: false });
    const shares = [null, 0, 0.004, 0.005, 0.01, 14.29, 33.33, 99.99, 99.994, 99.995, 100];
    const amounts = [0, 1, 4_999, 5_000, 5_001, 35_000, 1_000_000_001];
    for (const share of shares) {
      for (const amount of amounts) {
        for (const kind of ['purchases_trade', 'mixed', null] as const) {
          pledge(ctx.db, amount, { us_share_pct: share, commitment_kind: kind, new_money_usd: null, announced_on: '2025-01-01' });
        }
      }
    }
    relate(ctx.db, 2, 'overlaps', 3, 1);
    const rows = ctx.db.prepare('SELECT id, amount_usd, us_share_pct, commitment_kind, new_money_usd FROM pledges').safeIntegers(true).all() as Record<string, unknown>[];
    const view = rows.map((row) => ({
      id: Number(row.id),
      amount_usd: row.amount_usd as bigint,
      us_share_pct: row.us_share_pct === null ? null : Number(row.us_share_pct),
      commitment_kind: row.commitment_kind as string | null,
      new_money_usd: null,
    }));
    const expected = referenceWaterfall(view, [{ pledge_id: 2, kind: 'overlaps', other_id: 3, amount_usd: 1n }]);
    for (const result of [waterfall(), waterfall({ from: '2025' })]) {
      expect(BigInt(result.new_us_usd)).toBe(expected.newUs);
      for (const step of result.steps) {
        expect([step.step, BigInt(step.deducted_usd), step.pledge_count]).toEqual([step.step, expected.deducted[step.step], expected.listed[step.step].length]);
        for (const [kind, count] of Object.entries(step.unknown)) expect([kind, count]).toEqual([kind, expected.unknown[kind]]);
      }
    }
  });

  it('gives the figures of the worked example in docs/methodology.md', () => {
    ctx = freshApp({ seed: false });
    const apple2024 = pledge(ctx.db, 500 * B, { pledger: 'Apple', announced_on: '2024-02-01' });
    const apple2025 = pledge(ctx.db, 600 * B, { pledger: 'Apple' });
    const switzerland = pledge(ctx.db, 200 * B, { pledger: 'Switzerland' });
    const roche = pledge(ctx.db, 50 * B, { pledger: 'Roche' });
    const nvidia = pledge(ctx.db, 500 * B, { pledger: 'Nvidia', us_share_pct: 80 });
    const tsmc = pledge(ctx.db, 100 * B, { pledger: 'TSMC' });
    pledge(ctx.db, 32 * B, { pledger: 'Gilead', new_money_usd: 11 * B });
    pledge(ctx.db, 100 * B, { pledger: 'Qatar', commitment_kind: 'purchases_trade' });
    relate(ctx.db, apple2025, 'supersedes', apple2024);
    relate(ctx.db, switzerland, 'contains', roche);
    relate(ctx.db, nvidia, 'overlaps', tsmc, 100 * B);
    const result = waterfall();
    expect(result.announced_usd).toBe(2_082 * B);
    expect(result.steps.map((step) => [step.deducted_usd / B, step.remaining_usd / B])).toEqual([
      [500, 1_582],
      [50, 1_532],
      [100, 1_432],
      [21, 1_411],
      [80, 1_331],
      [100, 1_231],
    ]);
    expect(result).toMatchObject({ new_us_usd: 1_231 * B, upper_bound: false });
    // Nvidia alone: TSMC's fabs are filtered out, so the overlap is not taken off; 20% of $500B is outside the US.
    expect(waterfall({ pledger: ['Nvidia'] })).toMatchObject({ announced_usd: 500 * B, new_us_usd: 400 * B });
    expect(deducted(waterfall({ pledger: ['Roche'] }))).toEqual(NOTHING);
    expect(deducted(waterfall({ pledger: ['Roche', 'Switzerland'] }))).toEqual({ ...NOTHING, contained: 50 * B });
  });

  it('gives the figures of the worked example on /methodology', () => {
    ctx = freshApp({ seed: false });
    const a = pledge(ctx.db, 600 * B, { pledger: 'Acme', new_money_usd: null });
    const b = pledge(ctx.db, 500 * B, { pledger: 'Acme', announced_on: '2024-05-01' });
    const c = pledge(ctx.db, 100 * B, { pledger: 'Chipco', new_money_usd: 80 * B, us_share_pct: 50 });
    const d = pledge(ctx.db, 200 * B, { pledger: 'Country X', new_money_usd: null, commitment_kind: 'mixed' });
    const e = pledge(ctx.db, 50 * B, { pledger: 'Pharmaco', new_money_usd: null });
    pledge(ctx.db, 40 * B, { pledger: 'Airline', commitment_kind: 'purchases_trade' });
    relate(ctx.db, a, 'supersedes', b);
    relate(ctx.db, c, 'overlaps', a, 30 * B);
    relate(ctx.db, d, 'contains', e);
    relate(ctx.db, e, 'repeats', null, 10 * B);
    const result = waterfall();
    expect(result.announced_usd).toBe(1_490 * B);
    expect(deducted(result)).toEqual({ superseded: 500 * B, contained: 50 * B, overlaps: 30 * B, not_new: 20 * B, outside_us: 25 * B, not_investment: 40 * B });
    // An upper bound: A and D did not say what part is new, and D is of mixed kind.
    expect(result).toMatchObject({ new_us_usd: 825 * B, upper_bound: true });
    expect(stepOf(result, 'not_new').unknown).toEqual({ new_part_not_stated: 2, repeats_of_unknown_size: 0 });
    expect(stepOf(result, 'not_investment').unknown).toEqual({ mixed_or_unknown_kind: 1 });
    expect(waterfall({ pledger: ['Chipco'] }).new_us_usd).toBe(40 * B);
  });
});
