// A view's grouped pass, overdue count, timeline, pledger facet and two rankings (the OnePass of
// dashboard.one-pass.ts) added up in JavaScript from each pledge's packed facts (dashboard.packing.ts): a search's
// matches, or every pledge of a view of amounts, dates with a selection, the overdue pledges, a waterfall step or a
// day in the past, with any selections besides. Read by id and sorted in SQL, a search matching 10-50 % of a million
// pledges, or a range keeping most of them, spent most of its dashboard there (docs/performance.md). Sums of amounts
// are compensated (Neumaier): amounts are whole dollars, so each addition's error is exact and the sum comes out as
// SQLite's exact integer sum read as a JavaScript number, even past 2^53.
import type { Db } from '../platform/db.ts';
import { datedBy, EMPTY_FILTER, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { CUBE_FIELDS, groupKey, unmatchedField, type CubeGroup } from './dashboard.groups.ts';
import type { OnePass } from './dashboard.one-pass.ts';
import { codesOf, FLAG_NO_HORIZON, FLAG_OUTSIDE_US, FLAG_SHARE_KNOWN, FLAG_US_BOUND_POSITIVE, groupCodes, groupOrder, NONE, type CubeGroupFields } from './dashboard.packing.ts';
import type { Ranked } from './dashboard.summary.ts';
import { blocksOf, rank, type Ranking } from './dashboard.packed-blocks.ts';
import { STATUSES, type WaterfallStep } from '../pledges/pledge.model.ts';
import { readsMargins } from './dashboard.as-of.ts';

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

/**
 * What a view narrows its pledges by in the packed pass: its dates and amounts (whereClause's terms), whether it holds
 * only the pledges overdue on `on`, and its selections of the six grouped fields and of pledgers.
 */
export type PackedView = Pick<PledgeFilter, 'from' | 'to' | 'min' | 'max' | 'overdue' | 'pledger' | 'as_of' | (typeof CUBE_FIELDS)[number]>;

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
 * A waterfall step's pledges, as stepCondition matches them: those of the ledger that the step lists in the view
 * without the step (stepLedgerIds), and, for a step that lists pledges by their own columns too (ROW_STEPS), every
 * other pledge of the view not in the ledger that those columns list.
 */
export interface PackedStep {
  step: WaterfallStep;
  /** The ledger's pledges the step lists, ascending. */
  listed: readonly number[];
  /** The same in the view without its pledger selection (the pledger facet's), when it has one. */
  listedUnchosen?: readonly number[];
  /**
   * The same in the view's overdue pledges (a step's overdue view, step=…&overdue=1: the pledges the step takes from
   * among the overdue ones), to count its overdue totals; without, the pass counts none.
   */
  listedOverdue?: readonly number[];
  /** Every pledge of the ledger (LEDGER_IDS). */
  ledger: readonly number[];
}

/** The index of announced in STATUSES: a pledge's status before its first step. */
const ANNOUNCED = STATUSES.indexOf('announced');

const LISTED = 1;
const IN_LEDGER = 2;
const LISTED_UNCHOSEN = 4;
const LISTED_OVERDUE = 8;

/** How a step lists the pledges outside the ledger by their own columns (ROW_LISTED in pledges.waterfall.sql.ts). */
const ROW_NONE = 0;
const ROW_POSITIVE = 1;
const ROW_OUTSIDE_US = 2;
const ROW_NOT_INVESTMENT = 3;
const ROW_MODES: Record<WaterfallStep, number> = {
  superseded: ROW_NONE,
  contained: ROW_NONE,
  overlaps: ROW_NONE,
  not_new: ROW_POSITIVE,
  outside_us: ROW_OUTSIDE_US,
  not_investment: ROW_NOT_INVESTMENT,
};

/** The kinds not_investment lists (with dollars left): purchases and trade, mixed, or no kind recorded. */
const NOT_INVESTMENT_KINDS = new Set(['purchases_trade', 'mixed', 'unknown']);

/** Each id's marks (LISTED, IN_LEDGER, LISTED_UNCHOSEN, LISTED_OVERDUE), indexed by id; ids past its end have none. */
function stepMarks(step: PackedStep): Uint8Array {
  let last = 0;
  for (const id of step.ledger) if (id > last) last = id;
  const marks = new Uint8Array(last + 1);
  for (const id of step.ledger) marks[id] |= IN_LEDGER;
  for (const id of step.listed) marks[id] |= LISTED;
  for (const id of step.listedUnchosen ?? step.listed) marks[id] |= LISTED_UNCHOSEN;
  for (const id of step.listedOverdue ?? []) marks[id] |= LISTED_OVERDUE;
  return marks;
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
  const groupCount = known.values.group.length;
  const dayCount = known.values.day.length;
  const pledgerCount = known.values.pledger.length;
  // Groups past groupCount are those of an as-of view's pledges with their status then that no pledge has today
  // (extraGroups): the accumulators grow for them.
  let groupCapacity = groupCount;
  let groupCounts = new Float64Array(groupCount * G_COUNTS);
  let groupSums = new Float64Array(groupCount * G_SUMS);
  let groupErrors = new Float64Array(groupCount * G_SUMS);
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
  // Whether each day is within the range's dates, as whereClause compares them (to, as_of: before the day after it).
  const before = range.to === null ? null : datedBy(range.to);
  const announcedBefore = range.as_of === null ? null : datedBy(range.as_of);
  const dated = new Uint8Array(dayCount);
  known.values.day.forEach(
    (day, code) =>
      (dated[code] = (range.from === null || day >= range.from) && (before === null || day < before) && (announcedBefore === null || day < announcedBefore) ? 1 : 0),
  );
  const min = range.min ?? -Infinity;
  const max = range.max ?? Infinity;
  const amounts = range.min !== null || range.max !== null;

  const overdueOnly = range.overdue === true;
  // Whether each group's six fields, and each pledger, are among the view's selections (a group spells a lever or
  // kind not recorded as the filter does: none, unknown).
  const fieldsAll = CUBE_FIELDS.every((field) => range[field].length === 0);
  let inFields = new Uint8Array(groupCount);
  known.groups.forEach((fields, code) => (inFields[code] = unmatchedField(fields, range) === null ? 1 : 0));
  const pledgersAll = range.pledger.length === 0;
  const chosen = new Set(range.pledger);
  const inPledgers = new Uint8Array(pledgerCount);
  known.values.pledger.forEach((pledger, code) => (inPledgers[code] = chosen.has(pledger) ? 1 : 0));
  // A step: its marks by id, how it lists the other pledges, and (not_investment) which groups' kinds it lists.
  const marks = step === null ? new Uint8Array(0) : stepMarks(step);
  const rowMode = step === null ? ROW_NONE : ROW_MODES[step.step];
  let kindListed = new Uint8Array(groupCount);
  if (rowMode === ROW_NOT_INVESTMENT) known.groups.forEach((fields, code) => (kindListed[code] = NOT_INVESTMENT_KINDS.has(fields.commitment_kind) ? 1 : 0));
  // As of a day: the pledges whose status changed since, moved to their group of then.
  const history = range.as_of !== null;
  const moved = new Int32Array(history ? groupCount * STATUSES.length : 0).fill(-1);
  const extraGroups: CubeGroupFields[] = [];
  const fieldsOf = (code: number) => (code < groupCount ? known.groups[code]! : extraGroups[code - groupCount]!);
  /** The group of code's fields with the status then (an index of STATUSES), added when no pledge has it today. */
  const groupThen = (code: number, status: number): number => {
    const fields = { ...known.groups[code]!, status: STATUSES[status]! };
    const key = groupKey(fields);
    byKey ??= groupCodes(known);
    const existing = byKey.get(key) ?? extraCodes.get(key);
    if (existing !== undefined) return existing;
    const added = groupCount + extraGroups.length;
    extraGroups.push(fields);
    extraCodes.set(key, added);
    if (added >= groupCapacity) {
      groupCapacity = Math.max(2 * groupCapacity, 16);
      const grown = <T extends Float64Array | Uint8Array>(array: T, width: number): T => {
        const copy = new (array.constructor as new (length: number) => T)(groupCapacity * width);
        copy.set(array);
        return copy;
      };
      groupCounts = grown(groupCounts, G_COUNTS);
      groupSums = grown(groupSums, G_SUMS);
      groupErrors = grown(groupErrors, G_SUMS);
      inFields = grown(inFields, 1);
      kindListed = grown(kindListed, 1);
    }
    inFields[added] = unmatchedField(fields, range) === null ? 1 : 0;
    kindListed[added] = NOT_INVESTMENT_KINDS.has(fields.commitment_kind) ? 1 : 0;
    return added;
  };
  const extraCodes = new Map<string, number>();
  let byKey: Map<string, number> | null = null;
  const byAmount: Ranking = { values: [], ids: [] };
  const byPerYear: Ranking = { values: [], ids: [] };

  for (const part of blocksOf(db, ids, history)) {
    // A block holding one of the ids was packed before another connection's write added it: the caller reads in SQL.
    if (part === null) return null;
    const { b, h, base, at, count } = part;
    for (let k = 0; k < count; k++) {
      const i = at[k]!;
      const id = base + b.offset[i]!;
      const a = b.amount[i]!;
      const disclosed = a === a;
      const d = b.day[i]!;
      // An unknown amount is in no amount range (NaN compares false), as SQL's NULL.
      if (!dated[d] || (amounts && !(a >= min && a <= max))) continue;
      let g = b.group[i]!;
      let overdue: boolean;
      const last = h === null ? 0 : h.first[i + 1]!;
      if (h !== null && last > h.first[i]! && reached[h.stepDay[last - 1]!] === 0) {
        // A step after the day: its status then (that of its last step by the day, announced before its first), and
        // whether overdue then, instead of today's.
        let status = ANNOUNCED;
        for (let s = h.first[i]!; s < last && reached[h.stepDay[s]!] === 1; s++) status = h.stepStatus[s]!;
        const slot = g * STATUSES.length + status;
        g = moved[slot] !== -1 ? moved[slot]! : (moved[slot] = groupThen(g, status));
        const due = h.due[i]!;
        const evidence = h.evidence[i]!;
        overdue = status === ANNOUNCED && due !== NONE && reached[due] === 1 && (evidence === NONE || reached[evidence] === 0);
      } else {
        const due = b.due[i]!;
        const evidence = b.evidence[i]!;
        overdue = due !== NONE && reached[due] === 1 && (evidence === NONE || !reached[evidence]);
      }
      if (overdueOnly && !overdue) continue;
      const f = b.flags[i]!;
      const p = b.pledger[i]!;
      const fieldsIn = fieldsAll || inFields[g] === 1;
      let pledgerIn = pledgersAll || inPledgers[p] === 1;
      let counted = fieldsIn;
      let overdueCounted = overdue;
      if (step !== null) {
        // A step's pledges: the ledger's it lists in the view (for the pledger facet, in the view without its
        // pledgers), and the others its own columns list. The groups of other values of the six fields hold none,
        // as in SQL, whose step is worked out for the view's selections.
        if (!fieldsIn) continue;
        const mark = id < marks.length ? marks[id]! : 0;
        const byColumns =
          !(mark & IN_LEDGER) &&
          (rowMode === ROW_POSITIVE ? a > 0 : rowMode === ROW_OUTSIDE_US ? (f & FLAG_OUTSIDE_US) !== 0 : rowMode === ROW_NOT_INVESTMENT && kindListed[g] === 1 && (f & FLAG_US_BOUND_POSITIVE) !== 0);
        counted = byColumns || (mark & LISTED_UNCHOSEN) !== 0;
        overdueCounted &&= byColumns || (mark & LISTED_OVERDUE) !== 0;
        pledgerIn &&= byColumns || (mark & LISTED) !== 0;
      }
      // The pledger facet: the view's pledges of every pledger.
      if (counted) {
        pledgerCounts[p]++;
        if (disclosed) add(pledgerSums, pledgerErrors, p, a);
      }
      // The overdue totals: the view's own overdue pledges (a step's overdue view: its step worked out among the
      // overdue pledges, LISTED_OVERDUE).
      if (overdueCounted && fieldsIn && (pledgersAll || inPledgers[p] === 1)) {
        overdueCount++;
        if (disclosed) add(overdueSum, overdueError, 0, a);
      }
      if (!pledgerIn) continue;
      // The groups: the view's pledges of every value of the six fields.
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
      if (!fieldsIn) continue;

      // The view's own pledges: the rankings and the timeline.
      if (disclosed) {
        rank(byAmount, a, id);
        const perYear = b.perYear[i]!;
        if (perYear === perYear) rank(byPerYear, perYear, id);
      }
      dayCounts[d]++;
      if (id < dayFirst[d]!) dayFirst[d] = id;
      if (disclosed) {
        dayDisclosed[d]++;
        add(daySums, dayErrors, d, a);
      }
    }
  }

  // In the order SQL's GROUP BY gives them, so that any reader sees the same list (as of a day, the groups no pledge
  // has today after them, as asOfGroups adds them).
  const cube: CubeGroup[] = [];
  for (const g of [...groupOrder(known), ...extraGroups.map((_, i) => groupCount + i)]) {
    const counts = g * G_COUNTS;
    if (groupCounts[counts + G_PLEDGES] === 0) continue;
    const sums = g * G_SUMS;
    const fields = fieldsOf(g);
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
  const ranked: Ranked = { by_amount: byAmount.ids, by_per_year: byPerYear.ids };
  // A step's overdue view is not its pledges that are overdue (OnePass): counted only given its ledger's pledges.
  const overdueTotals = step === null || step.listedOverdue ? { pledge_count: overdueCount, amount_usd: overdueSum[0]! + overdueError[0]! } : null;
  return { cube, overdue: overdueTotals, timeline, pledgers, ranked };
}
