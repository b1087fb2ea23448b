import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILTER_PARAMS } from '../../../server/pledges/pledges.filter.ts';
import { DATASET_SEED, freshApp, signedIn, type TestContext } from '../../helpers.ts';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};
type Operation = {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }>;
  security?: unknown[];
};

let ctx: TestContext;
let doc: Doc;
let ajv: Ajv2020;

beforeAll(async () => {
  ctx = freshApp({ seedFile: DATASET_SEED });
  const res = await request(ctx.app).get('/api/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as Doc;
  // The document is the schema resource: its $refs (#/components/schemas/X) resolve in it. Its other keys
  // (openapi, paths, ...) are not JSON Schema keywords, hence strict: false.
  ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addSchema(doc, 'openapi.json');
});
afterAll(() => ctx?.cleanup());

/** The Express path /api/pledges/:id as the document writes it. */
const documented = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function validatorOf(ref: string): ValidateFunction {
  const validate = ajv.getSchema(`openapi.json${ref}`);
  if (!validate) throw new Error(`no schema at ${ref}`);
  return validate;
}

/** The errors of a real answer against what the document says of that route and status; [] when it agrees. */
function disagreements(method: string, path: string, res: Pick<Response, 'status' | 'body'>): string[] {
  const operation = doc.paths[documented(path)]?.[method];
  if (!operation) return [`${method} ${path} is not in the document`];
  const answer = operation.responses[String(res.status)];
  if (!answer) return [`${method} ${path} answered ${res.status}, which the document does not list`];
  const schema = answer.content?.['application/json']?.schema;
  if (!schema) return res.body && Object.keys(res.body).length > 0 ? [`${res.status} has a body the document does not describe`] : [];
  const validate = validatorOf(schema.$ref);
  return validate(res.body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
}

/** The routes the app has under /api, read from Express's router stack, as "method path". */
function registeredApiRoutes(): string[] {
  const found: string[] = [];
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          if (layer.route.path.startsWith('/api/') && method !== '_all') found.push(`${method} ${layer.route.path}`);
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((ctx.app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}

async function apiToken(): Promise<string> {
  const { agent, csrf } = await signedIn(ctx);
  expect((await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'openapi test' })).status).toBe(303);
  const value = /<code class="secret">(pt_[\w-]+)<\/code>/.exec((await agent.get('/account')).text)?.[1];
  expect(value).toBeDefined();
  return value!;
}

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('describes every /api route the app registers, and none that it does not', () => {
    const registered = registeredApiRoutes();
    expect(registered.length).toBeGreaterThanOrEqual(13);
    const described = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
    expect(described.sort()).toEqual(registered.map((route) => route.replace(/:(\w+)/g, '{$1}')).sort());
  });

  it('lists the whole filter on every read that takes it, as_of on every read of pledges or changes', () => {
    for (const path of ['/api/pledges', '/api/summary', '/api/relations', '/api/concessions']) {
      const names = doc.paths[path].get.parameters!.map((parameter) => parameter.name);
      expect(names, path).toEqual(expect.arrayContaining([...FILTER_PARAMS, ...(path === '/api/summary' ? [] : ['page', 'per_page'])]));
    }
    expect(doc.paths['/api/pledges'].get.parameters!.map((parameter) => parameter.name)).toContain('sort');
    expect(doc.paths['/api/concessions'].get.parameters!.map((parameter) => parameter.name)).toContain('type');
    expect(doc.paths['/api/pledges/{id}'].get.parameters!.map((parameter) => parameter.name)).toEqual(['id', 'as_of']);
    expect(doc.paths['/api/changes'].get.parameters!.map((parameter) => parameter.name)).toContain('as_of');
  });

  it('asks for a bearer token on every write, and on no read', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (method === 'get') expect(operation.security, `${method} ${path}`).toBeUndefined();
        else {
          expect(operation.security, `${method} ${path}`).toEqual([{ bearerToken: [] }]);
          expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403', '429', '503']));
        }
      }
    }
  });

  it('is served as JSON from the response cache', async () => {
    const again = await request(ctx.app).get('/api/openapi.json');
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(again.headers['x-cache']).toBe('hit');
    expect(again.body).toEqual(doc);
  });
});

describe('real answers agree with /api/openapi.json', () => {
  it('GET /api/pledges: every pledge of the dataset, in a page and whole', async () => {
    const list = await request(ctx.app).get('/api/pledges?per_page=1000');
    expect(list.body.pledges.length).toBeGreaterThan(50);
    expect(disagreements('get', '/api/pledges', list)).toEqual([]);
    for (const { id } of list.body.pledges as { id: number }[]) {
      const one = await request(ctx.app).get(`/api/pledges/${id}`);
      expect(disagreements('get', '/api/pledges/:id', one), `pledge ${id}`).toEqual([]);
    }
    const asOf = await request(ctx.app).get(`/api/pledges/${list.body.pledges[0].id}?as_of=2025-12-31`);
    expect(disagreements('get', '/api/pledges/:id', asOf)).toEqual([]);
  });

  it('GET /api/summary, /api/relations, /api/relations/:id, /api/concessions, /api/changes', async () => {
    for (const url of ['/api/summary', '/api/summary?sector=Semiconductors&step=overlaps', '/api/relations?per_page=1000', '/api/concessions?per_page=1000', '/api/changes']) {
      const res = await request(ctx.app).get(url);
      expect(res.status, url).toBe(200);
      expect(disagreements('get', url.split('?')[0], res), url).toEqual([]);
    }
    const relations = await request(ctx.app).get('/api/relations');
    expect(relations.body.relations.length).toBeGreaterThan(0);
    const relation = await request(ctx.app).get(`/api/relations/${relations.body.relations[0].id}`);
    expect(disagreements('get', '/api/relations/:id', relation)).toEqual([]);
  });

  it('the errors: 400 for a bad filter, 404 for no such pledge, 401 without a token', async () => {
    const bad = await request(ctx.app).get('/api/pledges?status=promised');
    expect(bad.status).toBe(400);
    expect(disagreements('get', '/api/pledges', bad)).toEqual([]);
    const missing = await request(ctx.app).get('/api/pledges/999999');
    expect(missing.status).toBe(404);
    expect(disagreements('get', '/api/pledges/:id', missing)).toEqual([]);
    const anonymous = await request(ctx.app).post('/api/pledges').send({});
    expect(anonymous.status).toBe(401);
    expect(disagreements('post', '/api/pledges', anonymous)).toEqual([]);
  });

  it('a write: 201 for a good pledge (whose body the document accepts), 422 for a bad one, then the change log', async () => {
    const bearer = await apiToken();
    const body = {
      pledger: 'Acme',
      project: 'Texas plant',
      amount: '12.5B',
      us_share_pct: 100,
      announced_on: '2025-07-01',
      status: 'announced',
      lever: null,
      sources: [{ url: 'https://example.com/acme', title: 'Acme release' }],
      event_ids: [],
      reason: 'new filing',
    };
    const bodySchema = validatorOf(doc.paths['/api/pledges'].post.requestBody!.content['application/json'].schema.$ref);
    expect(bodySchema(body), JSON.stringify(bodySchema.errors)).toBe(true);
    expect(bodySchema({ ...body, sources: 'https://example.com' })).toBe(false);

    const created = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${bearer}`).send(body);
    expect(created.status).toBe(201);
    expect(disagreements('post', '/api/pledges', created)).toEqual([]);

    const refused = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${bearer}`).send({ ...body, amount: 'lots', announced_on: '' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.fields).toHaveProperty('amount');
    expect(disagreements('post', '/api/pledges', refused)).toEqual([]);

    const relation = await request(ctx.app)
      .post('/api/relations')
      .set('Authorization', `Bearer ${bearer}`)
      .send({ pledge_id: created.body.id, kind: 'repeats', other_id: null, amount_usd: 1_000_000_000, reason: 'test' });
    expect(relation.status).toBe(201);
    expect(disagreements('post', '/api/relations', relation)).toEqual([]);

    const changes = await request(ctx.app).get('/api/changes');
    expect(changes.body.total).toBeGreaterThan(0);
    expect(disagreements('get', '/api/changes', changes)).toEqual([]);
  });

  it('the check refuses an answer that strays from the document', async () => {
    const one = await request(ctx.app).get('/api/pledges/1');
    expect(disagreements('get', '/api/pledges/:id', one)).toEqual([]);
    expect(disagreements('get', '/api/pledges/:id', { status: 200, body: { ...one.body, amount_usd: '12B' } })).not.toEqual([]);
    expect(disagreements('get', '/api/pledges/:id', { status: 200, body: { ...one.body, unexpected: 1 } })).not.toEqual([]);
    const { overdue: _dropped, ...withoutOverdue } = one.body as Record<string, unknown>;
    expect(disagreements('get', '/api/pledges/:id', { status: 200, body: withoutOverdue })).not.toEqual([]);
    expect(disagreements('get', '/api/pledges/:id', { status: 418, body: {} })).not.toEqual([]);
  });
});
