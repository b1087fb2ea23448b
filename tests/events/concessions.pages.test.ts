// What the pledgers got: a pledge's page (the Nvidia H20 case end to end), /concessions, its CSV and its JSON.
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { insertEvent, linkPledgeToEvent } from '../../server/events/events.repository.ts';
import { DATASET_SEED, freshApp, type TestContext } from '../helpers.ts';

describe('the 2025 dataset', () => {
  let ctx: TestContext;
  beforeAll(() => {
    ctx = freshApp({ seedFile: DATASET_SEED });
  });
  afterAll(() => ctx.cleanup());
  const nvidiaH20 = () => ctx.db.prepare("SELECT id FROM pledges WHERE pledger = 'Nvidia' AND announced_on = '2025-04-09'").pluck().get() as number;

  it("reads the Nvidia H20 case end to end on the pledge's page: pledge, dinner, licence requirement, concessions, days between", async () => {
    const page = await request(ctx.app).get(`/pledges/${nvidiaH20()}`);
    expect(page.status).toBe(200);
    const text = page.text.replace(/\s+/g, ' ');
    expect(text).toContain('<time datetime="2025-04-09">9 Apr 2025</time>');
    expect(text).toContain('Huang attends a $1 million-a-head dinner at Mar-a-Lago');
    expect(text).toContain('The US government tells Nvidia the H20 needs an export license');
    const got = text.slice(text.indexOf('What the pledger got'), text.indexOf('id="events-heading"'));
    expect(got).toMatch(/NPR reports that the White House shelved planned H20 export controls[^]*the same day as the pledge/);
    expect(got).toMatch(/Nvidia says the government has assured it that H20 export licenses will be granted<\/a><\/p> <p class="days-between"><strong>96 days after the pledge/);
    expect(got).toContain('Export licence or control relief');
    expect(got).toContain('Equity stake or revenue share taken by the government');
    expect(got).toContain('123 days after the pledge');
    expect(got).toContain('href="https://news.wnin.org/2025-04-09/trump-administration-backs-off-nvidias-h20-chip-crackdown-after-mar-a-lago-dinner"');
  });

  it('gives the concessions in the pledge JSON with their days between', async () => {
    const res = await request(ctx.app).get(`/api/pledges/${nvidiaH20()}`);
    expect(res.body.concessions.map((c: { occurred_on: string; days_between: number }) => [c.occurred_on, c.days_between])).toEqual([
      ['2025-04-09', 0],
      ['2025-07-14', 96],
      ['2025-08-10', 123],
    ]);
  });

  it('lists every concession on /concessions with its pledge, type, date, days between and sources; "unknown" without a day', async () => {
    const page = await request(ctx.app).get('/concessions');
    expect(page.status).toBe(200);
    const rows = page.text.split('<tbody>')[1].split('</tbody>')[0].split('<tr>').slice(1);
    expect(rows).toHaveLength(ctx.db.prepare("SELECT count(*) FROM events e JOIN pledge_events pe ON pe.event_id = e.id WHERE e.kind = 'concession'").pluck().get() as number);
    const intel = rows.find((row) => row.includes('Intel: Ohio One'))!;
    expect(intel).toContain('Equity stake or revenue share taken by the government');
    expect(intel).toMatch(/title="unknown">unknown</);
    const pfizer = rows.find((row) => row.includes('Pfizer'))!;
    expect(pfizer).toContain('Tariff exemption or grace period');
    expect(pfizer).toMatch(/title="the same day as the pledge">0</);
    expect(page.text).toContain('href="/concessions.csv"');
  });

  it("filters by the pledges' filter and by type, and the nav links to it keeping the filter", async () => {
    const nvidia = await request(ctx.app).get('/api/concessions?pledger=Nvidia');
    expect(nvidia.body.total).toBe(3);
    expect(new Set(nvidia.body.concessions.map((c: { pledger: string }) => c.pledger))).toEqual(new Set(['Nvidia']));
    const stakes = await request(ctx.app).get('/api/concessions?type=government_stake&type=tariff_relief');
    expect(new Set(stakes.body.concessions.map((c: { concession_type: string }) => c.concession_type))).toEqual(new Set(['government_stake', 'tariff_relief']));
    const tariffs = await request(ctx.app).get('/concessions?type=tariff_relief&sector=Pharma');
    expect(tariffs.text).toContain('Type: Tariff exemption or grace period');
    expect(tariffs.text).not.toContain('Equity stake or revenue share taken by the government</td>');
    const dashboard = await request(ctx.app).get('/?pledger=Nvidia');
    expect(dashboard.text).toContain('href="/concessions?pledger=Nvidia"');
  });

  it.each([
    ['/concessions?type=bribe', 'The filter parameter type is wrong: unknown type &#34;bribe&#34;'],
    ['/concessions?from=2025-13', 'The filter parameter from is wrong'],
    ['/api/concessions?type=bribe', 'The filter parameter type is wrong: unknown type \\"bribe\\"'],
    ['/concessions.csv?min=lots', 'The filter parameter min is wrong'],
    ['/api/concessions?per_page=0', 'per_page must be a whole number'],
  ])('answers %s with 400 and a message', async (url, message) => {
    const res = await request(ctx.app).get(url);
    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
  });
});

describe('concessions on a hand-made history', () => {
  let ctx: TestContext;
  afterEach(() => ctx.cleanup());

  /** TSMC's pledge (3 Mar 2025, pledge 3) answered by a concession 12 days before it, with two sources. */
  function concessionBeforeThePledge(): number {
    const id = insertEvent(
      ctx.db,
      { occurred_on: '2025-02-19', title: 'Tariff waiver, "early"', kind: 'concession', concession_type: 'tariff_relief', note: '=1+1', source_url: 'https://example.com/a', source_title: 'A' },
      [{ url: 'https://example.com/b', title: 'B' }],
    );
    linkPledgeToEvent(ctx.db, 3, id);
    return id;
  }

  it('says so in words when the concession came first, and counts the days as negative', async () => {
    ctx = freshApp();
    concessionBeforeThePledge();
    const page = await request(ctx.app).get('/pledges/3');
    expect(page.text).toContain('<strong>12 days before the pledge</strong>');
    const json = await request(ctx.app).get('/api/concessions');
    expect(json.body).toMatchObject({ total: 1, concessions: [{ pledge_id: 3, days_between: -12, source_urls: ['https://example.com/a', 'https://example.com/b'] }] });
  });

  it('exports the rows as CSV, byte for byte, formula cells neutralised', async () => {
    ctx = freshApp();
    const id = concessionBeforeThePledge();
    const res = await request(ctx.app).get('/concessions.csv');
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="?concessions-\d{4}-\d{2}-\d{2}\.csv"?$/);
    expect(res.text).toBe(
      'pledge_id,pledger,project,amount_usd,announced_on,concession_id,concession,concession_type,occurred_on,days_between,source_urls,note\r\n' +
        `3,TSMC,"Additional Arizona fabs (3 fabs, 2 advanced packaging plants, R&D center)",100000000000,2025-03-03,${id},"Tariff waiver, ""early""",tariff_relief,2025-02-19,-12,https://example.com/a https://example.com/b,'=1+1\r\n`,
    );
    expect((await request(ctx.app).get('/concessions.csv?type=export_relief')).text.split('\r\n')).toHaveLength(2);
  });

  it('shows a new concession to readers at once: the cached page is dropped on the write', async () => {
    ctx = freshApp();
    const first = await request(ctx.app).get('/concessions');
    expect(first.text).toContain('No concession matches this filter.');
    expect((await request(ctx.app).get('/concessions')).headers['x-cache']).toBe('hit');
    concessionBeforeThePledge();
    const after = await request(ctx.app).get('/concessions');
    expect(after.text).toContain('Tariff waiver, &#34;early&#34;');
  });
});
