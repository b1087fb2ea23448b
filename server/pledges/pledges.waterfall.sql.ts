// The waterfall from announced to new US investment (docs/methodology.md), as SQL over pledges p: what each step
// takes off each pledge, in whole dollars. A pledge that is not superseded, contained, overlapping or repeating,
// did not state its new part and is not of $0 (the vast majority) loses dollars only to its own US share and
// kind: row arithmetic that a grouped pass sums (rowTerms). The ledger works out the others one by one.
import type { Db } from '../platform/db.ts';
import { keepGivenIds, keepIds, keptIdParts, keptIdsIn, keptIdsList, smallTempCache, type KeptSet } from '../platform/kept-ids.ts';
import { statement } from '../platform/statements.ts';
import { WATERFALL_STEPS, type WaterfallStep } from './pledge.model.ts';

/**
 * The US part of an amount, in whole dollars, rounded half up, in integer arithmetic only: the share in
 * hundredths of a percent (bp), the amount split so that no product passes 64 bits (and turns into a float).
 * NULL when the amount or the share is unknown.
 */
export function usPart(amount: string, share: string): string {
  const bp = `CAST(round(${share} * 100) AS INTEGER)`;
  return `((${amount}) / 10000 * ${bp} + ((${amount}) % 10000 * ${bp} + 5000) / 10000)`;
}

/** Column expressions (or names) for a pledge's amount, US share and commitment kind. */
export interface RowColumns {
  a: string;
  s: string;
  k: string;
}

/**
 * What the steps do to a pledge in no relation that did not state its new part, as conditions and sums over its
 * own columns. Steps 1–3 take nothing; step 4 takes nothing and counts its new part as unknown; step 5 leaves
 * the US part (all of it when the share is unknown: usBound); step 6 takes that from purchases and trade.
 */
export function rowTerms({ a, s, k }: RowColumns) {
  const us = usPart(a, s);
  const bp = `CAST(round(${s} * 100) AS INTEGER)`;
  // The US part is below the amount exactly when a × (10000 − bp) > 5000, above zero when a × bp ≥ 5000: tested
  // so, a pledge with a share well inside 0–100% and an amount past $5,000 (nearly every one) is decided by two
  // comparisons, without working out its US part.
  const usBelowAmount = `((${s} < 99.99 OR ${bp} < 10000) AND (${a} > 5000 OR ${a} * (10000 - ${bp}) > 5000))`;
  const usBoundPositive = `${a} > 0 AND (${s} IS NULL OR ((${s} > 0.01 OR ${bp} > 0) AND (${a} >= 5000 OR ${a} * ${bp} >= 5000)))`;
  return {
    us,
    usBound: `coalesce(${us}, ${a})`,
    usBoundPositive,
    positive: `${a} > 0`,
    /** Listed by outside_us: a part outside the US, or an unknown share. */
    outsideUs: `${a} > 0 AND (${s} IS NULL OR ${usBelowAmount})`,
    trade: `${k} = 'purchases_trade'`,
    /** Listed by not_investment: purchases and trade, or a mixed or unknown kind, with dollars left. */
    notInvestment: `(${k} IS NULL OR ${k} IN ('purchases_trade', 'mixed')) AND ${usBoundPositive}`,
    mixed: `(${k} IS NULL OR ${k} = 'mixed') AND ${usBoundPositive}`,
  };
}

const ROW = rowTerms({ a: 'p.amount_usd', s: 'p.us_share_pct', k: 'p.commitment_kind' });

/**
 * The steps that list pledges by their own columns too (most of a view: every pledge that did not state its new
 * part, say); the others list only pledges of the ledger.
 */
export const ROW_STEPS: readonly WaterfallStep[] = ['not_new', 'outside_us', 'not_investment'];

/** The pledges each step lists among those in no relation and with no stated new part; null: none. */
const ROW_LISTED: Record<WaterfallStep, string | null> = {
  superseded: null,
  contained: null,
  overlaps: null,
  not_new: ROW.positive,
  outside_us: ROW.outsideUs,
  not_investment: ROW.notInvestment,
};

/**
 * The pledges the ledger works out one by one: superseded or contained, overlapping or repeating, with a stated
 * new part, or of $0 (no step takes anything from those, and none of their unknowns counts: the grouped sums
 * can then count every other disclosed pledge's new part and share as unknown where they are). pledge_ledger
 * (migration 013) holds them (own) with the other sides of their relations, kept by triggers.
 */
export const LEDGER_IDS = 'SELECT id FROM pledge_ledger WHERE own';

/**
 * The related pledges of the view (where: its WHERE clause over pledges p, or ''), as the ledger reads them:
 * those of LEDGER_IDS (own = 1), and the other sides of their relations, which it only asks whether they are of
 * the view and what they hold. pledge_ledger has the columns a filter reads, under the pledges' names.
 */
function viewSql(where: string): string {
  return `SELECT p.id, p.amount_usd, p.new_money_usd, p.us_share_pct, p.commitment_kind, p.own FROM pledge_ledger p ${where}`;
}

// What is left of a pledge after each step, in the ledger's "took" row (steps.* columns): each step takes at
// most what the one before left, so no dollar leaves twice. Written out in full rather than in chained tables, so
// that each is computed once a pledge: r(n) holds r(n - 1) once.
const LEFT_1 = 'CASE WHEN superseded THEN 0 ELSE a END';
const LEFT_2 = `max(${LEFT_1} - held, 0)`;
const LEFT_3 = `max(${LEFT_2} - overlapping, 0)`;
const LEFT_4 = `max(${LEFT_3} - not_new, 0)`;

/**
 * The ledger, given the view's related pledges as v(id, a, nm, s, k, own): one row per pledge of LEDGER_IDS
 * with a disclosed amount a, and d1…d6 the dollars each step took off it. The text is a WITH clause whose last table is `ledger`:
 * the caller adds its statement. Unknowns are counted only where dollars were left that they could have taken.
 */
function ledgerSql(view: string, whole = false): string {
  // p is removed when a pledge of the view supersedes it, directly or through a chain of supersedes (whose middle may
  // be outside the view). Of the whole view (whole: no filter), every pledge superseding one of the ledger is in it
  // (pledge_ledger holds the other side of each relation), so a direct one decides: no chain to follow.
  const removed = whole
    ? `removed(id) AS (SELECT DISTINCT r.other_id FROM v JOIN pledge_relations r ON r.other_id = v.id AND r.kind = 'supersedes' WHERE v.own AND v.a IS NOT NULL),`
    : `superseded(p, by) AS (
    SELECT r.other_id, r.pledge_id FROM v JOIN pledge_relations r ON r.other_id = v.id AND r.kind = 'supersedes' WHERE v.own AND v.a IS NOT NULL
    UNION
    SELECT s.p, r.pledge_id FROM superseded s JOIN pledge_relations r ON r.other_id = s.by AND r.kind = 'supersedes'),
  removed(id) AS (SELECT DISTINCT s.p FROM superseded s JOIN v ON v.id = s.by),`;
  return `WITH RECURSIVE
  ${view},
  ${removed}
  -- p is contained in "by", directly or through a chain of contains; amt: the smallest amount along the chain
  -- (NULL: all of p at every link).
  contained(p, by, amt) AS (
    SELECT r.other_id, r.pledge_id, r.amount_usd FROM v JOIN pledge_relations r ON r.other_id = v.id AND r.kind = 'contains' WHERE v.own AND v.a IS NOT NULL
    UNION
    SELECT c.p, r.pledge_id, CASE WHEN c.amt IS NULL THEN r.amount_usd WHEN r.amount_usd IS NULL THEN c.amt ELSE min(c.amt, r.amount_usd) END
      FROM contained c JOIN pledge_relations r ON r.other_id = c.by AND r.kind = 'contains'),
  -- The largest amount a container of the view holds of p; one whose amount is undisclosed holds no dollars of
  -- the sums, so p's are not counted twice there.
  container(id, amt) AS (
    SELECT c.p, max(coalesce(c.amt, inside.a)) FROM contained c JOIN v outside ON outside.id = c.by AND outside.a IS NOT NULL
      JOIN v inside ON inside.id = c.p GROUP BY c.p),
  -- "p overlaps q": known amounts come off p when q is of the view and keeps dollars after steps 1 and 2.
  overlap(id, known, unknown) AS (
    SELECT r.pledge_id, coalesce(sum(r.amount_usd), 0), count(*) - count(r.amount_usd)
      FROM v p JOIN pledge_relations r ON r.pledge_id = p.id AND r.kind = 'overlaps' JOIN v q ON q.id = r.other_id
           LEFT JOIN removed ON removed.id = q.id LEFT JOIN container ON container.id = q.id
     WHERE p.own AND q.a > 0 AND removed.id IS NULL AND coalesce(container.amt, 0) < q.a
     GROUP BY r.pledge_id),
  -- Repeats apply whatever the view holds of the earlier pledge: they are a property of p.
  repeat(id, known, unknown) AS (
    SELECT r.pledge_id, coalesce(sum(r.amount_usd), 0), count(*) - count(r.amount_usd)
      FROM v JOIN pledge_relations r ON r.pledge_id = v.id AND r.kind = 'repeats' WHERE v.own GROUP BY r.pledge_id),
  -- What steps 1 to 4 would take from each pledge, each on its own.
  took AS (
    SELECT v.id, v.a, v.nm, v.s, v.k, removed.id IS NOT NULL AS superseded, coalesce(container.amt, 0) AS held,
           coalesce(overlap.known, 0) AS overlapping, coalesce(overlap.unknown, 0) AS overlap_unknown,
           max(coalesce(v.a - v.nm, 0), coalesce(repeat.known, 0)) AS not_new, coalesce(repeat.unknown, 0) AS repeat_unknown
      FROM v LEFT JOIN removed ON removed.id = v.id LEFT JOIN container ON container.id = v.id
             LEFT JOIN overlap ON overlap.id = v.id LEFT JOIN repeat ON repeat.id = v.id
     WHERE v.a IS NOT NULL AND v.own),
  steps AS MATERIALIZED (
    SELECT id, a, nm, s, k, overlap_unknown, repeat_unknown, ${LEFT_1} AS r1, ${LEFT_2} AS r2, ${LEFT_3} AS r3, ${LEFT_4} AS r4,
           coalesce(${usPart(LEFT_4, 's')}, ${LEFT_4}) AS r5
      FROM took),
  ledger AS (
    SELECT id, a, s, k, a - r1 AS d1, r1 - r2 AS d2, r2 - r3 AS d3, r3 - r4 AS d4, r4 - r5 AS d5,
           CASE WHEN k = 'purchases_trade' THEN r5 ELSE 0 END AS d6,
           CASE WHEN r3 > 0 THEN overlap_unknown ELSE 0 END AS overlap_unknown,
           r4 > 0 AND nm IS NULL AS new_unstated,
           CASE WHEN r4 > 0 THEN repeat_unknown ELSE 0 END AS repeat_unknown,
           r4 > 0 AND s IS NULL AS share_unknown,
           r5 > 0 AND (k IS NULL OR k = 'mixed') AS kind_unknown
      FROM steps)`;
}

const ledgerTables = new WeakSet<Db>();

/**
 * Runs use(ledger) (a statement on the ledger's WITH clause, as it returns it) for the view whose WHERE clause
 * is where. The view's related pledges are first copied into a temporary table of the connection (never shared,
 * gone with it), in the same transaction: its rowid serves every lookup the ledger makes of them, where a WITH
 * table would be indexed afresh for each.
 */
export function withLedger<T>(db: Db, where: { sql: string; params: unknown[] }, use: (ledger: string) => T): T {
  if (!ledgerTables.has(db)) {
    smallTempCache(db);
    db.exec('CREATE TEMP TABLE IF NOT EXISTS waterfall_view (id INTEGER PRIMARY KEY, a INTEGER, nm INTEGER, s REAL, k TEXT, own INTEGER)');
    ledgerTables.add(db);
  }
  return db.transaction(() => {
    statement(db, 'DELETE FROM temp.waterfall_view').run();
    statement(db, `INSERT INTO temp.waterfall_view (id, a, nm, s, k, own) ${viewSql(where.sql)}`).run(...where.params);
    return use(ledgerSql('v AS (SELECT id, a, nm, s, k, own FROM temp.waterfall_view)', where.sql === ''));
  })();
}

/** The ledger in one statement, for a caller without a connection of its own: where's parameters go first. */
function inlineLedger(where: string): string {
  return ledgerSql(`v(id, a, nm, s, k, own) AS MATERIALIZED (${viewSql(where)})`, where === '');
}

/** The ledger's rows each step lists: the pledges it took dollars from or counted as unknown. */
export const LEDGER_LISTED: Record<WaterfallStep, string> = {
  superseded: 'd1 > 0',
  contained: 'd2 > 0',
  overlaps: '(d3 > 0 OR overlap_unknown > 0)',
  not_new: '(d4 > 0 OR new_unstated OR repeat_unknown > 0)',
  outside_us: '(d5 > 0 OR share_unknown)',
  not_investment: '(d6 > 0 OR kind_unknown)',
};

/** The views whose steps' pledges a connection keeps, per data version: each step a part of the view's key. */
const STEPS: KeptSet = { name: 'step', kept: 8 };

/**
 * The condition on pledges p for the pledges one step lists, given the rest of the filter's WHERE clause. The
 * related pledges come from the ledger: given the connection (and the rest of the filter as a key), it is run
 * once per data version into a temporary table of that connection (as searchHits in pledges.sql.ts keeps a
 * search's matches), so that a dashboard's dozen statements do not each run it; without, it runs inside the
 * statement. The other pledges are matched by their own columns.
 */
export function stepCondition(step: WaterfallStep, base: { sql: string; params: unknown[] }, kept?: { db: Db; key: string }): { sql: string; params: unknown[] } {
  const listed = kept
    ? keptIdsIn(STEPS, keptSteps(kept.db, kept.key, base), step)
    : { sql: `p.id IN (${inlineLedger(base.sql)} SELECT id FROM ledger WHERE ${LEDGER_LISTED[step]})`, params: base.params };
  const row = ROW_LISTED[step];
  if (row === null) return listed;
  // A step that lists most pledges is matched row by row (the unary + keeps the planner from reading each side of
  // the OR through an index and then every row it found by id: twice as slow for not_new at a million pledges).
  return { sql: `(+${listed.sql} OR (${row} AND p.id NOT IN (${LEDGER_IDS})))`, params: listed.params };
}

/**
 * The pledges of the ledger (LEDGER_IDS) the step lists in the view whose WHERE clause is base (the filter without
 * its step, keyed as stepCondition keys it), ascending: kept once per data version, as stepCondition keeps them.
 */
export function stepLedgerIds(db: Db, step: WaterfallStep, base: { sql: string; params: unknown[] }, key: string): number[] {
  const list = keptIdsList(STEPS, keptSteps(db, key, base), step);
  return statement(db, list.sql).pluck().all(...list.params) as number[];
}

/** What a connection keeps of the steps' lists for a view (stepCondition's key), to hand to another connection. */
export type StepLists = NonNullable<ReturnType<typeof keptIdParts>>;

/** The steps' lists the connection keeps for the view keyed so at its data version; null when it keeps none. */
export function keptStepLists(db: Db, key: string): StepLists | null {
  return keptIdParts(db, STEPS, key);
}

/**
 * Keeps the steps' lists another connection kept for the view keyed so (keptStepLists), when it read the same data
 * version, rather than running the ledger for them; returns whether it kept them.
 */
export function keepStepLists(db: Db, key: string, lists: StepLists): boolean {
  return keepGivenIds(db, STEPS, key, lists);
}

/** The pledges of the ledger (LEDGER_IDS), ascending: those a step lists only where the ledger says so. */
export function ledgerIds(db: Db): number[] {
  return statement(db, `${LEDGER_IDS} ORDER BY id`).pluck().all() as number[];
}

/** Runs the ledger for the view into the connection's kept ids, once per data version; returns the run. */
function keptSteps(db: Db, key: string, base: { sql: string; params: unknown[] }): number {
  return keepIds(db, STEPS, key, (run) => {
    const steps = WATERFALL_STEPS.map((step) => `SELECT '${step}' AS step`).join(' UNION ALL ');
    const listed = `CASE steps.step ${WATERFALL_STEPS.map((step) => `WHEN '${step}' THEN ${LEDGER_LISTED[step]}`).join(' ')} END`;
    withLedger(db, base, (ledger) =>
      statement(
        db,
        `${ledger} INSERT INTO temp.step_hits (run, part, id) SELECT ?, steps.step, ledger.id FROM ledger JOIN (${steps}) AS steps ON ${listed}`,
      ).run(run),
    );
  });
}
