// One packed pass's inputs, accumulators and loop (Pass), for packedPass (dashboard.packed.ts): the pledges of a
// view added up block by block from their packed facts (dashboard.packing.ts). Sums of amounts are compensated
// (Neumaier): amounts are whole dollars, so each addition's error is exact and the sum comes out as SQLite's exact
// integer sum read as a JavaScript number, even past 2^53.
import type { PledgeFilter } from '../pledges/pledges.filter.ts';
import { datedBy, EMPTY_FILTER } from '../pledges/pledges.filter.ts';
import { CUBE_FIELDS, groupKey, unmatchedField } from './dashboard.groups.ts';
import { FLAG_NO_HORIZON, FLAG_OUTSIDE_US, FLAG_SHARE_KNOWN, FLAG_US_BOUND_POSITIVE, NONE, statusTwins, type Codes, type CubeGroupFields } from './dashboard.packing.ts';
import { rank, type BlockPart, type Ranking } from './dashboard.packed-blocks.ts';
import { STATUSES, type WaterfallStep } from '../pledges/pledge.model.ts';

/** Adds x to the compensated sum at index i of sums (compensation: its error terms). */
function add(sums: Float64Array, compensation: Float64Array, i: number, x: number): void {
  const sum = sums[i]!;
  const total = sum + x;
  compensation[i]! += Math.abs(sum) >= Math.abs(x) ? sum - total + x : x - total + sum;
  sums[i] = total;
}

/** The sums of GROUP_SUMS a group holds, at these places of its row of the accumulator. */
export const G_PLEDGES = 0;
export const G_DISCLOSED = 1;
export const G_KNOWN_SHARE = 2;
export const G_NO_HORIZON = 3;
export const G_OUTSIDE_US = 4;
export const G_US_BOUND_POSITIVE = 5;
export const G_COUNTS = 6;
export const G_AMOUNT = 0;
export const G_SHARE_BASE = 1;
export const G_US = 2;
export const G_SUMS = 3;

/**
 * What a view narrows its pledges by in the packed pass: its dates and amounts (whereClause's terms), whether it holds
 * only the pledges overdue on `on`, and its selections of the six grouped fields and of pledgers.
 */
export type PackedView = Pick<PledgeFilter, 'from' | 'to' | 'min' | 'max' | 'overdue' | 'pledger' | 'as_of' | (typeof CUBE_FIELDS)[number]>;

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
 * One pass's inputs and accumulators, and its loop (add, called once a block). A class of one shape, whatever the view:
 * V8 compiles add once the warm-up (dashboard.packed-warm.ts) has taken every branch of it, and keeps that code from
 * one pass to the next. With the loop inside packedPass, any site of its setup or its summing up that a view met for
 * the first time (a step's fields, a filter of another shape, the groups' order) threw the whole function's compiled
 * code away, the loop's with it: the pass ran on in the interpreter while V8 compiled it again. One instance (PASS,
 * below) serves every view, so that its map, which the compiled loop checks, never changes (docs/performance.md).
 */
export class Pass {
  known!: Codes;
  range!: PackedView;
  // What the view keeps, worked out once a pass (packedPass).
  reached!: Uint8Array;
  dated!: Uint8Array;
  min!: number;
  max!: number;
  amounts!: boolean;
  overdueOnly!: boolean;
  fieldsAll!: boolean;
  pledgersAll!: boolean;
  inPledgers!: Uint8Array;
  stepped!: boolean;
  marks!: Uint8Array;
  /** Whether the pass leaves the ledger's pledges for later (relist), adding up only those the step's columns list. */
  skipLedger!: boolean;
  rowMode!: number;
  moved!: Int32Array;
  // Grown with the groups an as-of view's pledges had then that no pledge has today (groupThen).
  groupCapacity!: number;
  inFields!: Uint8Array;
  kindListed!: Uint8Array;
  groupCounts!: Float64Array;
  groupSums!: Float64Array;
  groupErrors!: Float64Array;
  dayCounts!: Float64Array;
  dayDisclosed!: Float64Array;
  daySums!: Float64Array;
  dayErrors!: Float64Array;
  dayFirst!: Float64Array;
  pledgerCounts!: Float64Array;
  pledgerSums!: Float64Array;
  pledgerErrors!: Float64Array;
  overdueSum!: Float64Array;
  overdueError!: Float64Array;
  overdueCount!: number;
  byAmount!: Ranking;
  byPerYear!: Ranking;
  extraGroups!: CubeGroupFields[];
  extraCodes!: Map<string, number>;

  constructor() {
    this.begin(NO_CODES, EMPTY_FILTER, null, '');
  }

  /**
   * Sets the pass up for a view (packedPass), its accumulators at zero. skipLedger: the step's lists are not known
   * yet (only its ledger): the pass adds up the pledges outside the ledger, and the ledger's after relist.
   */
  begin(known: Codes, range: PackedView, step: PackedStep | null, on: string, skipLedger = false): this {
    this.known = known;
    this.range = range;
    const groupCount = known.values.group.length;
    const dayCount = known.values.day.length;
    const pledgerCount = known.values.pledger.length;
    // Whether each day is on or before `on`, as SQLite compares them (as text; the days are ASCII).
    this.reached = new Uint8Array(dayCount);
    known.values.day.forEach((day, code) => (this.reached[code] = day <= on ? 1 : 0));
    // Whether each day is within the range's dates, as whereClause compares them (to, as_of: before the day after it).
    const before = range.to === null ? null : datedBy(range.to);
    const announcedBefore = range.as_of === null ? null : datedBy(range.as_of);
    this.dated = new Uint8Array(dayCount);
    known.values.day.forEach(
      (day, code) =>
        (this.dated[code] = (range.from === null || day >= range.from) && (before === null || day < before) && (announcedBefore === null || day < announcedBefore) ? 1 : 0),
    );
    this.min = range.min ?? -Infinity;
    this.max = range.max ?? Infinity;
    this.amounts = range.min !== null || range.max !== null;
    this.overdueOnly = range.overdue === true;
    // Whether each group's six fields, and each pledger, are among the view's selections (a group spells a lever or
    // kind not recorded as the filter does: none, unknown). Without a selection of the six fields, no group is read.
    this.fieldsAll = CUBE_FIELDS.every((field) => range[field].length === 0);
    this.inFields = new Uint8Array(groupCount);
    if (!this.fieldsAll) known.groups.forEach((fields, code) => (this.inFields[code] = unmatchedField(fields, range) === null ? 1 : 0));
    this.pledgersAll = range.pledger.length === 0;
    const chosen = new Set(range.pledger);
    this.inPledgers = new Uint8Array(pledgerCount);
    if (!this.pledgersAll) known.values.pledger.forEach((pledger, code) => (this.inPledgers[code] = chosen.has(pledger) ? 1 : 0));
    // A step: its marks by id, how it lists the other pledges, and (not_investment) which groups' kinds it lists.
    this.stepped = step !== null;
    this.marks = step === null ? new Uint8Array(0) : stepMarks(step);
    this.skipLedger = skipLedger;
    this.rowMode = step === null ? ROW_NONE : ROW_MODES[step.step];
    this.kindListed = new Uint8Array(groupCount);
    if (this.rowMode === ROW_NOT_INVESTMENT) known.groups.forEach((fields, code) => (this.kindListed[code] = NOT_INVESTMENT_KINDS.has(fields.commitment_kind) ? 1 : 0));
    // As of a day: the pledges whose status changed since, moved to their group of then.
    // Each group and status then: its twin group (statusTwins), or -1 until groupThen adds a group no pledge has today.
    this.moved = range.as_of !== null ? statusTwins(known).slice() : new Int32Array(0);
    this.groupCapacity = groupCount;
    this.groupCounts = new Float64Array(groupCount * G_COUNTS);
    this.groupSums = new Float64Array(groupCount * G_SUMS);
    this.groupErrors = new Float64Array(groupCount * G_SUMS);
    this.dayCounts = new Float64Array(dayCount);
    this.dayDisclosed = new Float64Array(dayCount);
    this.daySums = new Float64Array(dayCount);
    this.dayErrors = new Float64Array(dayCount);
    this.dayFirst = new Float64Array(dayCount).fill(Infinity);
    this.pledgerCounts = new Float64Array(pledgerCount);
    this.pledgerSums = new Float64Array(pledgerCount);
    this.pledgerErrors = new Float64Array(pledgerCount);
    this.overdueSum = new Float64Array(1);
    this.overdueError = new Float64Array(1);
    this.overdueCount = 0;
    this.byAmount = { values: [], ids: [] };
    this.byPerYear = { values: [], ids: [] };
    this.extraGroups = [];
    this.extraCodes = new Map();
    return this;
  }

  /** The step's lists, once known, for the ledger's pledges the pass left (begin's skipLedger) and adds up next. */
  relist(step: PackedStep): void {
    this.marks = stepMarks(step);
    this.skipLedger = false;
  }

  /** Lets go of the last view's accumulators (a few MB at a million pledges) once its pass is summed up. */
  end(): void {
    this.begin(NO_CODES, EMPTY_FILTER, null, '');
  }

  /** A group's six fields: one of the known groups, or one added for an as-of view (extraGroups). */
  fieldsOf(code: number): CubeGroupFields {
    const groupCount = this.known.groups.length;
    return code < groupCount ? this.known.groups[code]! : this.extraGroups[code - groupCount]!;
  }

  /** The group of code's fields with the status then (an index of STATUSES) that no pledge has today, added. */
  groupThen(code: number, status: number): number {
    const { known } = this;
    const groupCount = known.groups.length;
    const fields = { ...known.groups[code]!, status: STATUSES[status]! };
    const key = groupKey(fields);
    const existing = this.extraCodes.get(key);
    if (existing !== undefined) return existing;
    const added = groupCount + this.extraGroups.length;
    this.extraGroups.push(fields);
    this.extraCodes.set(key, added);
    if (added >= this.groupCapacity) {
      this.groupCapacity = Math.max(2 * this.groupCapacity, 16);
      const capacity = this.groupCapacity;
      const grown = <T extends Float64Array | Uint8Array>(array: T, width: number): T => {
        const copy = new (array.constructor as new (length: number) => T)(capacity * width);
        copy.set(array);
        return copy;
      };
      this.groupCounts = grown(this.groupCounts, G_COUNTS);
      this.groupSums = grown(this.groupSums, G_SUMS);
      this.groupErrors = grown(this.groupErrors, G_SUMS);
      this.inFields = grown(this.inFields, 1);
      this.kindListed = grown(this.kindListed, 1);
    }
    this.inFields[added] = unmatchedField(fields, this.range) === null ? 1 : 0;
    this.kindListed[added] = NOT_INVESTMENT_KINDS.has(fields.commitment_kind) ? 1 : 0;
    return added;
  }

  /** Adds up the pledges of one block the view reads. */
  add(part: BlockPart): void {
    const { b, h, base, at, count } = part;
    const { reached, dated, min, max, amounts, overdueOnly, fieldsAll, pledgersAll, inPledgers, stepped, marks, skipLedger, rowMode, moved } = this;
    const { dayCounts, dayDisclosed, daySums, dayErrors, dayFirst, pledgerCounts, pledgerSums, pledgerErrors, overdueSum, overdueError, byAmount, byPerYear } = this;
    let { inFields, kindListed, groupCounts, groupSums, groupErrors } = this;
    let overdueCount = this.overdueCount;
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
        if (moved[slot] === -1) {
          moved[slot] = this.groupThen(g, status);
          // The accumulators grow with the groups groupThen adds.
          ({ inFields, kindListed, groupCounts, groupSums, groupErrors } = this);
        }
        g = moved[slot]!;
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
      if (stepped) {
        // A step's pledges: the ledger's it lists in the view (for the pledger facet, in the view without its
        // pledgers), and the others its own columns list. The groups of other values of the six fields hold none,
        // as in SQL, whose step is worked out for the view's selections.
        if (!fieldsIn) continue;
        const mark = id < marks.length ? marks[id]! : 0;
        if (skipLedger && (mark & IN_LEDGER) !== 0) continue;
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
    this.overdueCount = overdueCount;
  }
}

/** The codes of no pledge: what the pass holds between views. */
const NO_CODES: Codes = { values: { group: [], day: [], pledger: [] }, codes: { group: new Map(), day: new Map(), pledger: new Map() }, groups: [], groupOrder: new Uint32Array(0), statusTwins: new Int32Array(0) };

/**
 * The one Pass every view's pass uses (packedPass, one at a time: it runs to its end within a turn). One object for
 * the life of the process keeps one map: with a new Pass for each view, V8 dropped the chain of maps its constructor
 * builds at the full collection after each view (it holds map transitions weakly once no instance lives), the next
 * view's instance had new maps, and the loop's compiled code, which checks its receiver's map, was thrown away
 * ("weak objects", node --trace-deopt-verbose) and compiled again in every view.
 */
export const PASS = new Pass();
