// The hostile corpus (tests/fixtures/hostile.json): every submission is either refused with a 4xx and a
// message, leaving the database as it was, or stored and then shown harmlessly everywhere.
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../server/pledges/pledge.model.ts';
import { freshApp, signedIn, type TestContext } from './helpers.ts';

interface Fixture {
  name: string;
  target: 'pledge-form' | 'event-form' | 'token' | 'login' | 'api-create' | 'api-update' | 'delete-reason' | 'query';
  body: unknown;
  raw?: string;
  rawHex?: string;
  contentType?: string;
  withCsrf?: boolean;
  repeat?: { field: string; char: string; times: number };
  manyFields?: number;
  path?: string;
}

const FIXTURES = JSON.parse(fs.readFileSync(new URL('./fixtures/hostile.json', import.meta.url), 'utf8')) as Fixture[];
const TABLES = ['pledges', 'pledge_sources', 'events', 'pledge_events', 'revisions', 'users', 'api_tokens', 'status_changes'];
const FORMULA_START = /^[=+\-@\t\r\n\0\uFF1D\uFF0B\uFF0D\uFF20]/;

let ctx: TestContext;
let agent: request.Agent;
let csrf: string;
let token: string;

beforeAll(async () => {
  fs.rmSync('/tmp/pwned', { force: true });
  ctx = freshApp();
  // Hundreds of writes in a few seconds: past the write limit, every submission would be a 429 and the corpus
  // would test the limit instead of what each submission holds.
  ctx.app.locals.writesPerMinute = 100_000;
  ({ agent, csrf } = await signedIn(ctx));
  await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'corpus' });
  token = /<code class="secret">(pt_[\w-]+)<\/code>/.exec((await agent.get('/account')).text)![1];
});
afterAll(() => ctx?.cleanup());

function counts(): number[] {
  return TABLES.map((table) => ctx.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number);
}

function formBody(fixture: Fixture, extra: Record<string, string>): string {
  const body = { ...(fixture.body as Record<string, string | string[]>) };
  if (fixture.repeat) body[fixture.repeat.field] = fixture.repeat.char.repeat(fixture.repeat.times);
  if (fixture.manyFields) for (let i = 0; i < fixture.manyFields; i++) body[`extra_${i}`] = 'x';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...body, ...extra })) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
  }
  return params.toString();
}

async function send(fixture: Fixture): Promise<request.Response> {
  const bearer = { Authorization: `Bearer ${token}` };
  if (fixture.target === 'query') return agent.get(fixture.path!);
  if (fixture.raw !== undefined || fixture.rawHex !== undefined) {
    const path = fixture.target === 'api-create' ? '/api/pledges' : '/pledges';
    const payload = fixture.rawHex ? Buffer.from(fixture.rawHex, 'hex') : fixture.raw! + (fixture.withCsrf ? `&_csrf=${encodeURIComponent(csrf)}` : '');
    const req = agent.post(path).set('Content-Type', fixture.contentType!);
    return (fixture.target === 'api-create' ? req.set(bearer) : req).send(payload);
  }
  switch (fixture.target) {
    case 'pledge-form':
      return agent.post('/pledges').type('form').send(formBody(fixture, { _csrf: csrf }));
    case 'event-form':
      return agent.post('/events').type('form').send(formBody(fixture, { _csrf: csrf }));
    case 'token':
      return agent.post('/account/tokens').type('form').send(formBody(fixture, { _csrf: csrf }));
    case 'delete-reason':
      return agent.post('/pledges/2/delete').type('form').send(formBody(fixture, { _csrf: csrf }));
    case 'login': {
      const visitor = request.agent(ctx.app);
      const page = await visitor.get('/login');
      const visitorCsrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
      return visitor.post('/login').type('form').send(formBody(fixture, { _csrf: visitorCsrf }));
    }
    case 'api-create':
    case 'api-update': {
      let body = fixture.body;
      if (fixture.repeat) body = { ...(body as object), [fixture.repeat.field]: fixture.repeat.char.repeat(fixture.repeat.times) };
      const req = fixture.target === 'api-create' ? agent.post('/api/pledges') : agent.put('/api/pledges/1');
      return req.set(bearer).set('Content-Type', 'application/json').send(JSON.stringify(body));
    }
  }
}

/** What a page must never contain, whatever was stored: a script, handler or javascript: URL of the user's. */
function expectHarmlessHtml(html: string, where: string): void {
  for (const [, attributes] of html.matchAll(/<script\b([^>]*)>/gi)) {
    expect(attributes.trim(), where).toMatch(/^(type="application\/json" id="chart-data"|src="\/assets\/[0-9a-f]{12}\/[\w.-]+")$/);
  }
  // A handler is an attribute of a tag; the same words inside a quoted value (a link card's title: escaped text, no
  // quote or bracket of its own) are text. Stored text that broke out of its quotes would stand outside them.
  for (const [tag] of html.matchAll(/<[a-z][^>]*>/gi)) {
    expect(tag.replace(/"[^"]*"|'[^']*'/g, '""'), where).not.toMatch(/\son[a-z]+\s*=/i);
  }
  expect(html, where).not.toMatch(/(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):/i);
  expect(html, where).not.toMatch(/<(iframe|svg|style|img src=x)\b/i);
}

function expectHarmlessCsv(csv: string): void {
  const rows = parse(csv, { columns: true, bom: true }) as Record<string, string>[];
  const numeric = new Set(['id', 'amount_usd', 'us_share_pct', 'horizon_years']);
  for (const row of rows) {
    for (const column of CSV_COLUMNS) {
      if (!numeric.has(column)) expect(row[column], `${column} of ${row.id}`).not.toMatch(FORMULA_START);
    }
  }
}

describe('the hostile corpus', () => {
  it('holds at least 200 submissions covering every form and JSON endpoint', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(200);
    expect(new Set(FIXTURES.map((f) => f.target))).toEqual(
      new Set(['pledge-form', 'event-form', 'token', 'login', 'api-create', 'api-update', 'delete-reason', 'query']),
    );
  });

  it.each(FIXTURES.map((fixture) => [fixture.name, fixture] as const))('%s', async (_name, fixture) => {
    const before = counts();
    const res = await send(fixture);
    expect(res.status, res.text?.slice(0, 300)).toBeLessThan(500);

    if (res.status >= 400) {
      expect(counts()).toEqual(before);
      const message = res.body?.error?.message ?? /class="(error|error-summary)"[^>]*>([\s\S]*?)</.exec(res.text)?.[2] ?? /<section class="error-page">[\s\S]*?<p>([^<]+)/.exec(res.text)?.[1];
      expect(message, res.text?.slice(0, 300)).toBeTruthy();
      return;
    }

    // Stored (or, for a query, served): show it everywhere and check that it is harmless.
    const location = res.headers.location as string | undefined;
    const pages = ['/', '/pledges', '/pledges?sort=-announced', '/events', '/account'];
    // The API's Location is the JSON record, not a page: its pledge's page is.
    if (location && !fixture.target.startsWith('api')) pages.push(location);
    if (fixture.target.startsWith('api')) pages.push(`/pledges/${res.body.id}`);
    if (fixture.target === 'query') pages.push(fixture.path!);
    for (const page of pages) {
      const shown = await agent.get(page);
      expect(shown.status, page).toBeLessThan(500);
      expectHarmlessHtml(shown.text, page);
    }
    expectHarmlessCsv((await request(ctx.app).get('/pledges.csv')).text);

    if (fixture.target === 'api-create' || fixture.target === 'api-update') {
      const sent = (fixture.body ?? JSON.parse(fixture.raw!)) as { pledger: string };
      const json = (await request(ctx.app).get(`/api/pledges/${res.body.id}`)).body;
      expect(json.pledger).toBe(sent.pledger.trim());
    }
  });

  it('ran nothing the EJS settings payloads asked for, and the app still answers', async () => {
    expect(fs.existsSync('/tmp/pwned')).toBe(false);
    expect((await request(ctx.app).get('/healthz')).status).toBe(200);
    expect(ctx.errors).toEqual([]);
  });
});
