// A pledge's link card: its Open Graph and Twitter tags, and its image (/cards/pledges/:id.png), drawn on the server.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { addPledge, freshApp, signedIn, type TestContext } from '../helpers.ts';
import { decoded, metaTags } from '../platform/cards.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const PUBLIC_URL = 'https://tracker.example';

function publicApp() {
  return createApp({ db: ctx.db, config: { env: 'test', sessionSecret: 'x'.repeat(32), trustProxy: false, publicUrl: PUBLIC_URL } });
}

const microsoftId = () => ctx.db.prepare("SELECT id FROM pledges WHERE pledger = 'Microsoft'").pluck().get() as number;

describe('GET /pledges/:id (its link card)', () => {
  it('names the pledge, says its figures in one line, and points to its card image by an absolute URL', async () => {
    ctx = freshApp();
    const id = microsoftId();
    const tags = metaTags((await request(publicApp()).get(`/pledges/${id}`)).text);
    expect(tags).toMatchObject({
      'og:title': 'Microsoft: AI-enabled data centers, fiscal year 2025',
      'og:description': '$80B, 50% for the US ($40B), announced 3 Jan 2025, status: announced',
      'og:url': `${PUBLIC_URL}/pledges/${id}`,
      'og:image': `${PUBLIC_URL}/cards/pledges/${id}.png`,
      'og:image:width': '1200',
      'og:image:height': '630',
      'twitter:card': 'summary_large_image',
      'twitter:image': `${PUBLIC_URL}/cards/pledges/${id}.png`,
    });
  });

  it('says "undisclosed" and "unknown", never $0, and escapes what was typed', async () => {
    ctx = freshApp();
    const id = addPledge(ctx.db, { pledger: 'Acme "Fabs" <Inc>', project: '', amount_usd: null, us_share_pct: null, us_share_basis: null });
    const html = (await request(publicApp()).get(`/pledges/${id}`)).text;
    expect(html).toContain('<meta property="og:title" content="Acme &#34;Fabs&#34; &lt;Inc&gt;">');
    expect(metaTags(html)['og:description']).toBe('Undisclosed amount, US share unknown, announced 1 May 2025, status: announced');
  });

  it('keeps the as-of date in its address and its image', async () => {
    ctx = freshApp();
    const id = microsoftId();
    const tags = metaTags((await request(publicApp()).get(`/pledges/${id}?as_of=2025-02-01`)).text);
    expect(tags['og:url']).toBe(`${PUBLIC_URL}/pledges/${id}?as_of=2025-02-01`);
    expect(tags['og:image']).toBe(`${PUBLIC_URL}/cards/pledges/${id}.png?as_of=2025-02-01`);
  });
});

describe('GET /cards/pledges/:id.png', () => {
  it("draws the pledge's bar, its US part and the rest in the amounts chart's colours, 1200×630", async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get(`/cards/pledges/${microsoftId()}.png`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    const image = await decoded(res.body as Buffer);
    expect([image.width, image.height]).toEqual([1200, 630]);
    expect(image.colours).toBeGreaterThan(50);
    expect(image.has('#0072B2')).toBe(true);
    expect(image.has('#E69F00')).toBe(true);
  });

  it('answers 404 for a pledge that does not exist, was deleted, or was not yet announced as of the date', async () => {
    ctx = freshApp();
    expect((await request(ctx.app).get('/cards/pledges/999.png')).status).toBe(404);
    const tsmc = ctx.db.prepare("SELECT id FROM pledges WHERE pledger = 'TSMC'").pluck().get() as number;
    expect((await request(ctx.app).get(`/cards/pledges/${tsmc}.png?as_of=2025-02-01`)).status).toBe(404);
    const id = microsoftId();
    const { agent, csrf } = await signedIn(ctx);
    expect((await agent.post(`/pledges/${id}/delete`).type('form').send({ _csrf: csrf, reason: 'Test' })).status).toBe(303);
    expect((await request(ctx.app).get(`/cards/pledges/${id}.png`)).status).toBe(404);
  });
});
