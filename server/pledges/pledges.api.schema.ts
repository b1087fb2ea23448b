// What pledges.api.routes.ts sends and reads, as zod schemas, and its routes as the API's description
// (/api/openapi.json) gives them. The rows are the export's columns (CSV_COLUMNS): a column without a schema here is
// a type error, and tests/platform/http/openapi.test.ts checks real answers against the document.
import { z } from 'zod';
import { CONCESSION_TYPES, EVENT_KINDS } from '../events/event.model.ts';
import {
  apiDay,
  apiId,
  apiPartialDate,
  apiTimestamp,
  apiUrl,
  apiUsd,
  BODY_ERRORS,
  idParameter,
  listOf,
  pageParameters,
  WRITE_ERRORS,
  type ApiDescription,
} from '../platform/http/openapi.ts';
import { RELATION_JSON } from '../relations/relation.model.ts';
import { COMMITMENT_KINDS, CSV_COLUMNS, LEVERS, PLEDGER_KINDS, STATUSES } from './pledge.model.ts';
import { FILTER_PARAMETERS } from './pledges.filter.ts';
import { SORT_KEYS } from './pledges.sql.ts';
import { PLEDGE_JSON_BODY } from './pledges.validation.ts';

export const PER_PAGE_DEFAULT = 100;
export const PER_PAGE_MAX = 1000;

const PLEDGE_COLUMNS = {
  id: apiId.describe("The pledge's id (ids of deleted pledges are never given again)."),
  pledger: z.string().describe('Who pledged.'),
  project: z.string(),
  amount_usd: apiUsd.nullable().describe('The amount announced; null when undisclosed.'),
  amount_note: z.string(),
  us_share_pct: z.number().min(0).max(100).nullable().describe('The US share in percent; null when unknown.'),
  us_share_basis: z.enum(['stated', 'inferred']).nullable(),
  announced_on: apiPartialDate,
  horizon_years: z.number().positive().nullable(),
  horizon_end: apiDay.nullable(),
  horizon_note: z.string(),
  sector: z.string(),
  country: z.string(),
  status: z.enum(STATUSES).describe('Where the pledge stands (as of the as_of day, when one is given).'),
  lever: z.enum(LEVERS).nullable(),
  context_note: z.string(),
  source_urls: z.array(apiUrl).describe("The sources' URLs, in order (the CSV's space-separated list)."),
  event_ids: z.array(apiId).describe('The linked political events.'),
  created_at: apiTimestamp,
  updated_at: apiTimestamp,
  pledger_kind: z.enum(PLEDGER_KINDS).nullable(),
  commitment_kind: z.enum(COMMITMENT_KINDS).nullable(),
  horizon_start: apiDay.nullable().describe('null: the horizon starts on the announced date.'),
  new_money_usd: apiUsd.nullable().describe('The part described as new; null when the pledger did not say.'),
  first_tranche_by: apiPartialDate.nullable(),
  overdue: z.boolean().describe("Overdue on the view's day (today, UTC, or as_of): computed, never stored."),
} satisfies Record<(typeof CSV_COLUMNS)[number], z.ZodType>;

export const PLEDGE_JSON = z
  .strictObject({
    ...PLEDGE_COLUMNS,
    us_amount_usd: apiUsd.nullable().describe('amount_usd × us_share_pct, to the dollar; null when either is unknown.'),
    per_year_usd: apiUsd.nullable().describe('The amount a year over its horizon; null without a horizon or an amount.'),
  })
  .describe("A pledge as listed: the CSV's columns, lists as arrays.");

const SOURCE_JSON = z.strictObject({ url: apiUrl, title: z.string() });

const EVENT_JSON = z.strictObject({
  id: apiId,
  occurred_on: apiPartialDate,
  title: z.string(),
  kind: z.enum(EVENT_KINDS),
  concession_type: z.enum(CONCESSION_TYPES).nullable().describe('What the pledger got, for a concession; null for any other kind.'),
  note: z.string(),
  source_url: apiUrl.nullable(),
  source_title: z.string(),
});

const CONCESSION_JSON = z.strictObject({
  id: apiId.describe("The concession's id: an event of the kind concession."),
  occurred_on: apiPartialDate,
  title: z.string(),
  concession_type: z.enum(CONCESSION_TYPES),
  note: z.string(),
  sources: z.array(SOURCE_JSON),
  days_between: z.number().int().nullable().describe('Days from the pledge to the concession, negative when it came first; null unless both dates have a day.'),
});

const STATUS_STEP_JSON = z.strictObject({
  status: z.enum(STATUSES),
  changed_on: apiPartialDate,
  evidence_url: apiUrl.nullable(),
  note: z.string(),
});

export const PLEDGE_DETAIL_JSON = z
  .strictObject({
    ...PLEDGE_JSON.shape,
    sources: z.array(SOURCE_JSON).describe('Its sources, in order.'),
    events: z.array(EVENT_JSON).describe('Its political events, oldest first.'),
    concessions: z.array(CONCESSION_JSON).describe('What the pledger got, oldest first.'),
    status_steps: z.array(STATUS_STEP_JSON).describe('Its status timeline, from the announcement.'),
    relations: z.array(RELATION_JSON).describe('Its relations, either way round.'),
  })
  .describe('One pledge whole.');

export const PLEDGE_LIST_JSON = listOf('pledges', PLEDGE_JSON).describe('A page of pledges.');

const SORT = {
  name: 'sort',
  in: 'query',
  description: 'The order: a column, - for descending; ties by id, unknown values last. Anything else: the default, -amount.',
  schema: { type: 'string', enum: SORT_KEYS.flatMap((key) => [key, `-${key}`]), default: '-amount' },
} as const;

const REASON = { name: 'reason', in: 'query', description: 'Why, for the change log (at most 500 characters).', schema: { type: 'string', maxLength: 500 } } as const;

const EXAMPLE = {
  pledger: 'Acme',
  project: 'Texas plant',
  amount: '12.5B',
  us_share_pct: 100,
  announced_on: '2025-07-01',
  sources: [{ url: 'https://example.com/acme', title: 'Acme release' }],
  event_ids: [1],
  reason: 'new filing',
};

const BODY = {
  description: "The pledge's fields, as the form's (docs/api.md, \"Writing\"); PUT replaces the whole pledge.",
  schema: PLEDGE_JSON_BODY,
  example: EXAMPLE,
};
const REFUSED = 'A field is wrong: error.fields names each, and nothing was saved.';

export const PLEDGES_API: ApiDescription = {
  tag: { name: 'pledges', description: 'The pledges: read by anyone, written with an API token.' },
  schemas: {
    Pledge: PLEDGE_JSON,
    PledgeDetail: PLEDGE_DETAIL_JSON,
    PledgeList: PLEDGE_LIST_JSON,
    PledgeSource: SOURCE_JSON,
    PledgeEvent: EVENT_JSON,
    PledgeConcession: CONCESSION_JSON,
    StatusStep: STATUS_STEP_JSON,
    Relation: RELATION_JSON,
    PledgeBody: PLEDGE_JSON_BODY,
  },
  operations: [
    {
      method: 'get',
      path: '/api/pledges',
      operationId: 'listPledges',
      tag: 'pledges',
      summary: 'The pledges the filter matches, a page at a time',
      parameters: [...FILTER_PARAMETERS, ...pageParameters(PER_PAGE_DEFAULT, PER_PAGE_MAX), SORT],
      responses: { 200: { description: 'A page of pledges, with the total.', schema: PLEDGE_LIST_JSON } },
      errors: { 400: 'A filter parameter, page or per_page it cannot use: the message names it.' },
    },
    {
      method: 'get',
      path: '/api/pledges/:id',
      operationId: 'getPledge',
      tag: 'pledges',
      summary: 'One pledge with its sources, events, concessions, status steps and relations',
      parameters: [idParameter('pledge'), FILTER_PARAMETERS.find((parameter) => parameter.name === 'as_of')!],
      responses: { 200: { description: 'The pledge (as of as_of: its status then, what was dated by then).', schema: PLEDGE_DETAIL_JSON } },
      errors: { 400: 'An as_of it cannot use.', 404: 'No such pledge, or one announced after as_of.' },
    },
    {
      method: 'post',
      path: '/api/pledges',
      operationId: 'createPledge',
      tag: 'pledges',
      summary: 'Add a pledge',
      auth: true,
      body: BODY,
      responses: {
        201: {
          description: 'Added, with a revision: the new pledge.',
          schema: PLEDGE_DETAIL_JSON,
          headers: { Location: { description: '/api/pledges/ID', schema: { type: 'string' } } },
        },
      },
      errors: { ...BODY_ERRORS, ...WRITE_ERRORS, 422: REFUSED },
    },
    {
      method: 'put',
      path: '/api/pledges/:id',
      operationId: 'replacePledge',
      tag: 'pledges',
      summary: 'Replace a pledge whole',
      auth: true,
      parameters: [idParameter('pledge')],
      body: BODY,
      responses: { 200: { description: 'Replaced, with a revision: the pledge now.', schema: PLEDGE_DETAIL_JSON } },
      errors: { ...BODY_ERRORS, ...WRITE_ERRORS, 404: 'No such pledge.', 422: REFUSED },
    },
    {
      method: 'delete',
      path: '/api/pledges/:id',
      operationId: 'deletePledge',
      tag: 'pledges',
      summary: 'Delete a pledge',
      auth: true,
      parameters: [idParameter('pledge'), REASON],
      responses: { 204: { description: 'Deleted, with a revision (its relations go with it, recorded on the pledges at their other ends).' } },
      errors: { ...WRITE_ERRORS, 404: 'No such pledge.', 422: 'The reason is wrong (error.fields.reason).' },
    },
  ],
};
