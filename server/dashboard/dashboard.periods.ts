// The pre-grouped periods: amounts in bands (pledge_bands, band_margins: migrations 007, 014, 027) and
// announcement dates in years (pledge_years, migration 030). A range adds up the periods it covers whole and reads
// only the pledges of the ones it cuts.
import type { Db } from '../platform/db.ts';
import { datedBy } from '../pledges/pledges.filter.ts';
import { padded } from '../pledges/pledges.sql.ts';
import { statement } from '../platform/statements.ts';
import { CUBE_FIELDS, GROUP_SUMS, GROUPED, groupedPass, groupsOf, merged, type CubeGroup, type Selected } from './dashboard.groups.ts';

/**
 * About how many pledges were announced from `from` until before `before` (either null): the month sums of
 * pledger_months (migration 008) whose period falls in the range by text, a month cut by the range counted whole or
 * not at all. Only to choose how a view is read, never shown: two exact counts over the date index took 50 and 11
 * ms at a million pledges, for a choice that a month either way does not change.
 */
export function announcedAbout(db: Db, from: string | null, before: string | null): number {
  return statement(db, 'SELECT coalesce(sum(pledge_count), 0) FROM pledger_months WHERE period >= ? AND (? IS NULL OR period < ?)')
    .pluck()
    .get(from ?? '', before, before === null ? null : before.slice(0, 7)) as number;
}

/**
 * An amount's band in pledge_bands (migration 007): three a decade, 1-2-5, numbered 3 × digits + 0, 1 or 2
 * (1 → 3, 2 → 4, 5 → 5, 10 → 6, ..., 1,000,000,000 → 30). Amounts are whole, non-negative dollars.
 */
export function amountBand(amount: number): number {
  const digits = String(amount);
  const lead = Number(digits[0]);
  return digits.length * 3 + (lead >= 5 ? 2 : lead >= 2 ? 1 : 0);
}

/** The amounts a band holds, from low to high inclusive. */
export function bandRange(band: number): { low: number; high: number } {
  const unit = 10 ** (Math.floor(band / 3) - 1);
  const step = band % 3;
  return { low: band === 3 ? 0 : [1, 2, 5][step]! * unit, high: [2, 5, 10][step]! * unit - 1 };
}

/**
 * The grouped pass for amounts between min and max (either may be null), from pledge_bands: the bands the
 * range covers whole are added up in SQL, and only the pledges of the bands it cuts (one at each end, at most)
 * are read (cutPledges; cutRowsByIndex chooses their index there). With neither bound, every band, the undisclosed
 * amounts included.
 */
export function bandedCube(db: Db, min: number | null, max: number | null, cutRowsByIndex?: number, selected: Selected = []): CubeGroup[] {
  const sums = GROUP_SUMS.map((column) => `sum(${column}) AS ${column}`).join(', ');
  const fromBands = (first: number, last: number) =>
    selected.length === 1
      ? bandsOfOneSelection(db, first, last, selected[0]!)
      : groupsOf(db, `SELECT ${GROUPED}, ${sums} FROM pledge_bands WHERE band BETWEEN ? AND ? GROUP BY ${GROUPED}`, [first, last], selected);
  // No range: the bands already added up (migration 014).
  if (min === null && max === null) return groupsOf(db, `SELECT ${GROUPED}, ${GROUP_SUMS.join(', ')} FROM pledge_groups`, [], selected);
  const span = amountSpan(min, max);
  if (span === null) return [];
  const parts: CubeGroup[][] = span.whole ? [fromBands(...span.whole)] : [];
  const cut = cutPledges(db, span, cutRowsByIndex);
  if (cut) parts.push(groupedPass(db, cut.where, cut.index, selected));
  return merged(parts);
}

/**
 * The grouped pass for the pledges announced from `from` until `to` (either may be null, not both; as the filter
 * reads them: from inclusive, to through its last day), from pledge_years (migration 030): the years the range
 * covers whole are added up in SQL, and only the pledges of a year it cuts are read, through the date index
 * (which holds every column the pass reads), as bandedCube does with amounts. A date's year is its first four
 * characters, whatever its precision, and every date of a year sorts from the year itself up to before the next.
 * Undefined when the years cut hold more than a sixteenth of the pledges: sorting those into groups costs more
 * than one walk of the cube index (cubeScan) at a million pledges (about 2.3 µs a pledge against 0.45 for each
 * entry walked).
 */
export function yearsCube(db: Db, from: string | null, to: string | null, selected: Selected = []): CubeGroup[] | undefined {
  const bound = to === null ? null : datedBy(to);
  const year = (text: string) => Number(text.slice(0, 4));
  // The first year every one of whose dates is on or after from, and the last every one of whose dates is before bound.
  const first = from === null ? null : from.length === 4 ? year(from) : year(from) + 1;
  const last = bound === null ? null : year(bound) - 1;
  const whole = first === null || last === null || first <= last;
  const parts: CubeGroup[][] = [];
  const cut: [string, string | null][] = [];
  if (whole) {
    const sums = GROUP_SUMS.map((column) => `sum(${column}) AS ${column}`).join(', ');
    parts.push(
      groupsOf(
        db,
        `SELECT ${GROUPED}, ${sums} FROM pledge_years WHERE year >= ? ${last === null ? '' : 'AND year <= ?'} GROUP BY ${GROUPED}`,
        [first === null ? '' : String(first), ...(last === null ? [] : [String(last)])],
        selected,
      ),
    );
    if (from !== null && from.length > 4) cut.push([from, String(first)]);
    if (bound !== null && bound.length > 4) cut.push([String(last! + 1), bound]);
  } else cut.push([from ?? '', bound]);
  const cutAbout = cut.reduce((sum, [low, high]) => sum + announcedAbout(db, low, high), 0);
  if (16 * cutAbout > announcedAbout(db, null, null)) return undefined;
  if (cut.length > 0) {
    const where = {
      sql: `WHERE (${cut.map(([, high]) => `(p.announced_on >= ?${high === null ? '' : ' AND p.announced_on < ?'})`).join(' OR ')})`,
      params: cut.flatMap(([low, high]) => (high === null ? [low] : [low, high])),
    };
    parts.push(groupedPass(db, where, 'pledges_announced_on_idx', selected));
  }
  return merged(parts);
}

/**
 * The whole bands first…last for one grouped field's selection (Selected): the groups of the values selected, from
 * pledge_bands, and each other value of the field added up, from band_margins (migration 027). The groups of the
 * other values carry that value alone, the other fields left empty: with one field selected, a group missing it
 * counts in that field's facet only, whatever its other fields (unmatchedField).
 */
function bandsOfOneSelection(db: Db, first: number, last: number, { field, values }: Selected[number]): CubeGroup[] {
  const list = padded<string>([...values]);
  const places = list.map(() => '?').join(', ');
  const fields = CUBE_FIELDS.map((other) => (other === field ? 'value' : "''")).join(', ');
  const sums = GROUP_SUMS.map((column) => `sum(${column})`).join(', ');
  return groupsOf(
    db,
    `SELECT ${GROUPED}, ${sums} FROM pledge_bands WHERE band BETWEEN ? AND ? AND ${field} IN (${places}) GROUP BY ${GROUPED}
     UNION ALL
     SELECT ${fields}, ${sums} FROM band_margins WHERE field = ? AND band BETWEEN ? AND ? AND value NOT IN (${places}) GROUP BY value`,
    [first, last, ...list, field, first, last, ...list],
    [],
  );
}

/**
 * How an amount range (min, max: either may be null, not both) falls on the bands: the bands it covers whole
 * (first, last), null for none, and the one or two ranges of amounts where it cuts a band. Null when the range
 * holds no whole dollar.
 */
export function amountSpan(min: number | null, max: number | null): { whole: [number, number] | null; cut: [number, number][] } | null {
  const low = Math.max(0, Math.ceil(min ?? 0));
  const high = max === null ? Number.MAX_SAFE_INTEGER : Math.floor(max);
  if (low > high) return null;
  const lowBand = amountBand(low);
  const highBand = max === null ? Number.MAX_SAFE_INTEGER : amountBand(high);
  const firstWhole = low === bandRange(lowBand).low ? lowBand : lowBand + 1;
  const lastWhole = max === null || high === bandRange(highBand).high ? highBand : highBand - 1;
  // A range inside one band cuts it once; otherwise each end band not covered whole is cut from its edge.
  const cut: [number, number][] =
    lowBand === highBand && firstWhole > lastWhole
      ? [[low, high]]
      : [...(firstWhole > lowBand ? [[low, bandRange(lowBand).high] as [number, number]] : []), ...(lastWhole < highBand ? [[bandRange(highBand).low, high] as [number, number]] : [])];
  return { whole: firstWhole <= lastWhole ? [firstWhole, lastWhole] : null, cut };
}

/**
 * The pledges of the bands a range cuts, as a condition over pledges p with the index to read them by: one range
 * of the amount index, which holds every column a grouped pass or the pledger facet reads (migration 029), then
 * sorted into groups; past an eighth of the pledges (or cutRowsByIndex, when given), one walk of the cube index,
 * already in group order, costs less than that sort. Undefined when the range cuts no band.
 */
export function cutPledges(
  db: Db,
  span: { cut: [number, number][] },
  cutRowsByIndex?: number,
): { where: { sql: string; params: unknown[] }; index: 'pledges_cube_idx' | 'pledges_amount_idx' } | undefined {
  if (span.cut.length === 0) return undefined;
  const where = { sql: `WHERE (${span.cut.map(() => 'p.amount_usd BETWEEN ? AND ?').join(' OR ')})`, params: span.cut.flat() };
  const rows = statement(db, `SELECT count(*) FROM pledges p INDEXED BY pledges_amount_idx ${where.sql}`).pluck().get(...where.params) as number;
  const walk = cutRowsByIndex === undefined ? 8 * rows > announcedAbout(db, null, null) : rows > cutRowsByIndex;
  return { where, index: walk ? 'pledges_cube_idx' : 'pledges_amount_idx' };
}
