// A search's grouped pass, overdue count, timeline and pledger facet (the OnePass of dashboard.one-pass.ts) added
// up in JavaScript from each pledge's packed facts (dashboard.packing.ts), instead of read by id and sorted in SQL:
// a search matching 10-50 % of a million pledges spent most of its dashboard there (docs/performance.md). Sums of
// amounts are compensated (Neumaier): amounts are whole dollars, so each addition's error is exact and the sum
// comes out as SQLite's exact integer sum read as a JavaScript number, even past 2^53.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import { datedBy, isEmptyFilter, type PledgeFilter } from '../pledges/pledges.filter.ts';
import type { CubeGroup } from './dashboard.groups.ts';
import type { OnePass } from './dashboard.one-pass.ts';
import { BLOCK_SHIFT, codesOf, columns, FLAG_NO_HORIZON, FLAG_OUTSIDE_US, FLAG_SHARE_KNOWN, FLAG_US_BOUND_POSITIVE, groupOrder, NONE } from './dashboard.packing.ts';

/** Adds x to the compensated sum at index i of sums (compensation: its error terms). */
function add(sums: Float64Array, compensation: Float64Array, i: number, x: number): void {
  const sum = sums[i]!;
  const total = sum + x;
  compensation[i]! += Math.abs(sum) >= Math.abs(x) ? sum - total + x : x - total + sum;
  sums[i] = total;
}

/** The sums of GROUP_SUMS a group holds, at these places of its row of the accumulator. */
const G_PLEDGES = 0;
const G_DISCLOSED = 1;
const G_KNOWN_SHARE = 2;
const G_NO_HORIZON = 3;
const G_OUTSIDE_US = 4;
const G_US_BOUND_POSITIVE = 5;
const G_COUNTS = 6;
const G_AMOUNT = 0;
const G_SHARE_BASE = 1;
const G_US = 2;
const G_SUMS = 3;

/** What a view may narrow a search by in the packed pass: its dates and amounts (whereClause's terms). */
export type PackedRange = Pick<PledgeFilter, 'from' | 'to' | 'min' | 'max'>;

const ANY_RANGE: PackedRange = { from: null, to: null, min: null, max: null };

/** Whether a view's pass is added up from the packed facts: a search, with dates and amounts at most. */
export function packedServes(filter: PledgeFilter): boolean {
  return filter.q !== null && isEmptyFilter({ ...filter, q: null, from: null, to: null, min: null, max: null });
}

/**
 * The OnePass of the pledges whose ids are given (ascending) and that are within range, overdue on `on`
 * (YYYY-MM-DD): the same groups, sums, overdue totals, timeline points and pledger values as onePass reads in SQL.
 * Every block must be packed (packStaleFacts); null when a match's block is not (another connection wrote since).
 */
export function packedPass(db: Db, ids: readonly number[], on: string, range: PackedRange = ANY_RANGE): OnePass | null {
  const known = codesOf(db);
  const groupCount = known.values.group.length;
  const dayCount = known.values.day.length;
  const pledgerCount = known.values.pledger.length;
  const groupCounts = new Float64Array(groupCount * G_COUNTS);
  const groupSums = new Float64Array(groupCount * G_SUMS);
  const groupErrors = new Float64Array(groupCount * G_SUMS);
  const dayCounts = new Float64Array(dayCount);
  const dayDisclosed = new Float64Array(dayCount);
  const daySums = new Float64Array(dayCount);
  const dayErrors = new Float64Array(dayCount);
  const dayFirst = new Float64Array(dayCount).fill(Infinity);
  const pledgerCounts = new Float64Array(pledgerCount);
  const pledgerSums = new Float64Array(pledgerCount);
  const pledgerErrors = new Float64Array(pledgerCount);
  const overdueSum = new Float64Array(1);
  const overdueError = new Float64Array(1);
  let overdueCount = 0;
  // Whether each day is on or before `on`, as SQLite compares them (as text; the days are ASCII).
  const reached = new Uint8Array(dayCount);
  known.values.day.forEach((day, code) => (reached[code] = day <= on ? 1 : 0));
  // Whether each day is within the range's dates, as whereClause compares them (to: before the day after it).
  const before = range.to === null ? null : datedBy(range.to);
  const dated = new Uint8Array(dayCount);
  known.values.day.forEach((day, code) => (dated[code] = (range.from === null || day >= range.from) && (before === null || day < before) ? 1 : 0));
  const min = range.min ?? -Infinity;
  const max = range.max ?? Infinity;
  const amounts = range.min !== null || range.max !== null;

  const blob = statement(db, 'SELECT data FROM pledge_facts WHERE block = ?').pluck();
  let next = 0;
  while (next < ids.length) {
    const block = ids[next]! >> BLOCK_SHIFT;
    const end = (block + 1) << BLOCK_SHIFT;
    const data = blob.get(block) as Buffer | undefined;
    // Packed before another connection's write that added this block: the caller reads in SQL.
    if (!data) return null;
    const b = columns(data);
    const base = block << BLOCK_SHIFT;
    // A block without gaps (no pledge deleted) finds a pledge by its id alone; another searches its ids.
    const first = b.n === 0 ? 0 : b.offset[0]!;
    const dense = b.n > 0 && b.offset[b.n - 1]! - first === b.n - 1;
    for (; next < ids.length && ids[next]! < end; next++) {
      const id = ids[next]!;
      const i = dense ? id - base - first : indexOf(b.offset, id - base);
      if (i < 0 || i >= b.n) continue;
      const a = b.amount[i]!;
      const disclosed = a === a;
      const d = b.day[i]!;
      // An unknown amount is in no amount range (NaN compares false), as SQL's NULL.
      if (!dated[d] || (amounts && !(a >= min && a <= max))) continue;
      const f = b.flags[i]!;
      const g = b.group[i]!;
      const counts = g * G_COUNTS;
      const sums = g * G_SUMS;
      groupCounts[counts + G_PLEDGES]++;
      if (disclosed) {
        groupCounts[counts + G_DISCLOSED]++;
        add(groupSums, groupErrors, sums + G_AMOUNT, a);
        if (f & FLAG_SHARE_KNOWN) {
          groupCounts[counts + G_KNOWN_SHARE]++;
          add(groupSums, groupErrors, sums + G_SHARE_BASE, a);
        }
        if (f & FLAG_NO_HORIZON) groupCounts[counts + G_NO_HORIZON]++;
      }
      const u = b.us[i]!;
      if (u === u) add(groupSums, groupErrors, sums + G_US, u);
      if (f & FLAG_OUTSIDE_US) groupCounts[counts + G_OUTSIDE_US]++;
      if (f & FLAG_US_BOUND_POSITIVE) groupCounts[counts + G_US_BOUND_POSITIVE]++;

      dayCounts[d]++;
      if (id < dayFirst[d]!) dayFirst[d] = id;
      if (disclosed) {
        dayDisclosed[d]++;
        add(daySums, dayErrors, d, a);
      }
      const p = b.pledger[i]!;
      pledgerCounts[p]++;
      if (disclosed) add(pledgerSums, pledgerErrors, p, a);

      const due = b.due[i]!;
      const evidence = b.evidence[i]!;
      if (due !== NONE && reached[due] && (evidence === NONE || !reached[evidence])) {
        overdueCount++;
        if (disclosed) add(overdueSum, overdueError, 0, a);
      }
    }
  }

  // In the order SQL's GROUP BY gives them, so that any reader sees the same list.
  const cube: CubeGroup[] = [];
  for (const g of groupOrder(known)) {
    const counts = g * G_COUNTS;
    if (groupCounts[counts + G_PLEDGES] === 0) continue;
    const sums = g * G_SUMS;
    const fields = known.groups[g]!;
    cube.push({
      sector: fields.sector,
      status: fields.status,
      country: fields.country,
      lever: fields.lever,
      pledger_kind: fields.pledger_kind,
      commitment_kind: fields.commitment_kind,
      pledge_count: groupCounts[counts + G_PLEDGES]!,
      disclosed_count: groupCounts[counts + G_DISCLOSED]!,
      known_share_count: groupCounts[counts + G_KNOWN_SHARE]!,
      amount_usd: groupSums[sums + G_AMOUNT]! + groupErrors[sums + G_AMOUNT]!,
      share_base_usd: groupSums[sums + G_SHARE_BASE]! + groupErrors[sums + G_SHARE_BASE]!,
      us_usd: groupSums[sums + G_US]! + groupErrors[sums + G_US]!,
      no_horizon_count: groupCounts[counts + G_NO_HORIZON]!,
      outside_us_count: groupCounts[counts + G_OUTSIDE_US]!,
      us_bound_positive_count: groupCounts[counts + G_US_BOUND_POSITIVE]!,
    });
  }

  const timeline: OnePass['timeline'] = [];
  for (let d = 0; d < dayCount; d++) {
    if (dayCounts[d] === 0) continue;
    timeline.push({
      id: dayFirst[d]!,
      pledger: '',
      project: '',
      pledge_count: dayCounts[d]!,
      announced_on: known.values.day[d]!,
      amount_usd: dayDisclosed[d] === 0 ? null : daySums[d]! + dayErrors[d]!,
      cumulative_usd: 0,
    });
  }
  timeline.sort((a, b) => (a.announced_on < b.announced_on ? -1 : a.announced_on > b.announced_on ? 1 : 0));
  let running = 0;
  for (const point of timeline) point.cumulative_usd = running += point.amount_usd ?? 0;

  const pledgers: OnePass['pledgers'] = [];
  for (let p = 0; p < pledgerCount; p++) {
    if (pledgerCounts[p] === 0) continue;
    pledgers.push({ value: known.values.pledger[p]!, pledge_count: pledgerCounts[p]!, amount_usd: pledgerSums[p]! + pledgerErrors[p]! });
  }
  return { cube, overdue: { pledge_count: overdueCount, amount_usd: overdueSum[0]! + overdueError[0]! }, timeline, pledgers };
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
