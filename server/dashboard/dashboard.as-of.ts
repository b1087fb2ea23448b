// The dashboard as of a day without a selection, from the per-field sums of the pledges' status edges (migration
// 022): for each facet field and value, how many pledges of that value were announced by the day, with their status
// then and whether overdue then, and their sums. A view without a selection adds its groups up one field at a time
// (totals, each facet, the levers, the waterfall's kinds), so these sums are all it reads: the months before the
// day's month and the days of its month up to the day, a few thousand rows at a million pledges.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import { isEmptyFilter, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { CUBE_FIELDS, GROUP_SUMS, type CubeGroup } from './dashboard.groups.ts';
import type { OverdueTotals } from './dashboard.facets.ts';

type Sums = Pick<CubeGroup, (typeof GROUP_SUMS)[number]>;
type Field = (typeof CUBE_FIELDS)[number];

/** Per field, per value, the sums of the pledges of that value as of the day, apart for those overdue then. */
export interface AsOfMargins {
  overdue: Map<Field, Map<string, Sums>>;
  others: Map<Field, Map<string, Sums>>;
}

/**
 * Whether a view reads the per-field sums: as of a day, with no other condition than overdue. A selection (whose
 * facets count the pledges of two fields at once), dates, amounts, a search, pledgers or a waterfall step add up
 * the pledges' packed facts, each pledge with its status then (dashboard.packed.ts, from its packed status steps).
 */
export function readsMargins(filter: PledgeFilter): boolean {
  return filter.as_of !== null && isEmptyFilter({ ...filter, as_of: null, overdue: null });
}

/**
 * The per-field sums as of a day (YYYY-MM-DD): those of the months before its month and of its month's days up to it.
 * A date given to the month or the year counts from its first day, as everywhere: a year's own month-sums ('2021')
 * sort before its months, and a month's own day-sums ('2021-06') before its days.
 */
export function asOfMargins(db: Db, asOf: string): AsOfMargins {
  const rows = statement(
    db,
    `SELECT field, value, overdue, ${GROUP_SUMS.map((column) => `sum(${column})`).join(', ')}
       FROM status_margins
      WHERE (grain = 'm' AND period < ?) OR (grain = 'd' AND period >= ? AND period <= ?)
      GROUP BY field, value, overdue`,
  )
    .raw(true)
    .all(asOf.slice(0, 7), asOf.slice(0, 7), asOf) as [Field, string, number, ...number[]][];
  const margins: AsOfMargins = { overdue: new Map(), others: new Map() };
  for (const [field, value, overdue, ...sums] of rows) {
    if (sums.every((sum) => sum === 0)) continue;
    const side = overdue === 1 ? margins.overdue : margins.others;
    const byValue = side.get(field) ?? side.set(field, new Map()).get(field)!;
    byValue.set(value, Object.fromEntries(GROUP_SUMS.map((column, i) => [column, sums[i]!])) as Sums);
  }
  return margins;
}

const zero = (): Sums => Object.fromEntries(GROUP_SUMS.map((column) => [column, 0])) as Sums;

function add(into: Sums, sums: Sums, sign = 1): void {
  for (const column of GROUP_SUMS) into[column] += sign * sums[column];
}

/**
 * Groups whose sums per field are the margins': one group per value of each field, the other fields at their first
 * value, and a base group of those first values holding what is left (which may be negative). Not the pledges' real
 * groups: only for a view without a selection, whose every read adds its groups up along one field (readsMargins).
 */
export function marginGroups(margins: AsOfMargins, filter: PledgeFilter): CubeGroup[] {
  const sides = filter.overdue ? [margins.overdue] : [margins.overdue, margins.others];
  const byField = new Map<Field, Map<string, Sums>>();
  for (const side of sides) {
    for (const [field, values] of side) {
      const merged = byField.get(field) ?? byField.set(field, new Map()).get(field)!;
      for (const [value, sums] of values) add(merged.get(value) ?? merged.set(value, zero()).get(value)!, sums);
    }
  }
  if (CUBE_FIELDS.some((field) => (byField.get(field)?.size ?? 0) === 0)) return [];
  const base = Object.fromEntries(CUBE_FIELDS.map((field) => [field, byField.get(field)!.keys().next().value!])) as Record<Field, string>;
  // Every pledge once: the sums of any one field's values.
  const rest = zero();
  for (const sums of byField.get(CUBE_FIELDS[0])!.values()) add(rest, sums);
  const groups: CubeGroup[] = [];
  for (const field of CUBE_FIELDS) {
    for (const [value, sums] of byField.get(field)!) {
      if (value === base[field]) continue;
      groups.push({ ...base, [field]: value, ...sums });
      add(rest, sums, -1);
    }
  }
  groups.push({ ...base, ...rest });
  return groups;
}

/** How many pledges were overdue on the day, and their summed amount (readsMargins). */
export function marginOverdue(margins: AsOfMargins): OverdueTotals {
  const totals = { pledge_count: 0, amount_usd: 0 };
  for (const sums of margins.overdue.get(CUBE_FIELDS[0])?.values() ?? []) {
    totals.pledge_count += sums.pledge_count;
    totals.amount_usd += sums.amount_usd;
  }
  return totals;
}
