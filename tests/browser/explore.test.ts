/// <reference lib="dom" />
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEditor } from '../../server/auth/editors.ts';
import { findUserByName } from '../../server/auth/users.repository.ts';
import { createPledge, deletePledge, updatePledge } from '../../server/pledges/pledges.repository.ts';
import { PASSWORD, pledgeFixture } from '../helpers.ts';
import { browserAvailable, seriousA11yViolations, startBrowser, watch, type BrowserContext } from './browser.ts';

describe.skipIf(!browserAvailable)('exploring in Chromium', () => {
  let b: BrowserContext;
  beforeAll(async () => {
    b = await startBrowser();
    await addEditor(b.ctx.db, 'maria', PASSWORD);
  });
  afterAll(async () => {
    await b?.close();
  });

  const headline = (page: import('playwright-core').Page) =>
    page.locator('.figure-card').filter({ hasText: 'Pledges' }).locator('.big').textContent();

  it('a facet click narrows the table, the totals and the charts, and the URL says so', async () => {
    const page = await b.browser.newPage({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
    const watched = await watch(page, b.base);
    await page.goto(`${b.base}/`);
    await page.waitForSelector('#chart-amounts[data-drawn="true"]');
    expect(await headline(page)).toBe('5');
    const bars = () =>
      page.evaluate(() => (window as unknown as { Chart: { getChart(id: string): { data: { labels: unknown[] } } } }).Chart.getChart('chart-amounts').data.labels.length);
    expect(await bars()).toBe(4);

    await page.locator('details.refine summary').click();
    await page.locator('.facet').filter({ hasText: 'Sector' }).getByRole('link', { name: 'Semiconductors' }).click();
    await page.waitForURL(`${b.base}/?sector=Semiconductors`);
    await page.waitForSelector('#chart-amounts[data-drawn="true"]');
    expect(await headline(page)).toBe('2');
    expect(await bars()).toBe(2);
    expect(await page.locator('table.pledges tbody tr').count()).toBe(2);
    expect(await page.locator('.chips').textContent()).toContain('Sector: Semiconductors');

    await page.getByRole('link', { name: 'Remove filter Sector: Semiconductors' }).click();
    await page.waitForURL(`${b.base}/`);
    expect(await headline(page)).toBe('5');
    expect(watched.consoleErrors).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    await page.close();
  });

  it('downloads a chart’s data as CSV and its picture as PNG', async () => {
    const page = await b.browser.newPage({ acceptDownloads: true, reducedMotion: 'reduce' });
    const watched = await watch(page, b.base);
    await page.goto(`${b.base}/?lever=export_controls`);
    await page.waitForSelector('#chart-amounts[data-drawn="true"]');
    const amounts = page.locator('#amounts');

    const [csv] = await Promise.all([page.waitForEvent('download'), amounts.getByRole('link', { name: 'Download data (CSV)' }).click()]);
    const text = fs.readFileSync((await csv.path())!, 'utf8');
    expect(text.split('\r\n')[0]).toBe('pledge_id,pledge,us_billion_usd,non_us_billion_usd,unknown_share_billion_usd');
    expect(text.trimEnd().split('\r\n')).toHaveLength(3);

    const [png] = await Promise.all([page.waitForEvent('download'), amounts.getByRole('button', { name: 'Download PNG' }).click()]);
    expect(png.suggestedFilename()).toBe('amounts.png');
    const bytes = fs.readFileSync((await png.path())!);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(bytes.length).toBeGreaterThan(5000);
    expect(watched.consoleErrors).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    await page.close();
  });

  it('prints the dashboard on A4 and Letter with every chart', async () => {
    const page = await b.browser.newPage({ reducedMotion: 'reduce' });
    await page.goto(`${b.base}/`);
    await page.waitForSelector('#chart-levers[data-drawn="true"]');
    for (const format of ['A4', 'Letter']) {
      const pdf = await page.pdf({ format });
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(pdf.length).toBeGreaterThan(20_000);
    }
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.site-header').isVisible()).toBe(false);
    expect(await page.locator('#chart-timeline').isVisible()).toBe(true);
    await page.close();
  });

  it('can be used with the keyboard: a skip link first, visible focus, sortable headers as links', async () => {
    const page = await b.browser.newPage();
    await page.goto(`${b.base}/pledges`);
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => ({ text: document.activeElement?.textContent, outline: getComputedStyle(document.activeElement!).outlineStyle }));
    expect(first.text).toBe('Skip to content');
    expect(first.outline).not.toBe('none');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(await page.locator('thead th a').count()).toBe(10);
    await page.close();
  });

  describe('axe-core finds no serious or critical violation, and the CSP blocks nothing', () => {
    it.each([
      ['the dashboard', '/', false],
      ['the table', '/pledges?sort=-announced', false],
      ['a filtered table', '/pledges?lever=export_controls', false],
      ['a pledge', '/pledges/4', false],
      ['the events', '/events', false],
      ['an event', '/events/5', false],
      ['the levers', '/levers', false],
      ['the methodology', '/methodology', false],
      ['the sign-in form', '/login', false],
      ['the add form', '/pledges/new', true],
      ['the edit form', '/pledges/2/edit', true],
      ['the event form', '/events/new', true],
      ['the account page', '/account', true],
    ])('on %s', async (_name, path, signedIn) => {
      const context = await b.browser.newContext({ reducedMotion: 'reduce' });
      const page = await context.newPage();
      if (signedIn) {
        await page.goto(`${b.base}/login`);
        await page.locator('#field-username').fill('maria');
        await page.locator('#field-password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(`${b.base}/`);
      }
      const watched = await watch(page, b.base);
      await page.goto(`${b.base}${path}`);
      if (path === '/') await page.waitForSelector('#chart-levers[data-drawn="true"]');
      expect(await seriousA11yViolations(page)).toEqual([]);
      expect(await watched.cspViolations()).toEqual([]);
      expect(watched.consoleErrors).toEqual([]);
      await context.close();
    });

    it('on the change log, with a creation, an edit and a deletion in it', async () => {
      const maria = findUserByName(b.ctx.db, 'maria')!;
      const editor = { id: maria.id, username: maria.username };
      const write = { pledge: pledgeFixture(), eventIds: [], reason: 'From the press release', statusChange: null };
      const id = createPledge(b.ctx.db, write, editor);
      updatePledge(b.ctx.db, id, { ...write, pledge: pledgeFixture({ amount_usd: 2_000_000_000, us_share_pct: null }), reason: 'Doubled' }, editor);
      deletePledge(b.ctx.db, id, editor, 'Duplicate entry');
      const page = await b.browser.newPage({ reducedMotion: 'reduce' });
      const watched = await watch(page, b.base);
      await page.goto(`${b.base}/changes`);
      expect(await page.locator('.change-log > li').count()).toBe(3);
      expect(await seriousA11yViolations(page)).toEqual([]);
      expect(await watched.cspViolations()).toEqual([]);
      expect(watched.consoleErrors).toEqual([]);
      await page.close();
    });
  });
});
