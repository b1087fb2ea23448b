/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEditor } from '../../server/auth/editors.ts';
import { PASSWORD } from '../helpers.ts';
import { browserAvailable, seriousA11yViolations, startBrowser, watch, type BrowserContext } from './browser.ts';

describe.skipIf(!browserAvailable)('an editor in Chromium', () => {
  let b: BrowserContext;
  beforeAll(async () => {
    b = await startBrowser();
    await addEditor(b.ctx.db, 'maria', PASSWORD);
  });
  afterAll(async () => {
    await b?.close();
  });

  /** Signs in as maria from the sign-in page, landing on next. */
  async function signInTo(page: Page, next: string): Promise<void> {
    await page.goto(`${b.base}/login?next=${next}`);
    await page.locator('#field-username').fill('maria');
    await page.locator('#field-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${b.base}${next}`);
  }

  it('imports a CSV through the page: upload, preview with the differences, confirm', async () => {
    const page = await b.browser.newPage({ reducedMotion: 'reduce' });
    const watched = await watch(page, b.base);
    await signInTo(page, '/pledges/import');
    await page.locator('#field-file').setInputFiles({
      name: 'newsroom.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('Pledger;Project;Amount;US share;Announced date;Source URL\r\nImported Industries;Browser plant;7 bn;60;2025-08;https://example.com/imported\r\n'),
    });
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.waitForSelector('text=1 new, 0 changed');
    expect(await page.locator('table').first().textContent()).toContain('Imported Industries');
    expect(await seriousA11yViolations(page)).toEqual([]);
    // While the import is written the page says so, and the button is off: a submission held back here shows it.
    const confirm = page.getByRole('button', { name: 'Import 1 pledge', exact: true });
    expect(await page.locator('#import-writing').isHidden()).toBe(true);
    await page.evaluate(() => {
      const form = document.querySelector<HTMLFormElement>('form[action="/pledges/import/confirm"]')!;
      const hold = (event: Event) => event.preventDefault();
      form.addEventListener('submit', hold, { once: true });
      form.requestSubmit();
    });
    await page.getByRole('status').filter({ hasText: 'Importing…' }).waitFor();
    await expect.poll(() => confirm.isDisabled()).toBe(true);
    await page.evaluate(() => document.querySelector<HTMLFormElement>('form[action="/pledges/import/confirm"]')!.submit());
    await page.waitForURL(`${b.base}/pledges`);
    expect(await page.locator('.flash').textContent()).toContain('Imported newsroom.csv: 1 new, 0 changed.');
    expect(await page.locator('table.pledges').textContent()).toContain('Imported Industries');
    expect(watched.consoleErrors).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    await page.close();
  });

  // Sixty thousand rows read while the page polls: a few seconds alone, longer beside the rest of the suite.
  it('shows a progress bar fed by the server while it reads a large upload', async () => {
    const page = await b.browser.newPage({ reducedMotion: 'reduce' });
    const watched = await watch(page, b.base);
    await signInTo(page, '/pledges/import');
    const lines = Array.from({ length: 60_000 }, (_, i) => `Progress ${i},Plant ${i},${i + 1} million,50,2025-01-01,https://example.com/p/${i}`);
    await page.locator('#field-file').setInputFiles({
      name: 'large.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`pledger,project,amount,us share,announced,source url\r\n${lines.join('\r\n')}\r\n`),
    });
    expect(await page.locator('#import-progress').isHidden()).toBe(true);
    // What the page's own polling receives from the server while the upload is read.
    const answers: { phase: string; rows: number; percent: number }[] = [];
    await page.route('**/pledges/import/progress*', async (route) => {
      const response = await route.fetch();
      answers.push(await response.json());
      await route.fulfill({ response });
    });
    // Watched from inside the page, started before the click: the click returns once the preview has arrived.
    const shown = page.waitForFunction(() => {
      const box = document.getElementById('import-progress');
      const bar = box?.querySelector('progress');
      const text = document.getElementById('import-progress-text')?.textContent ?? '';
      return box && !box.hidden && bar && bar.value > 0 && /^Reading… [\d,]+ rows \(\d+%\)$/.test(text) ? text : false;
    }, undefined, { polling: 50 });
    await page.getByRole('button', { name: 'Check the file' }).click();
    expect(await (await shown).jsonValue()).toMatch(/^Reading… [\d,]+ rows \(\d+%\)$/);
    await page.waitForSelector('text=60000 new, 0 changed');
    const reading = answers.filter((answer) => answer.phase === 'reading');
    expect(reading.length, JSON.stringify(answers)).toBeGreaterThan(0);
    // Rows and percent only grow while reading. The first batch can be under half a percent of the file, so an
    // honest bar may start at 0 %; the last batch may report the whole file just before the preview.
    const growing = reading.every((answer, i) => {
      const before = reading[i - 1] ?? { rows: 0, percent: 0 };
      return answer.rows > 0 && answer.rows <= 60_000 && answer.rows >= before.rows && answer.percent >= before.percent && answer.percent <= 100;
    });
    expect(growing, JSON.stringify(reading)).toBe(true);
    expect(reading.some((answer) => answer.rows < 60_000 && answer.percent > 0 && answer.percent < 100), JSON.stringify(reading)).toBe(true);
    expect(watched.consoleErrors).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    await page.close();
  }, 60_000);

  it('signs in, adds a pledge, sees it in the table and the chart, edits it with a reason, reads the history, deletes it', async () => {
    const page = await b.browser.newPage({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
    const watched = await watch(page, b.base);

    await page.goto(`${b.base}/pledges/new`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Username').fill('maria');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${b.base}/pledges/new`);

    // A wrong amount first: the form comes back with the message beside the field and the values kept.
    await page.locator('#field-pledger').fill('Browser Test Industries');
    await page.locator('#field-project').fill('Wafer plant');
    await page.getByLabel('Amount in US dollars').fill('lots');
    await page.getByLabel('US share (%)').fill('75');
    await page.locator('#field-announced_on').fill('2025-05-20');
    await page.locator('#field-source_url_0').fill('https://example.com/wafer');
    await page.getByRole('button', { name: 'Add the pledge' }).click();
    await expect.poll(() => page.locator('#field-amount-error').textContent()).toContain('Write the amount in digits');
    expect(await page.locator('#field-pledger').inputValue()).toBe('Browser Test Industries');

    // Source rows are added by the static script, with no inline code.
    await page.getByRole('button', { name: 'Add another source' }).click();
    expect(await page.locator('.source-row').count()).toBe(4);
    await page.getByLabel('Amount in US dollars').fill('$900B');
    await page.getByRole('button', { name: 'Add the pledge' }).click();
    await page.waitForURL(/\/pledges\/\d+$/);
    const pledgeUrl = page.url();
    expect(await page.locator('.flash').textContent()).toContain('Pledge added.');
    expect(await page.locator('h1').textContent()).toBe('Browser Test Industries');

    await page.goto(`${b.base}/pledges`);
    expect(await page.locator('table.pledges').textContent()).toContain('Browser Test Industries');

    await page.goto(`${b.base}/`);
    await page.waitForSelector('#chart-amounts[data-drawn="true"]');
    const chart = await page.evaluate(() => {
      const c = (window as unknown as { Chart: { getChart(id: string): { data: { labels: string[][]; datasets: { data: number[] }[] } } } }).Chart;
      const amounts = c.getChart('chart-amounts');
      return { first: amounts.data.labels[0], us: amounts.data.datasets[0].data[0], nonUs: amounts.data.datasets[1].data[0] };
    });
    expect(chart.first[0]).toBe('Browser Test Industries');
    expect(chart.us).toBe(675);
    expect(chart.nonUs).toBe(225);

    await page.goto(`${pledgeUrl}/edit`);
    await page.getByLabel('Amount in US dollars').fill('950B');
    await page.getByLabel('Reason for this change').fill('Company raised the figure');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(pledgeUrl);
    const history = await page.locator('.history').textContent();
    expect(history).toContain('Edited');
    expect(history).toContain('Company raised the figure');
    expect(history!.indexOf('Edited')).toBeLessThan(history!.indexOf('Created'));
    expect(await page.locator('.history table.changes').first().textContent()).toContain('$950B');

    await page.getByRole('link', { name: 'Delete', exact: true }).click();
    await page.getByLabel('Reason for deleting').fill('Test entry');
    await page.getByRole('button', { name: 'Delete the pledge' }).click();
    await page.waitForURL(`${b.base}/pledges`);
    expect(await page.locator('table.pledges').textContent()).not.toContain('Browser Test Industries');

    // Chromium logs the deliberate 422 above as a failed resource; nothing else may reach the console.
    expect(watched.consoleErrors.filter((text) => !text.includes('status of 422'))).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);
    await page.close();
  });

  it('sees their own pages once signed in, not the copies the browser kept while they were a reader', async () => {
    const page = await b.browser.newPage({ reducedMotion: 'reduce' });
    // Read as anyone first: public pages, which the browser may keep for CACHE_MAX_AGE.
    for (const path of ['/levers', '/events']) {
      await page.goto(`${b.base}${path}`);
      expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    }
    await signInTo(page, '/pledges/new');
    for (const path of ['/levers', '/events']) {
      await page.goto(`${b.base}${path}`);
      expect(await page.getByRole('button', { name: 'Sign out' }).count(), path).toBe(1);
    }
    await page.close();
  });
});
