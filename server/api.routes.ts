// The JSON API: the same rows and aggregates as the pages, with the CSV's column names.
import { Router } from 'express';
import type { Db } from './db.ts';
import { HttpError, parseId } from './errors.ts';
import { eventsOfPledge } from './events.repository.ts';
import {
  countPledges,
  findPledge,
  listPledges,
  parseSort,
  sourcesOf,
  summarize,
  type PledgeListRow,
} from './pledges.repository.ts';

const PER_PAGE_DEFAULT = 100;
const PER_PAGE_MAX = 1000;

/** The row as JSON: lists are arrays here, where the CSV has space-separated text. */
function toJson(row: PledgeListRow) {
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

export function apiRouter(db: Db): Router {
  const router = Router();

  router.get('/api/pledges', (req, res) => {
    const page = positiveInt(req.query.page, 'page', 1);
    const perPage = positiveInt(req.query.per_page, 'per_page', PER_PAGE_DEFAULT, PER_PAGE_MAX);
    const rows = listPledges(db, parseSort(req.query.sort), perPage, (page - 1) * perPage);
    res.json({ total: countPledges(db), page, per_page: perPage, pledges: rows.map(toJson) });
  });

  router.get('/api/pledges/:id', (req, res) => {
    const id = parseId(req.params.id, 'pledge');
    const pledge = findPledge(db, id);
    if (!pledge) throw new HttpError(404, `There is no pledge with id ${id}.`);
    res.json({ ...toJson(pledge), sources: sourcesOf(db, id), events: eventsOfPledge(db, id) });
  });

  router.get('/api/summary', (_req, res) => {
    res.json(summarize(db));
  });

  return router;
}
