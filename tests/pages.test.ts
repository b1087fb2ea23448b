import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { addPledge, freshApp, signedIn, type TestContext } from './helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('GET /', () => {
  it('shows the headline figures, the charts and the pledge table', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('title="$1,180,000,000,000">$1.18T</data>');
    expect(res.text).toContain('title="$1,140,000,000,000">$1.14T</data>');
    expect(res.text).toContain('96.6% of the pledged money');
    for (const id of ['chart-amounts', 'chart-per-year', 'chart-us-share', 'chart-timeline', 'chart-levers']) {
      expect(res.text).toContain(`<canvas id="${id}"`);
    }
    expect(res.text).toContain('Leaves out 1 pledge with an undisclosed amount.');
    expect(res.text).toContain('<span class="undisclosed" title="The amount was not disclosed">Undisclosed</span>');
    expect(res.text).toContain('<script type="application/json" id="chart-data">');
  });

  it('loads only scripts of its own, with no inline code or handlers', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/');
    const scripts = [...res.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    for (const [, attributes, body] of scripts) {
      if (attributes.includes('type="application/json"')) continue;
      expect(attributes).toMatch(/src="\/assets\/[0-9a-f]{12}\/[\w.-]+\.js"/);
      expect(body).toBe('');
    }
    expect(res.text).not.toMatch(/\son[a-z]+=/i);
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\/(?!example)/);
  });

  it('when no pledge exists yet, then it still renders, with zero totals', async () => {
    ctx = freshApp({ seed: false });
    const res = await request(ctx.app).get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('No pledges yet.');
  });
});

describe('chart data escaping', () => {
  it('renders a pledger named like a script breakout as text, and its JSON reads back exactly', async () => {
    ctx = freshApp({ seed: false });
    const hostile = '</script><script>alert(1)</script>';
    const sneaky = '\u2028&<!--\u2029';
    addPledge(ctx.db, { pledger: hostile, project: sneaky });
    const res = await request(ctx.app).get('/');
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    const json = /<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(res.text)?.[1];
    expect(json).toBeDefined();
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json!).amounts.labels[0]).toEqual([hostile, sneaky]);
  });
});

describe('GET /pledges', () => {
  it('lists every pledge, largest amount first by default', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/pledges');
    expect(res.status).toBe(200);
    const pledgers = [...res.text.matchAll(/<td><a href="\/pledges\/(\d+)">/g)].map((m) => Number(m[1]));
    expect(pledgers).toEqual([1, 5, 3, 2, 4]);
  });

  it('sorts by a column, ascending or descending, ties broken by id', async () => {
    ctx = freshApp();
    const ids = async (sort: string) => {
      const res = await request(ctx.app).get(`/pledges?sort=${sort}`);
      return [...res.text.matchAll(/<td><a href="\/pledges\/(\d+)">/g)].map((m) => Number(m[1]));
    };
    expect(await ids('announced')).toEqual([2, 1, 3, 4, 5]);
    expect(await ids('-announced')).toEqual([5, 4, 3, 1, 2]);
    expect(await ids('pledger')).toEqual([2, 4, 5, 1, 3]);
    // Undisclosed amounts go last both ways.
    expect(await ids('amount')).toEqual([2, 3, 1, 5, 4]);
    expect(await ids('nonsense')).toEqual([1, 5, 3, 2, 4]);
  });

  it('marks the sorted column for assistive technology', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/pledges?sort=-announced');
    expect(res.text).toMatch(/aria-sort="descending">\s*<a href="\/pledges\?sort=announced">Announced/);
  });
});

describe('GET /pledges/:id', () => {
  it('shows every figure, the sources as links and the linked events', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/pledges/4');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Nvidia');
    expect(res.text).toContain('not disclosed');
    expect(res.text).toContain('href="https://hothardware.com/news/huang-dinner-appearance-eases-trade-restrictions"');
    expect(res.text).toMatch(/href="\/events\/\d+">The US government tells Nvidia the H20 needs an export license/);
    expect(res.text).toContain('<time datetime="2025-02">Feb 2025</time>');
  });

  it.each(['999', 'abc', '1.5', '-1', '0', '99999999999999999999', '1%00'])('answers 404 with a page for id %s', async (id) => {
    ctx = freshApp();
    const res = await request(ctx.app).get(`/pledges/${id}`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Not found');
  });
});

describe('GET /events and /events/:id', () => {
  it('lists the events oldest first, month-only dates kept as months', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/events');
    expect(res.status).toBe(200);
    const dates = [...res.text.matchAll(/<time datetime="([\d-]+)">/g)].map((m) => m[1]);
    expect(dates).toEqual(['2025-01-13', '2025-01-20', '2025-01-20', '2025-02', '2025-04-04', '2025-04-09']);
  });

  it('shows one event with its pledges', async () => {
    ctx = freshApp();
    const id = ctx.db.prepare("SELECT id FROM events WHERE title LIKE 'Huang attends%'").pluck().get();
    const res = await request(ctx.app).get(`/events/${id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('href="/pledges/4"');
    expect(res.text).toContain('href="/pledges/5"');
  });

  it.each(['999', 'x'])('answers 404 for event %s', async (id) => {
    ctx = freshApp();
    expect((await request(ctx.app).get(`/events/${id}`)).status).toBe(404);
  });
});

describe('other routes', () => {
  it('answers an unknown path with a 404 page', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/no/such/page');
    expect(res.status).toBe(404);
    expect(res.text).toContain('<nav class="nav"');
  });

  it('serves the favicon, the stylesheet, the chart script and Chart.js itself', async () => {
    ctx = freshApp();
    for (const [path, type] of [
      ['/favicon.svg', 'image/svg+xml'],
      ['/css/site.css', 'text/css; charset=utf-8'],
      ['/js/charts.js', 'text/javascript; charset=utf-8'],
      ['/vendor/chart.umd.min.js', 'text/javascript; charset=utf-8'],
      ['/vendor/chartjs-plugin-annotation.min.js', 'text/javascript; charset=utf-8'],
    ]) {
      const res = await request(ctx.app).get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toBe(type);
    }
    expect((await request(ctx.app).get('/vendor/../package.json')).status).toBe(404);
    expect((await request(ctx.app).get('/vendor/chart.js')).status).toBe(404);
  });

  it('sends a strict Content-Security-Policy and security headers on every response', async () => {
    ctx = freshApp();
    for (const path of ['/', '/pledges.csv', '/api/summary', '/nope']) {
      const res = await request(ctx.app).get(path);
      const csp = res.headers['content-security-policy'];
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("style-src 'self'");
      expect(csp, path).toContain("script-src-attr 'none'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['referrer-policy'], path).toBe('strict-origin-when-cross-origin');
      expect(res.headers['x-powered-by'], path).toBeUndefined();
    }
  });
});

describe('page headings', () => {
  /** The pages' h1–h6 in document order, with the first heading that skips a level (h1 then h3, h2 then h4). */
  const headingOrder = (html: string) => {
    const levels = [...html.matchAll(/<h([1-6])[\s>]/gi)].map((match) => Number(match[1]));
    const skip = levels.findIndex((level, i) => level > (levels[i - 1] ?? 0) + 1);
    return { levels, skip: skip === -1 ? null : `h${levels[skip - 1] ?? 0} then h${levels[skip]}` };
  };

  // Screen-reader users move by headings: a skipped level reads as a missing section (Lighthouse's heading-order).
  it('never skip a level, from an h1 down, on the public pages', async () => {
    ctx = freshApp();
    for (const path of ['/', '/?sector=Energy', '/pledges', '/pledges?sector=Energy', '/pledges/1', '/events', '/events/1', '/levers', '/login', '/nope']) {
      const res = await request(ctx.app).get(path);
      const { levels, skip } = headingOrder(res.text);
      expect(levels[0], path).toBe(1);
      expect(skip, `${path}: ${levels.join(' ')}`).toBeNull();
    }
  });

  it('never skip a level on an editor\'s pages, a form with its errors included', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const invalid = await agent.post('/pledges').type('form').send({ _csrf: csrf, pledger: '' });
    expect(invalid.status).toBe(422);
    const pages = [['POST /pledges', invalid.text]];
    for (const path of ['/pledges/new', '/pledges/1/edit', '/pledges/1/delete', '/pledges/import', '/events/new', '/events/1/edit', '/account']) {
      const res = await agent.get(path);
      expect(res.status, path).toBe(200);
      pages.push([path, res.text]);
    }
    for (const [path, html] of pages) {
      const { levels, skip } = headingOrder(html);
      expect(levels[0], path).toBe(1);
      expect(skip, `${path}: ${levels.join(' ')}`).toBeNull();
    }
  });
});

describe('GET /vendor/:file', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('answers 404 for /vendor/%s, a name every object has', async (name) => {
    ctx = freshApp();
    const res = await request(ctx.app).get(`/vendor/${name}`);
    expect(res.status).toBe(404);
    expect(res.text).toContain(`Nothing lives at /vendor/${name}.`);
    expect(ctx.errors).toEqual([]);
  });

  it('still serves a real vendor file', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/vendor/chart.umd.min.js');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Chart');
  });
});

describe('GET /healthz', () => {
  it('answers 200 after a database round trip', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: 'ok' });
  });

  it('answers 503 when the database cannot be read', async () => {
    ctx = freshApp();
    ctx.db.close();
    const res = await request(ctx.app).get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('unavailable');
    ctx.cleanup = () => {};
  });
});
