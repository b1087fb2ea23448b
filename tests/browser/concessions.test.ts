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
