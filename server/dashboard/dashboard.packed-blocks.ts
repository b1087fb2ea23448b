// What the packed pass (dashboard.packed.ts) reads and keeps besides its sums: the blocks holding a view's pledges,
// each with the indexes of those pledges in it, and the rankings of the largest values it meets.
import type { Db } from '../platform/db.ts';
import { largeBufferRead } from '../platform/memory.ts';
import { statement } from '../platform/statements.ts';
import { BLOCK_SHIFT, columns, historyColumns } from './dashboard.packing.ts';
import { MAX_BARS } from './dashboard.summary.ts';

/** The MAX_BARS largest values seen, largest first, and their pledges' ids. */
export interface Ranking {
  values: number[];
  ids: number[];
}

/**
 * Ranks the pledge with this value among those seen, as SQL orders them (the value descending, then the id). The
 * pledges mostly come in id order, but a step's pass adds its ledger's after the rest (Pass.relist).
 */
export function rank(ranking: Ranking, value: number, id: number): void {
  const { values, ids } = ranking;
  if (values.length === MAX_BARS && !(value > values[MAX_BARS - 1]! || (value === values[MAX_BARS - 1]! && id < ids[MAX_BARS - 1]!))) return;
  let at = values.length;
  while (at > 0 && (values[at - 1]! < value || (values[at - 1]! === value && ids[at - 1]! > id))) at--;
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
    largeBufferRead((data?.length ?? 0) + (steps?.length ?? 0));
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
    const part = partOf(ids[next]! >> BLOCK_SHIFT);
    if (part === null) {
      yield null;
      return;
    }
    const found = indexesIn(part, ids, next, at);
    next = found.next;
    part.at = at;
    part.count = found.count;
    yield part;
  }
}

/**
 * A part of its own holding the pledges at indexes (ascending) of a block's part, copied, with their status steps if
 * it has them: what a pass keeps to add up later without reading the block again (packedStepPass). Its columns are
 * made in the order columns() and historyColumns() make theirs, so that the pass's loop sees objects of one shape.
 */
export function partCopy(part: BlockPart, indexes: ArrayLike<number>): BlockPart {
  const { b, h } = part;
  const count = indexes.length;
  const pick = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(column: T): T => {
    const copy = new (column.constructor as new (length: number) => T)(count);
    for (let j = 0; j < count; j++) copy[j] = column[indexes[j]!]!;
    return copy;
  };
  const copied: BlockPart['b'] = {
    n: count,
    amount: pick(b.amount),
    us: pick(b.us),
    perYear: pick(b.perYear),
    offset: pick(b.offset),
    group: pick(b.group),
    day: pick(b.day),
    pledger: pick(b.pledger),
    due: pick(b.due),
    evidence: pick(b.evidence),
    flags: pick(b.flags),
  };
  let steps: BlockPart['h'] = null;
  if (h !== null) {
    const first = new Uint32Array(count + 1);
    for (let j = 0; j < count; j++) first[j + 1] = first[j]! + h.first[indexes[j]! + 1]! - h.first[indexes[j]!]!;
    const stepDay = new Uint32Array(first[count]!);
    const stepStatus = new Uint8Array(first[count]!);
    for (let j = 0; j < count; j++) {
      const from = h.first[indexes[j]!]!;
      stepDay.set(h.stepDay.subarray(from, h.first[indexes[j]! + 1]!), first[j]!);
      stepStatus.set(h.stepStatus.subarray(from, h.first[indexes[j]! + 1]!), first[j]!);
    }
    steps = { n: count, due: pick(h.due), evidence: pick(h.evidence), first, stepDay, stepStatus };
  }
  return { b: copied, h: steps, base: part.base, at: EVERY, count };
}

/**
 * The index in a block's part of each of ids (ascending) from ids[next] on, up to the block's end, that it holds,
 * written into at from its start: how many, and where the ids past the block begin. A block without gaps (no pledge
 * deleted) finds a pledge by its id alone; another searches its ids.
 */
export function indexesIn(part: BlockPart, ids: readonly number[], next: number, at: Uint16Array): { count: number; next: number } {
  const { b, base } = part;
  const end = base + (1 << BLOCK_SHIFT);
  const first = b.n === 0 ? 0 : b.offset[0]!;
  const dense = b.n > 0 && b.offset[b.n - 1]! - first === b.n - 1;
  let count = 0;
  for (; next < ids.length && ids[next]! < end; next++) {
    const i = dense ? ids[next]! - base - first : indexOf(b.offset, ids[next]! - base);
    if (i >= 0 && i < b.n) at[count++] = i;
  }
  return { count, next };
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
