import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';

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

  it('runs the chart scripts right after the last chart, before the timeline’s table, the context and the pledges', async () => {
    ctx = freshApp();
    const html = (await request(ctx.app).get('/')).text;
    const at = (text: string) => {
      const index = html.indexOf(text);
      expect(index, text).toBeGreaterThan(-1);
      return index;
    };
    const scripts = at('/charts.js"></script>');
    for (const id of ['chart-waterfall', 'chart-amounts', 'chart-per-year', 'chart-us-share', 'chart-levers', 'chart-timeline']) {
      expect(at(`<canvas id="${id}"`)).toBeLessThan(scripts);
    }
    expect(at('id="context-heading"')).toBeGreaterThan(scripts);
    expect(at('id="table-heading"')).toBeGreaterThan(scripts);
    expect(html.indexOf('<table>', at('<canvas id="chart-timeline"'))).toBeGreaterThan(scripts);
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
