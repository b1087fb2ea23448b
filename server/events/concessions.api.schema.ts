// What /api/concessions sends (concessions.routes.ts), as the API's description (/api/openapi.json) gives it: the
// concessions CSV's rows (CONCESSION_CSV_COLUMNS: a column without a schema here is a type error), sources as a list.
import { z } from 'zod';
import { apiId, apiPartialDate, apiUrl, apiUsd, listOf, pageParameters, type ApiDescription, type ApiParameter } from '../platform/http/openapi.ts';
import { FILTER_PARAMETERS } from '../pledges/pledges.filter.ts';
import { CONCESSION_CSV_COLUMNS, CONCESSION_TYPES } from './event.model.ts';

export const PER_PAGE_DEFAULT = 100;
export const PER_PAGE_MAX = 1000;

export const CONCESSION_ROW_JSON = z
  .strictObject({
    pledge_id: apiId.describe('The pledge the concession answered.'),
    pledger: z.string(),
    project: z.string(),
    amount_usd: apiUsd.nullable().describe("The pledge's amount; null when undisclosed."),
    announced_on: apiPartialDate,
    concession_id: apiId.describe('The concession: an event of the kind concession.'),
    concession: z.string().describe("The concession's title."),
    concession_type: z.enum(CONCESSION_TYPES),
    occurred_on: apiPartialDate,
    days_between: z.number().int().nullable().describe('Days from the pledge to the concession, negative when it came first; null unless both dates have a day.'),
    source_urls: z.array(apiUrl).describe("The concession's sources, in order."),
    note: z.string(),
  } satisfies Record<(typeof CONCESSION_CSV_COLUMNS)[number], z.ZodType>)
  .describe('One concession beside one pledge it answered.');

export const CONCESSION_LIST_JSON = listOf('concessions', CONCESSION_ROW_JSON).describe('A page of concessions, oldest first.');

const TYPE: ApiParameter = {
  name: 'type',
  in: 'query',
  description: 'What the pledger got. Repeat the parameter for "any of".',
  schema: { type: 'array', items: { type: 'string', enum: [...CONCESSION_TYPES] } },
};

export const CONCESSIONS_API: ApiDescription = {
  tag: { name: 'concessions', description: 'What the pledgers got: each concession beside each pledge it answered.' },
  schemas: { ConcessionRow: CONCESSION_ROW_JSON, ConcessionList: CONCESSION_LIST_JSON },
  operations: [
    {
      method: 'get',
      path: '/api/concessions',
      operationId: 'listConcessions',
      tag: 'concessions',
      summary: "The concessions of the pledges the filter matches, a page at a time",
      parameters: [...FILTER_PARAMETERS, TYPE, ...pageParameters(PER_PAGE_DEFAULT, PER_PAGE_MAX)],
      responses: { 200: { description: 'A page of rows, with the total.', schema: CONCESSION_LIST_JSON } },
      errors: { 400: 'A filter parameter, type, page or per_page it cannot use: the message names it.' },
    },
  ],
};
