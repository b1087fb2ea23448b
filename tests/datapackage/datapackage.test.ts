// /datapackage.json against the Frictionless schemas, and every CSV it names, row by row, against its table schema,
// on the real 2025 dataset with an edit by an editor whose username must never be published.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import AjvDraft04 from 'ajv-draft-04';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renameEditor } from '../../server/auth/editors.ts';
import { createApiToken, findUserByName } from '../../server/auth/users.repository.ts';
import type { Field } from '../../server/datapackage/datapackage.fields.ts';
import { DATASET_SEED, freshApp, signedIn, type TestContext } from '../helpers.ts';
import { cellError } from './table-schema.ts';

interface Resource {
  name: string;
  path: string;
  schema: {
    fields: Field[];
    primaryKey: string | string[];
    foreignKeys?: { fields: string; reference: { resource: string; fields: string } }[];
  };
}

// A CommonJS module: under NodeNext its class is the default export's default.
const Ajv = AjvDraft04.default;
const PROFILES = path.join(import.meta.dirname, '..', 'fixtures', 'frictionless');
const profile = (name: string) => JSON.parse(fs.readFileSync(path.join(PROFILES, `${name}.json`), 'utf8')) as object;

// A username no export may hold: readers know the editor as "Maria Lopez".
const USERNAME = 'hidden-login-7c1';

let ctx: TestContext;
let descriptor: { resources: Resource[] };
const tables = new Map<string, string[][]>();

beforeAll(async () => {
  ctx = freshApp({ seedFile: DATASET_SEED });
  await signedIn(ctx, USERNAME);
  renameEditor(ctx.db, USERNAME, 'Maria Lopez');
  const token = createApiToken(ctx.db, findUserByName(ctx.db, USERNAME)!.id, 'newsroom script');
  // A pledge known to the month, with a note a spreadsheet would run as a formula: a revision by Maria Lopez.
  const added = await request(ctx.app)
    .post('/api/pledges')
    .set('Authorization', `Bearer ${token}`)
    .send({
      pledger: 'Acme',
      project: 'Texas plant',
      amount: '12.5B',
      amount_note: '=HYPERLINK("https://example.com")',
      us_share_pct: 100,
      announced_on: '2025-07',
      sources: [{ url: 'https://example.com/acme', title: 'Acme release' }],
    });
  expect(added.status, added.text).toBe(201);
  descriptor = (await request(ctx.app).get('/datapackage.json')).body as typeof descriptor;
  for (const resource of descriptor.resources) {
    const res = await request(ctx.app).get(`/${resource.path}`);
    expect(res.status, resource.path).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    tables.set(resource.name, parse(res.text) as string[][]);
  }
});
afterAll(() => ctx?.cleanup());

describe('GET /datapackage.json', () => {
  it('is a valid Tabular Data Package and Data Package by the Frictionless v1 JSON Schemas', async () => {
    const res = await request(ctx.app).get('/datapackage.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    // The profiles' formats are editors' hints ("textarea") or belong to properties the package does not use.
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    for (const name of ['tabular-data-package', 'data-package']) {
      const validate = ajv.compile(profile(name));
      expect(validate(res.body), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });

  it('names the pledges, sources, events, relations, concessions and revisions CSVs, each described column by column', () => {
    expect(descriptor.resources.map((resource) => resource.path)).toEqual([
      'pledges.csv',
      'sources.csv',
      'events.csv',
      'relations.csv',
      'concessions.csv',
      'revisions.csv',
    ]);
    for (const resource of descriptor.resources) {
      for (const field of resource.schema.fields) expect(field.description, `${resource.name}.${field.name}`).toMatch(/\w/);
    }
  });

  it('refuses a document that breaks the profile: the validator is not a formality', () => {
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(profile('tabular-data-package'));
    const broken = structuredClone(descriptor) as { resources: { schema: { fields: { type: string }[] } }[] };
    broken.resources[0].schema.fields[0].type = 'money';
    expect(validate(broken)).toBe(false);
  });
});

describe('the CSVs the package names', () => {
  it('have a header that is exactly the schema\'s field names, in order', () => {
    for (const resource of descriptor.resources) {
      expect(tables.get(resource.name)![0], resource.name).toEqual(resource.schema.fields.map((field) => field.name));
    }
  });

  it('hold rows whose every cell is valid by its field: type, required, enum, pattern, minimum and maximum', () => {
    const problems: string[] = [];
    for (const resource of descriptor.resources) {
      const [, ...rows] = tables.get(resource.name)!;
      expect(rows.length, resource.name).toBeGreaterThan(0);
      rows.forEach((row, line) => {
        expect(row.length).toBe(resource.schema.fields.length);
        resource.schema.fields.forEach((field, column) => {
          const error = cellError(field, row[column]);
          if (error) problems.push(`${resource.path} row ${line + 1} ${field.name} "${row[column]}": ${error}`);
        });
      });
    }
    expect(problems).toEqual([]);
  });

  it('have unique primary keys and foreign keys that name rows of the tables they point to', () => {
    const column = (name: string, field: string) => {
      const [header, ...rows] = tables.get(name)!;
      const index = header.indexOf(field);
      return rows.map((row) => row[index]);
    };
    for (const resource of descriptor.resources) {
      const keyFields = ([] as string[]).concat(resource.schema.primaryKey);
      const keys = column(resource.name, keyFields[0]).map((_, row) => keyFields.map((field) => column(resource.name, field)[row]).join('|'));
      expect(new Set(keys).size, resource.name).toBe(keys.length);
      for (const foreign of resource.schema.foreignKeys ?? []) {
        const targets = new Set(column(foreign.reference.resource, foreign.reference.fields));
        const dangling = column(resource.name, foreign.fields).filter((value) => value !== '' && !targets.has(value));
        expect(dangling, `${resource.name}.${foreign.fields}`).toEqual([]);
      }
    }
  });

  it('give the pledges as /api/pledges counts them, a month-only date as it is, and a formula-like note neutralised', async () => {
    const api = await request(ctx.app).get('/api/pledges');
    const [header, ...pledges] = tables.get('pledges')!;
    expect(pledges.length).toBe(api.body.total);
    const acme = pledges.find((row) => row[header.indexOf('pledger')] === 'Acme')!;
    expect(acme[header.indexOf('announced_on')]).toBe('2025-07');
    expect(acme[header.indexOf('amount_note')]).toBe('\'=HYPERLINK("https://example.com")');
  });

  it('name the author of each revision by public name, never by username', () => {
    const [header, ...revisions] = tables.get('revisions')!;
    expect(revisions.map((row) => row[header.indexOf('author')])).toEqual(['Maria Lopez']);
    expect(JSON.parse(revisions[0][header.indexOf('changes')])).toMatchObject({ pledger: { from: null, to: 'Acme' } });
    for (const rows of tables.values()) expect(JSON.stringify(rows)).not.toContain(USERNAME);
  });
});

describe('the footer', () => {
  it('links every page to the data package and the database download', async () => {
    for (const page of ['/', '/pledges', '/changes']) {
      const res = await request(ctx.app).get(page);
      const footer = res.text.slice(res.text.indexOf('<footer class="site-footer">'));
      expect(footer, page).toContain('<a href="/datapackage.json">data package</a>');
      expect(footer, page).toContain('<a href="/pledges.db" download>SQLite database</a>');
    }
  });
});
