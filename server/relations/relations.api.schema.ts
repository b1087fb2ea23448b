// What relations.api.routes.ts sends and reads, and its routes as the API's description (/api/openapi.json) gives
// them. A relation's JSON is the model's (RELATION_JSON, the export's columns); the body is RelationSchema's fields.
import { BODY_ERRORS, idParameter, listOf, pageParameters, WRITE_ERRORS, type ApiDescription } from '../platform/http/openapi.ts';
import { FILTER_PARAMETERS } from '../pledges/pledges.filter.ts';
import { RELATION_JSON } from './relation.model.ts';
import { RELATION_JSON_BODY } from './relations.validation.ts';

export const PER_PAGE_DEFAULT = 100;
export const PER_PAGE_MAX = 1000;

export const RELATION_LIST_JSON = listOf('relations', RELATION_JSON).describe(
  'A page of relations: each whose pledge_id or other_id is among the filtered pledges.',
);

const BODY = {
  description: 'The relation\'s fields, as the relations CSV\'s ("pledge_id kind other_id"); PUT replaces the whole relation.',
  schema: RELATION_JSON_BODY,
  example: { pledge_id: 54, kind: 'contains', other_id: 17, amount: '50B', note: 'Per Reuters', reason: 'new filing' },
};
const REFUSED =
  'A field is wrong (error.fields names each): a pledge that does not exist, a pledge related to itself, a relation recorded already, a circle of supersedes or contains, an amount larger than allowed, or other_id empty for any kind but repeats.';

export const RELATIONS_API: ApiDescription = {
  tag: { name: 'relations', description: 'Relations between pledges (supersedes, contains, overlaps, repeats); each write records a revision on both pledges.' },
  schemas: { Relation: RELATION_JSON, RelationList: RELATION_LIST_JSON, RelationBody: RELATION_JSON_BODY },
  operations: [
    {
      method: 'get',
      path: '/api/relations',
      operationId: 'listRelations',
      tag: 'relations',
      summary: "The relations of the pledges the filter matches (either end), a page at a time",
      parameters: [...FILTER_PARAMETERS, ...pageParameters(PER_PAGE_DEFAULT, PER_PAGE_MAX)],
      responses: { 200: { description: 'A page of relations, oldest first, with the total.', schema: RELATION_LIST_JSON } },
      errors: { 400: 'A filter parameter, page or per_page it cannot use: the message names it.' },
    },
    {
      method: 'get',
      path: '/api/relations/:id',
      operationId: 'getRelation',
      tag: 'relations',
      summary: 'One relation',
      parameters: [idParameter('relation')],
      responses: { 200: { description: 'The relation.', schema: RELATION_JSON } },
      errors: { 404: 'No such relation.' },
    },
    {
      method: 'post',
      path: '/api/relations',
      operationId: 'createRelation',
      tag: 'relations',
      summary: 'Add a relation',
      auth: true,
      body: BODY,
      responses: {
        201: {
          description: 'Added, with a revision on both pledges.',
          schema: RELATION_JSON,
          headers: { Location: { description: '/api/relations/ID', schema: { type: 'string' } } },
        },
      },
      errors: { ...BODY_ERRORS, ...WRITE_ERRORS, 422: REFUSED },
    },
    {
      method: 'put',
      path: '/api/relations/:id',
      operationId: 'replaceRelation',
      tag: 'relations',
      summary: 'Replace a relation whole',
      auth: true,
      parameters: [idParameter('relation')],
      body: BODY,
      responses: { 200: { description: 'Replaced, with a revision on both pledges.', schema: RELATION_JSON } },
      errors: { ...BODY_ERRORS, ...WRITE_ERRORS, 404: 'No such relation.', 422: REFUSED },
    },
    {
      method: 'delete',
      path: '/api/relations/:id',
      operationId: 'deleteRelation',
      tag: 'relations',
      summary: 'Remove a relation',
      auth: true,
      parameters: [
        idParameter('relation'),
        { name: 'reason', in: 'query', description: 'Why, for the change log (at most 500 characters).', schema: { type: 'string', maxLength: 500 } },
      ],
      responses: { 204: { description: 'Removed, with a revision on both pledges.' } },
      errors: { ...WRITE_ERRORS, 404: 'No such relation.', 422: 'The reason is wrong (error.fields.reason).' },
    },
  ],
};
