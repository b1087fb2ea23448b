// The waterfall's ledger worked out in JavaScript (pledges.ledger.ts) against the recursive statement it replaces
// (pledges.waterfall.sql.ts), row by row: on generated pledges (relations among about 5 %, chains included), for
// views of every kind, along chains whose middle is outside the view, and after a write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePledges } from '../../server/import/generate.ts';
import { parseFilter } from '../../server/pledges/pledges.filter.ts';
import { ledgerRows, type LedgerRow } from '../../server/pledges/pledges.ledger.ts';
import { whereClause } from '../../server/pledges/pledges.sql.ts';
import { withLedger } from '../../server/pledges/pledges.waterfall.sql.ts';
import type { Db } from '../../server/platform/db.ts';
import { addPledge, freshApp, TEST_TODAY, type TestContext } from '../helpers.ts';

let ctx: TestContext;
beforeAll(() => {
  ctx = freshApp({ seed: false });
  generatePledges(ctx.db, { rows: 10_000, seed: 11 });
}, 60_000);
afterAll(() => ctx?.cleanup());

/** The ledger as the recursive statement gives it, in id order, in LedgerRow's shape. */
function sqlLedger(db: Db, where: { sql: string; params: unknown[] }): LedgerRow[] {
  const rows = withLedger(db, where, (ledger) => db.prepare(`${ledger} SELECT * FROM ledger ORDER BY id`).all()) as Record<string, number | string | null>[];
  return rows.map((row) => ({
    id: row.id as number,
    a: row.a as number,
    s: row.s as number | null,
    k: row.k as string | null,
    d1: row.d1 as number,
    d2: row.d2 as number,
    d3: row.d3 as number,
    d4: row.d4 as number,
    d5: row.d5 as number,
    d6: row.d6 as number,
    overlap_unknown: row.overlap_unknown as number,
    new_unstated: row.new_unstated === 1,
    repeat_unknown: row.repeat_unknown as number,
    share_unknown: row.share_unknown === 1,
    kind_unknown: row.kind_unknown === 1,
  }));
}

const VIEWS: Record<string, string | string[]>[] = [
  {},
  { sector: 'Energy' },
  { q: 'ing' },
  { from: '2020', max: '5B' },
  { country: ['Japan', 'Germany'], status: 'announced' },
  { overdue: '1' },
  { as_of: '2022-06-30' },
  { pledger: ['Nvidia', 'Intel'] },
];

describe('the ledger in JavaScript', () => {
  it('gives every row the recursive statement gives, for views of every kind', () => {
    for (const view of VIEWS) {
      const where = whereClause(parseFilter(view, TEST_TODAY), ctx.db, true);
      const js = ledgerRows(ctx.db, where);
      expect(js, JSON.stringify(view)).toEqual(sqlLedger(ctx.db, where));
      expect(js.length, JSON.stringify(view)).toBeGreaterThan(0);
    }
    // What the comparison covers: each step takes dollars somewhere, and unknowns of each kind are counted.
    const all = ledgerRows(ctx.db, { sql: '', params: [] });
    for (const column of ['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'overlap_unknown', 'repeat_unknown'] as const) {
      expect(all.some((row) => row[column] > 0), column).toBe(true);
    }
    for (const column of ['new_unstated', 'share_unknown', 'kind_unknown'] as const) expect(all.some((row) => row[column]), column).toBe(true);
  });

  it('follows a chain of contains and of supersedes with its middle outside the view, and reads relations again after a write', () => {
    const id = (project: string, amount: number | null, sector = 'Chains') =>
      addPledge(ctx.db, { pledger: 'Chain Holding', project, amount_usd: amount, announced_on: '2024-01-01', sector, country: 'Chile', us_share_pct: 50 });
    const big = id('Outer', 1_000_000_000_000_000);
    const middle = id('Middle', 900_000_000_000_000, 'Elsewhere');
    const inner = id('Inner', 800_000_000_000_000);
    const old = id('Old plan', 900_000_000);
    const between = id('Revised plan', 800_000_000, 'Elsewhere');
    const latest = id('Latest plan', 700_000_000);
    const relate = (pledge: number, kind: string, other: number, amount: number | null) =>
      ctx.db.prepare("INSERT INTO pledge_relations (pledge_id, kind, other_id, amount_usd, note, source_url, source_title) VALUES (?, ?, ?, ?, '', NULL, '')").run(pledge, kind, other, amount);
    relate(big, 'contains', middle, 700_000_000_000_000);
    relate(middle, 'contains', inner, null);
    relate(between, 'supersedes', old, null);
    relate(latest, 'supersedes', between, null);
    // An overlap of unknown size of a pledge with nothing left after the supersedes counts no unknown.
    relate(old, 'overlaps', latest, null);
    const where = whereClause(parseFilter({ sector: 'Chains' }, TEST_TODAY), ctx.db, true);
    const rows = ledgerRows(ctx.db, where);
    expect(rows).toEqual(sqlLedger(ctx.db, where));
    // The outer pledge holds $700T of the inner one through the middle (outside the view), which holds all of it;
    // the old plan is superseded by the latest through the revision (outside the view too).
    expect(rows.find((row) => row.id === inner)).toMatchObject({ d2: 700_000_000_000_000 });
    expect(rows.find((row) => row.id === old)).toMatchObject({ d1: 900_000_000, overlap_unknown: 0 });
    // A relation changed: read again.
    ctx.db.prepare("UPDATE pledge_relations SET amount_usd = 1000 WHERE pledge_id = ? AND kind = 'contains'").run(middle);
    const changed = ledgerRows(ctx.db, where);
    expect(changed).toEqual(sqlLedger(ctx.db, where));
    expect(changed.find((row) => row.id === inner)).toMatchObject({ d2: 1000 });
  });
});
