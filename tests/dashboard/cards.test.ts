// A card for every shared link: the Open Graph and Twitter tags of the dashboard (any filter, as of a date) and of
// each embed, and the chart they point to, drawn on the server as a 1200×630 PNG.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { CHART_NAMES } from '../../server/dashboard/dashboard.charts.ts';
import { addPledge, freshApp, signedIn, type TestContext } from '../helpers.ts';
import { decoded, metaTags } from '../platform/cards.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const PUBLIC_URL = 'https://tracker.example';

/** The test's app on its database, with PUBLIC_URL set as loadConfig gives it. */
function publicApp() {
  return createApp({ db: ctx.db, config: { env: 'test', sessionSecret: 'x'.repeat(32), trustProxy: false, publicUrl: PUBLIC_URL } });
}

describe('link cards of the dashboard and the embeds', () => {
  it('gives the filtered dashboard a card: its title, its figures in one line, its waterfall as an absolute image URL', async () => {
    ctx = freshApp();
    const html = (await request(publicApp()).get('/?sector=Semiconductors')).text;
    const tags = metaTags(html);
    expect(tags).toMatchObject({
      'og:title': 'Investment pledges under political pressure (Sector: Semiconductors)',
      'og:url': `${PUBLIC_URL}/?sector=Semiconductors`,
      'og:image': `${PUBLIC_URL}/cards/charts/waterfall.png?sector=Semiconductors`,
      'og:image:width': '1200',
      'og:image:height': '630',
      'twitter:card': 'summary_large_image',
      'twitter:image': `${PUBLIC_URL}/cards/charts/waterfall.png?sector=Semiconductors`,
    });
    expect(tags['og:description']).toMatch(/^2 pledges, \$\d+(\.\d)?[BT] announced, (at most )?\$[\d.]+[BMT]? new US investment$/);
    expect(tags['twitter:description']).toBe(tags['og:description']);
  });

  it('keeps the as-of date in the card: its title says it, its image and address carry it', async () => {
    ctx = freshApp();
    const tags = metaTags((await request(publicApp()).get('/?as_of=2025-02-01')).text);
    expect(tags['og:title']).toBe('Investment pledges under political pressure (as of 1 Feb 2025)');
    // As of then, two pledges had been announced: Stargate's and Microsoft's.
    expect(tags['og:description']).toMatch(/^2 pledges, \$580B announced, /);
    expect(tags['og:image']).toBe(`${PUBLIC_URL}/cards/charts/waterfall.png?as_of=2025-02-01`);
    expect(tags['og:url']).toBe(`${PUBLIC_URL}/?as_of=2025-02-01`);
  });

  it.each(CHART_NAMES)('gives the embed of %s a card that shows that chart', async (name) => {
    ctx = freshApp();
    const tags = metaTags((await request(publicApp()).get(`/embed/${name}?status=announced`)).text);
    expect(tags['og:image']).toBe(`${PUBLIC_URL}/cards/charts/${name}.png?status=announced`);
    expect(tags['og:url']).toBe(`${PUBLIC_URL}/embed/${name}?status=announced`);
    expect(tags['og:title']).toMatch(/\(Status: Announced\)$/);
    expect(tags['twitter:card']).toBe('summary_large_image');
  });

  it('escapes what an editor typed in the card, and names the origin asked when PUBLIC_URL is unset', async () => {
    ctx = freshApp();
    addPledge(ctx.db, { sector: 'Quotes "here" <b>', amount_usd: 2e9 });
    const html = (await request(ctx.app).get('/?sector=Quotes%20%22here%22%20%3Cb%3E').set('Host', 'tracker.test:8080')).text;
    expect(html).toContain('<meta property="og:title" content="Investment pledges under political pressure (Sector: Quotes &#34;here&#34; &lt;b&gt;)">');
    expect(metaTags(html)['og:image']).toBe('http://tracker.test:8080/cards/charts/waterfall.png?sector=Quotes+%22here%22+%3Cb%3E');
  });
});

describe('GET /cards/charts/:chart.png', () => {
  it('draws the waterfall, 1200×630, in the colours the page draws it with', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/cards/charts/waterfall.png');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    const image = await decoded(res.body as Buffer);
    expect([image.width, image.height]).toEqual([1200, 630]);
    // Not blank: text, axes and bars in many shades, the announced bar blue and new US investment green.
    expect(image.colours).toBeGreaterThan(50);
    expect(image.inked).toBeGreaterThan(0.05);
    expect(image.has('#0072B2')).toBe(true);
    expect(image.has('#009E73')).toBe(true);
  });

  it.each(CHART_NAMES)('draws %s as a card for a filter', async (name) => {
    ctx = freshApp();
    const res = await request(ctx.app).get(`/cards/charts/${name}.png?sector=Semiconductors`);
    expect(res.status).toBe(200);
    const image = await decoded(res.body as Buffer);
    expect([image.width, image.height]).toEqual([1200, 630]);
    expect(image.colours).toBeGreaterThan(50);
  });

  it('answers 404 for a chart that does not exist, and 400 for a bad filter', async () => {
    ctx = freshApp();
    expect((await request(ctx.app).get('/cards/charts/pie.png')).status).toBe(404);
    expect((await request(ctx.app).get('/cards/charts/waterfall.png?min=lots')).status).toBe(400);
  });

  it('is served from the cache the second time with the same ETag, for readers and editors alike, and redrawn after a write', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx);
    const first = await request(ctx.app).get('/cards/charts/waterfall.png');
    expect(first.headers['x-cache']).toBe('miss');
    const second = await agent.get('/cards/charts/waterfall.png');
    expect(second.headers['x-cache']).toBe('hit');
    expect(second.headers['set-cookie']).toBeUndefined();
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(Buffer.compare(second.body as Buffer, first.body as Buffer)).toBe(0);
    // Sent as it is: a PNG is compressed already.
    expect((await request(ctx.app).get('/cards/charts/waterfall.png').set('Accept-Encoding', 'gzip, br')).headers['content-encoding']).toBeUndefined();
    expect((await request(ctx.app).get('/cards/charts/waterfall.png').set('If-None-Match', first.headers.etag)).status).toBe(304);

    addPledge(ctx.db, { pledger: 'Zephyr Fabs', project: 'Cache test', amount_usd: 300e9 });
    const after = await request(ctx.app).get('/cards/charts/waterfall.png');
    expect(after.headers['x-cache']).toBe('miss');
    expect(after.headers.etag).not.toBe(first.headers.etag);
  });
});
