// The public change log: /changes (a page at a time), /changes.atom and each pledge's own feed, /api/changes.
import { Router, type Request, type Response } from 'express';
import type { Db } from '../platform/db.ts';
import { asOfOf } from '../platform/http/as-of.ts';
import { dateAfter } from '../lib/dates.ts';
import { HttpError, parseId } from '../platform/errors.ts';
import { atomFeed } from './changes.atom.ts';
import { PER_PAGE_DEFAULT, PER_PAGE_MAX } from './changes.api.schema.ts';
import { changesOf, changesPage, countChanges, entityTitle, type Change } from './changes.repository.ts';
import { changeTime, showChange } from './changes.view.ts';
import { languageOf } from '../platform/http/language.ts';
import { wordsOf } from '../pledges/pledges.view.ts';

/** Entries a page, as the pledge table has rows. */
export const PAGE_SIZE = 50;
/** Entries in a feed: the newest. */
export const FEED_SIZE = 50;

/** ?page=N (or ?per_page=N): a whole number from 1 to max; anything else is a 400 that says so. */
function wholeNumber(value: unknown, name: string, fallback: number, max = 1e9): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : 0;
  if (number < 1 || number > max) throw new HttpError(400, `The parameter ${name} must be a whole number from 1${max < 1e9 ? ` to ${max}` : ''}.`);
  return number;
}

/**
 * Where the request was sent, as an absolute URL's start: Express's protocol and host, which follow
 * X-Forwarded-Proto and X-Forwarded-Host only from a proxy that TRUST_PROXY trusts.
 */
function baseUrl(req: Request): string {
  try {
    const url = new URL(`${req.protocol}://${req.host}`);
    return url.origin;
  } catch {
    throw new HttpError(400, 'The request names no host that links can be made from (its Host header).');
  }
}

function sendAtom(res: Response, xml: string): void {
  // Express gives it a weak ETag from the bytes and answers a matching If-None-Match with 304, as for the pages.
  res.type('application/atom+xml; charset=utf-8').send(xml);
}

/** A change as /api/changes gives it: the values as stored (amounts in whole dollars), with its page's path. */
function changeJson(change: Change) {
  const shown = showChange(change);
  return { ...change, path: shown.path };
}

/** As of a date: the changes written before the next day (in UTC, as their times are). */
function beforeOf(res: Response): string | null {
  const asOf = asOfOf(res);
  return asOf === null ? null : dateAfter(asOf);
}

/**
 * countOf: the log's length before a date (null: all of it); app.ts passes one kept until the next write, which a
 * count over every revision's index entry would otherwise pay on each uncached page.
 */
export function changesRouter(db: Db, countOf: (before: string | null) => number = (before) => countChanges(db, before)): Router {
  const router = Router();

  router.get('/changes', (req, res) => {
    const page = wholeNumber(req.query.page, 'page', 1);
    const before = beforeOf(res);
    const total = countOf(before);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    if (page > pages) throw new HttpError(404, `The change log has ${pages} ${pages === 1 ? 'page' : 'pages'}: there is no page ${page}.`);
    res.render('changes/index', {
      title: page === 1 ? 'Change log' : `Change log, page ${page}`,
      nav: 'changes',
      changes: changesPage(db, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, before }).map((change) => showChange(change, wordsOf(languageOf(res)))),
      changeTime,
      total,
      page,
      pages,
    });
  });

  router.get('/changes.atom', (req, res) => {
    const changes = changesPage(db, { limit: FEED_SIZE, offset: 0, before: beforeOf(res) }).map((change) => showChange(change));
    sendAtom(res, atomFeed({ base: baseUrl(req), selfPath: '/changes.atom', pagePath: '/changes', title: 'Pledge Tracker: every change', changes }));
  });

  router.get('/pledges/:id/changes.atom', (req, res) => {
    const id = parseId(req.params.id, 'pledge');
    const title = entityTitle(db, 'pledge', id);
    if (title === undefined) throw new HttpError(404, `There is no pledge with id ${id}.`);
    const changes = changesOf(db, 'pledge', id, FEED_SIZE).map((change) => showChange(change));
    sendAtom(res, atomFeed({
      base: baseUrl(req),
      selfPath: `/pledges/${id}/changes.atom`,
      pagePath: `/pledges/${id}`,
      title: `Pledge Tracker: changes to pledge ${id}${title ? ` (${title})` : ''}`,
      changes,
    }));
  });

  router.get('/api/changes', (req, res) => {
    const page = wholeNumber(req.query.page, 'page', 1);
    const perPage = wholeNumber(req.query.per_page, 'per_page', PER_PAGE_DEFAULT, PER_PAGE_MAX);
    const before = beforeOf(res);
    const changes = changesPage(db, { limit: perPage, offset: (page - 1) * perPage, before });
    res.json({ total: countOf(before), page, per_page: perPage, changes: changes.map(changeJson) });
  });

  return router;
}
