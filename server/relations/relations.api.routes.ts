// The JSON API of relations: the export's rows (with the pledges' filter), one relation, and token-authorised
// writes that mirror the pledges' (POST, PUT replaces, DELETE ?reason=), each with revisions on both pledges. What it
// sends and reads, as the API's description gives it: relations.api.schema.ts.
import { Router, type Request } from 'express';
import { requireToken, writeLimiter } from '../auth/auth.ts';
import type { Db } from '../platform/db.ts';
import { HttpError, parseId } from '../platform/errors.ts';
import { readReason, type FieldErrors } from '../lib/validation.ts';
import { parseFilter } from '../pledges/pledges.filter.ts';
import type { Relation } from './relation.model.ts';
import { countRelations, createRelation, deleteRelation, findRelation, listRelations, relationFacts, updateRelation } from './relations.repository.ts';
import { readRelationJson, validateRelation, type RelationChange } from './relations.validation.ts';
import { todayOf } from '../platform/http/today.ts';
import { PER_PAGE_DEFAULT, PER_PAGE_MAX } from './relations.api.schema.ts';

/** A 422 whose body names each wrong field. */
class ValidationFailed extends HttpError {
  constructor(readonly fields: FieldErrors) {
    super(422, 'The relation was not saved: fix the fields listed in "fields".');
  }
}


function positiveInt(value: unknown, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(number >= 1 && number <= max)) throw new HttpError(400, `${name} must be a whole number from 1 to ${max}.`);
  return number;
}

export function relationsApiRouter(db: Db): Router {
  const router = Router();
  const authorised = [requireToken(db), writeLimiter];

  function existing(id: unknown): Relation {
    const relationId = parseId(id, 'relation');
    const relation = findRelation(db, relationId);
    if (!relation) throw new HttpError(404, `There is no relation with id ${relationId}.`);
    return relation;
  }

  function validBody(req: Request, exceptId: number | null): RelationChange {
    if (!req.is('application/json')) throw new HttpError(415, 'Send the relation as JSON, with Content-Type: application/json.');
    const { values, errors } = readRelationJson(req.body);
    const result = validateRelation(values, relationFacts(db, exceptId), errors);
    if (!result.ok) throw new ValidationFailed(result.errors);
    return result.value;
  }

  router.get('/api/relations', (req, res) => {
    const page = positiveInt(req.query.page, 'page', 1);
    const perPage = positiveInt(req.query.per_page, 'per_page', PER_PAGE_DEFAULT, PER_PAGE_MAX);
    const filter = parseFilter(req.query, todayOf(res));
    const relations = listRelations(db, { filter, limit: perPage, offset: (page - 1) * perPage });
    res.json({ total: countRelations(db, filter), page, per_page: perPage, relations });
  });

  router.get('/api/relations/:id', (req, res) => {
    res.json(existing(req.params.id));
  });

  router.post('/api/relations', ...authorised, (req, res) => {
    const id = createRelation(db, validBody(req, null), req.editor!);
    res.status(201).location(`/api/relations/${id}`).json(findRelation(db, id));
  });

  router.put('/api/relations/:id', ...authorised, (req, res) => {
    const relation = existing(req.params.id);
    updateRelation(db, relation.id, validBody(req, relation.id), req.editor!);
    res.json(findRelation(db, relation.id));
  });

  router.delete('/api/relations/:id', ...authorised, (req, res) => {
    const relation = existing(req.params.id);
    const reason = readReason(req.query.reason);
    if (!reason.ok) throw new ValidationFailed(reason.errors);
    deleteRelation(db, relation.id, req.editor!, reason.reason);
    res.status(204).end();
  });

  return router;
}
