/// <reference lib="dom" />
// The 2025 dataset (db/seed.json) in Chromium, as a new database serves it on first start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET_SEED } from '../helpers.ts';
import { browserAvailable, DASHBOARD_VIEWPORT, seriousA11yViolations, startBrowser, watch, type BrowserContext } from './browser.ts';

describe.skipIf(!browserAvailable)('the 2025 dataset in Chromium', () => {
  let b: BrowserContext;
  beforeAll(async () => {
    b = await startBrowser({ seedFile: DATASET_SEED });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('opens with announced beside new US investment, and every waterfall step leads to the pledges behind it', async () => {
    const page = await b.browser.newPage({ viewport: DASHBOARD_VIEWPORT, reducedMotion: 'reduce' });
    const watched = await watch(page, b.base);
    await page.goto(`${b.base}/`);
    await page.waitForSelector('#chart-waterfall[data-drawn="true"]');
    const cards = await page.locator('.figure-card').allTextContents();
    expect(cards.some((text) => text.includes('Announced'))).toBe(true);
    expect(cards.some((text) => text.includes('New US investment'))).toBe(true);

    const rows = page.locator('#waterfall table tbody tr th a');
    const links = await rows.evaluateAll((anchors) => anchors.map((a) => ({ text: a.textContent!.trim(), href: (a as HTMLAnchorElement).href })));
    // Announced, the six steps, and the result.
    expect(links).toHaveLength(8);
    for (const { text, href } of links) {
      await page.goto(href);
      const count = await page.locator('table.pledges tbody tr').count();
      expect(count, `${text}: ${href}`).toBeGreaterThan(0);
    }
    expect(watched.consoleErrors).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);
    await page.close();
  }, 60_000);

  it.each([
    ['the dashboard', () => '/'],
    ['the methodology', () => '/methodology'],
    ['a pledge with relations (Apple, $600B)', () => `/pledges/${b.ctx.db.prepare("SELECT id FROM pledges WHERE pledger = 'Apple' AND amount_usd = 600000000000").pluck().get()}`],
    ['a waterfall step', () => '/pledges?step=superseded'],
  ])('axe-core finds no serious or critical violation on %s, and the CSP blocks nothing', async (_name, path) => {
    const page = await b.browser.newPage({ reducedMotion: 'reduce' });
    const watched = await watch(page, b.base);
    const response = await page.goto(`${b.base}${path()}`);
    expect(response!.status()).toBe(200);
    if (path() === '/') await page.waitForSelector('#chart-waterfall[data-drawn="true"]');
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.consoleErrors).toEqual([]);
    await page.close();
  }, 30_000);
});
