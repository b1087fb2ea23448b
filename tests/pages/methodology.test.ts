import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOnce } from '../../server/import/seed.ts';
import { COMMITMENT_KINDS, PLEDGER_KINDS } from '../../server/pledges/pledge.model.ts';
import { CONCESSION_TYPE_LABELS } from '../../server/pledges/pledges.view.ts';
import { freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
let page: string;
beforeAll(async () => {
  ctx = freshApp({ seed: false });
  seedOnce(ctx.db); // the real dataset: every kind has pledges
  const res = await request(ctx.app).get('/methodology');
  expect(res.status).toBe(200);
  expect(res.type).toBe('text/html');
  page = res.text;
});
afterAll(() => ctx.cleanup());

const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
const number = (cell: string) => (cell === '' || cell === 'unknown' ? 0 : Number(cell.replace('−', '-').replace(',', '')));

describe('GET /methodology', () => {
  it('is one main landmark with one h1, and headings that never skip a level', () => {
    expect(page.match(/<main\b/g)).toHaveLength(1);
    expect(page.match(/<h1\b/g)).toHaveLength(1);
    const levels = [...page.matchAll(/<h([1-6])\b/g)].map((m) => Number(m[1]));
    levels.forEach((level, i) => expect(level - (levels[i - 1] ?? 0)).toBeLessThanOrEqual(1));
    expect(page).toContain('<title>How the figures are counted · Pledge Tracker</title>');
  });

  it('explains every kind of pledger, commitment and relation, and links each kind to its pledges', async () => {
    for (const kind of PLEDGER_KINDS) expect(page).toContain(`href="/pledges?pledger_kind=${kind}"`);
    for (const kind of COMMITMENT_KINDS) expect(page).toContain(`href="/pledges?commitment_kind=${kind}"`);
    for (const kind of ['Supersedes', 'Contains', 'Overlaps', 'Repeats']) expect(page).toContain(`<dt>${kind}</dt>`);
    for (const [, link] of page.matchAll(/href="(\/pledges\?[^"]+)"/g)) {
      const table = await request(ctx.app).get(link.replaceAll('&amp;', '&'));
      expect(table.status, link).toBe(200);
      expect(table.text, link).not.toContain('No pledge matches this filter.');
    }
  });

  it('says how the waterfall is computed, how US share is known, how sources are chosen and how to report a correction', () => {
    const sections = ['What counts as a pledge', 'From announced to new US investment', 'The US share', 'Sources and disagreements', 'Reporting a correction'];
    for (const heading of sections) expect(text(page)).toContain(heading);
    for (const step of ['Superseded.', 'Contained.', 'Overlaps.', 'Not new.', 'Outside the US.', 'Not investment.']) expect(text(page)).toContain(step);
    expect(text(page)).toContain('upper bound');
    expect(text(page)).toContain('Microsoft’s $80B covers its fiscal year');
    expect(text(page)).toContain('open an issue on the project’s repository');
  });

  it('has a worked example whose steps add up, row by row and in total', () => {
    const table = /<table class="example">([\s\S]*?)<\/table>/.exec(page)![1];
    const rows = [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((row) => [...row[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1])));
    const total = rows.pop()!;
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      const [announced, ...steps] = row.slice(2).map(number);
      const result = steps.pop()!;
      expect(announced + steps.reduce((a, b) => a + b, 0), row[0]).toBe(result);
    }
    for (let column = 2; column < total.length; column++) {
      expect(rows.reduce((sum, row) => sum + number(row[column]), 0)).toBe(number(total[column]));
    }
    expect(total.at(-1)).toBe('825');
  });
});

describe('the footer', () => {
  it.each(['/', '/pledges', '/pledges/1', '/events', '/events/1', '/levers', '/login', '/no-such-page'])('of %s links to the methodology', async (url) => {
    const res = await request(ctx.app).get(url);
    expect(res.text).toMatch(/<footer class="site-footer">[\s\S]*<a href="\/methodology"[^>]*>How the figures are counted<\/a>/);
  });

  it('explains concessions: every type, the days between and what is left undated, and links to the table', () => {
    const section = text(page.slice(page.indexOf('<h2 id="concessions">'), page.indexOf('<section aria-labelledby="waterfall">')));
    for (const label of Object.values(CONCESSION_TYPE_LABELS)) expect(section).toContain(label);
    expect(section).toContain('“12 days before the pledge”');
    expect(section).toContain('unknown, never guessed');
    expect(section).toContain('Sanofi and Merck');
    expect(page).toContain('<a href="/concessions">The concessions table</a>');
    expect(page).toContain('<a href="#concessions">What the pledger got</a>');
  });

  it('explains overdue: the deadlines, the completion evidence, the reference day, and links to the filter', () => {
    const section = text(page.slice(page.indexOf('<h2 id="overdue">'), page.indexOf('<section aria-labelledby="relations">')));
    expect(section).toContain('horizon has ended');
    expect(section).toContain('first tranche');
    expect(section).toContain('a one-year pledge announced in March 2025 is overdue from 31 March 2026');
    expect(section).toContain('A dated status step to under way or completed');
    expect(section).toContain('today’s date (UTC), never stored');
    expect(section).toContain('never overdue');
    expect(page).toContain('<a href="/pledges?overdue=1"><code>overdue=1</code></a>');
    expect(page).toContain('<a href="#overdue">Overdue pledges</a>');
  });

  it('marks the link as the current page on the methodology itself', () => {
    expect(page).toContain('<a href="/methodology" aria-current="page">How the figures are counted</a>');
  });
});
