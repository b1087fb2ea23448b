// What /api/changes sends (changes.routes.ts), as the API's description (/api/openapi.json) gives it.
import { z } from 'zod';
import { AS_OF_PARAMETER } from '../platform/http/as-of.ts';
import { apiId, apiTimestamp, listOf, pageParameters, type ApiDescription } from '../platform/http/openapi.ts';

export const PER_PAGE_DEFAULT = 100;
export const PER_PAGE_MAX = 1000;

export const CHANGE_JSON = z
  .strictObject({
    id: apiId.describe('Revisions are numbered in the order they were written.'),
    entity: z.enum(['pledge', 'event']),
    entity_id: apiId.describe('The pledge or event (it may since have been deleted).'),
    action: z.enum(['create', 'update', 'delete']),
    author: z.string().describe('Who, by public name: a display name, a tool\'s name or "A former editor"; never a username.'),
    at: apiTimestamp,
    reason: z.string(),
    changes: z
      .record(z.string(), z.strictObject({ from: z.unknown(), to: z.unknown() }))
      .describe('Each field changed, from what to what, as stored (amounts in whole dollars, null when not recorded).'),
    title: z.string().nullable().describe('"Pledger: project" or the event\'s title, now or as last recorded; null when neither is known.'),
    exists: z.boolean().describe('False once the pledge or event is deleted.'),
    path: z.string().nullable().describe('Its page on the site; null for a deleted event.'),
  })
  .describe('One change to the public data.');

export const CHANGE_LIST_JSON = listOf('changes', CHANGE_JSON).describe('A page of the change log, newest first.');

export const CHANGES_API: ApiDescription = {
  tag: { name: 'changes', description: 'The public change log.' },
  schemas: { Change: CHANGE_JSON, ChangeList: CHANGE_LIST_JSON },
  operations: [
    {
      method: 'get',
      path: '/api/changes',
      operationId: 'listChanges',
      tag: 'changes',
      summary: 'Every change to the public data, newest first, a page at a time',
      parameters: [AS_OF_PARAMETER, ...pageParameters(PER_PAGE_DEFAULT, PER_PAGE_MAX)],
      responses: { 200: { description: 'A page of changes, with the total (as of as_of: those written by the end of that day, UTC).', schema: CHANGE_LIST_JSON } },
      errors: { 400: 'page, per_page or as_of it cannot use: the message names it.' },
    },
  ],
};
