// The dashboard's figures as of a day on 3,000 generated pledges with dated status steps, against the same figures
// worked out pledge by pledge in JavaScript from the rule (docs/methodology.md, "As of a date"): whichever way the
// grouped pass goes (the amount bands less the later pledges, or a pass over those announced by then), and with a
// selection, an amount range or a search beside the date.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cubeOf } from '../../server/dashboard/dashboard.cube.ts';
import { facets, overdueTotals, pledgerValues } from '../../server/dashboard/dashboard.facets.ts';
import { ReadCache, cachedFacets, cachedSummary, cachedWaterfall } from '../../server/dashboard/dashboard.reads.ts';
import { summarize } from '../../server/dashboard/dashboard.summary.ts';
import { computeWaterfall } from '../../server/dashboard/dashboard.waterfall.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { parseFilter } from '../../server/pledges/pledges.filter.ts';
import { overdueCondition } from '../../server/pledges/pledges.sql.ts';
import { freshApp, TEST_TODAY, type TestContext } from '../helpers.ts';

let ctx: TestContext;
// 3,000 pledges written one by one, each through the triggers that keep the pre-grouped tables: a few seconds, more
// on a loaded machine.
beforeAll(() => {
  ctx = freshApp({ seed: false });
  generatePledges(ctx.db, { rows: 3000, seed: 11 });
}, 60_000);
afterAll(() => ctx?.cleanup());

interface Row {
  id: number;
  status: string;
  announced_on: string;
  amount_usd: number | null;
  sector: string;
  pledger: string;
}

/** Each pledge's status on the day, by the rule, or undefined when it was announced later. */
function byHand(asOf: string): Map<number, Row> {
  const pledges = ctx.db.prepare('SELECT id, status, announced_on, amount_usd, sector, pledger FROM pledges').all() as Row[];
  const steps = ctx.db.prepare('SELECT pledge_id, status, changed_on FROM status_changes ORDER BY changed_on, id').all() as { pledge_id: number; status: string; changed_on: string }[];
  const seen = new Map<number, Row>();
  for (const pledge of pledges) {
    // Announced by the day: a month or a year counts from its first day ('2016-04' is after 2016-03-31).
    if (pledge.announced_on > asOf) continue;
    const own = steps.filter((step) => step.pledge_id === pledge.id);
    const changedLater = own.some((step) => step.changed_on > asOf);
    const then = own.filter((step) => step.changed_on <= asOf).at(-1)?.status ?? 'announced';
    seen.set(pledge.id, { ...pledge, status: changedLater ? then : pledge.status });
  }
  return seen;
}

function figures(query: Record<string, string>) {
  const cache = new ReadCache(ctx.db, () => TEST_TODAY);
  const filter = parseFilter(query, TEST_TODAY);
  const summary = cachedSummary(cache, ctx.db, filter);
  const status = cachedFacets(cache, ctx.db, filter).find((facet) => facet.field === 'status')!;
  return {
    pledges: summary.totals.pledge_count,
    pledged: summary.totals.pledged_usd,
    statuses: Object.fromEntries(status.values.filter((v) => v.pledge_count > 0).map((v) => [v.value, v.pledge_count])),
  };
}

function expected(rows: Row[], statusesOf: Row[]) {
  const statuses: Record<string, number> = {};
  for (const row of statusesOf) statuses[row.status] = (statuses[row.status] ?? 0) + 1;
  return { pledges: rows.length, pledged: rows.reduce((total, row) => total + (row.amount_usd ?? 0), 0), statuses };
}

describe('the dashboard as of a day, on generated histories', () => {
  it('has status steps to be tested on: most pledges changed status, many after some of the days', () => {
    expect(ctx.db.prepare('SELECT count(DISTINCT pledge_id) FROM status_changes').pluck().get()).toBeGreaterThan(2000);
  });

  it.each(['2016-03-31', '2018-06-30', '2021-01-01', '2024-06-30', '2025-12-31', TEST_TODAY])('counts every pledge and status as the rule gives them, as of %s', (asOf) => {
    const seen = [...byHand(asOf).values()];
    expect(figures({ as_of: asOf })).toEqual(expected(seen, seen));
    const large = seen.filter((row) => row.amount_usd !== null && row.amount_usd >= 1e9);
    expect(figures({ as_of: asOf, min: '1B' })).toEqual(expected(large, large));
    // A status selection keeps the pledges of that status then; its facet counts every status of the rest.
    const underWay = seen.filter((row) => row.status === 'under_way');
    expect(figures({ as_of: asOf, status: 'under_way' })).toEqual(expected(underWay, seen));
    const energy = seen.filter((row) => row.sector === 'Energy');
    expect(figures({ as_of: asOf, sector: 'Energy' })).toEqual(expected(energy, energy));
    const nvidia = seen.filter((row) => row.pledger === 'Nvidia');
    expect(figures({ as_of: asOf, pledger: 'Nvidia' })).toEqual(expected(nvidia, nvidia));
  });

  it.each(['2017-06-30', '2020-01-01', '2023-06-30', '2025-06-30', TEST_TODAY])('counts the pledges overdue as of %s as each pledge’s own steps say', (asOf) => {
    // Each pledge asks its own steps (the condition without a connection), against the kept statuses and spans.
    const own = overdueCondition(asOf, true);
    const byEach = (extra: string, params: unknown[] = []) =>
      ctx.db.prepare(`SELECT count(*) FROM pledges p WHERE p.announced_on <= ? AND ${own.sql} ${extra}`).pluck().get(asOf, ...own.params, ...params);
    const overdue = (query: Record<string, string>) =>
      cachedSummary(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, parseFilter({ as_of: asOf, ...query }, TEST_TODAY)).totals.overdue_count;
    expect(overdue({})).toBe(byEach(''));
    expect(overdue({ sector: 'Energy' })).toBe(byEach("AND p.sector = 'Energy'"));
    expect(overdue({ min: '1B' })).toBe(byEach('AND p.amount_usd >= ?', [1e9]));
    expect(byEach('')).toBeGreaterThan(0);
  });

  it.each(['2016-03-31', '2019-12-31', '2021-06-15', '2025-06-30', TEST_TODAY])(
    'reads every facet, total, lever, timeline point and waterfall step as of %s as a pass over the pledges gives them',
    (asOf) => {
      for (const query of [{ as_of: asOf }, { as_of: asOf, overdue: '1' }]) {
        const filter = parseFilter(query, TEST_TODAY);
        // The pass over the pledges with their statuses then (the path of a view with a selection).
        const groups = cubeOf(ctx.db, filter);
        const overdue = overdueTotals(ctx.db, filter);
        const cache = new ReadCache(ctx.db, () => TEST_TODAY);
        expect(cachedFacets(cache, ctx.db, filter)).toEqual(facets(ctx.db, filter, 10, groups, pledgerValues(ctx.db, filter), overdue));
        const summary = cachedSummary(cache, ctx.db, filter);
        const byPass = summarize(ctx.db, filter, groups, overdue);
        // Totals, levers, rankings and the timeline (cut from every pledge's, on the cached path).
        expect(summary).toEqual(byPass);
        expect(cachedWaterfall(cache, ctx.db, filter)).toEqual(computeWaterfall(ctx.db, filter, groups));
        expect(summary.totals.pledge_count).toBeGreaterThan(0);
      }
    },
  );
});

