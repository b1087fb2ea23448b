/// <reference lib="dom" />
// Concessions in Chromium on the 2025 dataset: the timeline's own legend entry and markers, /concessions, a pledge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET_SEED } from '../helpers.ts';
import { browserAvailable, DASHBOARD_VIEWPORT, startBrowser, watch, type BrowserContext } from './browser.ts';

interface TimelineView {
  legend: string[];
  markers: { x: number; y: number; radius: number; color: string }[];
  pixels: number[][];
}

describe.skipIf(!browserAvailable)('concessions in Chromium', () => {
  let b: BrowserContext;
  beforeAll(async () => {
    b = await startBrowser({ seedFile: DATASET_SEED });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('marks concessions on the timeline in their own colour, with their own legend entry, joined to their pledges', async () => {
    const page = await b.browser.newPage({ viewport: DASHBOARD_VIEWPORT, reducedMotion: 'reduce' });
    const watched = await watch(page, b.base);
    await page.goto(`${b.base}/`);
    await page.waitForSelector('#chart-timeline[data-drawn="true"]');
    const view = await page.evaluate((): TimelineView => {
      type Element = { x: number; y: number; options: { radius: number; backgroundColor: string } };
      const chart = (
        window as unknown as {
          Chart: { getChart(id: string): { legend: { legendItems: { text: string }[] }; getDatasetMeta(i: number): { data: Element[] } } };
        }
      ).Chart.getChart('chart-timeline');
      const markers = chart
        .getDatasetMeta(2)
        .data.filter((point) => point.options.radius > 0)
        .map((point) => ({ x: point.x, y: point.y, radius: point.options.radius, color: point.options.backgroundColor }));
      // What a reader sees at each marker's centre.
      const canvas = document.getElementById('chart-timeline') as HTMLCanvasElement;
      const context = canvas.getContext('2d')!;
      const ratio = canvas.width / canvas.getBoundingClientRect().width;
      const pixels = markers.map((m) => Array.from(context.getImageData(Math.round(m.x * ratio), Math.round(m.y * ratio), 1, 1).data));
      return { legend: chart.legend.legendItems.map((item) => item.text), markers, pixels };
    });
    expect(view.legend).toEqual(['Cumulative amount pledged', 'Political event', 'Concession, joined to its pledge']);
    const concessions = b.ctx.db.prepare("SELECT count(*) FROM events e JOIN pledge_events pe ON pe.event_id = e.id WHERE e.kind = 'concession'").pluck().get();
    expect(view.markers).toHaveLength(concessions as number);
    expect(view.markers.every((m) => m.color.toUpperCase() === '#CC79A7' && m.radius === 7)).toBe(true);
    // #CC79A7 is (204, 121, 167): every diamond shows it on the canvas, over the pledges' points and the events' labels.
    const pink = view.pixels.filter(([r, g, bl]) => Math.abs(r - 204) < 12 && Math.abs(g - 121) < 12 && Math.abs(bl - 167) < 12);
    expect(pink).toHaveLength(view.markers.length);
    expect(watched.consoleErrors).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);
    await page.close();
  }, 60_000);

  it('draws each political event on the timeline as a dashed line in its colour at its date, with its words in a box', async () => {
    const page = await b.browser.newPage({ viewport: DASHBOARD_VIEWPORT, reducedMotion: 'reduce' });
    // This year's pledges only: the timeline then spreads the year's events over its whole width.
    await page.goto(`${b.base}/?from=2025`);
    await page.waitForSelector('#chart-timeline[data-drawn="true"]');
    const drawn = await page.evaluate(() => {
      const timeline = (JSON.parse(document.getElementById('chart-data')!.textContent!) as { timeline: { events: { x: number }[] } }).timeline;
      const chart = (
        window as unknown as {
          Chart: { getChart(id: string): { chartArea: { left: number; right: number; top: number; bottom: number }; scales: { x: { getPixelForValue(v: number): number } } } };
        }
      ).Chart.getChart('chart-timeline');
      const canvas = document.getElementById('chart-timeline') as HTMLCanvasElement;
      const context = canvas.getContext('2d')!;
      const ratio = canvas.width / canvas.getBoundingClientRect().width;
      const area = chart.chartArea;
      const [left, top] = [Math.round(area.left * ratio), Math.round(area.top * ratio)];
      const [width, height] = [Math.round((area.right - area.left) * ratio), Math.round((area.bottom - area.top) * ratio)];
      const pixels = context.getImageData(left, top, width, height).data;
      const at = (x: number, y: number) => Array.from(pixels.subarray((y * width + x) * 4, (y * width + x) * 4 + 3));
      // The columns (in CSS pixels) where at least five pixels are the events' orange, #D55E00.
      const orange: number[] = [];
      for (let x = 0; x < width; x++) {
        let n = 0;
        for (let y = 0; y < height; y++) {
          const [r, g, bl] = at(x, y);
          if (Math.abs(r - 213) < 25 && Math.abs(g - 94) < 25 && bl < 40) n++;
        }
        if (n >= 5) orange.push((left + x) / ratio);
      }
      // The labels' brown, #7a2b00, in the box on the middle of the last event's line (drawn last: no other covers it).
      const last = Math.round(chart.scales.x.getPixelForValue(timeline.events.at(-1)!.x) * ratio) - left;
      let brown = 0;
      for (let x = last - 12 * ratio; x < last + 12 * ratio; x++) {
        for (let y = height / 2 - 20 * ratio; y < height / 2 + 20 * ratio; y++) {
          const [r, g, bl] = at(Math.round(x), Math.round(y));
          if (r > 90 && r < 160 && g < 70 && bl < 40) brown++;
        }
      }
      return { events: timeline.events.map((event) => chart.scales.x.getPixelForValue(event.x)), orange, brown };
    });
    expect(drawn.events.length).toBeGreaterThan(10);
    // Lines drawn in the events' colour, and only at events' dates.
    expect(drawn.orange.length).toBeGreaterThan(10);
    for (const x of drawn.orange) expect(drawn.events.some((event) => Math.abs(event - x) <= 2), `orange at x=${x}`).toBe(true);
    expect(drawn.brown).toBeGreaterThan(5);
    await page.close();
  }, 60_000);

  it('serves /concessions and the H20 pledge without a console error or a CSP violation', async () => {
    const page = await b.browser.newPage({ reducedMotion: 'reduce' });
    const watched = await watch(page, b.base);
    const table = await page.goto(`${b.base}/concessions`);
    expect(table!.status()).toBe(200);
    expect(await page.locator('table.concessions-table tbody tr').count()).toBeGreaterThanOrEqual(9);
    const nvidia = b.ctx.db.prepare("SELECT id FROM pledges WHERE pledger = 'Nvidia' AND announced_on = '2025-04-09'").pluck().get();
    await page.goto(`${b.base}/pledges/${nvidia}`);
    expect(await page.locator('#concessions-heading + ol.concessions > li').count()).toBe(3);
    expect(await page.locator('.days-between').allTextContents()).toEqual(['the same day as the pledge', '96 days after the pledge', '123 days after the pledge']);
    expect(watched.consoleErrors).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    await page.close();
  }, 30_000);
});
