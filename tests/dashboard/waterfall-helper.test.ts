// The views' waterfall ledgers worked out on the helper's thread (dashboard.waterfall-helper.ts, a read-only
// connection of its own) while the server's thread adds up the summary: the same waterfalls as worked out on the
// server's thread alone, for searches, steps, days in the past, ranges and selections; a write between the helper's
// read and the view's; a helper that cannot open the database; its end after a quiet spell and before an export.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { cubeOf } from '../../server/dashboard/dashboard.cube.ts';
import { packStaleFacts } from '../../server/dashboard/dashboard.packing.ts';
import { cachedSummary, cachedWaterfall, ReadCache, viewConcessions, waterfallAhead } from '../../server/dashboard/dashboard.reads.ts';
import { MAX_CONCESSION_JOINS } from '../../server/dashboard/dashboard.charts.ts';
import { listConcessions } from '../../server/events/concessions.repository.ts';
import { computeWaterfall } from '../../server/dashboard/dashboard.waterfall.ts';
import { summarize } from '../../server/dashboard/dashboard.summary.ts';
import { WaterfallHelper } from '../../server/dashboard/dashboard.waterfall-helper.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { collectBeforeLongWork, releaseBeforeLongWork } from '../../server/platform/memory.ts';
import { parseFilter, type PledgeFilter } from '../../server/pledges/pledges.filter.ts';
import { searchMatchIds, stepLedgerMatches, whereClause } from '../../server/pledges/pledges.sql.ts';
import { releaseHeldIds } from '../../server/platform/kept-ids.ts';
import { addPledge, freshApp, TEST_TODAY, type TestContext } from '../helpers.ts';

let ctx: TestContext;
const helpers: WaterfallHelper[] = [];
beforeAll(() => {
  ctx = freshApp({ seed: false });
  generatePledges(ctx.db, { rows: 6_000, seed: 11 });
  packStaleFacts(ctx.db);
}, 60_000);
afterAll(() => {
  for (const helper of helpers) helper.close();
  ctx?.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A helper over the test's database file, each view's ledger waited for as long as a slow machine needs. */
function newHelper(file = ctx.file, idleMs = 60_000): WaterfallHelper {
  const helper = new WaterfallHelper(file, { idleMs, waitMs: 30_000 });
  helpers.push(helper);
  return helper;
}

/** Starts the helper's thread and waits until it takes a view (its first ledger read and dropped). */
async function ready(helper: WaterfallHelper): Promise<void> {
  const filter = parseFilter({ sector: 'Energy' }, TEST_TODAY);
  for (let tries = 0; !helper.ask('warm-up', filter); tries++) {
    if (tries > 600) throw new Error('the helper never became ready');
    await sleep(50);
  }
  expect(helper.take(ctx.db, 'warm-up')).not.toBeNull();
}

/**
 * The view's waterfall and the concessions its charts join, as a reader's dashboard works them out with the helper:
 * asked ahead, then the summary, the concessions, the waterfall.
 */
function throughHelper(cache: ReadCache, filter: PledgeFilter) {
  waterfallAhead(cache, ctx.db, filter, true);
  const summary = cachedSummary(cache, ctx.db, filter);
  const concessions = viewConcessions(cache, ctx.db, filter, MAX_CONCESSION_JOINS, summary.totals.pledge_count);
  return { waterfall: cachedWaterfall(cache, ctx.db, filter), concessions, summary };
}

/** The concessions the charts join, read on the server's thread alone. */
const concessionsHere = (filter: PledgeFilter, viewPledges: number) => listConcessions(ctx.db, { filter: { pledges: filter, types: [] }, limit: MAX_CONCESSION_JOINS, viewPledges });

/** A search's matches as one statement matching every pledge's text finds them. */
function matchedInStatement(q: string): number[] {
  const where = whereClause({ ...parseFilter({}, TEST_TODAY), q });
  return ctx.db.prepare(`SELECT p.id FROM pledges p ${where.sql} ORDER BY p.id`).pluck().all(...where.params) as number[];
}

/** The views a reader asks for that read their waterfall: searches, steps, days in the past, ranges, selections. */
const VIEWS: Record<string, string | string[]>[] = [
  { q: 'ing' },
  { q: 'energy' },
  { q: 'center 1', sector: 'Energy' },
  { step: 'not_new' },
  { step: 'not_investment', q: 'Steel' },
  { step: 'outside_us', country: 'Germany' },
  { step: 'overlaps' },
  { as_of: '2024-06-30', q: 'supply' },
  { as_of: '2023-01-01', sector: 'Energy' },
  { as_of: '2022-06-30', min: '1B' },
  { max: '1B', from: '2019' },
  { overdue: '1' },
  { pledger: 'Nvidia', from: '2020' },
  { status: 'completed', country: 'Japan' },
];

describe('the waterfall helper', () => {
  it('gives every view the waterfall the server’s thread works out alone, from its own connection', async () => {
    const helper = newHelper();
    await ready(helper);
    let deducting = 0;
    let joined = 0;
    for (const view of VIEWS) {
      const filter = parseFilter(view, TEST_TODAY);
      const { used, concessions: taken, halves } = helper.counts;
      releaseHeldIds(ctx.db);
      const { waterfall, concessions, summary } = throughHelper(new ReadCache(ctx.db, () => TEST_TODAY, helper), filter);
      expect(helper.counts.used, JSON.stringify(view)).toBe(used + 1);
      // A search is found in halves, one on each thread (a term that reads no text, all of it on the server's, the
      // helper taking them rather than finding them again); the matches held are those found alone.
      expect(helper.counts.halves, JSON.stringify(view)).toBe(halves + (filter.q !== null ? 1 : 0));
      if (filter.q !== null) expect(searchMatchIds(ctx.db, filter.q), JSON.stringify(view)).toEqual(matchedInStatement(filter.q));
      expect(waterfall, JSON.stringify(view)).toEqual(computeWaterfall(ctx.db, filter, cubeOf(ctx.db, filter)));
      // A search's concessions come from the helper too, the same as read here.
      expect(helper.counts.concessions, JSON.stringify(view)).toBe(taken + (filter.q === null ? 0 : 1));
      expect(concessions, JSON.stringify(view)).toEqual(concessionsHere(filter, summary.totals.pledge_count));
      if (waterfall.steps.filter((step) => step.deducted_usd > 0).length >= 3) deducting++;
      if (filter.q !== null && concessions.length > 0) joined++;
    }
    // What the comparison covers: views whose ledgers take dollars off in several steps, searches with concessions.
    expect(deducting).toBeGreaterThan(VIEWS.length / 2);
    expect(joined).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('is not waited for on a view whose summary is kept, nor on a day’s view its per-field sums serve', async () => {
    const helper = newHelper();
    await ready(helper);
    const cache = new ReadCache(ctx.db, () => TEST_TODAY, helper);
    const filter = parseFilter({ q: 'plant' }, TEST_TODAY);
    cachedSummary(cache, ctx.db, filter);
    waterfallAhead(cache, ctx.db, filter);
    waterfallAhead(cache, ctx.db, parseFilter({ as_of: '2023-06-30' }, TEST_TODAY));
    expect(helper.counts.asked).toBe(1);
    expect(cachedWaterfall(cache, ctx.db, filter)).toEqual(computeWaterfall(ctx.db, filter, cubeOf(ctx.db, filter)));
  }, 60_000);

  it('keeps the step lists the server’s thread hands it, and works out the same waterfall from them', async () => {
    const helper = newHelper();
    await ready(helper);
    // The front page's step lists, kept at start by the server's thread (warmReads); those of a step under a
    // selection, not kept yet, are the helper's to work out.
    const front = parseFilter({}, TEST_TODAY);
    stepLedgerMatches(ctx.db, { ...front, step: 'superseded' });
    const handed = helper.counts.stepLists;
    // Kept as handed the first time; under the same lists again, the helper's connection keeps them already.
    for (const [view, kept] of [
      [{ step: 'not_new' }, true],
      [{ step: 'overlaps' }, false],
      [{ step: 'outside_us', country: 'Japan' }, false],
    ] as const) {
      const filter = parseFilter(view, TEST_TODAY);
      const before = helper.counts.stepLists;
      const { waterfall } = throughHelper(new ReadCache(ctx.db, () => TEST_TODAY, helper), filter);
      expect(helper.counts.stepLists - before, JSON.stringify(view)).toBe(kept ? 1 : 0);
      expect(waterfall, JSON.stringify(view)).toEqual(computeWaterfall(ctx.db, filter, cubeOf(ctx.db, filter)));
      expect(waterfall.steps.some((step) => step.deducted_usd > 0)).toBe(true);
    }
    expect(helper.counts.stepLists).toBe(handed + 1);
  }, 60_000);

  it('works out a filtered step’s lists for the server’s thread, which adds up the rest meanwhile, to SQL’s figures', async () => {
    const helper = newHelper();
    await ready(helper);
    // Steps that list pledges by their own columns too, under a filter whose lists no connection keeps yet: the
    // helper sends them; a step of the ledger alone (overlaps) reads only the ledger's pledges, and waits for none.
    for (const [view, sent] of [
      [{ step: 'not_new', min: '1' }, true],
      [{ step: 'outside_us', country: 'Japan', from: '2019' }, true],
      [{ step: 'not_investment', q: 'Steel' }, true],
      [{ step: 'not_new', pledger: ['Nvidia', 'Intel'], to: '2024' }, true],
      [{ step: 'not_new', as_of: '2023-06-30', sector: 'Energy' }, true],
      [{ step: 'overlaps', min: '1' }, false],
    ] as const) {
      const filter = parseFilter(view, TEST_TODAY);
      const given = helper.counts.listsGiven;
      releaseHeldIds(ctx.db);
      const { waterfall, summary } = throughHelper(new ReadCache(ctx.db, () => TEST_TODAY, helper), filter);
      expect(helper.counts.listsGiven - given, JSON.stringify(view)).toBe(sent ? 1 : 0);
      expect(summary, JSON.stringify(view)).toEqual(summarize(ctx.db, filter));
      expect(summary.totals.pledge_count, JSON.stringify(view)).toBeGreaterThan(0);
      expect(waterfall, JSON.stringify(view)).toEqual(computeWaterfall(ctx.db, filter, cubeOf(ctx.db, filter)));
      // The lists it sent are this connection's own now: the step's table reads them, without the ledger again.
      expect(stepLedgerMatches(ctx.db, { ...filter, step: filter.step! }).length, JSON.stringify(view)).toBeGreaterThan(0);
    }
  }, 120_000);

  it('is not used when a write came between its read and the view’s: the view works its ledger out again', async () => {
    const helper = newHelper();
    await ready(helper);
    const filter = parseFilter({ q: 'Written between' }, TEST_TODAY);
    const cache = new ReadCache(ctx.db, () => TEST_TODAY, helper);
    waterfallAhead(cache, ctx.db, filter);
    for (let tries = 0; helper.busy; tries++) {
      if (tries > 600) throw new Error('the helper never answered');
      await sleep(50);
    }
    // The helper read the view with no pledge in it; two are written before the view reads its waterfall, one of
    // them of $0, which the ledger works out (no step lists it).
    addPledge(ctx.db, { pledger: 'Written between', project: 'A plant', amount_usd: 7_000_000_000, us_share_pct: 50 });
    addPledge(ctx.db, { pledger: 'Written between', project: 'A promise', amount_usd: 0, us_share_pct: 50 });
    const used = helper.counts.used;
    const waterfall = cachedWaterfall(cache, ctx.db, filter);
    expect(helper.counts.used).toBe(used);
    expect(waterfall.announced_usd).toBe(7_000_000_000);
    expect(waterfall.steps.find((step) => step.step === 'not_new')!.pledge_count).toBe(1);
    expect(waterfall).toEqual(computeWaterfall(ctx.db, filter, cubeOf(ctx.db, filter)));
  }, 60_000);

  it('sends no step lists of another version: after a write, the server’s thread works them out itself', async () => {
    const helper = newHelper();
    await ready(helper);
    const filter = parseFilter({ step: 'not_new', min: '2', sector: 'Energy' }, TEST_TODAY);
    const cache = new ReadCache(ctx.db, () => TEST_TODAY, helper);
    waterfallAhead(cache, ctx.db, filter);
    for (let tries = 0; helper.busy; tries++) {
      if (tries > 600) throw new Error('the helper never answered');
      await sleep(50);
    }
    // Written after the helper's lists: a pledge the step lists (a positive amount outside the ledger).
    addPledge(ctx.db, { pledger: 'Written after the lists', project: 'A plant', amount_usd: 900_000_000_000_000, sector: 'Energy', us_share_pct: 50 });
    const given = helper.counts.listsGiven;
    const summary = cachedSummary(cache, ctx.db, filter);
    expect(helper.counts.listsGiven).toBe(given);
    expect(summary).toEqual(summarize(ctx.db, filter));
    expect(summary.by_pledge.some((row) => row.pledger === 'Written after the lists')).toBe(true);
  }, 60_000);

  it('finds no half of a search for a view when a write came after it did: the view finds that half itself', async () => {
    const helper = newHelper();
    await ready(helper);
    const filter = parseFilter({ q: 'Halves apart' }, TEST_TODAY);
    const cache = new ReadCache(ctx.db, () => TEST_TODAY, helper);
    releaseHeldIds(ctx.db);
    waterfallAhead(cache, ctx.db, filter);
    for (let tries = 0; helper.busy; tries++) {
      if (tries > 600) throw new Error('the helper never answered');
      await sleep(50);
    }
    // The helper found no match from the split on; the pledge written since is there, past the split.
    const id = addPledge(ctx.db, { pledger: 'Halves apart', amount_usd: 3_000_000_000 });
    const halves = helper.counts.halves;
    const summary = cachedSummary(cache, ctx.db, filter);
    expect(helper.counts.halves).toBe(halves);
    expect(summary.totals.pledge_count).toBe(1);
    expect(searchMatchIds(ctx.db, filter.q!)).toEqual([id]);
  }, 60_000);

  it('has the view find its search whole when a write came between its half and the helper’s', () => {
    // A stand-in for the helper whose half comes after a write (another connection's, in the server: an import).
    const filter = parseFilter({ q: 'Halves written' }, TEST_TODAY);
    let written = 0;
    const between = {
      ask: () => true,
      splitOf: () => 2,
      giveSearchHalf: () => {},
      takeSearchHalf: () => {
        written = addPledge(ctx.db, { pledger: 'Halves written', amount_usd: 2_000_000_000 });
        return [];
      },
      take: () => null,
      takeConcessions: () => null,
    } as unknown as WaterfallHelper;
    releaseHeldIds(ctx.db);
    cachedSummary(new ReadCache(ctx.db, () => TEST_TODAY, between), ctx.db, filter);
    expect(written).toBeGreaterThan(0);
    // Held for the data version after the write: its matches, not a half from before it and one from after.
    expect(searchMatchIds(ctx.db, filter.q!)).toEqual([written]);
  });

  it('leaves the views to the server’s thread when it cannot open the database, says why, and waits to retry', async () => {
    const errors: Error[] = [];
    // Not ended for quiet (idleMs) before its thread has failed to open the file, however slow the machine.
    const helper = new WaterfallHelper(`${ctx.file}.missing`, { idleMs: 60_000, waitMs: 30_000, retryMs: 60_000, onError: (error) => errors.push(error) });
    helpers.push(helper);
    const filter = parseFilter({ q: 'energy', min: '1B' }, TEST_TODAY);
    expect(helper.ask('first', filter)).toBe(false);
    expect(helper.running).toBe(true);
    for (let tries = 0; helper.running; tries++) {
      if (tries > 600) throw new Error('the helper never ended');
      await sleep(50);
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'SQLITE_CANTOPEN' });
    const { waterfall } = throughHelper(new ReadCache(ctx.db, () => TEST_TODAY, helper), filter);
    expect(helper.counts.used).toBe(0);
    expect(waterfall).toEqual(computeWaterfall(ctx.db, filter, cubeOf(ctx.db, filter)));
    // Not started again for every view while it would fail again.
    expect(helper.running).toBe(false);
    expect(helper.counts.started).toBe(1);
  }, 60_000);

  it('ends after a quiet spell, and before an export, and starts again with the next view', async () => {
    const helper = newHelper(ctx.file, 300);
    await ready(helper);
    expect(helper.running).toBe(true);
    await sleep(1_000);
    expect(helper.running).toBe(false);
    await ready(helper);
    expect(helper.counts.started).toBe(2);
    const release = releaseBeforeLongWork(() => helper.close());
    try {
      collectBeforeLongWork();
    } finally {
      release();
    }
    expect(helper.running).toBe(false);
  }, 60_000);

  it('serves the dashboard and the summary API over HTTP with the same waterfall', async () => {
    const helper = newHelper();
    await ready(helper);
    const cache = new ReadCache(ctx.db, () => TEST_TODAY, helper);
    const app = createApp({ db: ctx.db, today: () => TEST_TODAY, cache, config: { env: 'test', sessionSecret: 'test-secret-test-secret-test-secret!', trustProxy: false } });
    const filter = parseFilter({ q: 'data', sector: 'Energy' }, TEST_TODAY);
    const used = helper.counts.used;
    const summary = await request(app).get('/api/summary?q=data&sector=Energy').expect(200);
    expect(helper.counts.used).toBe(used + 1);
    expect(summary.body.waterfall).toEqual(computeWaterfall(ctx.db, filter, cubeOf(ctx.db, filter)));
    const page = await request(app).get('/?step=not_new&q=plant').expect(200);
    expect(helper.counts.used).toBe(used + 2);
    expect(page.text).toContain('waterfall');
  }, 60_000);
});
