// The waterfall of a view, from announced to new US investment (docs/methodology.md), in whole dollars. The
// grouped pass (dashboard.cube.ts) already holds what the steps take from each pledge by its own columns; the
// ledger (pledges.waterfall.sql.ts) then puts right the few pledges in a relation or with a stated new part:
// their own-column terms come out of the sums, and what the steps really took from them goes in.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import type { PledgeFilter } from '../pledges/pledges.filter.ts';
import { WATERFALL_STEPS, type WaterfallStep } from '../pledges/pledge.model.ts';
import { ledgerWhere } from '../pledges/pledges.sql.ts';
import { LEDGER_LISTED, rowTerms, withLedger } from '../pledges/pledges.waterfall.sql.ts';
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

/**
 * A sum of whole numbers that stays exact past 2^53 (a million synthetic pledges add up to more): the number
 * part goes into a BigInt before an addition could round it; BigInt for every term would cost more.
 */
class ExactSum {
  /**
   * One sum kept for the life of the process, so that the class's maps outlive every view: V8 holds map transitions
   * weakly, and with no sum alive between views a collection dropped them, the next view's sums had new maps, and
   * computeWaterfall's compiled code, whose feedback named the old ones, was thrown away in the next view ("Insufficient
   * type feedback", node --trace-deopt). As the packed pass keeps its one Pass (dashboard.packed-pass.ts).
   */
  static readonly kept = new ExactSum();
  private whole = 0n;
  // -0, not 0: a number V8 holds as a double, as the sums soon are, so that the field's representation (and so the
  // kept sum's map) is the one it keeps; from a small integer it widened at the first large sum and left a new map.
  private part = -0;

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
const ROW_SUMS = ['disclosed_count', 'unknown_share_count', 'share_base_usd', 'us_usd', 'outside_us_count', 'trade_us_usd', 'not_investment_count', 'mixed_count'] as const;
type RowSum = (typeof ROW_SUMS)[number];

/** The statement summing the ledger (its WITH clause given). */
function ledgerSums(ledger: string): string {
  const row = rowTerms({ a: 'a', s: 's', k: 'k' });
  const ownTerms: Record<RowSum, string> = {
    share_base_usd: 'sum(CASE WHEN s IS NOT NULL THEN a END)',
    us_usd: `sum(${row.us})`,
    disclosed_count: 'count(*)',
    unknown_share_count: 'count(CASE WHEN s IS NULL THEN 1 END)',
    outside_us_count: `count(CASE WHEN ${row.outsideUs} THEN 1 END)`,
    trade_us_usd: `sum(CASE WHEN ${row.trade} THEN ${row.usBound} END)`,
    not_investment_count: `count(CASE WHEN ${row.notInvestment} THEN 1 END)`,
    mixed_count: `count(CASE WHEN ${row.mixed} THEN 1 END)`,
  };
  const columns = [
    ...[1, 2, 3, 4, 5, 6].map((n) => `sum(d${n}) AS d${n}`),
    ...WATERFALL_STEPS.map((step) => `count(CASE WHEN ${LEDGER_LISTED[step]} THEN 1 END) AS listed_${step}`),
    'sum(overlap_unknown) AS overlaps_of_unknown_size',
    'count(CASE WHEN new_unstated THEN 1 END) AS new_part_not_stated',
    'sum(repeat_unknown) AS repeats_of_unknown_size',
    'count(CASE WHEN share_unknown THEN 1 END) AS unknown_us_share',
    'count(CASE WHEN kind_unknown THEN 1 END) AS mixed_or_unknown_kind',
    ...ROW_SUMS.map((name) => `${ownTerms[name]} AS own_${name}`),
  ];
  return `${ledger} SELECT ${columns.join(', ')} FROM ledger`;
}

/** The ledger's sums for a view (ledgerSums): what the steps take from its related pledges, one by one. */
export type LedgerSums = Record<string, bigint | null>;

/** The ledger's sums of the pledges matching the filter: the waterfall's part that reads pledge by pledge. */
export function waterfallLedger(db: Db, filter: PledgeFilter): LedgerSums {
  return withLedger(db, ledgerWhere(filter, db), (text) => statement(db, ledgerSums(text)).safeIntegers(true).get() as LedgerSums);
}

/**
 * The waterfall of the pledges matching the filter; groups: the grouped pass for that filter (cubeOf); ledger: its
 * ledger's sums (waterfallLedger), when another connection worked them out at the same data version.
 */
export function computeWaterfall(db: Db, filter: PledgeFilter, groups: CubeGroup[] = cubeOf(db, filter), ledger: LedgerSums = waterfallLedger(db, filter)): Waterfall {
  // Each sum a variable of its own, each group's figure read by its name: a sum looked up by a name that changes
  // from one read to the next, in an object made afresh for each view, is V8's slow, generic kind of read.
  const pledges = new ExactSum();
  const disclosed = new ExactSum();
  const knownShare = new ExactSum();
  const amount = new ExactSum();
  const shareBase = new ExactSum();
  const us = new ExactSum();
  const outsideUs = new ExactSum();
  const tradeUs = new ExactSum();
  const tradeAmount = new ExactSum();
  const tradeShareBase = new ExactSum();
  let notInvestment = 0;
  let mixed = 0;
  for (const group of groups) {
    if (unmatchedField(group, filter) !== null) continue;
    pledges.add(group.pledge_count);
    disclosed.add(group.disclosed_count);
    knownShare.add(group.known_share_count);
    amount.add(group.amount_usd);
    shareBase.add(group.share_base_usd);
    us.add(group.us_usd);
    outsideUs.add(group.outside_us_count);
    // A group holds one commitment kind: all its US part (all of the amount where the share is unknown) is
    // purchases and trade, or of a mixed or unknown kind, or neither.
    const kind = group.commitment_kind;
    if (kind === 'purchases_trade') {
      tradeUs.add(group.us_usd);
      tradeAmount.add(group.amount_usd);
      tradeShareBase.add(group.share_base_usd);
    }
    if (kind === 'purchases_trade' || kind === 'mixed' || kind === 'unknown') notInvestment += group.us_bound_positive_count;
    if (kind === 'mixed' || kind === 'unknown') mixed += group.us_bound_positive_count;
  }
  const grouped: Record<RowSum | 'pledge_count' | 'disclosed_count' | 'amount_usd', bigint> = {
    pledge_count: pledges.value,
    disclosed_count: disclosed.value,
    amount_usd: amount.value,
    share_base_usd: shareBase.value,
    us_usd: us.value,
    unknown_share_count: disclosed.value - knownShare.value,
    outside_us_count: outsideUs.value,
    trade_us_usd: tradeUs.value + tradeAmount.value - tradeShareBase.value,
    not_investment_count: BigInt(notInvestment),
    mixed_count: BigInt(mixed),
  };
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
