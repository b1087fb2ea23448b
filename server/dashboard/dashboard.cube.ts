// One pass of SQL for the dashboard's totals, levers and six facets: sums grouped by sector, status, country,
// lever and the two kinds, read from one covering index (pledges_cube_idx), then rolled up per field. A facet leaves its own
// field's selection out, so the pass applies only the filter's other conditions (dates, amounts, search,
// pledgers); those six fields are matched on the grouped rows. The same few thousand groups therefore serve
// every sector, status, country and lever selection under those conditions. Pledgers are many (each its own
// group would multiply the groups by their number): they are a condition of the pass, and their facet is a
// query of its own (pledgerValues in dashboard.facets.ts).
import type { Db } from '../platform/db.ts';
import { announcedBy, datedBy, EMPTY_FILTER, isEmptyFilter, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { OVERDUE_INDEX, overdueByIndex, whereClause } from '../pledges/pledges.sql.ts';
import { ROW_STEPS } from '../pledges/pledges.waterfall.sql.ts';
import { GROUP_SUMS, groupedPass, asOfGroups, groupKey, type CubeGroup, type Selected } from './dashboard.groups.ts';
import { announcedAbout, bandedCube, yearsCube } from './dashboard.periods.ts';

/**
 * The filter's conditions that the grouped pass applies in SQL: all but the fields it groups by. With a waterfall
 * step, all of them: the pledges a step lists depend on the whole rest of the filter (which relations have their
 * other side in the view), so its groups hold the selected values only.
 */
export function cubeKey(filter: PledgeFilter): PledgeFilter {
  if (filter.step !== null) return filter;
  return {
    ...EMPTY_FILTER,
    from: filter.from,
    to: filter.to,
    min: filter.min,
    max: filter.max,
    q: filter.q,
    pledger: filter.pledger,
    // The reference date matters only to a pass over the overdue pledges: every other pass is shared across days.
    overdue: filter.overdue,
    on: filter.overdue ? filter.on : '',
    // An as-of view groups the pledges by their status on its date.
    as_of: filter.as_of,
  };
}

/**
 * The grouped pass for the filter. Its groups serve every selection of the grouped fields under the same cubeKey
 * (cachedCube in dashboard.reads.ts keeps it for them); with selected, it holds only what that selection reads
 * (see Selected).
 */
export function cubeOf(db: Db, filter: PledgeFilter, selected: Selected = []): CubeGroup[] {
  const key = cubeKey(filter);
  // Amounts alone (or nothing) are answered from the pre-grouped amount bands; dates, search, pledgers and a
  // waterfall step need the pledges themselves.
  const amountsOnly =
    key.from === null && key.to === null && key.q === null && key.pledger.length === 0 && key.step === null && !key.overdue && key.as_of === null;
  // With a step, the pass applies the selections itself (cubeKey).
  const only = key.step === null ? selected : [];
  if (amountsOnly) return bandedCube(db, key.min, key.max, undefined, only);
  // Dates alone: the years pre-grouped (migration 030).
  const datesOnly = (key.from !== null || key.to !== null) && isEmptyFilter({ ...key, from: null, to: null });
  if (datesOnly) return yearsCube(db, key.from, key.to, only) ?? cubeScan(db, key, only);
  // As of a day, amounts alone (or nothing): see asOfBanded.
  const asOfAmountsOnly = key.as_of !== null && isEmptyFilter({ ...key, min: null, max: null, as_of: null });
  return (asOfAmountsOnly ? asOfBanded(db, key) : undefined) ?? cubeScan(db, key, only);
}

/**
 * The grouped pass as of a day for amounts alone (or nothing), when most pledges were announced by then: the amount
 * bands' groups (every pledge, today's statuses) less a pass over the pledges announced after the day, read
 * through the date index, then the pledges whose status changed after the day moved to their groups of then. A
 * recent day reads a few pledges instead of nearly all. Undefined when most were announced later: a pass over those
 * announced by then reads fewer.
 */
function asOfBanded(db: Db, key: PledgeFilter): CubeGroup[] | undefined {
  const after = datedBy(key.as_of!);
  const later: PledgeFilter = { ...EMPTY_FILTER, from: after, min: key.min, max: key.max };
  if (2 * announcedAbout(db, after, null) > announcedAbout(db, null, null)) return undefined;
  const all = bandedCube(db, key.min, key.max);
  const subtracted = groupedPass(db, whereClause(later, db), 'pledges_announced_on_idx', []);
  const byKey = new Map(all.map((group) => [groupKey(group), { ...group }]));
  for (const group of subtracted) {
    const known = byKey.get(groupKey(group))!;
    for (const column of GROUP_SUMS) known[column] -= group[column];
  }
  const left = [...byKey.values()].filter((group) => group.pledge_count > 0);
  return asOfGroups(db, left, whereClause(key, db), key.as_of!);
}

/** The grouped pass over the pledges matching key (a cubeKey). */
export function cubeScan(db: Db, key: PledgeFilter, selected: Selected = []): CubeGroup[] {
  const clause = whereClause(key, db);
  // Both indexes hold every column the pass reads. Left to itself the planner may prefer a skip-scan of a
  // narrower index and then read a table row for each entry. A date range reads its part of the date index,
  // then sorts it into groups; past about an eighth of the pledges, walking the whole cube index (already in
  // group order) costs less than that sort (the eighth is measured in docs/performance.md).
  const dated = key.from !== null || key.to !== null || key.as_of !== null;
  const to = announcedBy(key);
  const narrow = dated && !key.overdue && 8 * announcedAbout(db, key.from, to === null ? null : datedBy(to)) < announcedAbout(db, null, null);
  // A pledger selection is best read from the pledger index, a search from its matches by id, a waterfall step
  // that lists few pledges by their ids: the planner's choice. A step that lists most of them matches each by its
  // share and kind too, which the cube index holds.
  // The overdue pledges are read from their own index, which holds every column the pass reads.
  const index =
    key.pledger.length > 0 || key.q !== null || (key.step !== null && !ROW_STEPS.includes(key.step))
      ? null
      : overdueByIndex(key)
        ? OVERDUE_INDEX
        : narrow
        ? 'pledges_announced_on_idx'
        : dated || clause.sql === '' || key.step !== null
          ? 'pledges_cube_idx'
          : null;
  return groupedPass(db, clause, index, selected, key.as_of);
}
