// The waterfall's ledger (pledges.waterfall.sql.ts, docs/methodology.md) worked out in JavaScript: what each step
// takes from each related pledge of a view. The relations are read once per data version; a view then reads only
// its related pledges (pledge_ledger, about 50,000 at a million pledges) and follows their chains here. In SQL, the
// recursive statement took 130-210 ms over every related pledge of a million; it stays the reference (the tests
// hold the two to the same rows) and serves a statement that carries its own ledger (stepCondition without a
// connection).
import type { Db } from '../platform/db.ts';
import { databaseVersion } from '../platform/meta.repository.ts';
import { statement } from '../platform/statements.ts';
import type { WaterfallStep } from './pledge.model.ts';

/** A related pledge of the view: its amount, stated new part, US share and commitment kind; own: in LEDGER_IDS. */
interface Related {
  a: number | null;
  nm: number | null;
  s: number | null;
  k: string | null;
  own: boolean;
}

/** One row of the ledger: a pledge of LEDGER_IDS in the view with a disclosed amount, as ledgerSql's `ledger` gives it. */
export interface LedgerRow {
  id: number;
  a: number;
  s: number | null;
  k: string | null;
  d1: number;
  d2: number;
  d3: number;
  d4: number;
  d5: number;
  d6: number;
  overlap_unknown: number;
  new_unstated: boolean;
  repeat_unknown: number;
  share_unknown: boolean;
  kind_unknown: boolean;
}

/** The relations the ledger follows, by the pledge it starts from. */
interface Relations {
  /** p → the pledges superseding it. */
  supersededBy: Map<number, number[]>;
  /** p → the pledges containing it, each with the amount it holds of p (null: all of it). */
  containedIn: Map<number, [number, number | null][]>;
  /** p → the pledges it overlaps, each with the amount of the overlap (null: unknown). */
  overlaps: Map<number, [number, number | null][]>;
  /** p → what its repeats of earlier pledges add up to, known and of unknown size. */
  repeats: Map<number, { known: number; unknown: number }>;
}

const kept = new WeakMap<Db, { version: string; relations: Relations }>();

/** The relations of the current data version (about 29,000 at a million pledges), read once per version. */
function relationsOf(db: Db): Relations {
  const version = databaseVersion(db);
  const known = kept.get(db);
  if (known?.version === version) return known.relations;
  const relations: Relations = { supersededBy: new Map(), containedIn: new Map(), overlaps: new Map(), repeats: new Map() };
  const rows = statement(db, "SELECT kind, pledge_id, other_id, amount_usd FROM pledge_relations WHERE kind IN ('supersedes', 'contains', 'overlaps', 'repeats')")
    .raw(true)
    .all() as [string, number, number | null, number | null][];
  const push = <T>(map: Map<number, T[]>, key: number, value: T) => (map.get(key) ?? map.set(key, []).get(key)!).push(value);
  for (const [kind, pledge, other, amount] of rows) {
    if (kind === 'repeats') {
      const sums = relations.repeats.get(pledge) ?? relations.repeats.set(pledge, { known: 0, unknown: 0 }).get(pledge)!;
      if (amount === null) sums.unknown++;
      else sums.known += amount;
    } else if (other === null) continue;
    else if (kind === 'supersedes') push(relations.supersededBy, other, pledge);
    else if (kind === 'contains') push(relations.containedIn, other, [pledge, amount]);
    else push(relations.overlaps, pledge, [other, amount]);
  }
  kept.set(db, { version, relations });
  return relations;
}

/**
 * The share in hundredths of a percent, as SQLite's CAST(round(s * 100) AS INTEGER) gives it (round adds a half and
 * truncates).
 */
export function basisPoints(s: number): number {
  const x = s * 100;
  return x >= 0 ? Math.trunc(x + 0.5) : -Math.trunc(-x + 0.5);
}

/** usPart: the US part of a whole-dollar amount, rounded half up in integer arithmetic; null when the share is unknown. */
export function usPartOf(a: number, s: number | null): number | null {
  if (s === null) return null;
  const bp = basisPoints(s);
  return Math.trunc(a / 10000) * bp + Math.trunc(((a % 10000) * bp + 5000) / 10000);
}

/**
 * The ledger of the view whose WHERE clause (over pledge_ledger p, which has the columns a filter reads under the
 * pledges' names) is where: the rows ledgerSql's `ledger` gives, in id order.
 */
export function ledgerRows(db: Db, where: { sql: string; params: unknown[] }): LedgerRow[] {
  const relations = relationsOf(db);
  const view = new Map<number, Related>();
  const rows = statement(db, `SELECT p.id, p.amount_usd, p.new_money_usd, p.us_share_pct, p.commitment_kind, p.own FROM pledge_ledger p ${where.sql} ORDER BY p.id`)
    .raw(true)
    .all(...where.params) as [number, number | null, number | null, number | null, string | null, number][];
  for (const [id, a, nm, s, k, own] of rows) view.set(id, { a, nm, s, k, own: own === 1 });

  // Superseded: by a pledge of the view, directly or through a chain of supersedes (whose middle may be outside it).
  const removedMemo = new Map<number, boolean>();
  const removed = (p: number): boolean => {
    if (!relations.supersededBy.has(p)) return false;
    let known = removedMemo.get(p);
    if (known !== undefined) return known;
    known = false;
    const pledge = view.get(p);
    const first = relations.supersededBy.get(p);
    if (first !== undefined && pledge?.own && pledge.a !== null) {
      const seen = new Set<number>();
      const next = [...first];
      while (next.length > 0 && !known) {
        const by = next.pop()!;
        if (seen.has(by)) continue;
        seen.add(by);
        if (view.has(by)) known = true;
        next.push(...(relations.supersededBy.get(by) ?? []));
      }
    }
    removedMemo.set(p, known);
    return known;
  };

  // Contained: the largest amount a container of the view with a disclosed amount holds of p, along any chain of
  // contains (the smallest amount along it; all of p where none is stated); null: none.
  const containerMemo = new Map<number, number | null>();
  const container = (p: number): number | null => {
    if (!relations.containedIn.has(p)) return null;
    if (containerMemo.has(p)) return containerMemo.get(p)!;
    let held: number | null = null;
    const pledge = view.get(p);
    const first = relations.containedIn.get(p);
    if (first !== undefined && pledge?.own && pledge.a !== null) {
      const seen = new Set<string>();
      const next: [number, number | null][] = [...first];
      while (next.length > 0) {
        const [by, amount] = next.pop()!;
        const key = `${by}:${amount}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const outside = view.get(by);
        if (outside !== undefined && outside.a !== null) {
          const holds = amount ?? pledge.a;
          if (held === null || holds > held) held = holds;
        }
        for (const [further, more] of relations.containedIn.get(by) ?? []) {
          next.push([further, amount === null ? more : more === null ? amount : Math.min(amount, more)]);
        }
      }
    }
    containerMemo.set(p, held);
    return held;
  };

  const ledger: LedgerRow[] = [];
  for (const [id, pledge] of view) {
    if (!pledge.own || pledge.a === null) continue;
    const { a, nm, s, k } = pledge;
    // Overlaps: known amounts come off p when the other pledge is of the view and keeps dollars after steps 1 and 2.
    let overlapping = 0;
    let overlapUnknown = 0;
    for (const [other, amount] of relations.overlaps.get(id) ?? []) {
      const q = view.get(other);
      if (q === undefined || q.a === null || !(q.a > 0) || removed(other) || (container(other) ?? 0) >= q.a) continue;
      if (amount === null) overlapUnknown++;
      else overlapping += amount;
    }
    const repeat = relations.repeats.get(id);
    const notNew = Math.max(nm === null ? 0 : a - nm, repeat?.known ?? 0);
    const r1 = removed(id) ? 0 : a;
    const r2 = Math.max(r1 - (container(id) ?? 0), 0);
    const r3 = Math.max(r2 - overlapping, 0);
    const r4 = Math.max(r3 - notNew, 0);
    const r5 = usPartOf(r4, s) ?? r4;
    ledger.push({
      id,
      a,
      s,
      k,
      d1: a - r1,
      d2: r1 - r2,
      d3: r2 - r3,
      d4: r3 - r4,
      d5: r4 - r5,
      d6: k === 'purchases_trade' ? r5 : 0,
      overlap_unknown: r3 > 0 ? overlapUnknown : 0,
      new_unstated: r4 > 0 && nm === null,
      repeat_unknown: r4 > 0 ? (repeat?.unknown ?? 0) : 0,
      share_unknown: r4 > 0 && s === null,
      kind_unknown: r5 > 0 && (k === null || k === 'mixed'),
    });
  }
  return ledger;
}

/** Whether each step lists the ledger's row (LEDGER_LISTED): it took dollars from it or counted an unknown of it. */
export const LISTED_BY: Record<WaterfallStep, (row: LedgerRow) => boolean> = {
  superseded: (row) => row.d1 > 0,
  contained: (row) => row.d2 > 0,
  overlaps: (row) => row.d3 > 0 || row.overlap_unknown > 0,
  not_new: (row) => row.d4 > 0 || row.new_unstated || row.repeat_unknown > 0,
  outside_us: (row) => row.d5 > 0 || row.share_unknown,
  not_investment: (row) => row.d6 > 0 || row.kind_unknown,
};

/** rowTerms' conditions on a pledge's own amount a (disclosed), US share s and commitment kind k. */
export function rowConditions(a: number, s: number | null, k: string | null) {
  const bp = s === null ? 0 : basisPoints(s);
  const usBelowAmount = s !== null && (s < 99.99 || bp < 10000) && (a > 5000 || a * (10000 - bp) > 5000);
  const usBoundPositive = a > 0 && (s === null || ((s > 0.01 || bp > 0) && (a >= 5000 || a * bp >= 5000)));
  return {
    outsideUs: a > 0 && (s === null || usBelowAmount),
    usBoundPositive,
    notInvestment: (k === null || k === 'purchases_trade' || k === 'mixed') && usBoundPositive,
    mixed: (k === null || k === 'mixed') && usBoundPositive,
  };
}
