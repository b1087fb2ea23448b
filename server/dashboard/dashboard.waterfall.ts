// The waterfall of a view, from announced to new US investment (docs/methodology.md), in whole dollars. The
// grouped pass (dashboard.cube.ts) already holds what the steps take from each pledge by its own columns; the
// ledger (pledges.ledger.ts) then puts right the few pledges in a relation or with a stated new part:
// their own-column terms come out of the sums, and what the steps really took from them goes in.
import type { Db } from '../platform/db.ts';
import type { PledgeFilter } from '../pledges/pledges.filter.ts';
import { WATERFALL_STEPS, type WaterfallStep } from '../pledges/pledge.model.ts';
import { whereClause } from '../pledges/pledges.sql.ts';
import { ledgerRows, LISTED_BY, rowConditions, usPartOf, type LedgerRow } from '../pledges/pledges.waterfall.sql.ts';
import { cubeOf } from './dashboard.cube.ts';
import { unmatchedField, type CubeGroup } from './dashboard.groups.ts';

/** What a step could not take for want of a figure: relations (overlaps, repeats) or pledges (the others). */
export const UNKNOWN_KINDS = ['overlaps_of_unknown_size', 'new_part_not_stated', 'repeats_of_unknown_size', 'unknown_us_share', 'mixed_or_unknown_kind'] as const;
export type UnknownKind = (typeof UNKNOWN_KINDS)[number];

export const STEP_UNKNOWNS: Record<WaterfallStep, readonly UnknownKind[]> = {
  superseded: [],
  contained: [],
  overlaps: ['overlaps_of_unknown_size'],
  not_new: ['new_part_not_stated', 'repeats_of_unknown_size'],
  outside_us: ['unknown_us_share'],
  not_investment: ['mixed_or_unknown_kind'],
};

export interface WaterfallStepFigures {
  step: WaterfallStep;
  deducted_usd: number;
  /** What is left after this step. */
  remaining_usd: number;
  /** The pledges the step took dollars from or counted an unknown of: the table its link opens. */
  pledge_count: number;
  unknown: Partial<Record<UnknownKind, number>>;
}

export interface Waterfall {
  /** The disclosed amounts of the view, added up: the headline as announced. */
  announced_usd: number;
  pledge_count: number;
  disclosed_count: number;
  /** Pledges of undisclosed amount: in none of these figures. */
  undisclosed_count: number;
  steps: WaterfallStepFigures[];
  new_us_usd: number;
  /** True when any step counted an unknown: new US investment is then at most new_us_usd. */
  upper_bound: boolean;
}

/** The group sums the waterfall adds up. */
const GROUP_SUMS = ['pledge_count', 'disclosed_count', 'known_share_count', 'amount_usd', 'share_base_usd', 'us_usd', 'outside_us_count'] as const;

/**
 * A sum of whole numbers that stays exact past 2^53 (a million synthetic pledges add up to more): the number
 * part goes into a BigInt before an addition could round it; BigInt for every term would cost more.
 */
class ExactSum {
  private whole = 0n;
  private part = 0;

  add(value: number): void {
    if (this.part > Number.MAX_SAFE_INTEGER - value) {
      this.whole += BigInt(this.part);
      this.part = 0;
    }
    this.part += value;
  }

  get value(): bigint {
    return this.whole + BigInt(this.part);
  }
}

/**
 * What the grouped pass counts of each pledge by its own columns, which the ledger takes back out for its own.
 * Every other disclosed pledge is above $0 and did not state its new part: what is left after step 4 is its
 * amount, all of it of unknown newness, and of unknown US share where the share is unknown.
 */
type RowSum = 'disclosed_count' | 'unknown_share_count' | 'share_base_usd' | 'us_usd' | 'outside_us_count' | 'trade_us_usd' | 'not_investment_count' | 'mixed_count';

/**
 * The ledger's sums, as bigints: what each step took (d1…d6), the pledges each step lists, the unknowns counted, and
 * what the grouped sums counted of the same pledges by their own columns (own_*), which computeWaterfall takes back
 * out.
 */
export function ledgerSums(rows: readonly LedgerRow[]): Record<string, bigint> {
  // Dollars past 2^53 stay exact (ExactSum); counts cannot reach it.
  const dollars = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'own_share_base_usd', 'own_us_usd', 'own_trade_us_usd'] as const;
  const sum = Object.fromEntries(dollars.map((name) => [name, new ExactSum()])) as Record<(typeof dollars)[number], ExactSum>;
  const listed = Object.fromEntries(WATERFALL_STEPS.map((step) => [step, 0])) as Record<WaterfallStep, number>;
  const count = { overlaps: 0, newUnstated: 0, repeats: 0, shareUnknown: 0, kindUnknown: 0, shareNull: 0, outsideUs: 0, notInvestment: 0, mixed: 0 };
  for (const row of rows) {
    const { a, s, k } = row;
    if (row.d1 !== 0) sum.d1.add(row.d1);
    if (row.d2 !== 0) sum.d2.add(row.d2);
    if (row.d3 !== 0) sum.d3.add(row.d3);
    if (row.d4 !== 0) sum.d4.add(row.d4);
    if (row.d5 !== 0) sum.d5.add(row.d5);
    if (row.d6 !== 0) sum.d6.add(row.d6);
    for (const step of WATERFALL_STEPS) if (LISTED_BY[step](row)) listed[step]++;
    count.overlaps += row.overlap_unknown;
    count.repeats += row.repeat_unknown;
    if (row.new_unstated) count.newUnstated++;
    if (row.share_unknown) count.shareUnknown++;
    if (row.kind_unknown) count.kindUnknown++;
    const us = usPartOf(a, s);
    const own = rowConditions(a, s, k);
    if (s === null) count.shareNull++;
    else sum.own_share_base_usd.add(a);
    if (us !== null) sum.own_us_usd.add(us);
    if (k === 'purchases_trade') sum.own_trade_us_usd.add(us ?? a);
    if (own.outsideUs) count.outsideUs++;
    if (own.notInvestment) count.notInvestment++;
    if (own.mixed) count.mixed++;
  }
  return {
    ...Object.fromEntries(dollars.map((name) => [name, sum[name].value])),
    ...Object.fromEntries(WATERFALL_STEPS.map((step) => [`listed_${step}`, BigInt(listed[step])])),
    overlaps_of_unknown_size: BigInt(count.overlaps),
    new_part_not_stated: BigInt(count.newUnstated),
    repeats_of_unknown_size: BigInt(count.repeats),
    unknown_us_share: BigInt(count.shareUnknown),
    mixed_or_unknown_kind: BigInt(count.kindUnknown),
    own_disclosed_count: BigInt(rows.length),
    own_unknown_share_count: BigInt(count.shareNull),
    own_outside_us_count: BigInt(count.outsideUs),
    own_not_investment_count: BigInt(count.notInvestment),
    own_mixed_count: BigInt(count.mixed),
  };
}

/** The waterfall of the pledges matching the filter; groups: the grouped pass for that filter (cubeOf). */
export function computeWaterfall(db: Db, filter: PledgeFilter, groups: CubeGroup[] = cubeOf(db, filter)): Waterfall {
  const sums = Object.fromEntries(GROUP_SUMS.map((name) => [name, new ExactSum()])) as Record<(typeof GROUP_SUMS)[number], ExactSum>;
  const trade = { us_usd: new ExactSum(), amount_usd: new ExactSum(), share_base_usd: new ExactSum() };
  let notInvestment = 0;
  let mixed = 0;
  for (const group of groups) {
    if (unmatchedField(group, filter) !== null) continue;
    for (const name of GROUP_SUMS) sums[name].add(group[name]);
    // A group holds one commitment kind: all its US part (all of the amount where the share is unknown) is
    // purchases and trade, or of a mixed or unknown kind, or neither.
    const kind = group.commitment_kind;
    if (kind === 'purchases_trade') for (const name of ['us_usd', 'amount_usd', 'share_base_usd'] as const) trade[name].add(group[name]);
    if (kind === 'purchases_trade' || kind === 'mixed' || kind === 'unknown') notInvestment += group.us_bound_positive_count;
    if (kind === 'mixed' || kind === 'unknown') mixed += group.us_bound_positive_count;
  }
  const grouped: Record<RowSum | 'pledge_count' | 'disclosed_count' | 'amount_usd', bigint> = {
    pledge_count: sums.pledge_count.value,
    disclosed_count: sums.disclosed_count.value,
    amount_usd: sums.amount_usd.value,
    share_base_usd: sums.share_base_usd.value,
    us_usd: sums.us_usd.value,
    unknown_share_count: sums.disclosed_count.value - sums.known_share_count.value,
    outside_us_count: sums.outside_us_count.value,
    trade_us_usd: trade.us_usd.value + trade.amount_usd.value - trade.share_base_usd.value,
    not_investment_count: BigInt(notInvestment),
    mixed_count: BigInt(mixed),
  };
  // The ledger reads the view's related pledges (pledge_ledger: 26,628 of a million), each looked up among a search's matches.
  const where = whereClause(filter, db, true);
  const ledger = ledgerSums(ledgerRows(db, where));
  const got = (name: string) => ledger[name] ?? 0n;
  // The pledges of the view the ledger leaves to the grouped sums.
  const own = (name: RowSum) => grouped[name] - got(`own_${name}`);
  const deducted: Record<WaterfallStep, bigint> = {
    superseded: got('d1'),
    contained: got('d2'),
    overlaps: got('d3'),
    not_new: got('d4'),
    outside_us: own('share_base_usd') - own('us_usd') + got('d5'),
    not_investment: own('trade_us_usd') + got('d6'),
  };
  const listedByOwnColumns: Record<WaterfallStep, bigint> = {
    superseded: 0n,
    contained: 0n,
    overlaps: 0n,
    not_new: own('disclosed_count'),
    outside_us: own('outside_us_count'),
    not_investment: own('not_investment_count'),
  };
  const unknown: Record<UnknownKind, bigint> = {
    overlaps_of_unknown_size: got('overlaps_of_unknown_size'),
    new_part_not_stated: own('disclosed_count') + got('new_part_not_stated'),
    repeats_of_unknown_size: got('repeats_of_unknown_size'),
    unknown_us_share: own('unknown_share_count') + got('unknown_us_share'),
    mixed_or_unknown_kind: own('mixed_count') + got('mixed_or_unknown_kind'),
  };
  let remaining = grouped.amount_usd;
  const steps = WATERFALL_STEPS.map((step): WaterfallStepFigures => {
    remaining -= deducted[step];
    return {
      step,
      deducted_usd: Number(deducted[step]),
      remaining_usd: Number(remaining),
      pledge_count: Number(listedByOwnColumns[step] + got(`listed_${step}`)),
      unknown: Object.fromEntries(STEP_UNKNOWNS[step].map((kind) => [kind, Number(unknown[kind])])),
    };
  });
  return {
    announced_usd: Number(grouped.amount_usd),
    pledge_count: Number(grouped.pledge_count),
    disclosed_count: Number(grouped.disclosed_count),
    undisclosed_count: Number(grouped.pledge_count - grouped.disclosed_count),
    steps,
    new_us_usd: Number(remaining),
    upper_bound: Object.values(unknown).some((count) => count > 0n),
  };
}
