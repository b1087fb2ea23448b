import { afterEach, describe, expect, it } from 'vitest';
import { findPledge } from '../../server/pledges/pledges.repository.ts';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const perYear = (ctx: TestContext, id: number) => findPledge(ctx.db, id)!.per_year_usd;

describe('amount per year', () => {
  it('divides the seed pledges by their horizon so that they compare fairly', () => {
    ctx = freshApp();
    expect(perYear(ctx, 1)).toBe(125_000_000_000); // Stargate: $500B over 4 years
    // 3 January to the end of 30 June: 5 months and 29 days (1 July less 2 days), in months of 30.4375 days.
    const microsoftYears = (6 - 2 / 30.4375) / 12;
    expect(perYear(ctx, 2)).toBe(Math.round(80e9 / microsoftYears)); // $80B by the end of FY2025
    expect(perYear(ctx, 3)).toBe(25_000_000_000); // TSMC: $100B over about 4 years
    expect(perYear(ctx, 4)).toBeNull(); // undisclosed
  });

  it('measures an end date from the start of a partial announcement date', () => {
    ctx = freshApp({ seed: false });
    // 1 February 2024 to the end of 1 February 2025: a year and a day.
    const id = addPledge(ctx.db, { amount_usd: 366_000_000, announced_on: '2024-02', horizon_years: null, horizon_end: '2025-02-01' });
    expect(perYear(ctx, id)).toBe(Math.round(366_000_000 / ((12 + 1 / 30.4375) / 12)));
  });

  it('counts whole calendar months as whole years: a fiscal year from 1 July to 30 June is one year', () => {
    ctx = freshApp({ seed: false });
    const fiscal = addPledge(ctx.db, { amount_usd: 80e9, announced_on: '2025-01-03', horizon_start: '2024-07-01', horizon_years: null, horizon_end: '2025-06-30' });
    const byEnd2026 = addPledge(ctx.db, { amount_usd: 3_500_000_000, announced_on: '2025-01-01', horizon_years: null, horizon_end: '2026-12-31' });
    const sameDay = addPledge(ctx.db, { amount_usd: 1_000, announced_on: '2025-01-01', horizon_years: null, horizon_end: '2025-01-01' });
    expect(perYear(ctx, fiscal)).toBe(80_000_000_000);
    expect(perYear(ctx, byEnd2026)).toBe(1_750_000_000);
    expect(perYear(ctx, sameDay)).toBe(Math.round(1_000 / (1 / 30.4375 / 12)));
  });

  it('counts a pledge without a horizon apart: no per-year figure is guessed', () => {
    ctx = freshApp({ seed: false });
    const none = addPledge(ctx.db, { horizon_years: null, horizon_end: null });
    const backwards = addPledge(ctx.db, { announced_on: '2025-05-01', horizon_years: null, horizon_end: '2025-01-01' });
    expect(perYear(ctx, none)).toBeNull();
    expect(perYear(ctx, backwards)).toBeNull();
  });

  it('prefers the stated number of years over an end date', () => {
    ctx = freshApp({ seed: false });
    const id = addPledge(ctx.db, { amount_usd: 10_000, horizon_years: 2.5, horizon_end: '2030-01-01' });
    expect(perYear(ctx, id)).toBe(4_000);
  });
});
