import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { CHART_NAMES } from '../../server/dashboard/dashboard.charts.ts';
import { CHART_DATA_KEYS, CHART_TITLES } from '../../server/dashboard/dashboard.embed.ts';
import { addPledge, freshApp, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

/** The chart data the page hands to charts.js. */
function chartData(html: string): Record<string, unknown> {
  const match = /<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(html);
  if (!match) throw new Error('no chart data in the page');
  return JSON.parse(match[1]) as Record<string, unknown>;
}

/** The table's body rows, as the text of their cells. */
function tableRows(html: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)![1];
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => cell[1].replace(/<[^>]+>/g, '').trim()),
  );
}

/** The CSV's data rows (no header), split on commas outside quotes. */
async function csvRows(path: string): Promise<string[]> {
  const res = await request(ctx.app).get(path);
  return res.text.trim().split('\r\n').slice(1);
}

describe('GET /embed/:chart', () => {
  it.each(CHART_NAMES)('draws %s alone: its title, its data, its table with the rows of its CSV, a credit back', async (name) => {
    ctx = freshApp();
    const res = await request(ctx.app).get(`/embed/${name}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`<h1>${CHART_TITLES[name]}</h1>`);
    expect(res.text).toContain('<p class="embed-filter">All pledges</p>');
    expect(res.text).toContain(`<canvas id="chart-${name}"`);
    // Only this chart's data, the same the dashboard draws, and the words it is drawn with (the language's).
    const dashboard = chartData((await request(ctx.app).get('/')).text);
    expect(chartData(res.text)).toEqual({ [CHART_DATA_KEYS[name]]: dashboard[CHART_DATA_KEYS[name]], speech: dashboard.speech });
    expect(tableRows(res.text)).toHaveLength((await csvRows(`/charts/${name}.csv`)).length);
    expect(res.text).toContain('<p class="embed-credit">Source: <a href="/" target="_blank" rel="noopener">Pledge Tracker</a></p>');
    // Nothing else of the site: no header, navigation, footer or sign-in link.
    expect(res.text).not.toMatch(/<nav|site-header|site-footer|\/login/);
  });

  it('says the figures of the amounts chart in its table, unknown where a US share is not known', async () => {
    ctx = freshApp();
    addPledge(ctx.db, { pledger: 'Unknown Share Co', project: 'Plant', amount_usd: 7e9, us_share_pct: null });
    const rows = tableRows((await request(ctx.app).get('/embed/amounts')).text);
    expect(rows[0]).toEqual(['OpenAI, SoftBank, Oracle, MGX: Stargate Project', '$500B', '$0B', '']);
    expect(rows.find((row) => row[0] === 'Unknown Share Co: Plant')).toEqual(['Unknown Share Co: Plant', 'unknown', 'unknown', '$7B']);
  });

  it('hides the drawing until scripts run, so that without them the table stands alone', async () => {
    ctx = freshApp();
    const html = (await request(ctx.app).get('/embed/levers')).text;
    expect(html).toMatch(/<div class="chart-box" hidden data-drawing>/);
    expect(html).toMatch(/<div class="table-scroll embed-table" data-table-until-drawn>\s*<table>/);
  });

  it('follows the filter: the title says it in words, the credit links to the filtered dashboard', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/embed/amounts?sector=Semiconductors&sector=AI+data+centers&min=100B');
    expect(res.text).toContain('<title>Amounts compared (Sector: Semiconductors or AI data centers; At least: $100B) · Pledge Tracker</title>');
    expect(res.text).toContain('<p class="embed-filter">Sector: Semiconductors or AI data centers; At least: $100B</p>');
    expect(res.text).toContain('href="/?sector=Semiconductors&amp;sector=AI+data+centers&amp;min=100000000000" target="_blank"');
    expect(tableRows(res.text).map((row) => row[0])).toEqual([
      'Nvidia: US-made AI supercomputers with TSMC, Foxconn, Wistron, Amkor and SPIL',
      'TSMC: Additional Arizona fabs (3 fabs, 2 advanced packaging plants, R&amp;D center)',
    ]);
  });

  it('shows the chart as of a date, and keeps the date in the credit and the links', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/embed/amounts?as_of=2025-03-31');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<p class="embed-filter">as of 31 Mar 2025</p>');
    // The pledges announced by then: Microsoft's, Stargate and TSMC's; Nvidia's came in April.
    expect(tableRows(res.text).map((row) => row[0].split(':')[0])).toEqual(['OpenAI, SoftBank, Oracle, MGX', 'TSMC', 'Microsoft']);
    expect(res.text).toContain('href="/?as_of=2025-03-31" target="_blank"');
    expect(res.text).toMatch(/href="\/pledges\/\d+\?as_of=2025-03-31" target="_blank"/);
  });

  it('answers 404 with the chart names for an unknown chart, 400 for a bad filter or date', async () => {
    ctx = freshApp();
    const unknown = await request(ctx.app).get('/embed/pie');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('There is no chart called &#34;pie&#34;. The charts are waterfall, amounts, us-share, timeline, levers, per-year.');
    const bad = await request(ctx.app).get('/embed/amounts?status=sleeping');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('The filter parameter status is wrong');
    expect((await request(ctx.app).get('/embed/amounts?as_of=2999-01-01')).status).toBe(400);
  });

  it('may be framed by any site, while every other page may be framed by none; the rest of the policy is the same', async () => {
    ctx = freshApp();
    const embed = await request(ctx.app).get('/embed/amounts');
    const dashboard = await request(ctx.app).get('/');
    const policy = (res: request.Response) => String(res.headers['content-security-policy']).split(';');
    expect(policy(embed)).toContain('frame-ancestors *');
    expect(policy(dashboard)).toContain("frame-ancestors 'none'");
    expect(policy(embed).filter((d) => !d.startsWith('frame-ancestors'))).toEqual(policy(dashboard).filter((d) => !d.startsWith('frame-ancestors')));
    expect(embed.headers['x-frame-options']).toBeUndefined();
    expect(dashboard.headers['x-frame-options']).toBe('SAMEORIGIN');
    // An error page under /embed/ is framable too (it shows in the frame), and still as strict otherwise.
    expect(policy(await request(ctx.app).get('/embed/pie'))).toContain('frame-ancestors *');
  });

  it('sets and reads no cookie, even for a signed-in editor, who gets the same cached answer as everyone', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx);
    // One host named: the page prints it (its link card), so the cache keeps it apart per origin.
    const reader = await request(ctx.app).get('/embed/waterfall').set('Host', 'tracker.test');
    expect(reader.headers['set-cookie']).toBeUndefined();
    expect(reader.headers['x-cache']).toBe('miss');
    const editor = await agent.get('/embed/waterfall').set('Host', 'tracker.test');
    expect(editor.headers['set-cookie']).toBeUndefined();
    expect(editor.headers['x-cache']).toBe('hit');
    // As public as the reader's: a shared cache may keep it, whoever asked first.
    expect(reader.headers['cache-control']).toMatch(/^public, max-age=\d+/);
    expect(editor.headers['cache-control']).toBe(reader.headers['cache-control']);
    expect(editor.text).toBe(reader.text);
    // A signed-in editor's own pages still know them.
    expect((await agent.get('/')).text).toContain('Sign out');
  });

  it('is kept by the response cache until a write', async () => {
    ctx = freshApp();
    await request(ctx.app).get('/embed/levers').set('Host', 'tracker.test');
    expect((await request(ctx.app).get('/embed/levers').set('Host', 'tracker.test')).headers['x-cache']).toBe('hit');
    addPledge(ctx.db, { pledger: 'Zephyr Fabs', project: 'Cache test', lever: 'subsidies', amount_usd: 3e9 });
    const after = await request(ctx.app).get('/embed/levers');
    expect(after.headers['x-cache']).toBe('miss');
    expect(tableRows(after.text).find((row) => row[0] === 'Subsidies')).toEqual(['Subsidies', '1', '0', '$3B']);
  });
});

describe('GET / (the embed codes)', () => {
  it('offers each chart an <iframe> of this view at the origin asked, with a title and a height', async () => {
    ctx = freshApp();
    const html = (await request(ctx.app).get('/?sector=Semiconductors').set('Host', 'tracker.test:8080')).text;
    for (const name of CHART_NAMES) {
      const code = new RegExp(`<textarea id="embed-${name}" readonly[^>]*>([^<]*)</textarea>`).exec(html)?.[1];
      expect(code, name).toBeDefined();
      const iframe = code!.replace(/&#34;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      expect(iframe).toMatch(
        new RegExp(`^<iframe src="http://tracker\\.test:8080/embed/${name}\\?sector=Semiconductors" title="${CHART_TITLES[name]} \\(Sector: Semiconductors\\) · Pledge Tracker" width="100%" height="\\d+" loading="lazy" frameborder="0"></iframe>$`),
      );
      expect(html).toContain(`data-copy="embed-${name}"`);
    }
  });

  it('makes each chart as tall as its bars, in the code', async () => {
    ctx = freshApp();
    for (let i = 0; i < 12; i++) addPledge(ctx.db, { pledger: `Bar ${i}`, amount_usd: (i + 1) * 1e9 });
    const html = (await request(ctx.app).get('/')).text;
    const height = (name: string) => Number(new RegExp(`id="embed-${name}"[^>]*>[^<]*height=&#34;(\\d+)&#34;`).exec(html)![1]);
    const bars = (chartData(html).amounts as { labels: unknown[] }).labels.length;
    expect(bars).toBeGreaterThan(12);
    // As charts.js sizes the drawing (70 px and 42 a bar), and room for the title and the credit.
    expect(height('amounts')).toBe(150 + 70 + 42 * bars);
    expect(height('levers')).toBe(150 + 320);
  });
});
