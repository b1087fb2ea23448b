// The grouped rows come from SQLite as one JSON text (groupsOf in dashboard.groups.ts): every value must arrive as
// the driver would have given it row by row, text of any character and sums past 2^53 included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { migrate } from '../../server/platform/migrate.ts';
import { cubeOf } from '../../server/dashboard/dashboard.cube.ts';
import { CUBE_FIELDS, FIELDS_SQL, GROUP_SUMS, SUMS_SQL, groupKey, selectedOf, type CubeGroup } from '../../server/dashboard/dashboard.groups.ts';
import { parseFilter } from '../../server/pledges/pledges.filter.ts';
import { addPledge, tempDbPath } from '../helpers.ts';

const COUNTRIES = ['Côte d’Ivoire', 'Say "when" \\ now', 'Tab\there', '日本 🚀', 'Line\nbreak', '</script>'];

let db: Db;
beforeAll(() => {
  db = openDatabase(tempDbPath());
  migrate(db);
  // Eleven pledges of $900T each in one group: a sum of 9.9e15, past 2^53 (9.007e15), with an odd last digit.
  for (let i = 0; i < 11; i++) addPledge(db, { country: 'Japan', amount_usd: 900_000_000_000_001 + i, us_share_pct: 37.5 });
  COUNTRIES.forEach((country, i) => addPledge(db, { country, amount_usd: 1_000_000 * (i + 1), us_share_pct: null, lever: null }));
  addPledge(db, { country: 'Japan', amount_usd: null });
}, 60_000);
afterAll(() => db.close());

/** The groups as the driver gives the same statement's rows, one value at a time. */
function rowByRow(where = ''): CubeGroup[] {
  const rows = db
    .prepare(`SELECT ${FIELDS_SQL}, ${SUMS_SQL} FROM pledges p ${where} GROUP BY sector, status, country, lever, pledger_kind, commitment_kind`)
    .all() as CubeGroup[];
  return rows.map((row) => ({ ...row }));
}

const byKey = (groups: CubeGroup[]) => new Map(groups.map((group) => [groupKey(group), group]));

describe('grouped rows read as one text', () => {
  it('gives every field and sum the driver gives, for any text and for sums past 2^53', () => {
    const read = cubeOf(db, parseFilter({ from: '2000' }, '2026-06-30'));
    const expected = rowByRow();
    expect(read).toHaveLength(expected.length);
    const got = byKey(read);
    for (const group of expected) expect(got.get(groupKey(group))).toEqual(group);
    const countries = read.map((group) => group.country);
    for (const country of COUNTRIES) expect(countries).toContain(country);
    const japan = read.find((group) => group.country === 'Japan' && group.disclosed_count === 11)!;
    // The exact sum is 9,900,000,000,000,066; a double holds the nearest, as the driver's number does.
    expect(japan.amount_usd).toBe(Number(9_900_000_000_000_066n));
    expect(japan.pledge_count).toBe(12);
  });

  it('reads a selection’s narrowed statement the same way', () => {
    const filter = parseFilter({ country: ['Say "when" \\ now', '日本 🚀'], from: '2000' }, '2026-06-30');
    const read = cubeOf(db, filter, selectedOf(filter));
    const chosen = read.filter((group) => filter.country.includes(group.country));
    expect(chosen.map((group) => group.country).sort()).toEqual(['Say "when" \\ now', '日本 🚀'].sort());
    const expected = byKey(rowByRow());
    for (const group of chosen) expect(group).toEqual(expected.get(groupKey(group)));
    for (const field of CUBE_FIELDS) for (const group of read) expect(typeof group[field]).toBe('string');
    for (const column of GROUP_SUMS) for (const group of read) expect(typeof group[column]).toBe('number');
  });

  it('gives no groups for a view of no pledges', () => {
    expect(cubeOf(db, parseFilter({ from: '2031' }, '2026-06-30'))).toEqual([]);
  });
});
