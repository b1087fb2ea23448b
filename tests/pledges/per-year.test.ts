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
    const microsoftYears = (Date.UTC(2025, 5, 30) - Date.UTC(2025, 0, 3)) / 86_400_000 / 365.25;
    expect(perYear(ctx, 2)).toBe(Math.round(80e9 / microsoftYears)); // $80B by the end of FY2025
    expect(perYear(ctx, 3)).toBe(25_000_000_000); // TSMC: $100B over about 4 years
    expect(perYear(ctx, 4)).toBeNull(); // undisclosed
  });

  it('measures an end date from the start of a partial announcement date', () => {
    ctx = freshApp({ seed: false });
    const id = addPledge(ctx.db, { amount_usd: 366_000_000, announced_on: '2024-02', horizon_years: null, horizon_end: '2025-02-01' });
    expect(perYear(ctx, id)).toBe(365_250_000);
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
