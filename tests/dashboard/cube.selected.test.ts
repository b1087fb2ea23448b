// A selection of the grouped fields may narrow the grouped pass in SQL (cubeOf with selectedOf): its groups must
// give every total, lever, facet and waterfall figure the whole pass gives, for any filter around the selection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { migrate } from '../../server/platform/migrate.ts';
import { cubeOf } from '../../server/dashboard/dashboard.cube.ts';
import { selectedOf } from '../../server/dashboard/dashboard.groups.ts';
import { facets, pledgerValues } from '../../server/dashboard/dashboard.facets.ts';
import { summarize } from '../../server/dashboard/dashboard.summary.ts';
import { computeWaterfall } from '../../server/dashboard/dashboard.waterfall.ts';
import { parseFilter } from '../../server/pledges/pledges.filter.ts';
import { tempDbPath } from '../helpers.ts';

/** The date overdue is judged on. */
const ON = '2026-06-30';

let db: Db;
beforeAll(() => {
  db = openDatabase(tempDbPath());
  migrate(db);
  generatePledges(db, { rows: 6_000, seed: 5, batch: 3_000 });
  // Some pledges with no lever and no kinds: the grouped values 'none' and 'unknown' a filter can name.
  db.exec(`UPDATE pledges SET lever = NULL WHERE id % 13 = 0;
           UPDATE pledges SET pledger_kind = NULL, commitment_kind = NULL WHERE id % 17 = 0;
           UPDATE pledges SET new_money_usd = amount_usd / 2 WHERE id % 19 = 0 AND amount_usd IS NOT NULL;`);
}, 60_000);
afterAll(() => db.close());

const QUERIES = [
  'sector=Energy',
  'sector=Energy&sector=Semiconductors',
  'status=completed&country=Japan',
  'lever=tariffs&min=1000000000',
  'lever=none&max=2500000000',
  'lever=tariffs&lever=subsidies&min=1500000000&max=90000000000',
  'sector=Energy&min=1000000000',
  'pledger_kind=unknown&min=1234567',
  'country=Japan&country=Germany&max=500000000',
  'pledger_kind=government&commitment_kind=unknown',
  'commitment_kind=purchases_trade&from=2020',
  'country=Germany&pledger=Nvidia',
  'sector=Energy&q=plant',
  'status=announced&status=stalled&lever=export_controls&country=United%20States&from=2019&to=2023-06-30',
  'sector=Energy&step=overlaps',
  'sector=Nothing%20at%20all',
  'sector=Energy&lever=tariffs&overdue=1',
];

describe('a grouped pass narrowed to a selection', () => {
  it.each(QUERIES)('gives the whole pass’s figures for %s', (query) => {
    const filter = parseFilter(Object.fromEntries(new URLSearchParams(query)), ON);
    expect(selectedOf(filter).length).toBeGreaterThan(0);
    const whole = cubeOf(db, filter);
    const narrowed = cubeOf(db, filter, selectedOf(filter));
    const pledgers = pledgerValues(db, filter);
    expect(summarize(db, filter, narrowed)).toEqual(summarize(db, filter, whole));
    expect(facets(db, filter, 50, narrowed, pledgers)).toEqual(facets(db, filter, 50, whole, pledgers));
    expect(computeWaterfall(db, filter, narrowed)).toEqual(computeWaterfall(db, filter, whole));
    // Narrower, or the same when the step applies the selection itself.
    expect(narrowed.length).toBeLessThanOrEqual(whole.length);
  });

  it('is much smaller than the whole pass for one chosen value', () => {
    const filter = parseFilter({ lever: 'tariffs', min: '1000000000' }, ON);
    expect(cubeOf(db, filter, selectedOf(filter)).length * 3).toBeLessThan(cubeOf(db, filter).length);
  });
});
