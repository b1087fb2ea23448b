/// <reference lib="dom" />
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, DASHBOARD_CHARTS as CHARTS, DASHBOARD_VIEWPORT, startBrowser, watch, type BrowserContext } from './browser.ts';

// Kept for a look after a run, in an ignored folder: the README's copy is refreshed on purpose (npm run screenshot).
const SCREENSHOT = path.resolve(import.meta.dirname, '..', '.output', 'dashboard.png');

describe.skipIf(!browserAvailable)('the dashboard in Chromium', () => {
  let b: BrowserContext;
  beforeAll(async () => {
    b = await startBrowser();
  });
  afterAll(async () => {
    await b?.close();
  });

  it('draws every chart, with no console error, no CSP violation and no request to another host', async () => {
    const page = await b.browser.newPage({ viewport: DASHBOARD_VIEWPORT, reducedMotion: 'reduce' });
    const watched = await watch(page, b.base);
    await page.goto(`${b.base}/`);
    for (const id of CHARTS) await page.waitForSelector(`#${id}[data-drawn="true"]`);

    const inked = await page.evaluate((ids) => {
      return ids.map((id) => {
        const canvas = document.getElementById(id) as HTMLCanvasElement;
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return { id, painted, width: canvas.width, height: canvas.height };
      });
    }, CHARTS);
    for (const chart of inked) {
      expect(chart.width, chart.id).toBeGreaterThan(100);
      expect(chart.painted, chart.id).toBeGreaterThan(2000);
    }

    // The amounts chart has one bar per disclosed pledge: four in the seed data.
    const bars = await page.evaluate(() => {
      const chart = (window as unknown as { Chart: { getChart: (id: string) => { data: { labels: unknown[] } } } }).Chart;
      return chart.getChart('chart-amounts')!.data.labels.length;
    });
    expect(bars).toBe(4);

    expect(watched.consoleErrors).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
  });

  it('draws the waterfall, whose bars and rows lead to the pledges behind each step', async () => {
    // Nvidia's $500B overlaps TSMC's $100B fabs by $100B; Stargate re-announces $100B of an earlier plan.
    const relate = b.ctx.db.prepare('INSERT INTO pledge_relations (pledge_id, kind, other_id, amount_usd) VALUES (?, ?, ?, ?)');
    relate.run(5, 'overlaps', 3, 100e9);
    relate.run(1, 'repeats', null, 100e9);
    try {
      const page = await b.browser.newPage({ viewport: DASHBOARD_VIEWPORT, reducedMotion: 'reduce' });
      const watched = await watch(page, b.base);
      await page.goto(`${b.base}/`);
      await page.waitForSelector('#chart-waterfall[data-drawn="true"]');
      const bars = await page.evaluate(() => {
        const chart = (window as unknown as { Chart: { getChart: (id: string) => { data: { labels: string[] } } } }).Chart;
        return chart.getChart('chart-waterfall')!.data.labels;
      });
      expect(bars[0]).toBe('Announced');
      expect(bars.at(-1)).toBe('New US investment (upper bound)');

      // A click on the overlaps bar opens the table of the pledge it took dollars from (the chart scrolled into
      // view first, as a reader would: the headline cards above it may fill the first screen).
      await page.locator('#chart-waterfall').scrollIntoViewIfNeeded();
      const box = await page.evaluate(() => {
        const chart = (window as unknown as { Chart: { getChart: (id: string) => { getDatasetMeta: (i: number) => { data: { x: number; y: number; base: number }[] } } } }).Chart;
        const bar = chart.getChart('chart-waterfall')!.getDatasetMeta(1).data[3]!;
        const rect = document.getElementById('chart-waterfall')!.getBoundingClientRect();
        return { x: rect.left + (bar.x + bar.base) / 2, y: rect.top + bar.y };
      });
      await Promise.all([page.waitForURL(/\/pledges\?step=overlaps$/), page.mouse.click(box.x, box.y)]);
      expect(await page.locator('table.pledges tbody tr').count()).toBe(1);
      expect(await page.locator('.chips').textContent()).toContain('Waterfall step: Known overlaps');

      await page.goto(`${b.base}/`);
      await page.getByRole('link', { name: 'Repeats and the part not described as new' }).click();
      await page.waitForURL(/step=not_new$/);
      expect(await page.locator('table.pledges tbody tr').count()).toBeGreaterThan(0);
      expect(watched.consoleErrors).toEqual([]);
      expect(await watched.cspViolations()).toEqual([]);
      await page.close();
    } finally {
      b.ctx.db.exec('DELETE FROM pledge_relations');
    }
  });

  it.each(['/pledges', '/pledges/4', '/events', '/events/5', '/nowhere'])(
    'renders %s with no console error and no CSP violation',
    async (url) => {
      const page = await b.browser.newPage();
      const watched = await watch(page, b.base);
      const response = await page.goto(`${b.base}${url}`);
      expect(response!.status()).toBe(url === '/nowhere' ? 404 : 200);
      // A 404 answer is logged by Chromium as a console error about the resource itself; nothing else may be.
      expect(watched.consoleErrors.filter((text) => !text.includes('404'))).toEqual([]);
      expect(await watched.cspViolations()).toEqual([]);
      expect(watched.foreignRequests).toEqual([]);
      await page.close();
    },
  );

  it('is readable on a phone: no horizontal scroll outside the table', async () => {
    const page = await b.browser.newPage({ viewport: { width: 375, height: 800 }, reducedMotion: 'reduce' });
    await page.goto(`${b.base}/`);
    for (const id of CHARTS) await page.waitForSelector(`#${id}[data-drawn="true"]`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });
});
