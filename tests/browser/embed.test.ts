/// <reference lib="dom" />
// The embeds in Chromium, framed by a page of another origin (a second local server): the chart draws in its frame at
// 320 and at 1200 px without overflowing it, its labels fit, and framing any other page of the site is refused.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { browserAvailable, seriousA11yViolations, startBrowser, watch, type BrowserContext } from './browser.ts';

describe.skipIf(!browserAvailable)('the embeds in Chromium', () => {
  let b: BrowserContext;
  let other: http.Server;
  let otherBase = '';
  /** The page the other site serves: its body, set by each test. */
  let hostPage = '';
  beforeAll(async () => {
    b = await startBrowser();
    other = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(hostPage));
    other.listen(0, '127.0.0.1');
    await new Promise((resolve) => other.once('listening', resolve));
    // "localhost", not 127.0.0.1: another origin than the app's.
    otherBase = `http://localhost:${(other.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => other?.close(resolve));
    await b?.close();
  });

  /** The embed code the dashboard offers for a chart, as a journalist would copy it. */
  async function embedCode(page: Page, name: string): Promise<string> {
    await page.goto(`${b.base}/`);
    return page.inputValue(`#embed-${name}`);
  }

  async function embedFrame(page: Page, name: string): Promise<Frame> {
    await expect.poll(() => page.frames().find((frame) => frame.url().includes(`/embed/${name}`))).toBeDefined();
    const frame = page.frames().find((f) => f.url().includes(`/embed/${name}`))!;
    await frame.waitForSelector(`#chart-${name}[data-drawn="true"]`);
    return frame;
  }

  it('draws the amounts chart in a frame of another site at 320 and 1200 px, labels whole or cut to fit, no overflow', async () => {
    const page = await b.browser.newPage({ viewport: { width: 1300, height: 900 }, reducedMotion: 'reduce' });
    // Its init script records CSP violations in every frame, the embed's included.
    await watch(page, b.base);
    const code = await embedCode(page, 'amounts');
    expect(code).toMatch(new RegExp(`^<iframe src="${b.base}/embed/amounts" title="Amounts compared · Pledge Tracker" width="100%" height="\\d+" loading="lazy" frameborder="0"></iframe>$`));
    const errors: { text: string; url: string }[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push({ text: message.text(), url: message.location().url });
    });
    for (const width of [320, 1200]) {
      // The other site's own page, without a policy of its own: the code as copied, in a column of the width.
      hostPage = `<!doctype html><title>A newsroom</title><div style="width:${width}px">${code}</div>`;
      await page.goto(`${otherBase}/article-${width}`);
      const frame = await embedFrame(page, 'amounts');
      const seen = await frame.evaluate(() => {
        type Scale = { width: number; ticks: { label: string | string[] }[]; options: { ticks: { font: unknown } } };
        const C = (window as unknown as { Chart: { getChart(id: string): { ctx: CanvasRenderingContext2D; scales: { y: Scale } }; helpers: { toFont(font: unknown): { string: string } } } }).Chart;
        const chart = C.getChart('chart-amounts');
        const y = chart.scales.y;
        chart.ctx.save();
        chart.ctx.font = C.helpers.toFont(y.options.ticks.font).string;
        const widest = Math.max(...y.ticks.flatMap((tick) => (Array.isArray(tick.label) ? tick.label : [tick.label])).map((line) => chart.ctx.measureText(line).width));
        chart.ctx.restore();
        const root = document.documentElement;
        const table = document.querySelector('[data-table-until-drawn]')!;
        return {
          overflow: root.scrollWidth - root.clientWidth,
          overflowDown: root.scrollHeight - root.clientHeight,
          canvas: document.getElementById('chart-amounts')!.getBoundingClientRect().width,
          viewport: root.clientWidth,
          widest,
          axis: y.width,
          labels: y.ticks.map((tick) => (Array.isArray(tick.label) ? tick.label[0] : tick.label)),
          tableHidden: table.getBoundingClientRect().width <= 1,
          csp: (window as unknown as { __csp?: string[] }).__csp ?? ['no record of violations: the init script did not run'],
        };
      });
      expect(seen.viewport, `frame at ${width}`).toBe(width);
      expect(seen.overflow, `overflow at ${width}`).toBe(0);
      // The code's height holds the whole embed: no scroll bar in the article.
      expect(seen.overflowDown, `overflow down at ${width}`).toBeLessThanOrEqual(0);
      expect(seen.canvas).toBeGreaterThan(width - 40);
      expect(seen.widest, `labels fit the axis at ${width}`).toBeLessThanOrEqual(seen.axis);
      expect(seen.tableHidden).toBe(true);
      expect(seen.csp, `CSP violations in the frame at ${width}`).toEqual([]);
      if (width === 1200) expect(seen.labels[0]).toBe('OpenAI, SoftBank, Oracle, MGX');
      else expect(seen.labels[0]).toMatch(/^OpenAI, SoftBank.*…$/);
    }
    expect(errors.filter((error) => error.url.includes('/embed/'))).toEqual([]);
    await page.close();
  });

  it('refuses to be framed anywhere but /embed/: the dashboard stays out of the other site', async () => {
    const page = await b.browser.newPage({ reducedMotion: 'reduce' });
    const messages: string[] = [];
    page.on('console', (message) => messages.push(message.text()));
    hostPage = `<!doctype html><title>A newsroom</title><iframe src="${b.base}/embed/levers" title="levers" width="600" height="500"></iframe><iframe src="${b.base}/" title="dashboard" width="600" height="500"></iframe>`;
    await page.goto(`${otherBase}/article`);
    await embedFrame(page, 'levers');
    await expect.poll(() => messages.some((text) => text.startsWith(`Framing '${b.base}/' violates the following Content Security Policy directive: "frame-ancestors 'none'"`))).toBe(true);
    // The dashboard's frame holds Chromium's error page, not the dashboard.
    const dashboard = page.frames().find((frame) => frame !== page.mainFrame() && !frame.url().includes('/embed/'))!;
    expect(dashboard.url()).toBe('chrome-error://chromewebdata/');
    expect(await dashboard.locator('h1:text("Investment pledges")').count()).toBe(0);
    await page.close();
  });

  it('opened alone: no console error, no CSP violation, no other host, accessible; without scripts, the table', async () => {
    const page = await b.browser.newPage({ viewport: { width: 800, height: 700 }, reducedMotion: 'reduce' });
    const watched = await watch(page, b.base);
    for (const name of ['waterfall', 'amounts', 'per-year', 'us-share', 'levers', 'timeline']) {
      await page.goto(`${b.base}/embed/${name}?as_of=2025-04-30`);
      await page.waitForSelector(`#chart-${name}[data-drawn="true"]`);
      expect(await page.locator('.embed-filter').textContent()).toBe('as of 30 Apr 2025');
      expect(await seriousA11yViolations(page), name).toEqual([]);
      expect(await watched.cspViolations(), name).toEqual([]);
    }
    expect(watched.consoleErrors).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);

    const context = await b.browser.newContext({ javaScriptEnabled: false });
    const plain = await context.newPage();
    await plain.goto(`${b.base}/embed/amounts`);
    expect(await plain.locator('table').isVisible()).toBe(true);
    expect(await plain.locator('table tbody tr').count()).toBe(4);
    expect(await plain.locator('canvas').isVisible()).toBe(false);
    await context.close();
  });

  it('copies the embed code from the dashboard', async () => {
    const context = await b.browser.newContext({ reducedMotion: 'reduce', permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    const watched = await watch(page, b.base);
    await page.goto(`${b.base}/?sector=Semiconductors`);
    await page.click('#levers .embed-code summary');
    await page.click('#levers [data-copy="embed-levers"]');
    await expect.poll(() => page.locator('[data-copied="embed-levers"]').textContent()).toBe('Copied.');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(await page.inputValue('#embed-levers'));
    expect(copied).toContain(`src="${b.base}/embed/levers?sector=Semiconductors"`);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.consoleErrors).toEqual([]);
    await context.close();
  });
});
