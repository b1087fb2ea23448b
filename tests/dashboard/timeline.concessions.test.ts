// The timeline marks concessions apart from other events and joins each to the pledge it answered.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { listConcessions } from '../../server/events/concessions.repository.ts';
import { insertEvent, linkPledgeToEvent, listEvents } from '../../server/events/events.repository.ts';
import { MAX_CONCESSION_JOINS, shapeCharts } from '../../server/dashboard/dashboard.charts.ts';
import { summarize } from '../../server/dashboard/dashboard.summary.ts';
import { EMPTY_FILTER } from '../../server/pledges/pledges.filter.ts';
import { DATASET_SEED, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

/** A concession for TSMC's pledge (3 Mar 2025, pledge 3), twelve days before it. */
function tsmcConcession(): number {
  const id = insertEvent(ctx.db, {
    occurred_on: '2025-02-19',
    title: 'Tariff waiver for TSMC',
    kind: 'concession',
    concession_type: 'tariff_relief',
    note: '',
    source_url: 'https://example.com/waiver',
    source_title: '',
  });
  linkPledgeToEvent(ctx.db, 3, id);
  return id;
}

const chartData = (html: string) => JSON.parse(/<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(html)![1]);

describe('the timeline with concessions', () => {
  it("draws each concession at its date, at the height of its pledge's point, joined to that point; not as an event line", () => {
    ctx = freshApp();
    tsmcConcession();
    const charts = shapeCharts(summarize(ctx.db, EMPTY_FILTER), listEvents(ctx.db), listConcessions(ctx.db));
    const tsmc = charts.timeline.points.find((p) => p.label.startsWith('TSMC'))!;
    expect(charts.timeline.concessions).toEqual([
      { x: Date.UTC(2025, 1, 19), px: tsmc.x, y: tsmc.y, date: '19 Feb 2025', line: 'TSMC: Tariff waiver for TSMC' },
    ]);
    expect(charts.timeline.events.flatMap((e) => e.lines)).not.toContain('Tariff waiver for TSMC');
  });

  it('keeps the chart data small: at most MAX_CONCESSION_JOINS joins', () => {
    ctx = freshApp();
    tsmcConcession();
    const [one] = listConcessions(ctx.db);
    const many = Array.from({ length: MAX_CONCESSION_JOINS + 50 }, (_, i) => ({ ...one, concession_id: i + 1, concession: `Waiver ${i + 1}` }));
    const charts = shapeCharts(summarize(ctx.db, EMPTY_FILTER), [], many);
    expect(charts.timeline.concessions).toHaveLength(MAX_CONCESSION_JOINS);
  });

  it('draws once the joins that would be drawn alike, and counts only those drawn against the limit', () => {
    ctx = freshApp();
    tsmcConcession();
    const [one] = listConcessions(ctx.db);
    // The same concession of the same pledger on the same point, twice (two of its pledges), then another one.
    const pairs = [one, { ...one, pledge_id: one.pledge_id + 1000 }, { ...one, concession_id: one.concession_id + 1, concession: 'Another waiver' }];
    const charts = shapeCharts(summarize(ctx.db, EMPTY_FILTER), [], pairs);
    expect(charts.timeline.concessions.map((join) => join.line)).toEqual(['TSMC: Tariff waiver for TSMC', 'TSMC: Another waiver']);
  });

  it("follows the dashboard's filter, lists concessions in the timeline's table and CSV", async () => {
    ctx = freshApp();
    tsmcConcession();
    const all = await request(ctx.app).get('/');
    expect(chartData(all.text).timeline.concessions).toHaveLength(1);
    expect(all.text).toContain('Concession (Tariff exemption or grace period): <a');
    const nvidia = await request(ctx.app).get('/?pledger=Nvidia');
    expect(chartData(nvidia.text).timeline.concessions).toEqual([]);
    const csv = await request(ctx.app).get('/charts/timeline.csv');
    expect(csv.text).toContain('19 Feb 2025,concession,TSMC: Tariff waiver for TSMC,');
  });

  it('joins every concession of the 2025 dataset to its pledge', async () => {
    ctx = freshApp({ seedFile: DATASET_SEED });
    const joins = chartData((await request(ctx.app).get('/')).text).timeline.concessions as { x: number; px: number }[];
    expect(joins).toHaveLength(listConcessions(ctx.db).length);
    expect(joins.length).toBeGreaterThanOrEqual(9);
    // Nvidia's licence assurance came 96 days after its pledge's point.
    expect(joins.some((j) => j.x - j.px === 96 * 24 * 3600 * 1000)).toBe(true);
  });
});
