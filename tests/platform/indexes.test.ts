// Each filterable column has an index that the dashboard's statements use (EXPLAIN QUERY PLAN), on a database
// with enough rows and statistics for the planner to choose as it would at scale.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginBulkLoad, PRE_GROUPED } from '../../server/platform/bulk-load.ts';
import { databaseVersion } from '../../server/platform/meta.repository.ts';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { migrate } from '../../server/platform/migrate.ts';
import { cubeOf } from '../../server/dashboard/dashboard.cube.ts';
import { EMPTY_FILTER, type PledgeFilter } from '../../server/pledges/pledges.filter.ts';
import { countPledges } from '../../server/pledges/pledges.sql.ts';
import { LEDGER_IDS, stepCondition } from '../../server/pledges/pledges.waterfall.sql.ts';
import { waterfallLedger } from '../../server/dashboard/dashboard.waterfall.ts';
import { listPledges } from '../../server/pledges/pledges.repository.ts';
import { facets } from '../../server/dashboard/dashboard.facets.ts';
import { summarize } from '../../server/dashboard/dashboard.summary.ts';
import { drift, tempDbPath } from '../helpers.ts';

let db: Db;
beforeAll(() => {
  db = openDatabase(tempDbPath());
  migrate(db);
  generatePledges(db, { rows: 20_000, seed: 5, batch: 5_000 });
  db.exec('ANALYZE');
});
afterAll(() => db.close());

/** Every statement that reading the dashboard for this filter runs, with its query plan. */
function plansFor(filter: PledgeFilter): { sql: string; plan: string }[] {
  const seen: { sql: string; params: unknown[] }[] = [];
  const prepare = db.prepare.bind(db);
  const spy = (sql: string) => {
    const statement = prepare(sql);
    const wrap = (method: 'all' | 'get' | 'iterate') => {
      const original = statement[method].bind(statement) as (...params: unknown[]) => unknown;
      (statement as unknown as Record<string, unknown>)[method] = (...params: unknown[]) => {
        seen.push({ sql, params });
        return original(...params);
      };
    };
    (['all', 'get', 'iterate'] as const).forEach(wrap);
    return statement;
  };
  // The statement cache would hand back statements prepared before the spy: a fresh connection has none.
  const fresh = openDatabase(db.name);
  fresh.prepare = spy as typeof fresh.prepare;
  try {
    summarize(fresh, filter, cubeOf(fresh, filter));
    facets(fresh, filter);
    countPledges(fresh, filter);
    listPledges(fresh, { filter, limit: 50 });
  } finally {
    fresh.prepare = prepare;
  }
  const plans = seen
    .filter(({ sql }) => !/WHERE id = \?$/.test(sql.trim()))
    .map(({ sql, params }) => ({
      sql,
      plan: (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail).join(' | '),
    }));
  fresh.close();
  return plans;
}

const CASES: [string, Partial<PledgeFilter>, string][] = [
  ['sector', { sector: ['Semiconductors'] }, 'pledges_sector_idx'],
  ['status', { status: ['completed'] }, 'pledges_status_idx'],
  ['country', { country: ['Japan'] }, 'pledges_country_idx'],
  ['lever', { lever: ['tariffs'] }, 'pledges_lever_idx'],
  ['pledger', { pledger: ['Nvidia'] }, 'pledges_pledger_idx'],
  ['status and country', { status: ['completed'], country: ['Japan'] }, 'pledges_cube_idx'],
  ['sector and pledger', { sector: ['Energy'], pledger: ['Nvidia'] }, 'pledges_cube_idx'],
  ['from and to', { from: '2020', to: '2020' }, 'pledges_announced_on_idx'],
  // A minimum inside an amount band: the band's pledges above it are read through the amount index.
  ['min', { min: 600_000_000_000 }, 'pledges_amount_idx'],
  // A minimum on a band's edge: the grouped figures are added up from the pre-grouped bands alone.
  ['min on a band edge', { min: 500_000_000_000 }, 'pledge_bands'],
  ['max', { max: 20_000_000 }, 'pledges_amount_idx'],
];

describe('indexes for each filterable column', () => {
  it.each(CASES)('a filter on %s is served by its index, and nothing reads the whole table', (_name, partial, index) => {
    const plans = plansFor({ ...EMPTY_FILTER, ...partial });
    expect(plans.length).toBeGreaterThanOrEqual(5);
    const details = plans.map((p) => p.plan).join('\n');
    expect(details).toContain(index);
    for (const { sql, plan } of plans) {
      expect(plan, sql).not.toMatch(wholeTable(sql));
    }
  });

  it('a waterfall step that lists pledges by their own columns reads the ledger’s own pledges from their index (035)', () => {
    for (const step of ['not_new', 'outside_us', 'not_investment'] as const) {
      const condition = stepCondition(step, { sql: '', params: [] });
      expect(condition.sql, step).toContain(LEDGER_IDS);
      const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT count(*) FROM pledges p WHERE ${condition.sql}`).all(...condition.params) as { detail: string }[];
      expect(plan.map((row) => row.detail), step).toContain('SCAN pledge_ledger USING INDEX pledge_ledger_own_ids');
    }
  });

  it.each([
    // No filter: a pledge superseded by one of the view is so directly (pledges.waterfall.sql.ts), no chain followed.
    ['no filter', EMPTY_FILTER, 5],
    ['a sector', { ...EMPTY_FILTER, sector: ['Energy'] }, 6],
  ] as const)('the waterfall’s ledger reads each kind of relation from a covering index, never the relations’ rows (036): %s', (_name, filter, reads) => {
    const seen: string[] = [];
    const fresh = openDatabase(db.name);
    const prepare = fresh.prepare.bind(fresh);
    fresh.prepare = ((sql: string) => {
      seen.push(sql);
      return prepare(sql);
    }) as typeof fresh.prepare;
    try {
      waterfallLedger(fresh, filter as PledgeFilter);
      // The ledger's statement reads the view's pledges from a temporary table of the connection: explained there.
      const ledger = seen.find((sql) => sql.includes('pledge_relations'))!;
      expect(ledger).toBeDefined();
      const plan = fresh.transaction(() => {
        fresh.exec('DELETE FROM temp.waterfall_view');
        return (prepare(`EXPLAIN QUERY PLAN ${ledger}`).all() as { detail: string }[]).map((row) => row.detail);
      })();
      const relations = plan.filter((detail) => /\b(SCAN|SEARCH) r\b/.test(detail));
      // supersedes and contains: their first step and each step along a chain (supersedes: the first alone without a
      // filter); overlaps; repeats.
      expect(relations.length).toBe(reads);
      for (const detail of relations) expect(detail).toMatch(/USING COVERING INDEX pledge_relations_kind_(other|pledge) \(kind=\?/);
    } finally {
      fresh.prepare = prepare;
      fresh.close();
    }
  });

  it('a page of an amount range, largest first, seeks the range in the default order’s index rather than scan it', () => {
    const amounts = db.prepare('SELECT amount_usd FROM pledges WHERE amount_usd IS NOT NULL ORDER BY amount_usd').pluck().all() as number[];
    const middle = amounts[Math.floor(amounts.length / 2)]!;
    for (const partial of [{ max: middle, from: '2019' }, { max: middle }, { min: middle, sector: ['Energy'] }] as Partial<PledgeFilter>[]) {
      const filter = { ...EMPTY_FILTER, ...partial };
      const seen: { sql: string; params: unknown[] }[] = [];
      const fresh = openDatabase(db.name);
      const prepare = fresh.prepare.bind(fresh);
      fresh.prepare = ((sql: string) => {
        const statement = prepare(sql);
        const all = statement.all.bind(statement) as (...params: unknown[]) => unknown[];
        (statement as unknown as { all: typeof all }).all = (...params: unknown[]) => {
          seen.push({ sql, params });
          return all(...params);
        };
        return statement;
      }) as typeof fresh.prepare;
      try {
        const page = listPledges(fresh, { filter, limit: 50 }).map((pledge) => pledge.id);
        const { sql, params } = seen.find((statement) => statement.sql.includes('AS page'))!;
        // The page's own pledges (the co-routine); the statement around it then sorts those 50 rows whole.
        const rows = prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { id: number; parent: number; detail: string }[];
        const chosen = rows.find((row) => row.detail === 'CO-ROUTINE page')!;
        const plan = rows.filter((row) => row.parent === chosen.id).map((row) => row.detail);
        expect(plan, `${JSON.stringify(partial)}: ${plan.join(' | ')}`).toEqual([expect.stringMatching(/^SEARCH p USING (COVERING )?INDEX pledges_default_order_idx \(<expr>=\? AND amount_usd[<>]\?\)$/)]);
        // The same pledges in the same order as the range sorted in full.
        const where = [partial.max === undefined ? null : 'amount_usd <= ?', partial.min === undefined ? null : 'amount_usd >= ?', partial.from === undefined ? null : 'announced_on >= ?', partial.sector === undefined ? null : 'sector = ?'].filter(Boolean).join(' AND ');
        const values = [partial.max, partial.min, partial.from, partial.sector?.[0]].filter((value) => value !== undefined);
        const sorted = db.prepare(`SELECT id FROM pledges NOT INDEXED WHERE ${where} ORDER BY amount_usd DESC, id ASC LIMIT 50`).pluck().all(...values);
        expect(page).toEqual(sorted);
        expect(page.length).toBe(50);
      } finally {
        fresh.prepare = prepare;
        fresh.close();
      }
    }
  });

  it('the unfiltered dashboard reads covering indexes, not the table', () => {
    for (const { sql, plan } of plansFor(EMPTY_FILTER)) {
      expect(plan, sql).not.toMatch(wholeTable(sql));
    }
  });
});

/**
 * A plan step that passes over every row of the table: "SCAN p" alone, or through an index that does not hold
 * every column read (a scan of a covering index reads only its narrow entries). A scan in an index's order
 * that stops at a LIMIT reads only as many rows as it returns.
 */
function wholeTable(sql: string): RegExp {
  return /\bLIMIT\b/.test(sql) ? /SCAN (p|pledges)\b(?! USING (COVERING )?INDEX)/ : /SCAN (p|pledges)\b(?! USING COVERING INDEX)/;
}

describe('npm run generate as a bulk load', () => {
  const indexNames = (target: Db) =>
    (target.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'pledges' AND sql IS NOT NULL ORDER BY name").pluck().all() as string[]);
  const triggerNames = (target: Db) => target.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name").pluck().all() as string[];
  const marker = (target: Db) => target.prepare("SELECT value FROM app_meta WHERE key = 'bulk_load'").pluck().get();

  it('sets the per-row triggers aside too, and has them back with the pre-grouped tables refilled', () => {
    const target = openDatabase(tempDbPath());
    migrate(target);
    const triggers = triggerNames(target);
    const version = databaseVersion(target);
    generatePledges(target, { rows: 3_000, batch: 1_000, bulkFrom: 1_000, onProgress: () => expect(triggerNames(target)).toEqual(['revisions_append_only_delete', 'revisions_append_only_update']) });
    expect(triggerNames(target)).toEqual(triggers);
    expect(triggers.length).toBeGreaterThan(20);
    for (const table of PRE_GROUPED) expect([table, drift(target, table)]).toEqual([table, 0]);
    expect(target.prepare('SELECT sum(pledge_count) FROM pledge_bands').pluck().get()).toBe(3_000);
    expect(databaseVersion(target)).not.toBe(version);
    expect(marker(target)).toBeUndefined();
    target.close();
  });

  it('a load whose process was killed is finished by the next process to open the database, one still running is left alone', () => {
    const target = openDatabase(tempDbPath());
    migrate(target);
    const indexes = indexNames(target);
    const triggers = triggerNames(target);
    const stamp = (pid: number) => {
      const load = JSON.parse(marker(target) as string) as { pid: number };
      target.prepare("UPDATE app_meta SET value = ? WHERE key = 'bulk_load'").run(JSON.stringify({ ...load, pid }));
    };
    target.transaction(() => beginBulkLoad(target))();
    generatePledges(target, { rows: 500, batch: 500 });
    const sleeper = spawn('sleep', ['30']);
    try {
      stamp(sleeper.pid!);
      migrate(target);
      expect(indexNames(target)).toEqual([]);
      expect(marker(target)).toBeDefined();
    } finally {
      sleeper.kill();
    }
    // A process that has ended: the load is finished.
    stamp(spawnSync('true').pid!);
    migrate(target);
    expect([indexNames(target), triggerNames(target)]).toEqual([indexes, triggers]);
    for (const table of PRE_GROUPED) expect([table, drift(target, table)]).toEqual([table, 0]);
    expect(target.prepare('SELECT sum(pledge_count) FROM pledger_months').pluck().get()).toBe(500);
    expect(marker(target)).toBeUndefined();
    target.close();
  });

  it('drops the secondary indexes for a large run and builds every one of them again', () => {
    const target = openDatabase(tempDbPath());
    migrate(target);
    const before = indexNames(target);
    const threads = target.pragma('threads', { simple: true });
    let indexing = false;
    generatePledges(target, {
      rows: 3_000,
      batch: 1_000,
      bulkFrom: 1_000,
      onProgress: () => expect(indexNames(target)).toEqual([]),
      onIndexing: () => (indexing = true),
    });
    expect(indexing).toBe(true);
    expect(indexNames(target)).toEqual(before);
    expect(before).toContain('pledges_cube_idx');
    // Built with SQLite's helper threads sorting, the indexes hold exactly the table's rows.
    expect(target.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
    // The helper threads were for the build: the connection is left as it was.
    expect(target.pragma('threads', { simple: true })).toBe(threads);
    target.close();
  });

  it('builds them again when stopped part-way (Ctrl-C)', () => {
    const target = openDatabase(tempDbPath());
    migrate(target);
    const before = indexNames(target);
    let batches = 0;
    generatePledges(target, { rows: 10_000, batch: 1_000, bulkFrom: 1_000, onProgress: () => batches++, shouldStop: () => batches >= 2 });
    expect(target.prepare('SELECT count(*) FROM pledges').pluck().get()).toBe(2_000);
    expect(indexNames(target)).toEqual(before);
    target.close();
  });
});
