import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { EMPTY_FILTER } from '../../server/pledges/pledges.filter.ts';
import { MAX_BARS, summarize } from '../../server/dashboard/dashboard.summary.ts';
import { shapeCharts } from '../../server/dashboard/dashboard.charts.ts';
import { listEvents } from '../../server/events/events.repository.ts';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('summary of the seed data', () => {
  it('adds up the figures as computed by hand', () => {
    ctx = freshApp();
    const { totals, by_lever: byLever, timeline } = summarize(ctx.db);
    // 500B Stargate + 80B Microsoft + 100B TSMC + 500B Nvidia; the NPR-reported Nvidia pledge is undisclosed.
    expect(totals.pledged_usd).toBe(1_180_000_000_000);
    // Microsoft counts at 50%: 500 + 40 + 100 + 500.
    expect(totals.us_usd).toBe(1_140_000_000_000);
    expect(totals.us_share_pct).toBeCloseTo((100 * 1140) / 1180, 10);
    expect(totals).toMatchObject({ pledge_count: 5, disclosed_count: 4, undisclosed_count: 1, unknown_share_count: 0 });
    expect(byLever).toEqual([
      { lever: 'export_controls', pledge_count: 3, undisclosed_count: 1, amount_usd: 580e9, us_amount_usd: 540e9 },
      { lever: 'white_house_event', pledge_count: 1, undisclosed_count: 0, amount_usd: 500e9, us_amount_usd: 500e9 },
      { lever: 'tariffs', pledge_count: 1, undisclosed_count: 0, amount_usd: 100e9, us_amount_usd: 100e9 },
    ]);
    expect(timeline.map((row) => [row.announced_on, row.cumulative_usd])).toEqual([
      ['2025-01-03', 80e9],
      ['2025-01-21', 580e9],
      ['2025-03-03', 680e9],
      ['2025-04-09', 680e9],
      ['2025-04-14', 1180e9],
    ]);
  });

  it('orders the per-pledge amounts largest first, ties by id, without the undisclosed one', () => {
    ctx = freshApp();
    const rows = summarize(ctx.db).by_pledge;
    expect(rows.map((row) => [row.pledger, row.amount_usd])).toEqual([
      ['OpenAI, SoftBank, Oracle, MGX', 500e9],
      ['Nvidia', 500e9],
      ['TSMC', 100e9],
      ['Microsoft', 80e9],
    ]);
    expect(rows[3].us_amount_usd).toBe(40e9);
  });
});

describe('summary edge cases', () => {
  it('when nothing is pledged, then totals are zero and the US share is unknown', () => {
    ctx = freshApp({ seed: false });
    expect(summarize(ctx.db).totals).toMatchObject({ pledge_count: 0, pledged_usd: 0, us_usd: 0, us_share_pct: null });
  });

  it('when a share is unknown, then the amount counts in the total but not in the US share base', () => {
    ctx = freshApp({ seed: false });
    addPledge(ctx.db, { amount_usd: 300, us_share_pct: null });
    addPledge(ctx.db, { amount_usd: 100, us_share_pct: 25 });
    const { totals } = summarize(ctx.db);
    expect(totals).toMatchObject({ pledged_usd: 400, share_base_usd: 100, us_usd: 25, us_share_pct: 25, unknown_share_count: 1 });
  });
});

describe('chart shaping', () => {
  it('splits each bar into US and non-US parts and says how many pledges it leaves out', () => {
    ctx = freshApp();
    const charts = shapeCharts(summarize(ctx.db), listEvents(ctx.db));
    expect(charts.amounts.us).toEqual([500, 500, 100, 40]);
    expect(charts.amounts.nonUs).toEqual([0, 0, 0, 40]);
    expect(charts.amounts.leftOut).toBe(1);
    expect(charts.amounts.totals[3]).toBe('$80B ($80,000,000,000)');
    expect(charts.usShare.inferred).toEqual([false, false, false, false, true]);
    expect(charts.usShare.leftOut).toBe(1);
    expect(charts.timeline.points.filter((p) => !p.disclosed)).toHaveLength(1);
    // The two events of 20 Jan 2025 share one marker.
    expect(charts.timeline.events).toHaveLength(5);
    expect(charts.timeline.events[1].lines).toHaveLength(2);
    expect(charts.levers.labels).toEqual(['Export controls', 'White House event', 'Tariffs']);
  });
});

describe('the largest pledges under an amount range', () => {
  it('are the first by id among equal amounts, however many share the amount', () => {
    ctx = freshApp();
    // More equal amounts than the first head of the range holds (256): its cut falls inside them.
    const tied = Array.from({ length: 300 }, (_, i) => addPledge(ctx.db, { pledger: `Tied ${i}`, amount_usd: 500_000_000 }));
    addPledge(ctx.db, { pledger: 'Above the range', amount_usd: 2_000_000_000 });
    const { by_pledge: byPledge } = summarize(ctx.db, { ...EMPTY_FILTER, max: 1_000_000_000 });
    expect(byPledge.map((row) => row.id)).toEqual(tied.slice(0, MAX_BARS));
  });
});

describe('GET /api/summary', () => {
  it('returns the aggregates behind the charts and headline figures', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/api/summary');
    expect(res.status).toBe(200);
    expect(res.body.totals).toMatchObject({ pledged_usd: 1_180_000_000_000, us_usd: 1_140_000_000_000, pledge_count: 5, undisclosed_count: 1 });
    expect(res.body.by_pledge).toHaveLength(4);
    expect(res.body.by_lever[0]).toMatchObject({ lever: 'export_controls', amount_usd: 580_000_000_000 });
    expect(res.body.timeline).toHaveLength(5);
  });
});
