// A page of the table in its default order, chosen by walking the pledges from the largest amount (pageIndex), is
// the page the filter's pledges sorted give, on 3,000 generated pledges with status steps and relations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePledges } from '../../server/import/generate.ts';
import { parseFilter } from '../../server/pledges/pledges.filter.ts';
import { listPledges } from '../../server/pledges/pledges.repository.ts';
import { countPledges, DEFAULT_SORT, orderBy, pageIndex, whereClause } from '../../server/pledges/pledges.sql.ts';
import { freshApp, TEST_TODAY, type TestContext } from '../helpers.ts';

let ctx: TestContext;
beforeAll(() => {
  ctx = freshApp({ seed: false });
  generatePledges(ctx.db, { rows: 3000, seed: 7 });
}, 60_000);
afterAll(() => ctx?.cleanup());

/** The filter's pledges sorted in the default order, read without any index. */
function sorted(query: Record<string, string>, offset: number, limit: number): number[] {
  const filter = parseFilter(query, TEST_TODAY);
  const where = whereClause(filter, ctx.db);
  return ctx.db
    .prepare(`SELECT p.id FROM pledges p NOT INDEXED ${where.sql} ORDER BY ${orderBy(DEFAULT_SORT)} LIMIT ? OFFSET ?`)
    .pluck()
    .all(...where.params, limit, offset) as number[];
}

describe('a page walked in the table’s order', () => {
  it.each([
    // (A walk is taken when a quarter of the matches squared passes the page's end times the pledges: at 3,000
    // pledges, pages of five near the top.)
    [{ overdue: '1' }, 0],
    [{ status: 'under_way' }, 20],
    [{ sector: 'Energy', from: '2018' }, 0],
    [{ q: 'ing' }, 5],
    // A search with a selection: the planner's choice would read every match of the search, not only the view's.
    [{ q: 'ing', sector: 'Energy' }, 0],
    [{ step: 'outside_us' }, 10],
    // A past day's: its pledges announced by then, with their statuses then.
    [{ q: 'ing', as_of: '2024-06-30' }, 5],
    [{ as_of: '2023-01-01', status: 'announced' }, 0],
    [{ as_of: '2026-01-01', overdue: '1' }, 0],
  ])('lists %o from offset %i as the sorted pledges give it', (query, offset) => {
    const filter = parseFilter(query, TEST_TODAY);
    const matches = countPledges(ctx.db, filter);
    expect(pageIndex(ctx.db, filter, DEFAULT_SORT, offset + 5, matches)).toBe('pledges_default_order_idx');
    const page = listPledges(ctx.db, { filter, limit: 5, offset, matches }).map((row) => row.id);
    expect(page).toEqual(sorted(query, offset, 5));
    expect(page).toHaveLength(5);
  });

  it('keeps the planner’s choice for few matches, a deep page, an amount range or another order', () => {
    const view = (query: Record<string, string>) => parseFilter(query, TEST_TODAY);
    const few = view({ pledger: 'Nvidia' });
    expect(pageIndex(ctx.db, few, DEFAULT_SORT, 5, countPledges(ctx.db, few))).toBeNull();
    const overdue = view({ overdue: '1' });
    const many = countPledges(ctx.db, overdue);
    expect(pageIndex(ctx.db, overdue, DEFAULT_SORT, 500, many)).toBeNull();
    expect(pageIndex(ctx.db, view({ max: '1B' }), DEFAULT_SORT, 5, 2_000)).toBeNull();
    expect(pageIndex(ctx.db, overdue, DEFAULT_SORT, 5, many)).toBe('pledges_default_order_idx');
    expect(pageIndex(ctx.db, overdue, { key: 'announced', descending: true }, 5, many)).toBeNull();
    // Not told how many: only a search alone, which counts its kept matches, walks.
    expect(pageIndex(ctx.db, overdue, DEFAULT_SORT, 5)).toBeNull();
  });
});
