// `npm run screenshot`: refreshes the README's picture of the dashboard (tests/screenshots/dashboard.png) on
// purpose. The seeded app on a fresh database, in Chromium, at the size the browser test draws it.
import path from 'node:path';
import { browserAvailable, CHROMIUM, DASHBOARD_CHARTS, DASHBOARD_VIEWPORT, startBrowser } from './browser.ts';

const file = path.resolve(import.meta.dirname, '..', 'screenshots', 'dashboard.png');

if (!browserAvailable) throw new Error(`Chromium is missing at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
const b = await startBrowser();
try {
  const page = await b.browser.newPage({ viewport: DASHBOARD_VIEWPORT, reducedMotion: 'reduce' });
  await page.goto(`${b.base}/`);
  for (const id of DASHBOARD_CHARTS) await page.waitForSelector(`#${id}[data-drawn="true"]`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`Wrote ${path.relative(process.cwd(), file)}`);
} finally {
  await b.close();
}
