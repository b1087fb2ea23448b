// Deep pages of the whole table in its default order: undisclosed amounts last, the largest first, then by id
// (migration 004's index). LIMIT … OFFSET n steps over n index entries, so page 10,000 of a million pledges
// walks 500,000 of them. Instead, the order's key at every STEP-th position (a mark) is kept per connection and
// data version; a page starts from the mark at or before it and walks fewer than STEP entries (and the pledges
// of that mark's amount before it). The marks are found by stepping STEP entries at a time from the last mark
// known, the first time a page that deep is asked for after a write: one walk, as the page alone took before.
import type { Db } from '../platform/db.ts';
import { databaseVersion } from '../platform/meta.repository.ts';
import { statement } from '../platform/statements.ts';

/** Entries between two marks: 245 marks at a million pledges, and a page walks under 4,096 entries from its own. */
export const MARK_STEP = 4096;

/** A pledge's place in the default order: its amount (null when undisclosed) and its id. */
interface Mark {
  amount: number | null;
  id: number;
}

interface Marks {
  version: string;
  /** marks[k]: the pledge at position k × step (counting from 0). */
  marks: Mark[];
  /** Whether every mark the table has is known. */
  complete: boolean;
}

const kept = new WeakMap<Db, Map<number, Marks>>();

const INDEX = 'pledges_default_order_idx';
/**
 * The default order among disclosed pledges alone: with DISCLOSED among its conditions, the index's first column
 * ((amount_usd IS NULL)) is held equal, so the order is that of its next two and the planner reads it in place;
 * naming the first column in ORDER BY would make it sort, and a range of amounts ordered so (SQLite 3.53) is
 * scanned from the index's top past every larger amount. The marks here and an amount range's page
 * (listPledges) read it so.
 */
export const DISCLOSED = '(p.amount_usd IS NULL) = 0';
export const DISCLOSED_ORDER = 'p.amount_usd DESC, p.id';
/** The disclosed pledges from the mark (@amount, @id) on, in order (DISCLOSED_ORDER, read in place). */
const DISCLOSED_FROM = `FROM pledges p INDEXED BY ${INDEX}
  WHERE ${DISCLOSED} AND p.amount_usd <= @amount AND (p.amount_usd < @amount OR p.id >= @id)`;
/** The undisclosed pledges from the id @id on, in order (by id). */
const UNDISCLOSED_FROM = `FROM pledges p INDEXED BY ${INDEX} WHERE (p.amount_usd IS NULL) = 1 AND p.amount_usd IS NULL AND p.id >= @id`;
const BEFORE_EVERY_ID = Number.MIN_SAFE_INTEGER;

/** The disclosed pledges from the mark on, skipping `skip`, `limit` of them, with their places in the order. */
function disclosedFrom(db: Db, from: Mark, limit: number, skip: number): Mark[] {
  return statement(db, `SELECT p.amount_usd AS amount, p.id ${DISCLOSED_FROM} ORDER BY ${DISCLOSED_ORDER} LIMIT @limit OFFSET @skip`).all({
    amount: from.amount,
    id: from.id,
    limit,
    skip,
  }) as Mark[];
}

/** The undisclosed pledges from the id on, skipping `skip`, `limit` of them. */
function undisclosedFrom(db: Db, fromId: number, limit: number, skip: number): Mark[] {
  return statement(db, `SELECT NULL AS amount, p.id ${UNDISCLOSED_FROM} ORDER BY p.id LIMIT @limit OFFSET @skip`).all({ id: fromId, limit, skip }) as Mark[];
}

/** How many disclosed pledges there are from the mark on: fewer than a step where it is asked. */
function disclosedLeft(db: Db, from: Mark): number {
  return statement(db, `SELECT count(*) ${DISCLOSED_FROM}`).pluck().get({ amount: from.amount, id: from.id }) as number;
}

/**
 * The pledges from `skip` places after the mark on, `limit` of them, in order: past the disclosed amounts, on into
 * the undisclosed ones, from their first or as far into them as `skip` reaches.
 */
function pledgesFrom(db: Db, from: Mark, limit: number, skip: number): Mark[] {
  if (from.amount === null) return undisclosedFrom(db, from.id, limit, skip);
  const disclosed = disclosedFrom(db, from, limit, skip);
  if (disclosed.length === limit) return disclosed;
  const into = disclosed.length > 0 ? 0 : skip - disclosedLeft(db, from);
  return [...disclosed, ...undisclosedFrom(db, BEFORE_EVERY_ID, limit - disclosed.length, into)];
}

/** The marks known for the current data version, found on as far as position (or to the end). */
function marksUpTo(db: Db, position: number, step: number): Marks {
  const version = databaseVersion(db);
  const byStep = kept.get(db) ?? kept.set(db, new Map()).get(db)!;
  let known = byStep.get(step);
  if (known === undefined || known.version !== version) {
    const first = statement(db, `SELECT p.amount_usd AS amount, p.id FROM pledges p INDEXED BY ${INDEX} ORDER BY (p.amount_usd IS NULL), p.amount_usd DESC, p.id LIMIT 1`).get() as
      | Mark
      | undefined;
    known = { version, marks: first === undefined ? [] : [first], complete: first === undefined };
    byStep.set(step, known);
  }
  while (!known.complete && known.marks.length - 1 < Math.floor(position / step)) {
    const [next] = pledgesFrom(db, known.marks.at(-1)!, 1, step);
    if (next === undefined) known.complete = true;
    else known.marks.push(next);
  }
  return known;
}

/**
 * The ids of the whole table's page from offset (limit of them), in the default order, started from the nearest
 * mark; null for a page within the first step, which a plain OFFSET walks as quickly. step: for the tests.
 */
export function deepPageIds(db: Db, offset: number, limit: number, step = MARK_STEP): number[] | null {
  if (offset < step || limit <= 0) return null;
  const { marks } = marksUpTo(db, offset, step);
  if (marks.length === 0) return [];
  const index = Math.min(Math.floor(offset / step), marks.length - 1);
  return pledgesFrom(db, marks[index], limit, offset - index * step).map((pledge) => pledge.id);
}

/** Finds every mark the table has now (the server does at start): the first deep page then walks no further. */
export function findDeepPageMarks(db: Db): number {
  return marksUpTo(db, Number.MAX_SAFE_INTEGER, MARK_STEP).marks.length;
}
