import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { listEvents } from '../../server/events/events.repository.ts';
import { shapeCharts } from '../../server/dashboard/dashboard.charts.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { coarsenTimeline, MAX_TIMELINE_POINTS, summarize } from '../../server/dashboard/dashboard.summary.ts';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('GET /charts/:name.csv', () => {
  it('gives exactly the numbers the amounts chart draws', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/charts/amounts.csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=amounts-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(res.text).toBe(
      [
        'pledge_id,pledge,us_billion_usd,non_us_billion_usd,unknown_share_billion_usd',
        '1,"OpenAI, SoftBank, Oracle, MGX: Stargate Project",500,0,',
        '5,"Nvidia: US-made AI supercomputers with TSMC, Foxconn, Wistron, Amkor and SPIL",500,0,',
        '3,"TSMC: Additional Arizona fabs (3 fabs, 2 advanced packaging plants, R&D center)",100,0,',
        '2,"Microsoft: AI-enabled data centers, fiscal year 2025",40,40,',
        '',
      ].join('\r\n'),
    );
  });

  it('follows the filter, and neutralises formula-like names', async () => {
    ctx = freshApp();
    addPledge(ctx.db, { pledger: '=HYPERLINK("http://evil")', project: '', lever: 'subsidies', amount_usd: 2e9 });
    const res = await request(ctx.app).get('/charts/levers.csv?lever=subsidies');
    expect(res.text).toBe('lever,pledges,undisclosed,billion_usd\r\nSubsidies,1,0,2\r\n');
    const amounts = await request(ctx.app).get('/charts/amounts.csv?lever=subsidies');
    expect(amounts.text).toContain(`6,"'=HYPERLINK(""http://evil"")",2,0,`);
  });

  it.each(['us-share', 'timeline', 'per-year'])('serves %s', async (name) => {
    ctx = freshApp();
    const res = await request(ctx.app).get(`/charts/${name}.csv`);
    expect(res.status).toBe(200);
    expect(res.text.split('\r\n').length).toBeGreaterThan(2);
  });

  it('answers 404 for an unknown chart', async () => {
    ctx = freshApp();
    expect((await request(ctx.app).get('/charts/pie.csv')).status).toBe(404);
  });
});

describe('chart shaping of the timeline and the amounts per year', () => {
  it('sizes timeline points by amount, the largest biggest, undisclosed small', () => {
    ctx = freshApp();
    const { points } = shapeCharts(summarize(ctx.db), listEvents(ctx.db)).timeline;
    const byLabel = Object.fromEntries(points.map((p) => [p.label.split(':')[0], p.r]));
    expect(byLabel['OpenAI, SoftBank, Oracle, MGX']).toBe(18);
    expect(byLabel.TSMC).toBeCloseTo(4 + 14 * Math.sqrt(100 / 500), 2);
    expect(points.find((p) => !p.disclosed)!.r).toBe(5);
  });

  it('ranks amounts per year and counts pledges without a horizon apart', () => {
    ctx = freshApp();
    addPledge(ctx.db, { amount_usd: 7e9, horizon_years: null, horizon_end: null });
    const { perYear } = shapeCharts(summarize(ctx.db), listEvents(ctx.db));
    expect(perYear.ids).toEqual([2, 1, 5, 3]);
    expect(perYear.values.slice(1)).toEqual([125, 125, 25]);
    expect(perYear.inferred).toEqual([true, false, false, false]);
    expect(perYear.noHorizon).toBe(1);
    expect(perYear.leftOut).toBe(2);
  });
});

describe('top 20 and all others', () => {
  it('draws the 20 largest pledges and one bar for the rest, which adds up exactly', () => {
    ctx = freshApp({ seed: false });
    for (let i = 1; i <= 25; i++) {
      addPledge(ctx.db, { pledger: `P${i}`, amount_usd: i * 1e9, us_share_pct: i <= 3 ? null : 40, announced_on: `2025-01-${String(i).padStart(2, '0')}` });
    }
    addPledge(ctx.db, { pledger: 'Secret', amount_usd: null });
    const summary = summarize(ctx.db);
    expect(summary.by_pledge.map((row) => row.pledger)).toEqual(Array.from({ length: 20 }, (_, i) => `P${25 - i}`));
    // P1..P5 are the others: 15B, of which P1..P3 (6B) have no known share; P4, P5 (9B) are 40% US.
    expect(summary.others).toEqual({ pledge_count: 5, amount_usd: 15e9, us_amount_usd: 3.6e9, share_base_usd: 9e9 });
    const { amounts, usShare } = shapeCharts(summary, []);
    expect(amounts.labels).toHaveLength(21);
    expect(amounts.labels[20]).toEqual(['All others', '5 pledges']);
    expect(amounts.ids[20]).toBeNull();
    expect(amounts.us[20]).toBeCloseTo(3.6, 10);
    expect(amounts.nonUs[20]).toBeCloseTo(5.4, 10);
    expect(amounts.unknownShare[20]).toBeCloseTo(6, 10);
    expect(usShare.names.at(-1)).toBe('All others (5 pledges)');
    expect(usShare.usPct.at(-1)).toBeCloseTo(40, 10);
    expect(amounts.leftOut).toBe(1);
    // 15B of others against a largest pledge of 25B: the axis fits every bar.
    expect(amounts.axisMax).toBeNull();
  });

  it('cuts an "all others" bar that would flatten the rest, and says so in its label', () => {
    ctx = freshApp({ seed: false });
    for (let i = 1; i <= 120; i++) addPledge(ctx.db, { pledger: `P${i}`, amount_usd: 1e9, announced_on: '2025-01-01' });
    const { amounts } = shapeCharts(summarize(ctx.db), []);
    // 100 others of $1B each: $100B, 100 times the largest bar.
    expect(amounts.labels[20]).toEqual(['All others', '100 pledges', '$100B, bar cut']);
    expect(amounts.axisMax).toBeCloseTo(1.25, 10);
    expect(amounts.totals[20]).toBe('$100B ($100,000,000,000)');
  });

  it('groups the timeline by date, counting the pledges of a date', () => {
    ctx = freshApp({ seed: false });
    addPledge(ctx.db, { pledger: 'A', amount_usd: 1e9, announced_on: '2025-01-01' });
    addPledge(ctx.db, { pledger: 'B', amount_usd: 2e9, announced_on: '2025-01-01' });
    addPledge(ctx.db, { pledger: 'C', amount_usd: null, announced_on: '2025-02' });
    const { timeline } = summarize(ctx.db);
    expect(timeline.map((row) => [row.announced_on, row.pledge_count, row.amount_usd, row.cumulative_usd])).toEqual([
      ['2025-01-01', 2, 3e9, 3e9],
      ['2025-02', 1, null, 3e9],
    ]);
    const points = shapeCharts(summarize(ctx.db), []).timeline.points;
    expect(points.map((p) => p.label)).toEqual(['2 pledges', 'C: Widget plant']);
    expect(points[1].disclosed).toBe(false);
  });

  it('folds a timeline of too many dates into months, then years, keeping counts and running totals', () => {
    const day = (n: number) => new Date(Date.UTC(2020, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
    const byDate = Array.from({ length: MAX_TIMELINE_POINTS + 1 }, (_, n) => ({
      id: n + 1, pledger: `P${n}`, project: '', pledge_count: 1, announced_on: day(n),
      amount_usd: n === 0 ? null : 1e9, cumulative_usd: n * 1e9,
    }));
    const months = coarsenTimeline(byDate);
    expect(months.grouping).toBe('month');
    expect(months.rows.map((row) => row.announced_on).slice(0, 3)).toEqual(['2020-01', '2020-02', '2020-03']);
    expect(months.rows[0]).toMatchObject({ pledge_count: 31, amount_usd: 30e9, cumulative_usd: 30e9 });
    expect(months.rows.reduce((n, row) => n + row.pledge_count, 0)).toBe(byDate.length);
    expect(months.rows.at(-1)!.cumulative_usd).toBe(byDate.at(-1)!.cumulative_usd);
    expect(coarsenTimeline(byDate.slice(0, MAX_TIMELINE_POINTS)).grouping).toBe('date');

    const manyMonths = Array.from({ length: 300 }, (_, n) => ({
      ...byDate[0], amount_usd: 1e9, announced_on: `${2000 + Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}-01`, cumulative_usd: (n + 1) * 1e9,
    }));
    const years = coarsenTimeline(manyMonths);
    expect(years.grouping).toBe('year');
    expect(years.rows).toHaveLength(25);
    expect(years.rows[0]).toMatchObject({ announced_on: '2000', pledge_count: 12, amount_usd: 12e9, cumulative_usd: 12e9 });
  });

  it('draws a large database timeline per month, and says so', async () => {
    ctx = freshApp({ seed: false });
    generatePledges(ctx.db, { rows: 3000, seed: 3, batch: 1000 });
    const summary = summarize(ctx.db);
    expect(summary.timeline_grouping).toBe('month');
    expect(summary.timeline.length).toBeLessThanOrEqual(MAX_TIMELINE_POINTS);
    expect(summary.timeline.reduce((n, row) => n + row.pledge_count, 0)).toBe(3000);
    const page = await request(ctx.app).get('/');
    expect(page.text).toContain('One point per month');
  });
});
