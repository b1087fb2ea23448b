// The pre-grouped amount bands (migration 007) behind the dashboard's amount filters, and the ranked bars'
// shortcut through the head of an ordered index: each must give exactly what the plain pass over the pledges
// gives, on data with every kind of amount, share and horizon, after any write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRE_GROUPED } from '../../server/platform/bulk-load.ts';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { migrate } from '../../server/platform/migrate.ts';
import { cubeOf, cubeScan } from '../../server/dashboard/dashboard.cube.ts';
import { CUBE_FIELDS, type CubeGroup } from '../../server/dashboard/dashboard.groups.ts';
import { amountBand, bandedCube, bandRange, yearsCube } from '../../server/dashboard/dashboard.periods.ts';
import { EMPTY_FILTER, type PledgeFilter } from '../../server/pledges/pledges.filter.ts';
import { deletePledge, updatePledge } from '../../server/pledges/pledges.repository.ts';
import { MAX_BARS, summarize, timelineBetween, timelineByDate } from '../../server/dashboard/dashboard.summary.ts';
import { PER_YEAR, whereClause } from '../../server/pledges/pledges.sql.ts';
import { pledgersByMonth, pledgerValues, sortedFacetValues } from '../../server/dashboard/dashboard.facets.ts';
import type { FacetValue } from '../../server/pledges/pledge.model.ts';
import { addPledge, drift, pledgeFixture, tempDbPath } from '../helpers.ts';

const EDITOR = { id: null, username: 'test' };

let db: Db;
beforeAll(() => {
  db = openDatabase(tempDbPath());
  migrate(db);
  generatePledges(db, { rows: 20_000, seed: 11, batch: 5_000 });
  db.exec('ANALYZE');
  // 20,000 pledges with every index and trigger: a few seconds, more on a busy machine.
}, 60_000);
afterAll(() => db.close());

const sorted = (groups: CubeGroup[]) =>
  groups.map((group) => ({ ...group })).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
const key = (group: CubeGroup) => CUBE_FIELDS.map((field) => group[field]).join('\u0000');
const scanned = (min: number | null, max: number | null) => sorted(cubeScan(db, { ...EMPTY_FILTER, min, max }));

describe('amount bands', () => {
  it('numbers three bands a decade, 1-2-5, that follow one another without a gap', () => {
    expect([0, 1, 9, 10, 19, 20, 49, 50, 99, 100, 1_000_000_000, 1e15].map(amountBand)).toEqual([3, 3, 5, 6, 6, 7, 7, 8, 8, 9, 30, 48]);
    expect(bandRange(3)).toEqual({ low: 0, high: 1 });
    expect(bandRange(30)).toEqual({ low: 1_000_000_000, high: 1_999_999_999 });
    expect(bandRange(32)).toEqual({ low: 5_000_000_000, high: 9_999_999_999 });
    for (let band = 3; band < 48; band++) {
      const { low, high } = bandRange(band);
      expect(bandRange(band + 1).low).toBe(high + 1);
      expect([amountBand(low), amountBand(high)]).toEqual([band, band]);
    }
  });

  it('gives the same groups as the pass over the pledges, for ranges on band edges, inside bands and across them', () => {
    const cases: [number | null, number | null][] = [
      [null, null],
      [1_000_000_000, null],
      [1_000_000_001, null],
      [2_500_000_000, null],
      [null, 999_999_999],
      [null, 1_000_000_000],
      [null, 37_000_000],
      [500_000_000, 1_999_999_999],
      [300_000_000, 400_000_000],
      [1_500_000_000, 2_500_000_000],
      [123_456_789, 98_765_432_100],
      [0, 0],
      [0, 1e15],
      [1.5, 1.7],
      [2e15, null],
    ];
    let compared = 0;
    for (const [min, max] of cases) {
      const expected = scanned(min, max);
      // Both ways of reading the cut bands: through the amount index, and one walk of the cube index.
      expect(sorted(bandedCube(db, min, max)), `${min}..${max}`).toEqual(expected);
      expect(sorted(bandedCube(db, min, max, 0)), `${min}..${max} walked`).toEqual(expected);
      compared += expected.length;
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it('stays exact through inserts, edits that move a pledge between bands and groups, and deletes, by any connection', () => {
    const first = addPledge(db, { amount_usd: 3_000_000_000, lever: null, sector: 'Bands', horizon_years: null, horizon_end: '2030-01-01' });
    const second = addPledge(db, { amount_usd: null, us_share_pct: null, us_share_basis: null, sector: 'Bands' });
    // Shares the group and band the second pledge moves into, and stays there when the second leaves.
    addPledge(db, { amount_usd: 25, us_share_pct: 33.3, sector: 'Bands', horizon_years: null, horizon_end: null });
    const write = { pledge: pledgeFixture({ amount_usd: 45_000_000, sector: 'Bands moved', lever: 'subsidies', horizon_years: null }), eventIds: [], reason: 'test', statusChange: null };
    expect(updatePledge(db, first, write, EDITOR)).toBe(true);
    // Another connection, plain SQL: the triggers live in the database.
    const other = openDatabase(db.name);
    other.prepare("UPDATE pledges SET amount_usd = 20, horizon_years = NULL, horizon_end = '2001-01-01', announced_on = '2024' WHERE id = ?").run(second);
    // An end before the announcement is no horizon: the pledge leaves its group counted as such.
    other.prepare("UPDATE pledges SET sector = 'Bands again', us_share_pct = 50 WHERE id = ?").run(second);
    other.prepare('DELETE FROM pledges WHERE id = (SELECT max(id) FROM pledges WHERE amount_usd BETWEEN 5000000 AND 9000000)').run();
    other.close();
    expect(deletePledge(db, first, EDITOR, 'test')).toBe(true);
    addPledge(db, { amount_usd: 1_000_000_000_000_000, us_share_pct: 0.5, sector: 'Bands' });

    expect(sorted(bandedCube(db, null, null))).toEqual(scanned(null, null));
    // Each band alone is read from the table only (both ends on its edges): each must match its pledges.
    const bands = db.prepare('SELECT DISTINCT band FROM pledge_bands WHERE band >= 0 ORDER BY band').pluck().all() as number[];
    expect(bands.length).toBeGreaterThan(5);
    for (const band of bands) {
      const { low, high } = bandRange(band);
      expect(sorted(bandedCube(db, low, high)), `band ${band}`).toEqual(scanned(low, high));
    }
    expect(db.prepare('SELECT count(*) FROM pledge_bands WHERE pledge_count <= 0').pluck().get()).toBe(0);
    for (const table of PRE_GROUPED) expect(drift(db, table), table).toBe(0);
    // Each pre-grouped table computed afresh twice over the generated pledges: seconds, not milliseconds.
  }, 60_000);
});

describe('pledgers by month', () => {
  /** The pledger facet for a date range by a plain pass over the pledges. */
  const reference = (from: string | null, to: string | null) => {
    const where = whereClause({ ...EMPTY_FILTER, from, to });
    return db
      .prepare(`SELECT pledger AS value, count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd FROM pledges p ${where.sql} GROUP BY pledger`)
      .all(...where.params);
  };
  const byValue = (rows: unknown[]) => [...(rows as { value: string }[])].sort((a, b) => (a.value < b.value ? -1 : 1));

  it('gives the pledgers of any range of years, months or days, pledges announced with a year or a month alone included', () => {
    // Dates of every precision, on the edges the ranges below cut.
    for (const announced_on of ['2020', '2020-03', '2020-03-01', '2020-03-15', '2020-03-31', '2020-04', '2020-04-01', '2021', '2019-12-31']) {
      addPledge(db, { pledger: `Precise ${announced_on.length}`, announced_on, amount_usd: announced_on.length === 4 ? null : 1_000 });
    }
    const bounds = [null, '2019', '2020', '2020-03', '2020-03-15', '2020-03-31', '2020-04', '2020-04-01', '2021-06-30', '2030'];
    let compared = 0;
    for (const from of bounds) {
      for (const to of bounds) {
        if (from !== null && to !== null && from > to) continue;
        const expected = reference(from, to);
        expect(byValue(pledgersByMonth(db, from, to)), `${from}..${to}`).toEqual(byValue(expected));
        compared += expected.length;
      }
    }
    expect(compared).toBeGreaterThan(1_000);
    expect(drift(db, 'pledger_months')).toBe(0);
  });
});

describe('pledgers by group', () => {
  /** The pledger facet by a plain pass over the pledges: the filter but for its pledger selection. */
  const reference = (filter: PledgeFilter) => {
    const where = whereClause({ ...filter, pledger: [] });
    const rows = db
      .prepare(`SELECT pledger AS value, count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd FROM pledges p ${where.sql} GROUP BY pledger`)
      .all(...where.params) as FacetValue[];
    return sortedFacetValues(rows);
  };
  const selections: [string, Partial<PledgeFilter>][] = [
    ['a sector', { sector: ['Energy'] }],
    ['two sectors and a pledger (whose own selection the facet leaves out)', { sector: ['Energy', 'Semiconductors'], pledger: ['Nvidia'] }],
    ['a status and a country', { status: ['completed'], country: ['Japan'] }],
    ['no lever recorded, and a lever', { lever: ['none', 'tariffs'] }],
    ['no kind recorded', { pledger_kind: ['unknown'], commitment_kind: ['unknown', 'fund'] }],
    ['every field', { sector: ['Groups'], status: ['announced', 'completed'], country: ['Groups land'], lever: ['none'], pledger_kind: ['company'], commitment_kind: ['unknown'] }],
    ['a value no pledge has', { sector: ['Nowhere'] }],
  ];

  it('gives the pledgers of any selection of the six grouped fields, through inserts, edits and deletes by any connection', () => {
    const group = { sector: 'Groups', country: 'Groups land', lever: null, pledger_kind: 'company' as const, commitment_kind: null };
    const first = addPledge(db, { ...group, pledger: 'Grouped first', amount_usd: 7_000 });
    const second = addPledge(db, { ...group, pledger: 'Grouped second', amount_usd: null });
    addPledge(db, { ...group, pledger: 'Grouped first', amount_usd: 5 });
    const check = (when: string) => {
      let compared = 0;
      for (const [name, partial] of selections) {
        const filter = { ...EMPTY_FILTER, ...partial };
        const expected = reference(filter);
        expect(pledgerValues(db, filter), `${name}, ${when}`).toEqual(expected);
        compared += expected.length;
      }
      expect(compared).toBeGreaterThan(100);
      expect(drift(db, 'pledger_groups'), when).toBe(0);
    };
    check('after inserts');
    // Another connection, plain SQL: a pledge moved to another group, another pledger, another amount.
    const other = openDatabase(db.name);
    other.prepare("UPDATE pledges SET lever = 'tariffs', commitment_kind = 'fund', amount_usd = 9 WHERE id = ?").run(first);
    other.prepare("UPDATE pledges SET pledger = 'Grouped first' WHERE id = ?").run(second);
    other.prepare("UPDATE pledges SET status = 'completed' WHERE id = ?").run(second);
    other.prepare("DELETE FROM pledges WHERE id = (SELECT min(id) FROM pledges WHERE sector = 'Energy')").run();
    other.close();
    check('after edits');
    expect(deletePledge(db, first, EDITOR, 'test')).toBe(true);
    check('after a delete');
    // A group's last pledge gone leaves no row behind.
    expect(db.prepare("SELECT count(*) FROM pledger_groups WHERE pledge_count <= 0 OR sector = 'Groups' AND lever = 'tariffs'").pluck().get()).toBe(0);
  });
});

describe('pledgers by band', () => {
  const reference = (filter: PledgeFilter) => {
    const where = whereClause({ ...filter, pledger: [] });
    const rows = db
      .prepare(`SELECT pledger AS value, count(*) AS pledge_count, coalesce(sum(amount_usd), 0) AS amount_usd FROM pledges p ${where.sql} GROUP BY pledger`)
      .all(...where.params) as FacetValue[];
    return sortedFacetValues(rows);
  };
  const ranges: [string, Partial<PledgeFilter>][] = [
    ['a minimum on a band edge', { min: 1_000_000_000 }],
    ['a minimum inside a band', { min: 2_500_000_000 }],
    ['a range inside one band', { min: 300_000_000, max: 400_000_000 }],
    ['a range over whole bands and two cut ones', { min: 123_456_789, max: 98_765_432_100 }],
    ['a maximum with a lever and a pledger (which the facet leaves out)', { max: 999_999_999, lever: ['tariffs'], pledger: ['Nvidia'] }],
    ['a minimum with no lever recorded', { min: 5_000_000, lever: ['none'] }],
    ['a range with two sectors', { min: 20_000_000, max: 5_000_000_000, sector: ['Energy', 'Bands moved'] }],
    ['a range with no kind recorded', { min: 1, pledger_kind: ['unknown', 'company'] }],
    ['an empty range', { min: 1.5, max: 1.7 }],
  ];

  it('gives the pledgers of any amount range with one grouped field at most, through inserts, edits and deletes by any connection', () => {
    const check = (when: string) => {
      let compared = 0;
      for (const [name, partial] of ranges) {
        const filter = { ...EMPTY_FILTER, ...partial };
        const expected = reference(filter);
        expect(pledgerValues(db, filter), `${name}, ${when}`).toEqual(expected);
        compared += expected.length;
      }
      expect(compared).toBeGreaterThan(100);
      expect(drift(db, 'pledger_margins'), when).toBe(0);
    };
    check('before');
    const first = addPledge(db, { pledger: 'Banded', amount_usd: 2_600_000_000, lever: null, pledger_kind: null });
    const second = addPledge(db, { pledger: 'Banded', amount_usd: null, sector: 'Energy' });
    check('after inserts');
    const other = openDatabase(db.name);
    // Across bands, to another pledger, to a disclosed amount, each alone.
    other.prepare('UPDATE pledges SET amount_usd = 350000000 WHERE id = ?').run(first);
    other.prepare("UPDATE pledges SET pledger = 'Banded again' WHERE id = ?").run(first);
    other.prepare('UPDATE pledges SET amount_usd = 1000000000 WHERE id = ?').run(second);
    other.prepare("UPDATE pledges SET lever = 'tariffs' WHERE id = ?").run(second);
    other.close();
    check('after edits');
    expect(deletePledge(db, first, EDITOR, 'test')).toBe(true);
    check('after a delete');
    expect(db.prepare("SELECT count(*) FROM pledger_margins WHERE pledge_count <= 0 OR pledger = 'Banded again'").pluck().get()).toBe(0);
  });
});

describe('years', () => {
  const dated = (from: string | null, to: string | null) => sorted(cubeScan(db, { ...EMPTY_FILTER, from, to }));

  it('give the same groups as the pass over the pledges, for ranges on years, months and days, through writes', () => {
    // Dates of every precision on the edges the ranges cut.
    for (const announced_on of ['2019', '2019-12', '2019-12-31', '2020', '2020-01', '2020-01-01', '2021-06', '2021-06-30']) {
      addPledge(db, { announced_on, amount_usd: announced_on.length === 4 ? null : 7_000, sector: 'Years' });
    }
    const other = openDatabase(db.name);
    // A pledge moved to another year, and one to another group and amount in the same year.
    other.prepare("UPDATE pledges SET announced_on = '2017-02' WHERE id = (SELECT max(id) FROM pledges WHERE sector = 'Years')").run();
    other.prepare("UPDATE pledges SET lever = NULL, amount_usd = 3 WHERE id = (SELECT min(id) FROM pledges WHERE sector = 'Years')").run();
    other.prepare("DELETE FROM pledges WHERE id = (SELECT min(id) FROM pledges WHERE announced_on LIKE '2018%')").run();
    other.close();
    const years: [string | null, string | null][] = [
      ['2020', null],
      [null, '2019'],
      ['2018', '2021'],
      ['2019-12-31', null],
      ['2020-01', '2022-06-30'],
      [null, '2021-06'],
      ['2020-01-01', '2020-01-01'],
      ['2019-12', '2020'],
      ['2030', null],
    ];
    let served = 0;
    for (const [from, to] of years) {
      const expected = dated(from, to);
      const grouped = yearsCube(db, from, to);
      if (grouped !== undefined) {
        expect(sorted(grouped), `${from}..${to}`).toEqual(expected);
        served++;
      }
      // Whichever way it is read.
      expect(sorted(cubeOf(db, { ...EMPTY_FILTER, from, to })), `${from}..${to} by cubeOf`).toEqual(expected);
    }
    // The year-aligned ranges at least are read from the years.
    expect(served).toBeGreaterThanOrEqual(4);
    expect(drift(db, 'pledge_years')).toBe(0);
  });

  it('cut the timeline of every pledge to the timeline of a date range, running total included', () => {
    const everyDate = timelineByDate(db, EMPTY_FILTER);
    for (const [from, to] of [['2020', null], [null, '2019-12'], ['2019-12-31', '2021-06-30'], ['2020-01', '2020'], ['2031', null]] as const) {
      const expected = timelineByDate(db, { ...EMPTY_FILTER, from, to });
      expect(timelineBetween(everyDate, from, to), `${from}..${to}`).toEqual(expected);
    }
    expect(timelineByDate(db, { ...EMPTY_FILTER, from: '2020' }).length).toBeGreaterThan(100);
  });
});

describe('the ranked bars', () => {
  /** The top MAX_BARS by a plain sort of everything the filter matches. */
  const reference = (filter: PledgeFilter, order: string, extra = '') => {
    const where = whereClause(filter);
    return db
      .prepare(`SELECT p.id FROM pledges p ${where.sql ? `${where.sql} AND` : 'WHERE'} p.amount_usd IS NOT NULL ${extra} ORDER BY ${order} LIMIT ?`)
      .pluck()
      .all(...where.params, MAX_BARS);
  };

  it.each<[string, Partial<PledgeFilter>]>([
    ['no filter', {}],
    ['a lever and a minimum (found in the head of the index)', { lever: ['tariffs'], min: 1_000_000_000 }],
    ['a maximum (walked from the top of its range)', { max: 50_000_000 }],
    ['an amount range with a date', { min: 10_000_000, max: 1_000_000_000, from: '2019' }],
    ['a maximum and a sector (few pledges in the head of the range)', { max: 200_000_000, sector: ['Energy'] }],
    ['one pledger from a date (few pledges)', { pledger: ['Nvidia'], from: '2020' }],
    ['a search', { q: 'center 1' }],
  ])('are the largest amounts and the largest per year for %s', (_name, partial) => {
    const filter = { ...EMPTY_FILTER, ...partial };
    const summary = summarize(db, filter);
    expect(summary.by_pledge.length).toBeGreaterThan(0);
    expect(summary.by_pledge.map((row) => row.id)).toEqual(reference(filter, 'p.amount_usd DESC, p.id ASC'));
    expect(summary.by_per_year.map((row) => row.id)).toEqual(reference(filter, `${PER_YEAR} DESC, p.id ASC`, `AND ${PER_YEAR} IS NOT NULL`));
  });
});
