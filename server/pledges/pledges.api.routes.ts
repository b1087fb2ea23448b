// The JSON API: the same rows and aggregates as the pages, with the CSV's column names. What it sends and reads,
// as the API's description gives it: pledges.api.schema.ts.
import { Router, type Request } from 'express';
import { requireToken, writeLimiter } from '../auth/auth.ts';
import type { Db } from '../platform/db.ts';
import { HttpError, parseId } from '../platform/errors.ts';
import { countPledges } from './pledges.sql.ts';
import { createPledge, deletePledge, eventOptions, findPledge, listPledges, pledgeStory, sourcesOf, updatePledge } from './pledges.repository.ts';
import { parseSort } from './pledges.sql.ts';
import { type PledgeListRow, type Status } from './pledge.model.ts';
import { isDatedBy, parseFilter, type PledgeFilter } from './pledges.filter.ts';
import { readPledgeJson, validatePledge, type PledgeChange } from './pledges.validation.ts';
import { readReason, type FieldErrors } from '../lib/validation.ts';
import { relationsOf } from '../relations/relations.repository.ts';
import { todayOf } from '../platform/http/today.ts';
import { asOfOf } from '../platform/http/as-of.ts';
import type { z } from 'zod';
import { PER_PAGE_DEFAULT, PER_PAGE_MAX, type PLEDGE_DETAIL_JSON, type PLEDGE_JSON } from './pledges.api.schema.ts';

/** A 422 whose body names each wrong field. */
class ValidationFailed extends HttpError {
  constructor(readonly fields: FieldErrors) {
    super(422, 'The pledge was not saved: fix the fields listed in "fields".');
  }
}


/** The row as JSON: lists are arrays here, where the CSV has space-separated text. */
function toJson(row: PledgeListRow): z.infer<typeof PLEDGE_JSON> {
  return {
    ...row,
    source_urls: row.source_urls ? row.source_urls.split(' ') : [],
    event_ids: row.event_ids ? row.event_ids.split(' ').map(Number) : [],
  };
}

function positiveInt(value: unknown, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(number >= 1 && number <= max)) throw new HttpError(400, `${name} must be a whole number from 1 to ${max}.`);
  return number;
}

/** countOf: how many pledges a filter matches; app.ts passes the dashboard's cached count, as the table has it. */
export function apiRouter(db: Db, countOf: (filter: PledgeFilter) => number = (filter) => countPledges(db, filter)): Router {
  const router = Router();
  const authorised = [requireToken(db), writeLimiter];

  function validBody(req: Request, previousStatus: Status): PledgeChange {
    if (!req.is('application/json')) throw new HttpError(415, 'Send the pledge as JSON, with Content-Type: application/json.');
    const { values, errors } = readPledgeJson(req.body);
    const knownEventIds = new Set(eventOptions(db).map((event) => event.id));
    const result = validatePledge(values, { previousStatus, knownEventIds }, errors);
    if (!result.ok) throw new ValidationFailed(result.errors);
    return result.value;
  }

  /** A pledge whole, on today's date or (asOf) as of a date: its status then, what was dated by then. */
  function pledgeJson(id: number, today: string, asOf: string | null = null): z.infer<typeof PLEDGE_DETAIL_JSON> {
    const pledge = findPledge(db, id, asOf ?? today, asOf !== null)!;
    if (asOf !== null && !isDatedBy(pledge.announced_on, asOf)) {
      throw new HttpError(404, `Pledge ${id} was announced ${pledge.announced_on}, after ${asOf}: as of that date the tracker has no such pledge.`);
    }
    const story = pledgeStory(db, pledge, asOf);
    return {
      ...toJson(pledge),
      sources: sourcesOf(db, id),
      events: story.events,
      concessions: story.concessions,
      status_steps: story.statusSteps,
      relations: relationsOf(db, id, asOf),
    };
  }

  function existing(id: unknown): PledgeListRow {
    const pledgeId = parseId(id, 'pledge');
    const pledge = findPledge(db, pledgeId);
    if (!pledge) throw new HttpError(404, `There is no pledge with id ${pledgeId}.`);
    return pledge;
  }

  router.get('/api/pledges', (req, res) => {
    const page = positiveInt(req.query.page, 'page', 1);
    const perPage = positiveInt(req.query.per_page, 'per_page', PER_PAGE_DEFAULT, PER_PAGE_MAX);
    const filter = parseFilter(req.query, todayOf(res));
    const total = countOf(filter);
    const rows = listPledges(db, { filter, sort: parseSort(req.query.sort), limit: perPage, offset: (page - 1) * perPage, matches: total });
    res.json({ total, page, per_page: perPage, pledges: rows.map(toJson) });
  });

  router.get('/api/pledges/:id', (req, res) => {
    res.json(pledgeJson(existing(req.params.id).id, todayOf(res), asOfOf(res)));
  });

  router.post('/api/pledges', ...authorised, (req, res) => {
    const id = createPledge(db, validBody(req, 'announced'), req.editor!);
    res.status(201).location(`/api/pledges/${id}`).json(pledgeJson(id, todayOf(res)));
  });

  router.put('/api/pledges/:id', ...authorised, (req, res) => {
    const pledge = existing(req.params.id);
    updatePledge(db, pledge.id, validBody(req, pledge.status), req.editor!);
    res.json(pledgeJson(pledge.id, todayOf(res)));
  });

  router.delete('/api/pledges/:id', ...authorised, (req, res) => {
    const pledge = existing(req.params.id);
    const reason = readReason(req.query.reason);
    if (!reason.ok) throw new ValidationFailed(reason.errors);
    deletePledge(db, pledge.id, req.editor!, reason.reason);
    res.status(204).end();
  });

  return router;
}
