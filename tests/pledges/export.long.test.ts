// Which exports are long work (pledges.export.ts exportIsLong): those that first wait for a collection of the
// server's garbage, so that a million rows streamed do not come on top of it. A search of few matches is not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportIsLong, LONG_EXPORT_ROWS } from '../../server/pledges/pledges.export.ts';
import { parseFilter } from '../../server/pledges/pledges.filter.ts';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
beforeAll(() => {
  ctx = freshApp();
  for (const project of ['Quetzal plant', 'Quetzal campus', 'Quetzal fab']) addPledge(ctx.db, { project });
});
afterAll(() => ctx.cleanup());

const filter = (query: Record<string, string | string[]>) => parseFilter(query, '2026-06-30');

describe('an export as long work', () => {
  it('is every export but that of a search, whatever else narrows it', () => {
    expect(exportIsLong(ctx.db, filter({}))).toBe(true);
    expect(exportIsLong(ctx.db, filter({ sector: 'Semiconductors', min: '1000000' }))).toBe(true);
    expect(exportIsLong(ctx.db, filter({ step: 'not_new' }))).toBe(true);
  });

  it('is a search only past LONG_EXPORT_ROWS matches, counted before the first byte', () => {
    expect(LONG_EXPORT_ROWS).toBe(50_000);
    expect(exportIsLong(ctx.db, filter({ q: 'Quetzal' }))).toBe(false);
    expect(exportIsLong(ctx.db, filter({ q: 'Quetzal' }), 3)).toBe(false);
    expect(exportIsLong(ctx.db, filter({ q: 'Quetzal' }), 2)).toBe(true);
    expect(exportIsLong(ctx.db, filter({ q: 'Quetzal', sector: 'Energy' }), 2)).toBe(true);
    expect(exportIsLong(ctx.db, filter({ q: 'no pledge says this' }), 0)).toBe(false);
  });
});
