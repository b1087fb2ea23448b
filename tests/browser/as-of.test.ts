/// <reference lib="dom" />
// The as-of field in Chromium on the 2025 dataset: a reader picks a date beside the filter bar, the dashboard
// redraws as of then and says so, every link and chart click keeps the date, and an empty field goes back to today.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET_SEED } from '../helpers.ts';
import { browserAvailable, DASHBOARD_CHARTS, DASHBOARD_VIEWPORT, seriousA11yViolations, startBrowser, watch, type BrowserContext } from './browser.ts';

describe.skipIf(!browserAvailable)('the as-of field in Chromium', () => {
  let b: BrowserContext;
  beforeAll(async () => {
    b = await startBrowser({ seedFile: DATASET_SEED });
  });
  afterAll(async () => {
    await b?.close();
  });

  const pledgeCount = async (page: import('playwright-core').Page) => Number(await page.locator('.figure-card:has(h2:text-is("Pledges")) .big').textContent());

  it('shows the dashboard as of the date typed, keeps it in links and chart clicks, and clears back to today', async () => {
    const page = await b.browser.newPage({ viewport: DASHBOARD_VIEWPORT, reducedMotion: 'reduce' });
    const watched = await watch(page, b.base);
    await page.goto(`${b.base}/`);
    const today = await pledgeCount(page);
    expect(await page.locator('.as-of-banner').count()).toBe(0);

    await page.fill('#filter-as-of', '2025-06-30');
    await Promise.all([page.waitForURL(/as_of=2025-06-30/), page.click('.filter-form button[type="submit"]')]);
    for (const id of DASHBOARD_CHARTS) await page.waitForSelector(`#${id}[data-drawn="true"]`);
    await expect.poll(() => page.locator('.as-of-banner').textContent()).toContain('As of 30 Jun 2025.');
    expect(await page.inputValue('#filter-as-of')).toBe('2025-06-30');
    // The pledges announced by then: fewer than today, as many as the database holds by that date.
    const byThen = b.ctx.db.prepare("SELECT count(*) FROM pledges WHERE announced_on < '2025-07-01'").pluck().get() as number;
    expect(await pledgeCount(page)).toBe(byThen);
    expect(byThen).toBeLessThan(today);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A click on the widest step of the waterfall opens the table of its pledges, as of the same date (the chart
    // scrolled into view first, as a reader would).
    await page.locator('#chart-waterfall').scrollIntoViewIfNeeded();
    const bar = await page.evaluate(() => {
      type Bar = { x: number; y: number; base: number };
      const chart = (window as unknown as { Chart: { getChart(id: string): { getDatasetMeta(i: number): { data: Bar[] } } } }).Chart.getChart('chart-waterfall');
      const steps = chart.getDatasetMeta(1).data;
      const widest = steps.reduce((best, point) => (Math.abs(point.x - point.base) > Math.abs(best.x - best.base) ? point : best));
      const box = document.getElementById('chart-waterfall')!.getBoundingClientRect();
      return { x: box.left + (widest.x + widest.base) / 2, y: box.top + widest.y };
    });
    await Promise.all([page.waitForURL(/\/pledges\?(?=.*\bstep=\w+)(?=.*\bas_of=2025-06-30\b)/), page.mouse.click(bar.x, bar.y)]);
    expect(await page.locator('.as-of-banner').count()).toBe(1);

    // Stargate was stalled on 30 June 2025 (it got under way again in September): its page says so.
    const stargate = b.ctx.db.prepare("SELECT id FROM pledges WHERE pledger = 'OpenAI, SoftBank, Oracle, MGX' AND announced_on = '2025-01-21'").pluck().get() as number;
    await page.goto(`${b.base}/pledges/${stargate}?as_of=2025-06-30`);
    expect(await page.locator('.figure-card:has(h2:text-is("Announced")) .status').textContent()).toBe('Stalled');
    await page.goto(`${b.base}/pledges/${stargate}`);
    expect(await page.locator('.figure-card:has(h2:text-is("Announced")) .status').textContent()).toBe('Under way');

    // The nav keeps the date; the banner's link and an emptied field go back to today.
    await page.goto(`${b.base}/?as_of=2025-06-30`);
    await Promise.all([page.waitForURL(/\/pledges\?as_of=2025-06-30$/), page.click('nav.nav a:text-is("Pledges")')]);
    expect(await page.locator('.as-of-banner').count()).toBe(1);
    await page.fill('#filter-as-of', '');
    await Promise.all([page.waitForLoadState('load'), page.click('.filter-form button[type="submit"]')]);
    expect(page.url()).not.toMatch(/as_of=\d/);
    expect(await page.locator('.as-of-banner').count()).toBe(0);
    expect(watched.consoleErrors).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);
    await page.close();
  }, 90_000);
});
