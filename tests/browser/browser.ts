/// <reference lib="dom" />
// Starts the app on a fresh database and Debian's Chromium through playwright-core, for browser tests.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freshApp, type TestContext } from '../helpers.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Under CI the browser tests must run: a missing Chromium fails them. On a developer's machine without
 * Chromium they are skipped, and vitest says so.
 */
export const browserAvailable = fs.existsSync(CHROMIUM);
if (!browserAvailable && process.env.CI) {
  throw new Error(`Chromium is missing at ${CHROMIUM}; CI must install it (apt-get install -y chromium).`);
}

/** The dashboard as the README shows it: the window it is drawn in, and the charts to wait for. */
export const DASHBOARD_VIEWPORT = { width: 1280, height: 900 };
export const DASHBOARD_CHARTS = ['chart-waterfall', 'chart-amounts', 'chart-per-year', 'chart-us-share', 'chart-timeline', 'chart-levers'];

export interface BrowserContext {
  ctx: TestContext;
  server: Server;
  base: string;
  browser: Browser;
  close: () => Promise<void>;
}

export async function startBrowser(options: { seed?: boolean; seedFile?: string } = {}): Promise<BrowserContext> {
  const ctx = freshApp(options);
  const server = ctx.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  return {
    ctx,
    server,
    base: `http://127.0.0.1:${port}`,
    browser,
    close: async () => {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
      ctx.cleanup();
    },
  };
}

export interface PageWatch {
  consoleErrors: string[];
  foreignRequests: string[];
  cspViolations: () => Promise<string[]>;
}

/** Records console errors, uncaught exceptions, requests to other hosts and CSP violations on a page. */
export async function watch(page: Page, base: string): Promise<PageWatch> {
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:')) foreignRequests.push(url);
  });
  await page.addInitScript(() => {
    const list: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = list;
    document.addEventListener('securitypolicyviolation', (event) => {
      list.push(`${event.violatedDirective}: ${event.blockedURI}`);
    });
  });
  return {
    consoleErrors,
    foreignRequests,
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp ?? []),
  };
}

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page and returns its serious and critical violations. The script goes in through
 * the DevTools protocol (page.evaluate), which the page's CSP does not govern, so the CSP stays strict.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
