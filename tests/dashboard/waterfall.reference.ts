// The waterfall's rule (docs/methodology.md) done by hand, one pledge at a time, in plain TypeScript over the rows of
// an export: what the tests hold the SQL to. Whole dollars as BigInt throughout.
import type { WaterfallStep } from '../../server/pledges/pledge.model.ts';

export interface ReferencePledge {
  id: number;
  amount_usd: bigint | null;
  us_share_pct: number | null;
  commitment_kind: string | null;
  new_money_usd: bigint | null;
}

export interface ReferenceRelation {
  pledge_id: number;
  kind: 'supersedes' | 'contains' | 'overlaps' | 'repeats';
  other_id: number | null;
  amount_usd: bigint | null;
}

export interface ReferenceWaterfall {
  announced: bigint;
  deducted: Record<WaterfallStep, bigint>;
  /** The pledges each step took dollars from or counted an unknown of. */
  listed: Record<WaterfallStep, number[]>;
  unknown: Record<string, number>;
  newUs: bigint;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** The US part of r at share s percent, rounded half up, in hundredths of a percent. */
export function usPart(r: bigint, share: number): bigint {
  const bp = BigInt(Math.round(share * 100));
  return (r / 10000n) * bp + ((r % 10000n) * bp + 5000n) / 10000n;
}

export function referenceWaterfall(view: ReferencePledge[], relations: ReferenceRelation[]): ReferenceWaterfall {
  const inView = new Map(view.map((pledge) => [pledge.id, pledge]));
  const from = (kind: ReferenceRelation['kind'], otherId: number) => relations.filter((r) => r.kind === kind && r.other_id === otherId);
  const disclosed = view.filter((pledge) => pledge.amount_usd !== null);
  const remaining = new Map(disclosed.map((pledge) => [pledge.id, pledge.amount_usd!]));
  const deducted = { superseded: 0n, contained: 0n, overlaps: 0n, not_new: 0n, outside_us: 0n, not_investment: 0n };
  const listed: Record<WaterfallStep, number[]> = { superseded: [], contained: [], overlaps: [], not_new: [], outside_us: [], not_investment: [] };
  const unknown = { overlaps_of_unknown_size: 0, new_part_not_stated: 0, repeats_of_unknown_size: 0, unknown_us_share: 0, mixed_or_unknown_kind: 0 };
  const take = (step: WaterfallStep, id: number, amount: bigint) => {
    const taken = min(remaining.get(id)!, amount);
    remaining.set(id, remaining.get(id)! - taken);
    deducted[step] += taken;
    return taken;
  };
  const list = (step: WaterfallStep, id: number) => {
    if (!listed[step].includes(id)) listed[step].push(id);
  };

  // 1. Superseded by a pledge of the view, directly or through a chain (whose middle may be outside it).
  for (const pledge of disclosed) {
    const seen = new Set<number>();
    const queue = from('supersedes', pledge.id).map((r) => r.pledge_id);
    let superseded = false;
    while (queue.length > 0) {
      const by = queue.shift()!;
      if (seen.has(by)) continue;
      seen.add(by);
      if (inView.has(by)) superseded = true;
      queue.push(...from('supersedes', by).map((r) => r.pledge_id));
    }
    if (superseded && take('superseded', pledge.id, pledge.amount_usd!) > 0n) list('superseded', pledge.id);
  }
  // 2. Contained in a disclosed pledge of the view, directly or through a chain: the largest amount held,
  // the smallest along each chain (null: all of it).
  for (const pledge of disclosed) {
    let largest: bigint | null = null;
    const walk = (id: number, amount: bigint | null) => {
      for (const r of from('contains', id)) {
        const along = amount === null ? r.amount_usd : r.amount_usd === null ? amount : min(amount, r.amount_usd);
        const container = inView.get(r.pledge_id);
        if (container && container.amount_usd !== null) largest = max(largest ?? 0n, along ?? pledge.amount_usd!);
        walk(r.pledge_id, along);
      }
    };
    walk(pledge.id, null);
    if (largest !== null && take('contained', pledge.id, largest) > 0n) list('contained', pledge.id);
  }
  const afterStep2 = new Map(remaining);
  // 3. Overlaps with a pledge of the view that still has dollars after steps 1 and 2.
  for (const pledge of disclosed) {
    let unknownHere = 0;
    for (const r of relations.filter((r) => r.kind === 'overlaps' && r.pledge_id === pledge.id)) {
      if (!((afterStep2.get(r.other_id!) ?? 0n) > 0n)) continue;
      if (r.amount_usd === null) unknownHere++;
      else if (take('overlaps', pledge.id, r.amount_usd) > 0n) list('overlaps', pledge.id);
    }
    if (unknownHere > 0 && remaining.get(pledge.id)! > 0n) {
      unknown.overlaps_of_unknown_size += unknownHere;
      list('overlaps', pledge.id);
    }
  }
  // 4. Not new: the larger of the part not described as new and the repeats.
  for (const pledge of disclosed) {
    const repeats = relations.filter((r) => r.kind === 'repeats' && r.pledge_id === pledge.id);
    const repeated = repeats.reduce((sum, r) => sum + (r.amount_usd ?? 0n), 0n);
    const notNew = max(pledge.new_money_usd === null ? 0n : pledge.amount_usd! - pledge.new_money_usd, repeated);
    if (take('not_new', pledge.id, notNew) > 0n) list('not_new', pledge.id);
    if (remaining.get(pledge.id)! > 0n) {
      const unknownRepeats = repeats.filter((r) => r.amount_usd === null).length;
      unknown.repeats_of_unknown_size += unknownRepeats;
      if (pledge.new_money_usd === null) unknown.new_part_not_stated++;
      if (unknownRepeats > 0 || pledge.new_money_usd === null) list('not_new', pledge.id);
    }
  }
  // 5. Outside the US.
  for (const pledge of disclosed) {
    const left = remaining.get(pledge.id)!;
    if (pledge.us_share_pct === null) {
      if (left > 0n) {
        unknown.unknown_us_share++;
        list('outside_us', pledge.id);
      }
    } else if (take('outside_us', pledge.id, left - usPart(left, pledge.us_share_pct)) > 0n) list('outside_us', pledge.id);
  }
  // 6. Not investment.
  for (const pledge of disclosed) {
    const left = remaining.get(pledge.id)!;
    if (left === 0n) continue;
    if (pledge.commitment_kind === 'purchases_trade') {
      take('not_investment', pledge.id, left);
      list('not_investment', pledge.id);
    } else if (pledge.commitment_kind === null || pledge.commitment_kind === 'mixed') {
      unknown.mixed_or_unknown_kind++;
      list('not_investment', pledge.id);
    }
  }
  const announced = disclosed.reduce((sum, pledge) => sum + pledge.amount_usd!, 0n);
  const newUs = [...remaining.values()].reduce((sum, left) => sum + left, 0n);
  for (const ids of Object.values(listed)) ids.sort((a, b) => a - b);
  return { announced, deducted, listed, unknown, newUs };
}
