import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { addPledge, count, freshApp, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const HEADER = 'id,pledge_id,kind,other_id,amount_usd,note,source_url,source_title,created_at,updated_at\r\n';
const AT = '2025-06-01T00:00:00.000Z';

/** Nvidia (Semiconductors) overlaps TSMC (Semiconductors); Switzerland (Trade) contains Roche (Pharma); Roche repeats a plan not held. */
function arrange() {
  ctx = freshApp({ seed: false });
  const { db } = ctx;
  const nvidia = addPledge(db, { pledger: 'Nvidia', amount_usd: 500e9, sector: 'Semiconductors' });
  const tsmc = addPledge(db, { pledger: 'TSMC', amount_usd: 100e9, sector: 'Semiconductors' });
  const swiss = addPledge(db, { pledger: 'Switzerland', amount_usd: 200e9, sector: 'Trade' });
  const roche = addPledge(db, { pledger: 'Roche', amount_usd: 50e9, sector: 'Pharma' });
  const add = db.prepare(
    'INSERT INTO pledge_relations (pledge_id, kind, other_id, amount_usd, note, source_url, source_title, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  add.run(nvidia, 'overlaps', tsmc, null, '=HYPERLINK("http://evil")', 'https://example.com/a?x=1,2', 'Chips, "fabs"', AT, AT);
  add.run(swiss, 'contains', roche, 50e9, 'line one\nline two', null, '@title', AT, AT);
  add.run(roche, 'repeats', null, 20e9, '', null, '', AT, AT);
  return { nvidia, tsmc, swiss, roche };
}

describe('GET /relations.csv', () => {
  it('exports every relation with the export’s columns, RFC 4180 quoting, unknowns empty and formulas neutralised', async () => {
    arrange();
    const res = await request(ctx.app).get('/relations.csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="?relations-\d{4}-\d{2}-\d{2}\.csv"?$/);
    expect(res.text).toBe(
      HEADER +
        `1,1,overlaps,2,,"'=HYPERLINK(""http://evil"")","https://example.com/a?x=1,2","Chips, ""fabs""",${AT},${AT}\r\n` +
        `2,3,contains,4,50000000000,"line one\nline two",,'@title,${AT},${AT}\r\n` +
        `3,4,repeats,,20000000000,,,,${AT},${AT}\r\n`,
    );
  });

  it('takes the pledges’ filter: a relation is exported when either of its pledges matches', async () => {
    arrange();
    const ids = async (query: string) => [...(await request(ctx.app).get(`/relations.csv${query}`)).text.matchAll(/\r\n(\d+),/g)].map((m) => Number(m[1]));
    expect(await ids('?pledger=TSMC')).toEqual([1]);
    expect(await ids('?sector=Pharma')).toEqual([2, 3]);
    expect(await ids('?sector=Trade&sector=Semiconductors')).toEqual([1, 2]);
    expect(await ids('?q=Switzer')).toEqual([2]);
    expect(await ids('?pledger=Nobody')).toEqual([]);
    expect((await request(ctx.app).get('/relations.csv?from=2025-13')).status).toBe(400);
  });
});

describe('GET /api/relations and each pledge’s relations in GET /api/pledges/:id', () => {
  it('lists relations with the CSV’s column names, filtered and paged as the pledges are', async () => {
    arrange();
    const all = await request(ctx.app).get('/api/relations');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, page: 1, per_page: 100 });
    expect(all.body.relations[0]).toEqual({
      id: 1,
      pledge_id: 1,
      kind: 'overlaps',
      other_id: 2,
      amount_usd: null,
      note: '=HYPERLINK("http://evil")',
      source_url: 'https://example.com/a?x=1,2',
      source_title: 'Chips, "fabs"',
      created_at: AT,
      updated_at: AT,
    });
    const filtered = await request(ctx.app).get('/api/relations?sector=Pharma&per_page=1&page=2');
    expect(filtered.body).toMatchObject({ total: 2, page: 2, per_page: 1, relations: [{ id: 3, other_id: null }] });
    expect((await request(ctx.app).get('/api/relations?per_page=5000')).status).toBe(400);
    expect((await request(ctx.app).get('/api/relations/2')).body).toMatchObject({ id: 2, kind: 'contains', amount_usd: 50e9 });
    expect((await request(ctx.app).get('/api/relations/99')).status).toBe(404);
  });

  it('gives each pledge its relations either way round', async () => {
    const { roche, nvidia } = arrange();
    const res = await request(ctx.app).get(`/api/pledges/${roche}`);
    expect(res.body.relations.map((relation: { id: number; pledge_id: number; kind: string }) => [relation.id, relation.pledge_id, relation.kind])).toEqual([
      [2, 3, 'contains'],
      [3, roche, 'repeats'],
    ]);
    expect((await request(ctx.app).get(`/api/pledges/${nvidia}`)).body.relations).toHaveLength(1);
  });
});

describe('the JSON write API for relations', () => {
  async function token(): Promise<string> {
    const { agent, csrf } = await signedIn(ctx);
    await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'script' });
    return /<code class="secret">(pt_[\w-]+)<\/code>/.exec((await agent.get('/account')).text)![1];
  }

  it('answers 401 without a token and writes nothing', async () => {
    arrange();
    const body = { pledge_id: 3, kind: 'overlaps', other_id: 1 };
    expect((await request(ctx.app).post('/api/relations').send(body)).status).toBe(401);
    expect((await request(ctx.app).put('/api/relations/1').send(body)).status).toBe(401);
    expect((await request(ctx.app).delete('/api/relations/1')).status).toBe(401);
    expect(count(ctx.db, 'pledge_relations')).toBe(3);
  });

  it('creates (201), replaces (200) and deletes (204), each with a revision on both pledges', async () => {
    const { nvidia, swiss } = arrange();
    const auth = `Bearer ${await token()}`;
    const created = await request(ctx.app)
      .post('/api/relations')
      .set('Authorization', auth)
      .send({ pledge_id: swiss, kind: 'overlaps', other_id: nvidia, amount_usd: 10e9, note: 'Some chips', reason: 'script' });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/api/relations/4');
    expect(created.body).toMatchObject({ id: 4, pledge_id: swiss, kind: 'overlaps', other_id: nvidia, amount_usd: 10e9 });
    const revisionCount = (id: number) => ctx.db.prepare("SELECT count(*) FROM revisions WHERE entity = 'pledge' AND entity_id = ? AND reason LIKE 'script%'").pluck().get(id);
    expect([revisionCount(swiss), revisionCount(nvidia)]).toEqual([1, 1]);

    const replaced = await request(ctx.app).put('/api/relations/4').set('Authorization', auth).send({ pledge_id: swiss, kind: 'overlaps', other_id: nvidia, amount: '12B', reason: 'script 2' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ amount_usd: 12e9, note: '' });
    expect([revisionCount(swiss), revisionCount(nvidia)]).toEqual([2, 2]);

    expect((await request(ctx.app).delete('/api/relations/4?reason=script%203').set('Authorization', auth)).status).toBe(204);
    expect(count(ctx.db, 'pledge_relations')).toBe(3);
    expect([revisionCount(swiss), revisionCount(nvidia)]).toEqual([3, 3]);
  });

  it('answers 422 naming each wrong field, and 415 for a body that is not JSON', async () => {
    const { nvidia, tsmc } = arrange();
    const auth = `Bearer ${await token()}`;
    const res = await request(ctx.app).post('/api/relations').set('Authorization', auth).send({ pledge_id: tsmc, kind: 'overlaps', other_id: nvidia, amount: '101B' });
    expect(res.status).toBe(422);
    expect(res.body.error.fields).toEqual({
      other_id: 'The overlap of pledges 2 (TSMC) and 1 (Nvidia) is recorded already: edit it instead.',
      amount: 'An overlap cannot be larger than either pledge: pledge 2 (TSMC) is $100B.',
    });
    const bigger = await request(ctx.app).put('/api/relations/1').set('Authorization', auth).send({ pledge_id: nvidia, kind: 'overlaps', other_id: tsmc, amount: '101B' });
    expect(bigger.status).toBe(422);
    expect(bigger.body.error.fields).toEqual({ amount: 'An overlap cannot be larger than either pledge: pledge 2 (TSMC) is $100B.' });
    const form = await request(ctx.app).post('/api/relations').set('Authorization', auth).type('form').send({ pledge_id: '1' });
    expect(form.status).toBe(415);
    expect(count(ctx.db, 'pledge_relations')).toBe(3);
  });
});
