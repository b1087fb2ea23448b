// /api/openapi.json: the JSON API described as OpenAPI 3.1. Each feature describes its own routes beside them (an
// ApiDescription: paths, parameters, and the zod schemas of its bodies and answers); this module knows no feature,
// and turns the zod schemas into JSON Schema with zod's own z.toJSONSchema, so the document follows the code.
import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { ERROR_BODY } from '../errors.ts';
import { ROOT } from '../paths.ts';

export type JsonSchema = Record<string, unknown>;

/** The statuses an /api route may fail with, each answered with ERROR_BODY. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503 | 507;

export interface ApiParameter {
  name: string;
  in: 'query' | 'path';
  description: string;
  required?: boolean;
  schema: JsonSchema;
  example?: unknown;
}

export interface ApiAnswer {
  description: string;
  /** The JSON it carries; none: no body (204). */
  schema?: z.ZodType;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

export interface ApiOperation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** As Express routes it: /api/pledges/:id. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  parameters?: ApiParameter[];
  /** A JSON body, described by the zod schema of what its reader accepts. */
  body?: { description: string; schema: z.ZodType; example?: unknown };
  /** The answers of success, by status. */
  responses: Record<number, ApiAnswer>;
  /** The failures, by status, each with when it happens. */
  errors: Partial<Record<ErrorStatus, string>>;
  /** A write: it needs an editor's API token. */
  auth?: true;
}

export interface ApiDescription {
  tag: { name: string; description: string };
  operations: ApiOperation[];
  /** The schemas the operations name, under the names the document gives them (components.schemas). */
  schemas: Record<string, z.ZodType>;
}

// Building blocks of the answers' schemas, shared by every feature's description.
export const apiId = z.number().int().min(1);
/** Whole US dollars: amounts are never fractions, and an unknown amount is null, never 0. */
export const apiUsd = z.number().int().min(0);
export const apiPartialDate = z
  .string()
  .regex(/^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/)
  .describe('YYYY, YYYY-MM or YYYY-MM-DD: a date to the precision known.');
export const apiDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('YYYY-MM-DD.');
export const apiTimestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/)
  .describe('UTC, ISO 8601 (2025-07-01T12:00:00.000Z).');
export const apiUrl = z.string().regex(/^https?:\/\/\S+$/);
export const apiCount = z.number().int().min(0);

/** ?page= and ?per_page=, as the lists of the API read them. */
export function pageParameters(perPageDefault: number, perPageMax: number): ApiParameter[] {
  return [
    { name: 'page', in: 'query', description: 'The page, from 1 (400 for anything else).', schema: { type: 'integer', minimum: 1, default: 1 } },
    {
      name: 'per_page',
      in: 'query',
      description: `Rows a page, from 1 to ${perPageMax} (400 for anything else).`,
      schema: { type: 'integer', minimum: 1, maximum: perPageMax, default: perPageDefault },
    },
  ];
}

export function idParameter(what: string): ApiParameter {
  return { name: 'id', in: 'path', required: true, description: `The ${what}'s id (a malformed id names nothing: 404).`, schema: { type: 'integer', minimum: 1 } };
}

/** A list's envelope: how many rows the filter matches in all, which page this is, and the page's rows. */
export function listOf<T extends z.ZodType>(key: string, row: T) {
  return z.strictObject({
    total: apiCount.describe('How many rows match, on every page.'),
    page: apiId.describe('This page, from 1.'),
    per_page: apiId.describe('Rows a page.'),
    [key]: z.array(row),
  });
}

/** Errors every write may answer, besides its own. */
export const WRITE_ERRORS = {
  401: 'No live API token in "Authorization: Bearer TOKEN" (the answer carries WWW-Authenticate).',
  403: 'A browser says the request comes from another site (Sec-Fetch-Site or Origin).',
  429: 'More writes in a minute than WRITES_PER_MINUTE allows for the editor.',
  503: 'The database is held by another write (a large import): nothing was saved; try again after Retry-After seconds.',
  507: "The server's disk is full: nothing was saved.",
} as const satisfies Partial<Record<ErrorStatus, string>>;

/** Errors every write with a JSON body may answer, besides WRITE_ERRORS. */
export const BODY_ERRORS = {
  400: 'The body is not well-formed JSON.',
  413: 'The body is larger than 100 kB.',
  415: 'The body is not sent as application/json.',
} as const satisfies Partial<Record<ErrorStatus, string>>;

const BEARER = 'bearerToken';
const COMPONENTS = '#/components/schemas/';

/** Every named schema as JSON Schema: bodies as their readers take them (input), answers as sent (output). */
function componentSchemas(descriptions: ApiDescription[]): { schemas: Record<string, JsonSchema>; nameOf: (schema: z.ZodType) => string } {
  const names = new Map<z.ZodType, string>([[ERROR_BODY, 'Error']]);
  for (const description of descriptions) {
    for (const [name, schema] of Object.entries(description.schemas)) {
      const known = names.get(schema);
      if (known !== undefined && known !== name) throw new Error(`The schema ${name} is named ${known} too.`);
      names.set(schema, name);
    }
  }
  if (new Set(names.values()).size !== names.size) throw new Error('Two schemas share a name.');
  const bodies = new Set(descriptions.flatMap((description) => description.operations.flatMap((operation) => (operation.body ? [operation.body.schema] : []))));
  const input = z.registry<{ id?: string }>();
  const output = z.registry<{ id?: string }>();
  for (const [schema, name] of names) (bodies.has(schema) ? input : output).add(schema, { id: name });
  const uri = (id: string) => `${COMPONENTS}${id}`;
  const schemas: Record<string, JsonSchema> = {
    ...z.toJSONSchema(output, { uri, io: 'output' }).schemas,
    ...z.toJSONSchema(input, { uri, io: 'input' }).schemas,
  };
  if ('__shared' in schemas) throw new Error('A schema reaches a named schema that is not in its registry: name both for the same mode.');
  // Each is a component, not a document of its own: no $schema (the document's dialect) and no $id.
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  const nameOf = (schema: z.ZodType) => {
    const name = names.get(schema);
    if (name === undefined) throw new Error('An operation names a schema its description does not list.');
    return name;
  };
  return { schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))), nameOf };
}

function json(name: string) {
  return { 'application/json': { schema: { $ref: `${COMPONENTS}${name}` } } };
}

function operationObject(operation: ApiOperation, nameOf: (schema: z.ZodType) => string) {
  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(operation.responses)) {
    responses[status] = {
      description: answer.description,
      ...(answer.headers ? { headers: answer.headers } : {}),
      ...(answer.schema ? { content: json(nameOf(answer.schema)) } : {}),
    };
  }
  for (const [status, when] of Object.entries(operation.errors)) {
    responses[status] = {
      description: when,
      ...(status === '401' ? { headers: { 'WWW-Authenticate': { description: 'Bearer realm="pledge-tracker"', schema: { type: 'string' } } } } : {}),
      ...(status === '503' ? { headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } } } : {}),
      content: json('Error'),
    };
  }
  return {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    ...(operation.parameters?.length ? { parameters: operation.parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            description: operation.body.description,
            content: { 'application/json': { schema: { $ref: `${COMPONENTS}${nameOf(operation.body.schema)}` }, ...(operation.body.example ? { example: operation.body.example } : {}) } },
          },
        }
      : {}),
    responses,
    ...(operation.auth ? { security: [{ [BEARER]: [] }] } : {}),
  };
}

/** /api/pledges/:id → /api/pledges/{id} */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

const DESCRIPTION = [
  'The JSON API of the Pledge Tracker: the pledges, their relations, what the pledgers got, the aggregates behind the',
  'charts and the change log, read without signing in; pledges and relations written with an editor\'s API token.',
  'Amounts are whole US dollars; an unknown value is null, never 0. Dates are YYYY, YYYY-MM or YYYY-MM-DD to the',
  'precision known. Every read of pledges takes the same filter (sector, status, ..., as_of); a value it cannot use',
  'answers 400 naming the parameter. Errors are {"error": {"status", "message", "fields"?}}. More: docs/api.md.',
].join(' ');

export function openApiDocument(descriptions: ApiDescription[]) {
  const { schemas, nameOf } = componentSchemas(descriptions);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of descriptions.flatMap((description) => description.operations)) {
    const item = (paths[openApiPath(operation.path)] ??= {});
    if (item[operation.method]) throw new Error(`${operation.method} ${operation.path} is described twice.`);
    item[operation.method] = operationObject(operation, nameOf);
  }
  return {
    openapi: '3.1.1',
    info: { title: 'Pledge Tracker JSON API', version: packageVersion(), description: DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
    tags: descriptions.map((description) => description.tag),
    paths,
    components: {
      schemas,
      securitySchemes: {
        [BEARER]: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (pt_…) that an editor creates on /account: shown once, stored only as a hash, revocable there.',
        },
      },
    },
  };
}

const DOCUMENT_SCHEMA = z
  .looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) })
  .describe('An OpenAPI 3.1 document.');

/** This document's own route, described like the others. */
const SELF: ApiDescription = {
  tag: { name: 'description', description: 'This description of the API.' },
  operations: [
    {
      method: 'get',
      path: '/api/openapi.json',
      operationId: 'getOpenApi',
      tag: 'description',
      summary: 'This document: the JSON API as OpenAPI 3.1',
      responses: { 200: { description: 'The document.', schema: DOCUMENT_SCHEMA } },
      errors: {},
    },
  ],
  schemas: { OpenApiDocument: DOCUMENT_SCHEMA },
};

/** GET /api/openapi.json: built once, on the first request, from the features' descriptions and its own. */
export function openApiRouter(descriptions: ApiDescription[]): Router {
  const router = Router();
  let document: ReturnType<typeof openApiDocument> | undefined;
  router.get('/api/openapi.json', (_req, res) => {
    document ??= openApiDocument([...descriptions, SELF]);
    res.json(document);
  });
  return router;
}
