// The tracker as of a date (as_of=YYYY-MM-DD), on hand-made histories: a pledge announced, under way, then stalled;
// one announced and left; one that supersedes the first months later; one overdue before it got under way. Each
// step is looked at from the day before it and the day of it.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertEvent, linkPledgeToEvent } from '../../server/events/events.repository.ts';
import { ReadCache, cachedFacets } from '../../server/dashboard/dashboard.reads.ts';
import { parseFilter } from '../../server/pledges/pledges.filter.ts';
import type { Db } from '../../server/platform/db.ts';
import { addPledge, freshApp, TEST_TODAY, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

function step(db: Db, pledgeId: number, status: string, on: string): void {
  db.prepare('INSERT INTO status_changes (pledge_id, status, changed_on, evidence_url, note) VALUES (?, ?, ?, ?, ?)').run(
    pledgeId,
    status,
    on,
    `https://example.com/steps/${pledgeId}/${on}`,
    '',
  );
}

interface History {
  /** Announced 2025-01-10, $10B; under way 2025-03-01; stalled 2025-06-01. */
  acme: number;
  /** Announced 2025-04-01, $2B over one year; no step: overdue from 2026-04-01. */
  beta: number;
  /** Announced 2025-08-15, $12B, superseding Acme; under way 2025-09-01. */
  gamma: number;
  /** Announced 2024-01-01, $1B over one year (due 2025-01-01); under way only from 2025-06-01. */
  delta: number;
}

function history(db: Db): History {
  const acme = addPledge(db, { pledger: 'Acme', project: 'Fab', announced_on: '2025-01-10', amount_usd: 10e9, horizon_years: 5, status: 'stalled' });
  step(db, acme, 'under_way', '2025-03-01');
  step(db, acme, 'stalled', '2025-06-01');
  const beta = addPledge(db, { pledger: 'Beta', project: 'Plant', announced_on: '2025-04-01', amount_usd: 2e9, horizon_years: 1, sector: 'Energy' });
  const gamma = addPledge(db, { pledger: 'Gamma', project: 'Campus', announced_on: '2025-08-15', amount_usd: 12e9, horizon_years: 5, status: 'under_way' });
  step(db, gamma, 'under_way', '2025-09-01');
  db.prepare("INSERT INTO pledge_relations (pledge_id, kind, other_id, note) VALUES (?, 'supersedes', ?, '')").run(gamma, acme);
  const delta = addPledge(db, { pledger: 'Delta', project: 'Mill', announced_on: '2024-01-01', amount_usd: 1e9, horizon_years: 1, status: 'under_way' });
  step(db, delta, 'under_way', '2025-06-01');
  const event = (occurred_on: string, title: string, pledgeId: number) =>
    linkPledgeToEvent(
      db,
      pledgeId,
      insertEvent(db, { occurred_on, title, kind: 'concession', concession_type: 'tariff_relief', note: '', source_url: 'https://example.com/c', source_title: 'Source' }),
    );
  event('2025-02-01', 'Tariff grace for Acme', acme);
  event('2025-10-01', 'Tariff exemption for Gamma', gamma);
  return { acme, beta, gamma, delta };
}

let ids: History;
beforeEach(() => {
  ctx = freshApp({ seed: false });
  ids = history(ctx.db);
});

async function json(path: string) {
  const res = await request(ctx.app).get(path);
  expect(res.status, `${path}: ${res.text}`).toBe(200);
  return res.body;
}

async function statusOf(id: number, asOf: string): Promise<string> {
  return (await json(`/api/pledges/${id}?as_of=${asOf}`)).status as string;
}

describe('a pledge’s status as of a date', () => {
  it('follows its dated steps: announced, under way, stalled, on each side of each step', async () => {
    expect(await statusOf(ids.acme, '2025-01-10')).toBe('announced');
    expect(await statusOf(ids.acme, '2025-02-28')).toBe('announced');
    expect(await statusOf(ids.acme, '2025-03-01')).toBe('under_way');
    expect(await statusOf(ids.acme, '2025-05-31')).toBe('under_way');
    expect(await statusOf(ids.acme, '2025-06-01')).toBe('stalled');
    expect(await statusOf(ids.acme, TEST_TODAY)).toBe('stalled');
    // Without a date: today's record.
    expect((await json(`/api/pledges/${ids.acme}`)).status).toBe('stalled');
  });

  it('shows only the steps, concessions and relations dated by then', async () => {
    const early = await json(`/api/pledges/${ids.acme}?as_of=2025-03-15`);
    expect(early.status_steps.map((s: { status: string }) => s.status)).toEqual(['announced', 'under_way']);
    expect(early.concessions.map((c: { title: string }) => c.title)).toEqual(['Tariff grace for Acme']);
    expect(early.relations).toEqual([]);
    const later = await json(`/api/pledges/${ids.acme}?as_of=2025-08-15`);
    expect(later.status_steps).toHaveLength(3);
    expect(later.relations).toHaveLength(1);
  });

  it('does not exist before its announcement: a 404 that says so, on the API and the page', async () => {
    const api = await request(ctx.app).get(`/api/pledges/${ids.gamma}?as_of=2025-08-14`);
    expect(api.status).toBe(404);
    expect(api.body.error.message).toContain('announced 2025-08-15, after 2025-08-14');
    const page = await request(ctx.app).get(`/pledges/${ids.gamma}?as_of=2025-08-14`);
    expect(page.status).toBe(404);
    expect(page.text).toContain('as of that date the tracker has no such pledge');
    expect((await request(ctx.app).get(`/pledges/${ids.gamma}?as_of=2025-08-15`)).status).toBe(200);
  });
});

describe('lists, totals and facets as of a date', () => {
  it('lists the pledges announced by then, each with its status then, and filters on that status', async () => {
    const list = async (query: string) =>
      ((await json(`/api/pledges?${query}&sort=announced`)).pledges as { pledger: string; status: string }[]).map((p) => `${p.pledger}:${p.status}`);
    expect(await list('as_of=2025-02-28')).toEqual(['Delta:announced', 'Acme:announced']);
    expect(await list('as_of=2025-06-01')).toEqual(['Delta:under_way', 'Acme:stalled', 'Beta:announced']);
    expect(await list('as_of=2025-05-31&status=under_way')).toEqual(['Acme:under_way']);
    expect(await list('as_of=2025-06-01&status=under_way')).toEqual(['Delta:under_way']);
    expect(await list('status=under_way')).toEqual(['Delta:under_way', 'Gamma:under_way']);
    expect((await json('/api/pledges?as_of=2025-05-31&status=under_way')).total).toBe(1);
  });

  it('counts totals and status facets as of then', async () => {
    const totals = async (query: string) => (await json(`/api/summary?${query}`)).totals;
    expect(await totals('as_of=2025-02-28')).toMatchObject({ pledge_count: 2, pledged_usd: 11e9 });
    expect(await totals('as_of=2025-09-01')).toMatchObject({ pledge_count: 4, pledged_usd: 25e9 });
    expect(await totals('as_of=2025-05-31&status=under_way')).toMatchObject({ pledge_count: 1, pledged_usd: 10e9 });
    const statuses = (query: Record<string, string>) => {
      const facet = cachedFacets(new ReadCache(ctx.db, () => TEST_TODAY), ctx.db, parseFilter(query, TEST_TODAY)).find((f) => f.field === 'status')!;
      return Object.fromEntries(facet.values.map((v) => [v.value, v.pledge_count]));
    };
    expect(statuses({ as_of: '2025-05-31' })).toEqual({ announced: 2, under_way: 1 });
    expect(statuses({ as_of: '2025-06-01' })).toEqual({ announced: 1, under_way: 1, stalled: 1 });
    expect(statuses({})).toEqual({ announced: 1, under_way: 2, stalled: 1 });
    // A selection of another field keeps the as-of statuses.
    expect(statuses({ as_of: '2025-05-31', sector: 'Manufacturing' })).toEqual({ announced: 1, under_way: 1 });
  });

  it('counts overdue against the date, with the status then', async () => {
    const overdue = async (query: string) => (await json(`/api/summary?${query}`)).totals.overdue_count as number;
    // Delta was due on 2025-01-01 and got under way on 2025-06-01: overdue in between, not after.
    expect(await overdue('as_of=2024-12-31')).toBe(0);
    expect(await overdue('as_of=2025-01-01')).toBe(1);
    expect(await overdue('as_of=2025-05-31')).toBe(1);
    expect(await overdue('as_of=2025-06-01')).toBe(0);
    // Beta is due on 2026-04-01.
    expect(await overdue('as_of=2026-03-31')).toBe(0);
    expect(await overdue('as_of=2026-04-01')).toBe(1);
    const listed = await json('/api/pledges?as_of=2025-03-01&overdue=1');
    expect(listed.pledges.map((p: { pledger: string; overdue: boolean }) => [p.pledger, p.overdue])).toEqual([['Delta', true]]);
    expect(listed.total).toBe(1);
  });

  it('recomputes the waterfall: a pledge superseded later is counted whole before', async () => {
    const superseded = async (query: string) =>
      ((await json(`/api/summary?${query}`)).waterfall.steps as { step: string; deducted_usd: number }[]).find((s) => s.step === 'superseded')!.deducted_usd;
    expect(await superseded('as_of=2025-08-14')).toBe(0);
    expect(await superseded('as_of=2025-08-15')).toBe(10e9);
    expect(await superseded('')).toBe(10e9);
  });

  it('exports the status then in the CSV, and only the pledges announced by then', async () => {
    const res = await request(ctx.app).get('/pledges.csv?as_of=2025-03-01');
    expect(res.status).toBe(200);
    const lines = res.text.trim().split(/\r?\n/);
    expect(lines).toHaveLength(3);
    expect(lines.find((line) => line.includes('Acme'))).toContain(',under_way,');
    expect(lines.find((line) => line.includes('Delta'))).toContain(',announced,');
  });

  it('lists the concessions and events dated by then', async () => {
    const concessions = await json('/api/concessions?as_of=2025-09-30');
    expect(concessions.concessions.map((c: { concession: string }) => c.concession)).toEqual(['Tariff grace for Acme']);
    const events = await request(ctx.app).get('/events?as_of=2025-09-30');
    expect(events.text).toContain('Tariff grace for Acme');
    expect(events.text).not.toContain('Tariff exemption for Gamma');
    // The data package's tables too: events and sources dated by then.
    const eventsCsv = await request(ctx.app).get('/events.csv?as_of=2025-09-30');
    expect(eventsCsv.text).toContain('Tariff grace for Acme');
    expect(eventsCsv.text).not.toContain('Tariff exemption for Gamma');
    const sourcesCsv = (await request(ctx.app).get('/sources.csv?as_of=2025-03-01')).text.trim().split(/\r?\n/);
    expect(sourcesCsv.slice(1).map((line) => Number(line.split(',')[0])).sort()).toEqual([ids.acme, ids.delta].sort());
    const relations = await json('/api/relations?as_of=2025-08-14');
    expect(relations.total).toBe(0);
    expect((await json('/api/relations?as_of=2025-08-15')).total).toBe(1);
  });
});

describe('dates the tracker cannot show', () => {
  it.each([
    ['2026-07-01', 'is in the future (today is 2026-06-30)'],
    ['2023-12-31', 'is before the first pledge the tracker holds (announced 1 Jan 2024): choose 2024-01-01 or later'],
    ['2025-02-30', 'is not a day: use YYYY-MM-DD'],
    ['June', 'is not a day'],
  ])('as_of=%s: a 400 naming the date, on the API and on the page', async (asOf, message) => {
    const api = await request(ctx.app).get(`/api/summary?as_of=${asOf}`);
    expect(api.status).toBe(400);
    expect(api.body.error.message).toContain(message);
    const page = await request(ctx.app).get(`/?as_of=${asOf}`);
    expect(page.status).toBe(400);
    expect(page.text).toContain(message.replaceAll('(', '(').split(' (')[0]);
    expect((await request(ctx.app).get(`/pledges/${ids.acme}?as_of=${asOf}`)).status).toBe(400);
  });
});

describe('pages as of a date', () => {
  /** The site's own links on a page (hrefs from its root), as written, & unescaped. */
  const linksOf = (html: string) => [...html.matchAll(/<a\s[^>]*href="(\/[^"]*)"[^>]*>/g)].map((match) => ({ tag: match[0], href: match[1]!.replaceAll('&amp;', '&') }));

  it('say plainly that they are an as-of view, with the date in the field and a way back to today', async () => {
    const res = await request(ctx.app).get('/?sector=Manufacturing&as_of=2025-05-31');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<strong>As of 31 May 2025.</strong>');
    expect(res.text).toMatch(/<input id="filter-as-of" name="as_of" type="date" value="2025-05-31" max="2026-06-30"/);
    expect(res.text).toContain('<a href="/?sector=Manufacturing" data-keep="none">See today’s view</a>');
    const today = await request(ctx.app).get('/?sector=Manufacturing');
    expect(today.text).not.toContain('As of ');
    expect(today.text).toMatch(/<input id="filter-as-of" name="as_of" type="date" value=""/);
  });

  it('keep as_of in every link to a read, and each of those links answers as of the same date', async () => {
    const pages = ['/', '/pledges', `/pledges/${ids.acme}`, '/concessions', '/events', '/levers', '/changes', '/methodology'];
    const followed = new Set<string>();
    for (const page of pages) {
      const res = await request(ctx.app).get(`${page}${page.includes('?') ? '&' : '?'}as_of=2025-06-30`);
      expect(res.status, page).toBe(200);
      expect(res.text, page).toContain('<strong>As of 30 Jun 2025.</strong>');
      for (const { tag, href } of linksOf(res.text)) {
        if (tag.includes('data-keep="none"') || /^\/(login|assets\/)|\/(new|edit|delete|import)\b/.test(href)) continue;
        expect(href, `${page}: ${tag}`).toMatch(/[?&]as_of=2025-06-30(&|#|$)/);
        followed.add(href.split('#')[0]!);
      }
    }
    expect(followed.size).toBeGreaterThan(40);
    for (const href of followed) {
      const res = await request(ctx.app).get(href);
      expect([200, 404], href).toContain(res.status);
      if (res.type === 'text/html' && res.status === 200) expect(res.text, href).toContain('As of 30 Jun 2025.');
    }
  });

  it('lists the change log as it stood: the changes written by the end of the day (UTC)', async () => {
    const insert = ctx.db.prepare("INSERT INTO revisions (entity, entity_id, action, username, at, changes, reason) VALUES ('pledge', ?, 'update', 'tool', ?, ?, ?)");
    insert.run(ids.acme, '2025-06-30T23:59:59.999Z', JSON.stringify({ amount_usd: { from: 9e9, to: 10e9 } }), 'late on the 30th');
    insert.run(ids.beta, '2025-07-01T00:00:00.000Z', JSON.stringify({ amount_usd: { from: 1e9, to: 2e9 } }), 'early on the 1st');
    const reasons = async (asOf: string) => {
      const body = await json(`/api/changes?as_of=${asOf}`);
      return { total: body.total, reasons: body.changes.map((change: { reason: string }) => change.reason) };
    };
    expect(await reasons('2025-06-29')).toEqual({ total: 0, reasons: [] });
    expect(await reasons('2025-06-30')).toEqual({ total: 1, reasons: ['late on the 30th'] });
    expect(await reasons('2025-07-01')).toEqual({ total: 2, reasons: ['early on the 1st', 'late on the 30th'] });
    const page = await request(ctx.app).get('/changes?as_of=2025-06-30');
    expect(page.text).toContain('late on the 30th');
    expect(page.text).not.toContain('early on the 1st');
    const csv = (await request(ctx.app).get('/revisions.csv?as_of=2025-06-30')).text;
    expect(csv).toContain('late on the 30th');
    expect(csv).not.toContain('early on the 1st');
  });
});
