// A search's dashboard added up from the pledges' packed facts (dashboard.packed.ts, migration 031) against the
// same pass read in SQL (dashboard.one-pass.ts): on generated pledges, with sums past 2^53, after writes from this
// connection and another, while another connection holds the write lock, and after a bulk load.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedFacets, cachedSummary, cachedWaterfall, PACKED_IN_REQUEST, ReadCache } from '../../server/dashboard/dashboard.reads.ts';
import { warmReads } from '../../server/app.ts';
import { cubeOf } from '../../server/dashboard/dashboard.cube.ts';
import { groupKey, type CubeGroup } from '../../server/dashboard/dashboard.groups.ts';
import { computeWaterfall } from '../../server/dashboard/dashboard.waterfall.ts';
import { facets } from '../../server/dashboard/dashboard.facets.ts';
import { onePass, type OnePass } from '../../server/dashboard/dashboard.one-pass.ts';
import { packedPass, packedServes, packedStepPass, sparseIn, warmGroupsThen } from '../../server/dashboard/dashboard.packed.ts';
import { rank, type Ranking } from '../../server/dashboard/dashboard.packed-blocks.ts';
import { MAX_BARS } from '../../server/dashboard/dashboard.summary.ts';
import { BLOCK_SHIFT, codesOf, packInBackground, packStaleFacts, staleFactBlocks } from '../../server/dashboard/dashboard.packing.ts';
import { summarize, type Summary } from '../../server/dashboard/dashboard.summary.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { parseFilter, type PledgeFilter } from '../../server/pledges/pledges.filter.ts';
import { searchMatchIds, stepLedgerMatches, whereClause } from '../../server/pledges/pledges.sql.ts';
import { ledgerIds } from '../../server/pledges/pledges.waterfall.sql.ts';
import { WATERFALL_STEPS } from '../../server/pledges/pledge.model.ts';
import { migrate, readMigrations } from '../../server/platform/migrate.ts';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { addPledge, freshApp, tempDbPath, TEST_TODAY, type TestContext } from '../helpers.ts';

let ctx: TestContext;
beforeAll(() => {
  ctx = freshApp({ seed: false });
  generatePledges(ctx.db, { rows: 10_000, seed: 5 });
  // One group and one pledger whose sums pass 2^53, in partial dates: ten pledges at the $1 quadrillion cap, then
  // twelve of $1, each of which a plain sum of floats past 2^53 (1e16: a step of 2) rounds away.
  for (let i = 0; i < 22; i++) {
    addPledge(ctx.db, {
      pledger: 'Huge Sums Holding',
      project: `Giga plant ${i}`,
      amount_usd: i < 10 ? 1_000_000_000_000_000 : 1,
      us_share_pct: 33.33,
      announced_on: i % 2 ? '2024' : '2024-07',
      sector: 'Giga "quoted" — sëctor',
      country: 'Ünited',
      lever: null,
      pledger_kind: null,
      commitment_kind: null,
    });
  }
}, 60_000);
afterAll(() => ctx?.cleanup());

const TERMS = ['ing', 'Nvidia', 'energy', 'center 1', 'the', 'Giga', 'zzqxv'];

/** Dates and amounts a search may be narrowed by in the packed pass: partial dates, an amount between two. */
const RANGES: Record<string, string>[] = [{ from: '2019' }, { min: '1B', to: '2024-06' }, { from: '2020-03-15', to: '2023', max: '5B' }, { max: '0' }];

/** Views without a search the packed pass serves: amounts, dates with amounts, the overdue pledges. */
const VIEWS: Record<string, string>[] = [
  { max: '1B', from: '2019' },
  { min: '2.5B' },
  { overdue: '1' },
  { overdue: '1', from: '2020', max: '10B' },
  { min: '1B', to: '2024-06' },
  { max: '0' },
];

/** Views with selections of the six grouped fields and of pledgers besides a search, a range, dates or the overdue pledges. */
const SELECTIONS: Record<string, string | string[]>[] = [
  { q: 'ing', sector: 'Energy' },
  { q: 'energy', country: ['Japan', 'Germany'], min: '1B' },
  { overdue: '1', status: 'announced', country: 'Japan' },
  { min: '2.5B', sector: 'Semiconductors', lever: 'none' },
  { q: 'plant', pledger: 'Nvidia' },
  { q: 'ing', pledger: ['Apple', 'South Korea'], commitment_kind: ['mixed', 'unknown', 'fund'] },
  { max: '1B', from: '2019', country: 'Japan', pledger_kind: ['company', 'unknown'] },
  { overdue: '1', q: 'plant', lever: ['tariffs', 'none'], pledger: 'Foxconn' },
  { sector: 'Energy', from: '2020' },
  { country: 'Japan', to: '2022-06', pledger_kind: 'government' },
  { pledger: ['Nvidia', 'Intel'], from: '2019-03-15', to: '2024' },
];

/** Waterfall steps' views: each step, with a search, dates, amounts, the overdue pledges and selections besides. */
const STEP_VIEWS: Record<string, string | string[]>[] = [
  { step: 'not_new' },
  { step: 'outside_us', sector: 'Energy' },
  { step: 'not_investment', from: '2019' },
  { step: 'contained' },
  { step: 'superseded', max: '5B' },
  { step: 'overlaps', country: ['Japan', 'United States', 'Germany', 'Taiwan'] },
  { step: 'not_new', q: 'ing' },
  { step: 'outside_us', q: 'plant', min: '1B' },
  { step: 'not_investment', overdue: '1' },
  { step: 'contained', q: 'ing', pledger_kind: 'company' },
  { step: 'not_new', pledger: ['Nvidia', 'Intel', 'Apple'], to: '2024' },
  { step: 'superseded', pledger: ['Nvidia', 'Intel', 'Apple', 'Samsung'] },
];

/** Views as of a day besides the day alone (or with the overdue pledges alone: the day's per-field sums serve those). */
const AS_OF_VIEWS: Record<string, string | string[]>[] = [
  { as_of: '2024-06-30', q: 'energy' },
  { as_of: '2023-01-01', sector: 'Energy' },
  { as_of: '2022-06-30', min: '1B' },
  { as_of: '2023-06-30', status: ['announced', 'stalled'] },
  { as_of: '2024-01-01', overdue: '1', q: 'ing' },
  { as_of: '2021-12-31', from: '2019', country: ['Japan', 'Germany'] },
  { as_of: '2024-06-30', step: 'not_new' },
  { as_of: '2023-03-15', step: 'overlaps' },
  { as_of: '2023-03-15', step: 'not_investment', status: 'under_way' },
  { as_of: '2022-06-30', pledger: ['Nvidia', 'Intel', 'Apple'], status: 'completed' },
  { as_of: '2020-06-30', overdue: '1', max: '10B', lever: ['tariffs', 'none'] },
];

/**
 * The pass as onePass and summarize read it in SQL, and as packedPass adds it up (a search's matches, or every pledge
 * when q is null); pledgers in the same order.
 */
function both(db: Db, q: string | null, range: Record<string, string> = {}): { sql: OnePass; packed: OnePass | null } {
  const byValue = (pass: OnePass) => ({ ...pass, pledgers: [...pass.pledgers].sort((a, b) => (a.value < b.value ? -1 : 1)) });
  const filter = parseFilter({ ...(q === null ? {} : { q }), ...range }, TEST_TODAY);
  const packed = packedPass(db, q === null ? null : searchMatchIds(db, q), TEST_TODAY, filter);
  const pass = onePass(db, filter);
  const summary = summarize(db, filter, pass.cube, pass.overdue!, pass.timeline);
  const ranked = { by_amount: summary.by_pledge.map((row) => row.id), by_per_year: summary.by_per_year.map((row) => row.id) };
  return { sql: byValue({ ...pass, ranked }), packed: packed && byValue(packed) };
}

/**
 * Expects the view's summary, facets and waterfall through a fresh cache (the packed pass, as a reader gets them) to
 * be those SQL reads; returns the summary.
 */
function expectAsSql(filter: PledgeFilter, label: string, db: Db = ctx.db): Summary {
  const cache = new ReadCache(db, () => TEST_TODAY);
  const summary = cachedSummary(cache, db, filter);
  expect(summary, label).toEqual(summarize(db, filter));
  expect(cachedFacets(cache, db, filter), label).toEqual(facets(db, filter));
  expect(cachedWaterfall(cache, db, filter), label).toEqual(computeWaterfall(db, filter, cubeOf(db, filter)));
  return summary;
}

const staleBlocks = (db: Db) => db.prepare('SELECT block FROM pledge_facts_stale ORDER BY block').pluck().all() as number[];

describe('a search’s dashboard from the packed facts', () => {
  it('gives every group, sum, overdue total, timeline point and pledger that SQL gives', () => {
    expect(staleBlocks(ctx.db).length).toBeGreaterThan(1);
    expect(packStaleFacts(ctx.db)).toBe(true);
    expect(staleBlocks(ctx.db)).toEqual([]);
    for (const q of TERMS) {
      const { sql, packed } = both(ctx.db, q);
      expect(packed, q).toEqual(sql);
    }
    for (const range of RANGES) {
      const { sql, packed } = both(ctx.db, 'ing', range);
      expect(packed, JSON.stringify(range)).toEqual(sql);
      expect(packed!.cube.length, JSON.stringify(range)).toBeLessThan(both(ctx.db, 'ing').packed!.cube.length);
    }
    // What the comparison covers: overdue and undisclosed pledges, several blocks, and sums past 2^53.
    const ing = both(ctx.db, 'ing').packed!;
    expect(ing.overdue!.pledge_count).toBeGreaterThan(0);
    expect(ing.cube.reduce((sum, group) => sum + group.pledge_count - group.disclosed_count, 0)).toBeGreaterThan(0);
    const ids = searchMatchIds(ctx.db, 'ing');
    expect(ids.at(-1)! >> BLOCK_SHIFT).toBeGreaterThan(1);
    const huge = both(ctx.db, 'Giga').packed!;
    expect(huge.pledgers.find((pledger) => pledger.value === 'Huge Sums Holding')!.amount_usd).toBe(10_000_000_000_000_012);
    expect(huge.cube.find((group) => group.sector.startsWith('Giga'))).toMatchObject({ lever: 'none', pledger_kind: 'unknown', country: 'Ünited' });
  });

  it('gives the same for every pledge of a view of amounts, dates with amounts, or the overdue pledges', () => {
    expect(packStaleFacts(ctx.db)).toBe(true);
    for (const range of VIEWS) {
      const { sql, packed } = both(ctx.db, null, range);
      expect(packed, JSON.stringify(range)).toEqual(sql);
      // Every view holds pledges but the last, which holds none.
      expect(packed!.cube.length > 0, JSON.stringify(range)).toBe(range.max !== '0');
    }
    // What the comparison covers: ties in the ranking by amount (ten pledges of $1 quadrillion, ranked by id) and
    // rankings of a full twenty.
    const huge = both(ctx.db, null, { min: '1000000B' }).packed!;
    expect(huge.ranked!.by_amount).toHaveLength(10);
    expect(huge.ranked!.by_amount).toEqual([...huge.ranked!.by_amount].sort((a, b) => a - b));
    const overdue = both(ctx.db, null, { overdue: '1' }).packed!;
    expect(overdue.ranked!.by_per_year).toHaveLength(20);
    expect(overdue.overdue!.pledge_count).toBe(overdue.cube.reduce((sum, group) => sum + group.pledge_count, 0));

    // Through the cache, as a reader gets them: the whole summary and facets, as SQL reads them without the packed facts.
    for (const range of VIEWS) {
      const filter = parseFilter(range, TEST_TODAY);
      const cache = new ReadCache(ctx.db, () => TEST_TODAY);
      expect(cachedSummary(cache, ctx.db, filter), JSON.stringify(range)).toEqual(summarize(ctx.db, filter));
      expect(cachedFacets(cache, ctx.db, filter), JSON.stringify(range)).toEqual(facets(ctx.db, filter));
    }
  });

  it('gives the same with selections of the grouped fields and of pledgers, through the cache', () => {
    expect(packStaleFacts(ctx.db)).toBe(true);
    for (const view of SELECTIONS) {
      const filter = parseFilter(view, TEST_TODAY);
      const cache = new ReadCache(ctx.db, () => TEST_TODAY);
      const summary = cachedSummary(cache, ctx.db, filter);
      expect(summary, JSON.stringify(view)).toEqual(summarize(ctx.db, filter));
      expect(cachedFacets(cache, ctx.db, filter), JSON.stringify(view)).toEqual(facets(ctx.db, filter));
      // Each view holds pledges, and fewer than the same view without its selections.
      const unselected = parseFilter({ q: view.q, min: view.min, max: view.max, from: view.from, overdue: view.overdue } as Record<string, string>, TEST_TODAY);
      expect(summary.totals.pledge_count, JSON.stringify(view)).toBeGreaterThan(0);
      expect(summary.totals.pledge_count, JSON.stringify(view)).toBeLessThan(summarize(ctx.db, unselected).totals.pledge_count);
    }
    // Sums past 2^53 under a selection, exact: ten pledges of $1 quadrillion and twelve of $1.
    const giga = parseFilter({ q: 'Giga', country: ['Ünited', 'Japan'], lever: 'none' }, TEST_TODAY);
    const summary = cachedSummary(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, giga);
    expect(summary).toEqual(summarize(ctx.db, giga));
    expect(summary.totals).toMatchObject({ pledge_count: 22, pledged_usd: 10_000_000_000_000_012 });
  });

  it('gives the same for a waterfall step’s pledges, alone or with a search, ranges, the overdue pledges and selections', () => {
    expect(packStaleFacts(ctx.db)).toBe(true);
    // Each step alone, against the pass read in SQL (every pledge of the ledger it lists, and for the last three the
    // other pledges their own columns list).
    for (const step of WATERFALL_STEPS) {
      const filter = parseFilter({ step }, TEST_TODAY);
      const packed = packedPass(ctx.db, null, TEST_TODAY, filter, { step, listed: stepLedgerMatches(ctx.db, { ...filter, step }), ledger: ledgerIds(ctx.db) });
      const sql = onePass(ctx.db, filter);
      const byValue = (pass: OnePass) => ({ ...pass, ranked: undefined, pledgers: [...pass.pledgers].sort((a, b) => (a.value < b.value ? -1 : 1)) });
      expect(byValue(packed!), step).toEqual(byValue(sql));
      expect(packed!.cube.length, step).toBeGreaterThan(0);
      // A step's overdue view is read on its own (cachedOverdue): the pass counts none.
      expect(packed!.overdue, step).toBeNull();
    }
    // Through the cache, as a reader gets them: the summary, facets and waterfall, as SQL reads them.
    for (const view of STEP_VIEWS) {
      const filter = parseFilter(view, TEST_TODAY);
      const summary = expectAsSql(filter, JSON.stringify(view));
      // Each holds pledges, and fewer than the view without its step.
      expect(summary.totals.pledge_count, JSON.stringify(view)).toBeGreaterThan(0);
      expect(summary.totals.pledge_count, JSON.stringify(view)).toBeLessThan(summarize(ctx.db, { ...filter, step: null }).totals.pledge_count);
    }
  });

  it('gives the same as of a day, each pledge with its status then and overdue then', () => {
    expect(packStaleFacts(ctx.db)).toBe(true);
    for (const view of AS_OF_VIEWS) {
      const filter = parseFilter(view, TEST_TODAY);
      expect(packedServes(filter), JSON.stringify(view)).toBe(true);
      expect(expectAsSql(filter, JSON.stringify(view)).totals.pledge_count, JSON.stringify(view)).toBeGreaterThan(0);
    }
    // What the comparison covers: statuses of then that differ from today's, in groups no pledge has today among them,
    // and pledges overdue then that are not today.
    const then = parseFilter({ as_of: '2022-06-30', sector: 'Energy' }, TEST_TODAY);
    const today = parseFilter({ to: '2022-06-30', sector: 'Energy' }, TEST_TODAY);
    const statuses = (filter: typeof then) => cachedFacets(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, filter).find((facet) => facet.field === 'status')!.values;
    expect(statuses(then)).not.toEqual(statuses(today));
    const thenCount = cachedSummary(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, then).totals.pledge_count;
    expect(thenCount).toBe(cachedSummary(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, today).totals.pledge_count);
    // The groups themselves, each once, as SQL groups them (its order aside: SQL adds the groups of then last).
    for (const view of [{ as_of: '2024-06-30', q: 'energy' }, { as_of: '2022-06-30', min: '1B' }]) {
      const filter = parseFilter(view, TEST_TODAY);
      const pass = packedPass(ctx.db, filter.q === null ? null : searchMatchIds(ctx.db, filter.q), filter.on, filter)!;
      const byKey = (cube: CubeGroup[]) => [...cube].sort((a, b) => (groupKey(a) < groupKey(b) ? -1 : 1));
      expect(byKey(pass.cube), JSON.stringify(view)).toEqual(byKey(cubeOf(ctx.db, filter)));
      // Among them a group of a status then that no pledge has today (the others are statusTwins').
      const today = new Set(codesOf(ctx.db).groups.map(groupKey));
      expect(pass.cube.some((group) => !today.has(groupKey(group))), JSON.stringify(view)).toBe(true);
    }
    // Pledges with a step after the day: of several statuses then, some overdue then, some with several steps.
    const spans = ctx.db
      .prepare("SELECT status_then, count(*) FROM status_spans WHERE held_until > '2022-06-30' AND (held_from IS NULL OR held_from <= '2022-06-30') GROUP BY 1")
      .raw(true)
      .all() as [string, number][];
    expect(spans.length).toBeGreaterThan(2);
    const overdueThen = parseFilter({ as_of: '2022-06-30', overdue: '1' }, TEST_TODAY);
    const where = whereClause(overdueThen, ctx.db);
    const stepAfter = "p.id IN (SELECT id FROM status_spans WHERE held_until > '2022-06-30')";
    expect(ctx.db.prepare(`SELECT count(*) FROM pledges p ${where.sql} AND ${stepAfter}`).pluck().get(...where.params)).toBeGreaterThan(0);
    expect(ctx.db.prepare('SELECT count(*) FROM (SELECT pledge_id FROM status_changes GROUP BY 1 HAVING count(*) > 1)').pluck().get()).toBeGreaterThan(0);
  });

  it('packs the status steps of a database whose facts were packed before them (034) once it is migrated', () => {
    const db = openDatabase(tempDbPath());
    try {
      migrate(db, readMigrations().filter((migration) => migration.version < 34));
      generatePledges(db, { rows: 3_000, seed: 8 });
      // Every block packed before 034 (by earlier code, whose blobs this code need not read: a word in its place).
      db.exec("INSERT OR REPLACE INTO pledge_facts (block, data) SELECT DISTINCT id >> 12, x'00' FROM pledges; DELETE FROM pledge_facts_stale;");
      const blocks = db.prepare('SELECT block FROM pledge_facts ORDER BY block').pluck().all();
      expect(blocks.length).toBeGreaterThan(0);
      expect(migrate(db, readMigrations().filter((migration) => migration.version <= 34))).toEqual(['034-pledge-status-facts']);
      expect(staleBlocks(db)).toEqual(blocks);
      migrate(db);
      const filter = parseFilter({ as_of: '2023-01-01', sector: 'Energy' }, TEST_TODAY);
      expect(expectAsSql(filter, 'migrated', db).totals.pledge_count).toBeGreaterThan(0);
      expect(staleBlocks(db)).toEqual([]);
      expect(db.prepare('SELECT block FROM pledge_status_facts ORDER BY block').pluck().all()).toEqual(blocks);
    } finally {
      db.close();
    }
  });

  it('reads a status step written between two others, which leaves the status today as it was', () => {
    expect(packStaleFacts(ctx.db)).toBe(true);
    // A pledge under way, then completed, since a day: a step to stalled between them changes only its past.
    const [id, underWay] = ctx.db
      .prepare(
        `SELECT p.id, u.changed_on FROM pledges p
           JOIN status_changes u ON u.pledge_id = p.id AND u.status = 'under_way'
           JOIN status_changes c ON c.pledge_id = p.id AND c.status = 'completed'
          WHERE p.status = 'completed' AND length(u.changed_on) = 10 AND c.changed_on > date(u.changed_on, '+2 months')
            AND (SELECT count(*) FROM status_changes s WHERE s.pledge_id = p.id) = 2 LIMIT 1`,
      )
      .raw(true)
      .get() as [number, string];
    const day = ctx.db.prepare("SELECT date(?, '+1 month')").pluck().get(underWay) as string;
    const view = parseFilter({ as_of: day, sector: ctx.db.prepare('SELECT sector FROM pledges WHERE id = ?').pluck().get(id) as string }, TEST_TODAY);
    const statusesThen = () => {
      const facet = cachedFacets(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, view).find((facet) => facet.field === 'status')!;
      return Object.fromEntries(facet.values.map((value) => [value.value, value.pledge_count]));
    };
    const before = statusesThen();
    const versionBefore = ctx.db.prepare("SELECT value FROM app_meta WHERE key = 'data_version'").pluck().get();
    // Dated to the month only, it counts from the month's first day (before the as-of day).
    ctx.db.prepare("INSERT INTO status_changes (pledge_id, status, changed_on, evidence_url, note) VALUES (?, 'stalled', ?, 'https://example.com/s', '')").run(id, day.slice(0, 7));
    expect(ctx.db.prepare('SELECT status FROM pledges WHERE id = ?').pluck().get(id)).toBe('completed');
    expect(ctx.db.prepare("SELECT value FROM app_meta WHERE key = 'data_version'").pluck().get()).not.toBe(versionBefore);
    expect(staleBlocks(ctx.db)).toEqual([id >> BLOCK_SHIFT]);
    const after = statusesThen();
    expect(after.stalled ?? 0).toBe((before.stalled ?? 0) + 1);
    expect(after.under_way ?? 0).toBe((before.under_way ?? 0) - 1);
    expectAsSql(view, JSON.stringify(view));
    // Removed again: as before.
    ctx.db.prepare("DELETE FROM status_changes WHERE pledge_id = ? AND status = 'stalled'").run(id);
    expect(staleBlocks(ctx.db)).toEqual([id >> BLOCK_SHIFT]);
    expect(statusesThen()).toEqual(before);
  });

  it('packs again the blocks a write changed, from this connection or another, and reads right after', () => {
    packStaleFacts(ctx.db);
    const other = openDatabase(ctx.file);
    try {
      // This connection: an amount and a sector; another: a pledge deleted (its block gets a gap) and one far away
      // (a block of its own).
      const ing = searchMatchIds(ctx.db, 'ing');
      ctx.db.prepare("UPDATE pledges SET amount_usd = 123456789, sector = 'Rewritten' WHERE id = ?").run(ing[3]);
      other.prepare('DELETE FROM pledges WHERE id = ?').run(ing[10]);
      other.prepare("INSERT INTO pledges (id, pledger, project, announced_on, amount_usd, sector, country) VALUES (40000, 'Far Holdings', 'Far ing plant', '2025-01-02', 7, 'Energy', 'Chile')").run();
      expect(staleBlocks(ctx.db)).toEqual([...new Set([ing[3]! >> BLOCK_SHIFT, ing[10]! >> BLOCK_SHIFT, 40000 >> BLOCK_SHIFT])].sort((a, b) => a - b));

      // The dashboard as a reader gets it packs them first, and says what the SQL says.
      const filter = parseFilter({ q: 'ing' }, TEST_TODAY);
      const summary = cachedSummary(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, filter);
      expect(staleBlocks(ctx.db)).toEqual([]);
      const sql = onePass(ctx.db, filter);
      expect(summary).toEqual(summarize(ctx.db, filter, sql.cube, sql.overdue!, sql.timeline));
      for (const q of TERMS) {
        const { sql, packed } = both(ctx.db, q);
        expect(packed, q).toEqual(sql);
      }
      expect(summary.totals.pledge_count).toBe(searchMatchIds(ctx.db, 'ing').length);

      // Completion evidence alone (a status step; no pledge is written) ends an overdue pledge's overdue days.
      const overdue = other
        .prepare(
          `SELECT p.id FROM pledges p WHERE p.status = 'announced' AND p.horizon_end IS NOT NULL AND p.horizon_end < '2026-01-01'
              AND p.id NOT IN (SELECT id FROM announced_evidence) AND p.project LIKE '%ing%' LIMIT 1`,
        )
        .pluck()
        .get() as number;
      const overdueBefore = both(ctx.db, 'ing').packed!.overdue!.pledge_count;
      other.prepare("INSERT INTO status_changes (pledge_id, status, changed_on, evidence_url, note) VALUES (?, 'under_way', '2025-02', 'https://example.com/e', '')").run(overdue);
      expect(staleBlocks(ctx.db)).toEqual([overdue >> BLOCK_SHIFT]);
      expect(packStaleFacts(ctx.db)).toBe(true);
      const afterEvidence = both(ctx.db, 'ing');
      expect(afterEvidence.packed).toEqual(afterEvidence.sql);
      expect(afterEvidence.packed!.overdue!.pledge_count).toBe(overdueBefore - 1);

      // A block whose pledges are all gone loses its blob.
      other.prepare('DELETE FROM pledges WHERE id = 40000').run();
      expect(packStaleFacts(ctx.db)).toBe(true);
      expect(ctx.db.prepare('SELECT count(*) FROM pledge_facts WHERE block = ?').pluck().get(40000 >> BLOCK_SHIFT)).toBe(0);
      expect(both(ctx.db, 'ing').packed).toEqual(both(ctx.db, 'ing').sql);
    } finally {
      other.close();
    }
  });

  it('reads in SQL at once, without waiting, while another connection holds the write lock or the file is read-only', () => {
    const other = openDatabase(ctx.file);
    const reader = new Database(ctx.file, { readonly: true });
    try {
      other.prepare("UPDATE pledges SET amount_usd = 77 WHERE id = (SELECT min(id) FROM pledges WHERE project LIKE '%ing%')").run();
      expect(staleBlocks(ctx.db).length).toBe(1);
      expect(packStaleFacts(reader)).toBe(false);
      other.exec('BEGIN IMMEDIATE');
      const started = performance.now();
      const filter = parseFilter({ q: 'ing' }, TEST_TODAY);
      const summary = cachedSummary(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, filter);
      // The connection's own busy timeout is 5 s: the packing does not wait for it.
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(staleBlocks(ctx.db).length).toBe(1);
      const sql = onePass(ctx.db, filter);
      expect(summary).toEqual(summarize(ctx.db, filter, sql.cube, sql.overdue!, sql.timeline));
      expect(ctx.db.pragma('busy_timeout', { simple: true })).toBe(5000);
      other.exec('ROLLBACK');
      expect(packStaleFacts(ctx.db)).toBe(true);
      expect(packStaleFacts(reader)).toBe(true);
      expect(both(ctx.db, 'ing').packed).toEqual(both(ctx.db, 'ing').sql);
    } finally {
      reader.close();
      other.close();
    }
  });
});

describe('the waterfall steps at start', () => {
  it('works out the front page’s step lists once at start, and the steps’ dashboards share them', () => {
    const db = openDatabase(ctx.file);
    try {
      const cache = new ReadCache(db, () => TEST_TODAY);
      warmReads(cache, db, TEST_TODAY);
      const keys = () => db.prepare('SELECT key FROM temp.step_runs ORDER BY run').pluck().all();
      const base = { ...parseFilter({}, TEST_TODAY), step: null };
      // The view's run, and one for its overdue pledges (a step's summary counts its overdue total from it).
      const started = [JSON.stringify(base), JSON.stringify({ ...base, overdue: true })];
      expect(keys()).toEqual(started);
      // Every step of the front page, from the packed facts, as SQL reads it: the six share those two runs.
      for (const step of WATERFALL_STEPS) {
        const filter = parseFilter({ step }, TEST_TODAY);
        expect(cachedSummary(cache, db, filter), step).toEqual(summarize(db, filter));
      }
      expect(keys()).toEqual(started);
    } finally {
      db.close();
    }
  });
});

describe('a search matching few of its blocks’ pledges', () => {
  it('is read by id in SQL when it holds at most one pledge in 64 of the blocks it is in', () => {
    const block = 1 << BLOCK_SHIFT;
    const ids = (from: number, count: number, step = 1) => Array.from({ length: count }, (_, i) => from + i * step);
    expect(sparseIn([])).toBe(true);
    expect(sparseIn(ids(0, block / 64))).toBe(true);
    expect(sparseIn(ids(0, block / 64 + 1))).toBe(false);
    expect(sparseIn(ids(0, block))).toBe(false);
    // Spread over four blocks, the same number of pledges is sparse; gathered in one, it is not.
    expect(sparseIn(ids(1, 100, block / 25))).toBe(true);
    expect(sparseIn(ids(1, 100))).toBe(false);
  });

  it('gives every figure of its dashboard and waterfall that SQL gives', () => {
    expect(packStaleFacts(ctx.db)).toBe(true);
    const q = 'center 12';
    const matches = searchMatchIds(ctx.db, q);
    expect(matches.length).toBeGreaterThan(0);
    expect(sparseIn(matches)).toBe(true);
    for (const query of [{ q }, { q, from: '2019' }, { q, overdue: '1' }]) {
      const filter = parseFilter(query, TEST_TODAY);
      const cache = new ReadCache(ctx.db, () => TEST_TODAY);
      const groups = cubeOf(ctx.db, filter);
      expect(cachedSummary(cache, ctx.db, filter), q).toEqual(summarize(ctx.db, filter, groups));
      expect(cachedWaterfall(cache, ctx.db, filter), q).toEqual(computeWaterfall(ctx.db, filter, groups));
    }
  });
});

describe('a step’s ledger added up after the rest', () => {
  it('ranks pledges that come out of id order as SQL orders them: the value descending, then the id', () => {
    // Values with many ties, met in a shuffled order (a step's pass meets its ledger's pledges after the rest).
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let round = 0; round < 20; round++) {
      const pledges = Array.from({ length: 200 }, (_, i) => ({ id: i + 1, value: Math.floor(random() * 6) * 1e9 }));
      const met = [...pledges].sort(() => random() - 0.5);
      const ranking: Ranking = { values: [], ids: [] };
      for (const pledge of met) rank(ranking, pledge.value, pledge.id);
      const ordered = [...pledges].sort((a, b) => b.value - a.value || a.id - b.id).slice(0, MAX_BARS);
      expect(ranking.ids).toEqual(ordered.map((pledge) => pledge.id));
      expect(ranking.values).toEqual(ordered.map((pledge) => pledge.value));
    }
  });

  it('gives the figures of the whole pass when the step’s lists come after the pledges they do not decide', () => {
    expect(packStaleFacts(ctx.db)).toBe(true);
    const ledger = ledgerIds(ctx.db);
    let inLedger = 0;
    for (const view of [
      { step: 'not_new' },
      { step: 'not_new', min: '1' },
      { step: 'outside_us', q: 'ing' },
      { step: 'not_investment', from: '2019', sector: 'Energy' },
      { step: 'not_new', pledger: ['Nvidia', 'Intel', 'Apple'], overdue: '1' },
      { step: 'outside_us', as_of: '2023-03-15', max: '5B' },
      { step: 'not_new', q: 'Giga' },
    ]) {
      const filter = parseFilter(view, TEST_TODAY);
      const stepped = { ...filter, step: filter.step! };
      const listed = stepLedgerMatches(ctx.db, stepped);
      const step = {
        step: filter.step!,
        listed,
        listedUnchosen: stepLedgerMatches(ctx.db, { ...stepped, pledger: [] }),
        listedOverdue: filter.overdue ? listed : stepLedgerMatches(ctx.db, { ...stepped, overdue: true }),
        ledger,
      };
      const ids = filter.q === null ? null : searchMatchIds(ctx.db, filter.q);
      let asked = 0;
      const later = packedStepPass(ctx.db, ids, filter.on, filter, filter.step!, ledger, () => (asked++, step));
      expect(asked, JSON.stringify(view)).toBe(1);
      expect(later, JSON.stringify(view)).toEqual(packedPass(ctx.db, ids, filter.on, filter, step));
      expect(later!.cube.length, JSON.stringify(view)).toBeGreaterThan(0);
      inLedger += later!.ranked!.by_amount.filter((id) => ledger.includes(id)).length;
    }
    // The rankings hold pledges of the ledger, added up after the rest.
    expect(inLedger).toBeGreaterThan(0);
  });
});

describe('the pass run at start', () => {
  it('starts on a read-only file whose blocks were never packed, and its views read in SQL', () => {
    const file = tempDbPath();
    const writer = openDatabase(file);
    migrate(writer);
    generatePledges(writer, { rows: 2_000, seed: 9 });
    writer.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(staleBlocks(db).length).toBeGreaterThan(0);
      const cache = new ReadCache(db, () => TEST_TODAY);
      expect(() => warmReads(cache, db, TEST_TODAY)).not.toThrow();
      expect(db.prepare('SELECT count(*) FROM pledge_facts').pluck().get()).toBe(0);
      for (const view of [{ min: '1B' }, { step: 'not_new' }, { as_of: '2023-01-01', sector: 'Energy' }]) {
        const filter = parseFilter(view, TEST_TODAY);
        expect(cachedSummary(cache, db, filter), JSON.stringify(view)).toEqual(summarize(db, filter));
      }
    } finally {
      db.close();
    }
  });

  it('leaves every view of each kind as SQL reads it after it ran', () => {
    const db = openDatabase(ctx.file);
    try {
      // What the warm-up is for besides: a day's groups of then that no pledge has today, grown into, summed up.
      const ids = db.prepare('SELECT id FROM pledges ORDER BY id LIMIT 2000').pluck().all() as number[];
      expect(warmGroupsThen(db, ids, '2023-01-01')).toBeGreaterThan(0);
      warmReads(new ReadCache(db, () => TEST_TODAY), db, TEST_TODAY);
      for (const view of [...VIEWS, ...SELECTIONS.slice(0, 4), ...STEP_VIEWS.slice(0, 4), ...AS_OF_VIEWS.slice(0, 4)]) {
        const filter = parseFilter(view, TEST_TODAY);
        expect(cachedSummary(new ReadCache(db, () => TEST_TODAY), db, filter), JSON.stringify(view)).toEqual(summarize(db, filter));
      }
    } finally {
      db.close();
    }
  });
});

describe('the packed facts left stale by another connection', () => {
  it('past PACKED_IN_REQUEST stale blocks a search reads in SQL, and the packer in the background packs them between turns', async () => {
    packStaleFacts(ctx.db);
    const other = openDatabase(ctx.file);
    try {
      // As after a bulk load: many blocks stale (these hold no pledge), and one whose pledge changed.
      const stale = Array.from({ length: PACKED_IN_REQUEST + 4 }, (_, i) => 100 + i);
      for (const block of stale) other.prepare('INSERT INTO pledge_facts_stale (block) VALUES (?)').run(block);
      const first = searchMatchIds(ctx.db, 'ing')[0]!;
      other.prepare('UPDATE pledges SET amount_usd = 31 WHERE id = ?').run(first);
      const filter = parseFilter({ q: 'ing' }, TEST_TODAY);
      const summary = cachedSummary(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, filter);
      expect(staleFactBlocks(ctx.db)).toBe(stale.length + 1);
      const sql = onePass(ctx.db, filter);
      expect(summary).toEqual(summarize(ctx.db, filter, sql.cube, sql.overdue!, sql.timeline));
      // A view without a search reads in its own statements meanwhile, to the same figures.
      for (const range of VIEWS) {
        const view = parseFilter(range, TEST_TODAY);
        const cache = new ReadCache(ctx.db, () => TEST_TODAY);
        expect(cachedSummary(cache, ctx.db, view), JSON.stringify(range)).toEqual(summarize(ctx.db, view));
        expect(cachedFacets(cache, ctx.db, view), JSON.stringify(range)).toEqual(facets(ctx.db, view));
      }
      expect(staleFactBlocks(ctx.db)).toBe(stale.length + 1);

      const errors: unknown[] = [];
      const stop = packInBackground(ctx.db, (error) => errors.push(error), { every: 10, blocks: 4 });
      try {
        for (let waited = 0; staleFactBlocks(ctx.db) > 0 && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      } finally {
        stop();
      }
      expect([staleFactBlocks(ctx.db), errors]).toEqual([0, []]);
      expect(both(ctx.db, 'ing').packed).toEqual(both(ctx.db, 'ing').sql);
      // Stopped, it packs nothing more.
      other.prepare('UPDATE pledges SET amount_usd = 32 WHERE id = ?').run(first);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(staleFactBlocks(ctx.db)).toBe(1);
    } finally {
      other.close();
    }
  });
});

describe('the packed facts after a bulk load', () => {
  it('marks every block stale, with the triggers back, and packs them all to the same figures', () => {
    const db = openDatabase(tempDbPath());
    try {
      migrate(db);
      generatePledges(db, { rows: 9_000, batch: 3_000, bulkFrom: 3_000, seed: 3 });
      const blocks = db.prepare('SELECT DISTINCT id >> ? FROM pledges ORDER BY 1').pluck().all(BLOCK_SHIFT) as number[];
      expect(blocks.length).toBe(3);
      expect(staleBlocks(db)).toEqual(blocks);
      expect(packStaleFacts(db)).toBe(true);
      for (const q of TERMS) {
        const { sql, packed } = both(db, q);
        expect(packed, q).toEqual(sql);
      }
      // The triggers set aside came back: a write marks its block again.
      db.prepare('UPDATE pledges SET amount_usd = 5 WHERE id = 1').run();
      expect(staleBlocks(db)).toEqual([0]);
    } finally {
      db.close();
    }
  }, 60_000);
});
