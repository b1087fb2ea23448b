// What the packed pass (dashboard.packed.ts) reads and keeps besides its sums: the blocks holding a view's pledges,
// each with the indexes of those pledges in it, and the rankings of the largest values it meets.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import { BLOCK_SHIFT, columns, historyColumns } from './dashboard.packing.ts';
import { MAX_BARS } from './dashboard.summary.ts';

/** The MAX_BARS largest values seen, largest first, and their pledges' ids. */
export interface Ranking {
  values: number[];
  ids: number[];
}

/**
 * Ranks the pledge with this value among those seen, as SQL orders them (the value descending, then the id): the
 * pledges come in id order, so one of equal value to a ranked one goes after it.
 */
export function rank(ranking: Ranking, value: number, id: number): void {
  const { values, ids } = ranking;
  if (values.length === MAX_BARS && !(value > values[MAX_BARS - 1]!)) return;
  let at = values.length;
  while (at > 0 && values[at - 1]! < value) at--;
  values.splice(at, 0, value);
  ids.splice(at, 0, id);
  if (values.length > MAX_BARS) {
    values.pop();
    ids.pop();
  }
}

/** Each pledge's index in a block, in order: a block's every pledge. */
const EVERY = Uint16Array.from({ length: 1 << BLOCK_SHIFT }, (_, i) => i);

/**
 * A block's facts, its status steps when asked for (else null), and the indexes (the first count of at) of the
 * pledges to add up in it.
 */
export interface BlockPart {
  b: ReturnType<typeof columns>;
  h: ReturnType<typeof historyColumns> | null;
  base: number;
  at: Uint16Array;
  count: number;
}

/**
 * The blocks holding the ids (ascending; null: every pledge), in order, each with the indexes of those ids'
 * pledges, and with its status steps if history; null for a block that has no blob (or no status steps' blob).
 * Every pledge is read block by block as the ids are (not in one statement over the table), so that the start's
 * warm-up, which passes ids, has run the code every view runs (dashboard.packed-warm.ts).
 */
export function* blocksOf(db: Db, ids: readonly number[] | null, history = false): Generator<BlockPart | null> {
  const blob = statement(db, 'SELECT data FROM pledge_facts WHERE block = ?').pluck();
  const stepsBlob = history ? statement(db, 'SELECT data FROM pledge_status_facts WHERE block = ?').pluck() : null;
  const partOf = (block: number): BlockPart | null => {
    const data = blob.get(block) as Buffer | undefined;
    const steps = stepsBlob === null ? null : (stepsBlob.get(block) as Buffer | undefined);
    if (!data || steps === undefined) return null;
    const b = columns(data);
    return { b, h: stepsOf(block, b, steps), base: block << BLOCK_SHIFT, at: EVERY, count: b.n };
  };
  if (ids === null) {
    for (const block of statement(db, 'SELECT block FROM pledge_facts ORDER BY block').pluck().all() as number[]) {
      const part = partOf(block);
      yield part;
      if (part === null) return;
    }
    return;
  }
  const at = new Uint16Array(1 << BLOCK_SHIFT);
  let next = 0;
  while (next < ids.length) {
    const block = ids[next]! >> BLOCK_SHIFT;
    const end = (block + 1) << BLOCK_SHIFT;
    const part = partOf(block);
    if (part === null) {
      yield null;
      return;
    }
    const { b, base } = part;
    // A block without gaps (no pledge deleted) finds a pledge by its id alone; another searches its ids.
    const first = b.n === 0 ? 0 : b.offset[0]!;
    const dense = b.n > 0 && b.offset[b.n - 1]! - first === b.n - 1;
    let count = 0;
    for (; next < ids.length && ids[next]! < end; next++) {
      const i = dense ? ids[next]! - base - first : indexOf(b.offset, ids[next]! - base);
      if (i >= 0 && i < b.n) at[count++] = i;
    }
    part.at = at;
    part.count = count;
    yield part;
  }
}

/** A block's status steps (null: not asked for), which the packer wrote with its facts, for the same pledges. */
function stepsOf(block: number, b: BlockPart['b'], steps: Buffer | null): BlockPart['h'] {
  if (steps === null) return null;
  const h = historyColumns(steps);
  if (h.n !== b.n) throw new Error(`pledge_status_facts: block ${block} holds ${h.n} pledges, its facts ${b.n}`);
  return h;
}

/** The index of a block's pledge at offset (its id less the block's first id), -1 when there is none. */
function indexOf(offsets: Uint16Array, offset: number): number {
  let low = 0;
  let high = offsets.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = offsets[middle]!;
    if (value === offset) return middle;
    if (value < offset) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}
