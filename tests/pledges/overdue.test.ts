// Overdue: still announced after the horizon ended or the first tranche was due, with no step to under way or
// completed; computed against a reference date, never stored.
import { afterEach, describe, expect, it } from 'vitest';
import { EMPTY_FILTER } from '../../server/pledges/pledges.filter.ts';
import { findPledge, listPledges } from '../../server/pledges/pledges.repository.ts';
import { countPledges, whereClause } from '../../server/pledges/pledges.sql.ts';
import type { NewPledge } from '../../server/pledges/pledge.model.ts';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const NO_HORIZON = { horizon_years: null, horizon_end: null, horizon_start: null, first_tranche_by: null };

/** Whether the pledge is overdue on the date, by the filter (overdue=1) and by the row's own column: they must agree. */
function overdueOn(id: number, on: string): boolean {
  const byFilter = listPledges(ctx.db, { filter: { ...EMPTY_FILTER, overdue: true, on } }).some((row) => row.id === id);
  const byColumn = findPledge(ctx.db, id, on)!.overdue;
  expect(byColumn, `the column and the filter on ${on}`).toBe(byFilter);
  return byColumn;
}

function step(id: number, status: string, changedOn: string): void {
  ctx.db
    .prepare("INSERT INTO status_changes (pledge_id, status, changed_on, evidence_url) VALUES (?, ?, ?, 'https://example.com/step')")
    .run(id, status, changedOn);
}

describe('the overdue rule', () => {
  it.each<[string, Partial<NewPledge>, string, string]>([
    ['an end date: from the day after it', { horizon_end: '2025-06-30' }, '2025-06-30', '2025-07-01'],
    ['years from the announcement', { horizon_years: 2, announced_on: '2025-05-01' }, '2027-04-30', '2027-05-01'],
    ['years from the horizon start', { horizon_years: 1, announced_on: '2024-11-20', horizon_start: '2025-01-01' }, '2025-12-31', '2026-01-01'],
    ['years from an announcement known to the month: from its last day', { horizon_years: 1, announced_on: '2025-03' }, '2026-03-30', '2026-03-31'],
    ['years from an announcement known to the year: from its last day', { horizon_years: 1, announced_on: '2024' }, '2025-12-30', '2025-12-31'],
    ['an end date, which wins over years', { horizon_years: 10, horizon_end: '2025-12-31' }, '2025-12-31', '2026-01-01'],
    ['a first tranche due by a day', { first_tranche_by: '2025-09-30' }, '2025-09-30', '2025-10-01'],
    ['a first tranche due by a month: by its end', { first_tranche_by: '2025-12' }, '2025-12-31', '2026-01-01'],
    ['a first tranche due by a year: by its end', { first_tranche_by: '2025' }, '2025-12-31', '2026-01-01'],
    ['a first tranche due before the horizon ends', { horizon_years: 4, first_tranche_by: '2025-07-31' }, '2025-07-31', '2025-08-01'],
  ])('with %s: not overdue on %s, overdue from %s', (_what, fields, before, from) => {
    ctx = freshApp({ seed: false });
    const id = addPledge(ctx.db, { ...NO_HORIZON, announced_on: '2025-05-01', ...fields });
    expect(overdueOn(id, before)).toBe(false);
    expect(overdueOn(id, from)).toBe(true);
    expect(overdueOn(id, '2031-01-01')).toBe(true);
  });

  it('never makes a pledge with no horizon and no first-tranche date overdue', () => {
    ctx = freshApp({ seed: false });
    const id = addPledge(ctx.db, { ...NO_HORIZON, announced_on: '2016-01-01' });
    expect(overdueOn(id, '2099-12-31')).toBe(false);
  });

  it.each(['under_way', 'completed', 'stalled', 'withdrawn'] as const)('never makes a pledge whose status is %s overdue', (status) => {
    ctx = freshApp({ seed: false });
    const id = addPledge(ctx.db, { ...NO_HORIZON, horizon_end: '2025-06-30', first_tranche_by: '2025-06', status });
    expect(overdueOn(id, '2026-01-01')).toBe(false);
  });

  it('counts a step to under way or completed dated by the reference date as completion evidence', () => {
    ctx = freshApp({ seed: false });
    const evidence = addPledge(ctx.db, { ...NO_HORIZON, horizon_end: '2025-06-30' });
    step(evidence, 'under_way', '2025-09-01');
    step(evidence, 'announced', '2025-10-01');
    const completed = addPledge(ctx.db, { ...NO_HORIZON, horizon_end: '2025-06-30', project: 'Completed once' });
    step(completed, 'completed', '2025-05-15');
    step(completed, 'announced', '2025-08-01');
    const stalledOnly = addPledge(ctx.db, { ...NO_HORIZON, horizon_end: '2025-06-30', project: 'Stalled once' });
    step(stalledOnly, 'stalled', '2025-05-15');
    step(stalledOnly, 'announced', '2025-08-01');
    // Before the step to under way, nothing showed the pledge moving; from its date on, it did.
    expect(overdueOn(evidence, '2025-08-31')).toBe(true);
    expect(overdueOn(evidence, '2025-09-01')).toBe(false);
    expect(findPledge(ctx.db, completed, '2025-12-01')!.overdue).toBe(false);
    expect(findPledge(ctx.db, stalledOnly, '2025-12-01')!.overdue).toBe(true);
  });

  it('follows each write to a step or a status: evidence moved, removed, or a pledge set back to announced', () => {
    ctx = freshApp({ seed: false });
    const id = addPledge(ctx.db, { ...NO_HORIZON, horizon_end: '2025-06-30' });
    step(id, 'under_way', '2025-09-01');
    step(id, 'announced', '2025-10-01');
    const evidenceStep = ctx.db.prepare("SELECT id FROM status_changes WHERE pledge_id = ? AND status = 'under_way'").pluck().get(id);
    const count = (on: string) => countPledges(ctx.db, { ...EMPTY_FILTER, overdue: true, on });
    expect([overdueOn(id, '2025-12-01'), count('2025-12-01')]).toEqual([false, 0]);
    // The evidence dated later: overdue until then.
    ctx.db.prepare("UPDATE status_changes SET changed_on = '2026-02-01' WHERE id = ?").run(evidenceStep);
    expect([overdueOn(id, '2025-12-01'), overdueOn(id, '2026-02-01'), count('2025-12-01')]).toEqual([true, false, 1]);
    // The evidence gone: overdue.
    ctx.db.prepare('DELETE FROM status_changes WHERE id = ?').run(evidenceStep);
    expect([overdueOn(id, '2026-03-01'), count('2026-03-01')]).toEqual([true, 1]);
    // A pledge under way with its step, set back to announced: its evidence counts from the step's date.
    const started = addPledge(ctx.db, { ...NO_HORIZON, horizon_end: '2025-06-30', project: 'Started', status: 'under_way' });
    step(started, 'under_way', '2025-11-01');
    expect(overdueOn(started, '2026-03-01')).toBe(false);
    ctx.db.prepare("UPDATE pledges SET status = 'announced' WHERE id = ?").run(started);
    expect([overdueOn(started, '2025-10-31'), overdueOn(started, '2026-03-01')]).toEqual([true, false]);
  });

  it('counts the overdue pledges of a filter on its reference date, and none without one', () => {
    ctx = freshApp({ seed: false });
    addPledge(ctx.db, { ...NO_HORIZON, horizon_end: '2025-06-30', sector: 'Energy' });
    addPledge(ctx.db, { ...NO_HORIZON, first_tranche_by: '2025-12', sector: 'Energy' });
    addPledge(ctx.db, { ...NO_HORIZON, horizon_end: '2025-06-30', sector: 'Steel' });
    addPledge(ctx.db, { ...NO_HORIZON, horizon_end: '2025-06-30', sector: 'Energy', status: 'under_way' });
    const overdue = (on: string, sector: string[] = []) => countPledges(ctx.db, { ...EMPTY_FILTER, sector, overdue: true, on });
    expect([overdue('2025-06-30'), overdue('2025-07-01'), overdue('2026-01-01'), overdue('2026-01-01', ['Energy'])]).toEqual([0, 2, 3, 2]);
    expect(overdue('')).toBe(0);
  });

  it('reads the overdue pledges from their own index, not every pledge', () => {
    ctx = freshApp();
    for (const sector of [[], ['Energy']]) {
      const where = whereClause({ ...EMPTY_FILTER, sector, overdue: true, on: '2026-06-30' });
      const plan = ctx.db
        .prepare(`EXPLAIN QUERY PLAN SELECT count(*) FROM pledges p INDEXED BY pledges_overdue_idx ${where.sql}`)
        .all(...where.params) as { detail: string }[];
      expect(plan.map((row) => row.detail).join('\n')).toMatch(/SEARCH p USING COVERING INDEX pledges_overdue_idx \(<expr><\?\)/);
    }
  });
});
