// The facets beside every view: how many pledges each value of a field holds under the rest of the filter.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import { announcedBy, dateAfter, datedBy, EMPTY_FILTER, isEmptyFilter, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { OVERDUE_INDEX, overdueByIndex, padded, whereClause } from '../pledges/pledges.sql.ts';
import { cubeOf } from './dashboard.cube.ts';
import { CUBE_FIELDS, MANY, unmatchedField, type CubeGroup } from './dashboard.groups.ts';
import { amountSpan, cutPledges } from './dashboard.periods.ts';
import { FACET_FIELDS, type Facet, type FacetField, type FacetValue } from '../pledges/pledge.model.ts';

type CubeField = (typeof CUBE_FIELDS)[number];


/**
 * Each field's values among the matching pledges, with their count and summed amount. A field's own
 * selections are left out of its counts, so choosing a second sector shows what it would add.
 */
export function facets(
  db: Db,
  filter: PledgeFilter,
  limit = 10,
  groups: CubeGroup[] = cubeOf(db, filter),
  pledgers: FacetValue[] = pledgerValues(db, filter),
  overdue: OverdueTotals = overdueTotals(db, filter),
): Facet[] {
  const values = new Map(CUBE_FIELDS.map((field) => [field, new Map<string, FacetValue>()]));
  const add = (field: FacetField, group: CubeGroup) => {
    const value = group[field as CubeField];
    if (value === '') return;
    const byValue = values.get(field as CubeField)!;
    const row = byValue.get(value);
    if (row) {
      row.pledge_count += group.pledge_count;
      row.amount_usd += group.amount_usd;
    } else byValue.set(value, { value, pledge_count: group.pledge_count, amount_usd: group.amount_usd });
  };
  // One pass: a group meeting every selection counts in every facet; one missing a single field's selection
  // counts only in that field's facet (whose own selection is left out); any other group in none.
  for (const group of groups) {
    const missed = unmatchedField(group, filter);
    if (missed === null) for (const field of CUBE_FIELDS) add(field, group);
    else if (missed !== MANY) add(missed, group);
  }
  const fields: Facet[] = FACET_FIELDS.map((field) => {
    const all = field === 'pledger' ? pledgers : [...values.get(field)!.values()].sort(byCountThenValue);
    return { field, values: all.slice(0, limit), distinct: all.length };
  });
  // Overdue, after the statuses: the view's pledges overdue on its date (its own selection changes nothing to
  // that count); none overdue, no value.
  const overdueFacet: Facet = { field: 'overdue', values: overdue.pledge_count > 0 ? [{ value: 'overdue', ...overdue }] : [], distinct: overdue.pledge_count > 0 ? 1 : 0 };
  fields.splice(FACET_FIELDS.indexOf('status') + 1, 0, overdueFacet);
  return fields;
}

export interface OverdueTotals {
  pledge_count: number;
  amount_usd: number;
}

/**
 * How many of the filter's pledges are overdue on its date (filter.on), and their summed amount: one range of
 * the overdue index (the announced pledges by their due day), which holds every field a filter names, so no
 * table row is read. A search reads its matches by id, and a waterfall step its pledges: the planner's choice.
 */
export function overdueTotals(db: Db, filter: PledgeFilter): OverdueTotals {
  const view: PledgeFilter = { ...filter, overdue: true };
  const where = whereClause(view, db);
  const own = overdueByIndex(view) && view.q === null && view.step === null ? `INDEXED BY ${OVERDUE_INDEX}` : '';
  return statement(db, `SELECT count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd FROM pledges p ${own} ${where.sql}`).get(
    ...where.params,
  ) as OverdueTotals;
}

const byCountThenValue = (a: FacetValue, b: FacetValue) => b.pledge_count - a.pledge_count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/** The pledger facet: every pledger among the pledges matching the filter but for its pledger selection. */
export function pledgerValues(db: Db, filter: PledgeFilter): FacetValue[] {
  // The pledger facet reads no status: an as-of view's is that of the pledges announced by its date.
  if (isEmptyFilter({ ...filter, pledger: [], from: null, to: null, as_of: null })) return pledgersByMonth(db, filter.from, announcedBy(filter));
  const fieldsAlone = { ...filter, pledger: [], sector: [], status: [], country: [], lever: [], pledger_kind: [], commitment_kind: [] };
  const selected = CUBE_FIELDS.filter((field) => filter[field].length > 0);
  // The six grouped fields alone: their pre-grouped pledgers.
  if (isEmptyFilter(fieldsAlone)) return pledgersByGroup(db, filter, selected);
  // Amounts, with one grouped field selected at most: the pledgers per band.
  if (isEmptyFilter({ ...fieldsAlone, min: null, max: null }) && selected.length <= 1) return pledgersByBand(db, filter, selected[0]);
  const where = whereClause({ ...filter, pledger: [] }, db);
  // With a sector, status, country or lever chosen, the cube index holds every column this reads; left to
  // itself the planner may walk the pledger index and read each table row.
  // A search reads its own matches by id: the planner's choice.
  const grouped = filter.q === null && CUBE_FIELDS.some((field) => filter[field].length > 0);
  const rows = statement(
    db,
    `SELECT pledger AS value, count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd
       FROM pledges p ${grouped ? 'INDEXED BY pledges_cube_idx' : ''} ${where.sql} GROUP BY pledger`,
  ).all(...where.params) as FacetValue[];
  return sortedFacetValues(rows);
}

/**
 * The pledger facet of a view that selects among the six grouped fields alone, from pledger_groups (migration 026):
 * the rows of the groups it selects added up per pledger. The table spells the fields as the filter does (no lever
 * 'none', no kind 'unknown'), so each selection is a plain list.
 */
function pledgersByGroup(db: Db, filter: PledgeFilter, selected: CubeField[]): FacetValue[] {
  const lists = selected.map((field) => padded<string>(filter[field]));
  const where = selected.map((field, index) => `${field} IN (${lists[index]!.map(() => '?').join(', ')})`).join(' AND ');
  const rows = statement(
    db,
    `SELECT pledger AS value, sum(pledge_count) AS pledge_count, sum(amount_usd) AS amount_usd
       FROM pledger_groups ${where ? `WHERE ${where}` : ''} GROUP BY pledger`,
  ).all(...lists.flat()) as FacetValue[];
  return sortedFacetValues(rows);
}

/**
 * The pledger facet of an amount range with at most one grouped field selected (field), from pledger_margins
 * (migration 028): the bands the range covers whole added up per pledger (with no field selected, over every
 * sector), and the pledges of a band it cuts read as the grouped pass reads them (cutPledges).
 */
function pledgersByBand(db: Db, filter: PledgeFilter, field: CubeField | undefined): FacetValue[] {
  const span = amountSpan(filter.min, filter.max);
  if (span === null) return [];
  const values = field === undefined ? [] : padded<string>(filter[field]);
  const parts: FacetValue[][] = [];
  if (span.whole) {
    parts.push(
      statement(
        db,
        `SELECT pledger AS value, sum(pledge_count) AS pledge_count, sum(amount_usd) AS amount_usd FROM pledger_margins
          WHERE field = ? ${values.length > 0 ? `AND value IN (${values.map(() => '?').join(', ')})` : ''} AND band BETWEEN ? AND ? GROUP BY pledger`,
      ).all(field ?? 'sector', ...values, ...span.whole) as FacetValue[],
    );
  }
  const cut = cutPledges(db, span);
  if (cut) {
    const selection = whereClause(field === undefined ? EMPTY_FILTER : { ...EMPTY_FILTER, [field]: filter[field] });
    parts.push(
      statement(
        db,
        `SELECT pledger AS value, count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd
           FROM pledges p INDEXED BY ${cut.index} ${cut.where.sql} ${selection.sql.replace(/^WHERE /, 'AND ')} GROUP BY pledger`,
      ).all(...cut.where.params, ...selection.params) as FacetValue[],
    );
  }
  return addedUp(parts);
}

/** A facet's values, the most pledges first, then by value. */
export function sortedFacetValues(values: FacetValue[]): FacetValue[] {
  return values.sort(byCountThenValue);
}

/**
 * The pledger facet of the pledges announced from `from` up to `to` (either may be null), from pledger_months
 * (migration 008): the periods the range covers whole are added up, and only the pledges of a month it cuts (a
 * range starting or ending on a day) are read, through the date index. A period's smallest date is the period
 * itself ('2025-04', or '2025' for a year alone), and every date in a month starts with the month.
 */
export function pledgersByMonth(db: Db, from: string | null, to: string | null): FacetValue[] {
  const end = to === null ? null : datedBy(to);
  const before = end === null ? null : end.slice(0, 7);
  const whole = statement(
    db,
    `SELECT pledger AS value, sum(pledge_count) AS pledge_count, sum(amount_usd) AS amount_usd
       FROM pledger_months WHERE period >= ? ${before === null ? '' : 'AND period < ?'} GROUP BY pledger`,
  ).all(...[from ?? '', ...(before === null ? [] : [before])]) as FacetValue[];
  const cut = new Set([from, end].filter((date): date is string => date !== null && date.length >= 10).map((date) => date.slice(0, 7)));
  const parts = [whole];
  for (const month of cut) {
    const low = from !== null && from > month ? from : month;
    const next = dateAfter(month);
    const high = end !== null && end < next ? end : next;
    parts.push(
      statement(
        db,
        `SELECT pledger AS value, count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd
           FROM pledges p INDEXED BY pledges_announced_on_idx WHERE p.announced_on >= ? AND p.announced_on < ? GROUP BY pledger`,
      ).all(low, high) as FacetValue[],
    );
  }
  return addedUp(parts);
}

/** A facet read in parts (whole periods or bands from a table, the pledges of a cut one): each value once, sorted. */
function addedUp(parts: FacetValue[][]): FacetValue[] {
  if (parts.length === 1) return sortedFacetValues(parts[0]!);
  const values = new Map<string, FacetValue>();
  for (const row of parts.flat()) {
    const known = values.get(row.value);
    if (!known) values.set(row.value, { ...row });
    else {
      known.pledge_count += row.pledge_count;
      known.amount_usd += row.amount_usd;
    }
  }
  return sortedFacetValues([...values.values()]);
}
