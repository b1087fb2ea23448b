/// <reference lib="dom" />
// The German pages in Chromium: the charts' words and numbers in German, and axe clean, as the English pages are
// (tests/browser/explore.test.ts). The embed's widths (320 and 1200 px) are tested in tests/browser/embed.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEditor } from '../../server/auth/editors.ts';
import { PASSWORD } from '../helpers.ts';
import { browserAvailable, DASHBOARD_CHARTS, DASHBOARD_VIEWPORT, seriousA11yViolations, startBrowser, watch, type BrowserContext } from './browser.ts';

interface DrawnChart {
  id: string;
  axisTitles: string[];
  ticks: string[];
  legend: string[];
}

describe.skipIf(!browserAvailable)('the German pages in Chromium', () => {
  let b: BrowserContext;
  beforeAll(async () => {
    b = await startBrowser();
    await addEditor(b.ctx.db, 'maria', PASSWORD);
  });
  afterAll(async () => {
    await b?.close();
  });

  it('draws every dashboard chart with German axis titles, legends and numbers, for a reader whose browser asks for German', async () => {
    const context = await b.browser.newContext({ viewport: DASHBOARD_VIEWPORT, reducedMotion: 'reduce', locale: 'de-DE' });
    const page = await context.newPage();
    const watched = await watch(page, b.base);
    await page.goto(`${b.base}/`);
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    for (const id of DASHBOARD_CHARTS) await page.waitForSelector(`#${id}[data-drawn="true"]`);
    const charts: DrawnChart[] = await page.evaluate((ids) => {
      type Scale = { options: { title?: { display?: boolean; text?: string } }; ticks: { label: string | string[] }[]; axis: string };
      type Instance = { canvas: HTMLCanvasElement; scales: Record<string, Scale>; legend?: { legendItems?: { text: string }[] } };
      const instances = Object.values((window as unknown as { Chart: { instances: Record<string, Instance> } }).Chart.instances);
      return ids.map((id) => {
        const chart = instances.find((instance) => instance.canvas.id === id)!;
        const scales = Object.values(chart.scales);
        return {
          id,
          axisTitles: scales.filter((scale) => scale.options.title?.display).map((scale) => String(scale.options.title!.text)),
          // The amount axis's tick labels (y for the timeline and levers, x for the bar charts).
          ticks: scales.flatMap((scale) => scale.ticks.map((tick) => (Array.isArray(tick.label) ? tick.label.join(' ') : String(tick.label)))),
          legend: (chart.legend?.legendItems ?? []).map((item) => item.text),
        };
      });
    }, DASHBOARD_CHARTS);
    const byId = new Map(charts.map((chart) => [chart.id, chart]));
    for (const id of ['chart-waterfall', 'chart-amounts', 'chart-timeline', 'chart-levers']) {
      expect(byId.get(id)!.axisTitles, id).toEqual(['Milliarden US-Dollar']);
      expect(byId.get(id)!.ticks.some((tick) => /^\d[\d.]*(,\d)?\u00a0Mrd\.\u00a0\$$/.test(tick)), `${id}: ${byId.get(id)!.ticks.join(' | ')}`).toBe(true);
    }
    expect(byId.get('chart-per-year')!.axisTitles).toEqual(['Milliarden US-Dollar pro Jahr']);
    expect(byId.get('chart-amounts')!.legend).toEqual(['USA', 'Außerhalb der USA', 'US-Anteil unbekannt']);
    expect(byId.get('chart-us-share')!.ticks).toContain('40\u00a0%');
    expect(byId.get('chart-timeline')!.legend).toEqual(['Kumulierter Zusagebetrag', 'Politisches Ereignis', 'Zugeständnis, mit seiner Zusage verbunden']);
    // The timeline's dates in German: "Jan. 2025", "März 2025".
    expect(byId.get('chart-timeline')!.ticks.some((tick) => /^(Jan\.|Feb\.|März|Apr\.|Mai|Juni|Juli|Aug\.|Sept\.|Okt\.|Nov\.|Dez\.) \d{4}$/.test(tick)), byId.get('chart-timeline')!.ticks.join(' | ')).toBe(true);
    expect(byId.get('chart-waterfall')!.legend.slice(0, 2)).toEqual(['Angekündigt', 'Abgezogen']);
    // The table equivalents say the same, in German.
    expect(await page.locator('#amounts > details > summary').textContent()).toBe('Beträge als Tabelle');
    expect(await page.locator('.headline').textContent()).toMatch(/\d,\d+\u00a0(Bio|Mrd)\.\u00a0\$/);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.consoleErrors).toEqual([]);
    await context.close();
  }, 60_000);

  it('switches to English and back with the header link, without a script, and keeps the page', async () => {
    const context = await b.browser.newContext({ javaScriptEnabled: false, locale: 'de-DE' });
    const page = await context.newPage();
    await page.goto(`${b.base}/pledges?sector=Energy`);
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    // Back to the same page, its address naming the language: the copy the browser kept of the other one is not it.
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${b.base}/pledges?sector=Energy&lang=en`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.getByRole('link', { name: 'Deutsch' }).click();
    await page.waitForURL(`${b.base}/pledges?sector=Energy&lang=de`);
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    // The cookie chooses for an address without lang.
    await page.goto(`${b.base}/events`);
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    await context.close();
  }, 30_000);

  describe('axe-core finds no serious or critical violation in German, and the CSP blocks nothing', () => {
    it.each([
      ['the dashboard', '/', false],
      ['the table', '/pledges?sort=-announced', false],
      ['a pledge', '/pledges/4', false],
      ['the events', '/events', false],
      ['an event', '/events/5', false],
      ['the concessions', '/concessions', false],
      ['the levers', '/levers', false],
      ['the change log', '/changes', false],
      ['the methodology', '/methodology', false],
      ['the sign-in form', '/login', false],
      ['an embed', '/embed/amounts', false],
      ['the add form', '/pledges/new', true],
      ['the event form', '/events/new', true],
      ['the account', '/account', true],
      ['the CSV import', '/pledges/import', true],
      ['the relation form', '/pledges/4/relations/new', true],
    ])('on %s', async (_name, path, signedIn) => {
      const context = await b.browser.newContext({ reducedMotion: 'reduce', locale: 'de-DE' });
      const page = await context.newPage();
      if (signedIn) {
        await page.goto(`${b.base}/login`);
        await page.locator('#field-username').fill('maria');
        await page.locator('#field-password').fill(PASSWORD);
        await page.locator('main form.form button[type="submit"]').click();
        await page.waitForURL(`${b.base}/`);
      }
      const watched = await watch(page, b.base);
      await page.goto(`${b.base}${path}`);
      expect(await page.getAttribute('html', 'lang')).toBe('de');
      if (path === '/') await page.waitForSelector('#chart-levers[data-drawn="true"]');
      expect(await seriousA11yViolations(page)).toEqual([]);
      expect(await watched.cspViolations()).toEqual([]);
      expect(watched.consoleErrors).toEqual([]);
      await context.close();
    }, 30_000);
  });
});
