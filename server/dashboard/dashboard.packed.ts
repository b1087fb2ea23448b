// A view's grouped pass, overdue count, timeline, pledger facet and two rankings (the OnePass of
// dashboard.one-pass.ts) added up in JavaScript from each pledge's packed facts (dashboard.packing.ts): a search's
// matches, or every pledge of a view of amounts, dates with a selection, the overdue pledges, a waterfall step or a
// day in the past, with any selections besides. Read by id and sorted in SQL, a search matching 10-50 % of a million
// pledges, or a range keeping most of them, spent most of its dashboard there (docs/performance.md). The loop and its
// accumulators are dashboard.packed-pass.ts's Pass; this sums up what it added.
import type { Db } from '../platform/db.ts';
import { EMPTY_FILTER, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { CUBE_FIELDS, type CubeGroup } from './dashboard.groups.ts';
import type { OnePass } from './dashboard.one-pass.ts';
import { BLOCK_SHIFT, codesOf, groupOrder } from './dashboard.packing.ts';
import type { Ranked } from './dashboard.summary.ts';
import { blocksOf, indexesIn, partCopy, type BlockPart } from './dashboard.packed-blocks.ts';
import { readsMargins } from './dashboard.as-of.ts';
import { G_AMOUNT, G_COUNTS, G_DISCLOSED, G_KNOWN_SHARE, G_NO_HORIZON, G_OUTSIDE_US, G_PLEDGES, G_SHARE_BASE, G_SUMS, G_US, G_US_BOUND_POSITIVE, PASS, type Pass, type PackedStep, type PackedView } from './dashboard.packed-pass.ts';

/**
 * Whether a view's pass is added up from the packed facts: a search, the overdue pledges, an amount range, dates
 * with a selection, or a waterfall step, with any dates, amounts and selections besides; and as of a day, any view
 * but the day alone (or with the overdue pledges alone), which its per-field sums serve (readsMargins). Dates alone
 * and selections alone are read from the pre-grouped tables, faster, and so is the view without a filter.
 */
export function packedServes(filter: PledgeFilter): boolean {
  const selected = filter.pledger.length > 0 || CUBE_FIELDS.some((field) => filter[field].length > 0);
  const dated = filter.from !== null || filter.to !== null;
  const ranged = filter.q !== null || filter.overdue === true || filter.min !== null || filter.max !== null || (dated && selected) || filter.step !== null;
  // As of a day, any view but those the day's per-field sums serve (readsMargins).
  return filter.as_of === null ? ranged : !readsMargins(filter);
}

/**
 * The OnePass of the view whose matches' ids are given (ascending; null: every pledge): the pledges within its
 * dates and amounts (and announced by its as-of date), overdue on `on` (YYYY-MM-DD) if it asks for those alone. As
 * of a day (`on` is that day), a pledge with a status step after it (its packed status steps, historyColumns) is
 * counted in its group of then, with the status of its last step by the day (announced before its first), and
 * overdue as it was then: announced then, due by then, and no completion evidence by then (overdueCondition's rules
 * for a day in the past, in SQL). As cachedCube and the facets read them, the groups are those of its pledges
 * of every value of the six grouped fields (its pledger selection applied), the pledger values those of its pledges
 * of every pledger (its field selections applied), and the overdue totals, timeline points and rankings those of its
 * own pledges: the same as onePass, summarize and the facets read in SQL. With a step, only the step's pledges among
 * them (PackedStep), and overdue totals only given listedOverdue. Every block must be packed (packStaleFacts); null
 * when a block holding one of the ids is not (another connection wrote since).
 */
export function packedPass(
  db: Db,
  ids: readonly number[] | null,
  on: string,
  range: PackedView = EMPTY_FILTER,
  step: PackedStep | null = null,
): OnePass | null {
  const known = codesOf(db);
  const pass = PASS.begin(known, range, step, on);
  try {
    for (const part of blocksOf(db, ids, range.as_of !== null)) {
      // A block holding one of the ids was packed before another connection's write added it: the caller reads in SQL.
      if (part === null) return null;
      pass.add(part);
    }
    return summedUp(pass, step);
  } finally {
    pass.end();
  }
}

/**
 * Whether ids (ascending) are at most one pledge in SPARSE_SHARE of the blocks that hold them. The packed pass reads
 * each of those blocks whole (a block's facts, about 190 kB at a million pledges, come to JavaScript as a buffer of
 * their own), so its time goes with the blocks, where reading the pledges in SQL, one table row each by id
 * (onePass), goes with the pledges.
 */
export function sparseIn(ids: readonly number[]): boolean {
  let blocks = 0;
  let last = -1;
  for (const id of ids) {
    const block = id >> BLOCK_SHIFT;
    if (block !== last) {
      blocks++;
      last = block;
    }
  }
  return ids.length * SPARSE_SHARE <= blocks << BLOCK_SHIFT;
}

/** sparseIn's share: one pledge in 64 of the blocks' (64 a block of 4,096). */
const SPARSE_SHARE = 64;

/**
 * packedPass for a step that lists pledges by their own columns too (ROW_STEPS), whose lists of the ledger's pledges
 * are worked out elsewhere meanwhile (the waterfall helper: dashboard.reads.ts): the pass adds up the pledges outside
 * the ledger (ledger: its ids, ascending), which the lists do not decide, and keeps a copy of the ledger's (about
 * 50,000 of a million pledges: partCopy), then asks for the step (lists) and adds those up. At a million pledges the
 * lists of a view with a filter take the ledger of every related pledge, about 200 ms, which the pass's first part,
 * about as long, now hides (docs/performance.md).
 */
export function packedStepPass(
  db: Db,
  ids: readonly number[] | null,
  on: string,
  range: PackedView,
  step: PackedStep['step'],
  ledger: readonly number[],
  lists: () => PackedStep,
): OnePass | null {
  const pass = PASS.begin(codesOf(db), range, { step, listed: [], ledger }, on, true);
  const history = range.as_of !== null;
  try {
    const later = ids === null ? ledger : common(ids, ledger);
    const kept: BlockPart[] = [];
    const at = new Uint16Array(1 << BLOCK_SHIFT);
    let next = 0;
    for (const part of blocksOf(db, ids, history)) {
      if (part === null) return null;
      pass.add(part);
      const found = indexesIn(part, later, next, at);
      next = found.next;
      if (found.count > 0) kept.push(partCopy(part, at.subarray(0, found.count)));
    }
    const full = lists();
    pass.relist(full);
    for (const part of kept) pass.add(part);
    return summedUp(pass, full);
  } finally {
    pass.end();
  }
}

/** The ids in both ascending lists, ascending. */
function common(a: readonly number[], b: readonly number[]): number[] {
  const both: number[] = [];
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      both.push(a[i]!);
      i++;
      j++;
    }
  }
  return both;
}

/**
 * The pass as of day over ids with every status twin forgotten (Pass.moved), so that it adds a group of then for each
 * group and status it meets (groupThen), and grows its accumulators, and sums them up: for the start's warm-up
 * alone (dashboard.packed-warm.ts), whose few thousand pledges meet no group that no pledge has today, which a day's
 * view over more pledges does. Without, that view's pass met code V8 had compiled without it and ran on in the
 * interpreter while it compiled the loop again (node --trace-deopt: Pass.add, fieldsOf, summedUp). Returns how
 * many groups of then it added.
 */
export function warmGroupsThen(db: Db, ids: readonly number[], day: string): number {
  const pass = PASS.begin(codesOf(db), { ...EMPTY_FILTER, as_of: day }, null, day);
  pass.moved.fill(-1);
  try {
    for (const part of blocksOf(db, ids, true)) {
      if (part === null) return 0;
      pass.add(part);
    }
    summedUp(pass, null);
    return pass.extraGroups.length;
  } finally {
    pass.end();
  }
}

/** The OnePass of a pass run over the view's pledges. */
function summedUp(pass: Pass, step: PackedStep | null): OnePass {
  const { known } = pass;
  const groupCount = known.values.group.length;
  const dayCount = known.values.day.length;
  const pledgerCount = known.values.pledger.length;
  const { groupCounts, groupSums, groupErrors, dayCounts, dayDisclosed, daySums, dayErrors, dayFirst, pledgerCounts, pledgerSums, pledgerErrors } = pass;

  // In the order SQL's GROUP BY gives them, so that any reader sees the same list (as of a day, the groups no pledge
  // has today after them, as asOfGroups adds them).
  const cube: CubeGroup[] = [];
  for (const g of [...groupOrder(known), ...pass.extraGroups.map((_, i) => groupCount + i)]) {
    const counts = g * G_COUNTS;
    if (groupCounts[counts + G_PLEDGES] === 0) continue;
    const sums = g * G_SUMS;
    const fields = pass.fieldsOf(g);
    // The counts as small integers (| 0: at most the number of pledges), as the driver gives a grouped statement's
    // counts (cubeGroupOf): objects of one shape share V8's map, whose fields hold one representation. Read from the
    // accumulators as doubles, the first pass's groups made V8 widen the counts' fields of that map and mark it
    // deprecated, and every group made before (the whole pass kept from start) was moved to the new map on its next
    // read: 50-88 ms of the first filtered view after a start at a million pledges (docs/performance.md).
    cube.push({
      sector: fields.sector,
      status: fields.status,
      country: fields.country,
      lever: fields.lever,
      pledger_kind: fields.pledger_kind,
      commitment_kind: fields.commitment_kind,
      pledge_count: groupCounts[counts + G_PLEDGES]! | 0,
      disclosed_count: groupCounts[counts + G_DISCLOSED]! | 0,
      known_share_count: groupCounts[counts + G_KNOWN_SHARE]! | 0,
      amount_usd: groupSums[sums + G_AMOUNT]! + groupErrors[sums + G_AMOUNT]!,
      share_base_usd: groupSums[sums + G_SHARE_BASE]! + groupErrors[sums + G_SHARE_BASE]!,
      us_usd: groupSums[sums + G_US]! + groupErrors[sums + G_US]!,
      no_horizon_count: groupCounts[counts + G_NO_HORIZON]! | 0,
      outside_us_count: groupCounts[counts + G_OUTSIDE_US]! | 0,
      us_bound_positive_count: groupCounts[counts + G_US_BOUND_POSITIVE]! | 0,
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
  const ranked: Ranked = { by_amount: pass.byAmount.ids, by_per_year: pass.byPerYear.ids };
  // A step's overdue view is not its pledges that are overdue (OnePass): counted only given its ledger's pledges.
  const overdueTotals = step === null || step.listedOverdue ? { pledge_count: pass.overdueCount, amount_usd: pass.overdueSum[0]! + pass.overdueError[0]! } : null;
  return { cube, overdue: overdueTotals, timeline, pledgers, ranked };
}
