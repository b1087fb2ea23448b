// What pledgers got: /concessions (the table), /concessions.csv and /api/concessions, with the pledges' filter and type=.
import { Router, type Request } from 'express';
import { closeSnapshot, openSnapshot, type Db } from '../platform/db.ts';
import { HttpError } from '../platform/errors.ts';
import { todayOf } from '../platform/http/today.ts';
import { csvFilename, streamCsv } from '../pledges/pledges.csv.ts';
import { FilterError, parseFilter, queryString } from '../pledges/pledges.filter.ts';
import { CONCESSION_CSV_COLUMNS, CONCESSION_TYPES, type ConcessionType } from './event.model.ts';
import { PER_PAGE_DEFAULT, PER_PAGE_MAX } from './concessions.api.schema.ts';
import { countConcessions, iterateConcessionsExport, listConcessions, type ConcessionFilter } from './concessions.repository.ts';

const PAGE_SIZE = 50;

/** The pledges' filter and type= (any of the concession types): a wrong value is a 400 that names it. */
export function parseConcessionFilter(query: Request['query'], on: string): ConcessionFilter {
  const pledges = parseFilter(query, on);
  const raw = query.type === undefined ? [] : Array.isArray(query.type) ? query.type : [query.type];
  if (!raw.every((value) => typeof value === 'string')) throw new FilterError('type', 'give it as plain text.');
  const types = [...new Set((raw as string[]).map((value) => value.trim()).filter((value) => value !== ''))];
  for (const type of types) {
    if (!(CONCESSION_TYPES as readonly string[]).includes(type)) {
      throw new FilterError('type', `unknown type "${type}": use ${CONCESSION_TYPES.join(', ')}.`);
    }
  }
  return { pledges, types: types as ConcessionType[] };
}

/** The query string of a filter, type= included: for links that keep it. */
export function concessionQuery(filter: ConcessionFilter, extra: Record<string, string | number> = {}): string {
  const pledges = queryString(filter.pledges, extra);
  const types = filter.types.map((type) => `type=${encodeURIComponent(type)}`).join('&');
  if (types === '') return pledges;
  return pledges === '' ? `?${types}` : `${pledges}&${types}`;
}

function wholeNumber(value: unknown, name: string, fallback: number, max = 1_000_000_000): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(number >= 1 && number <= max)) throw new HttpError(400, `The parameter ${name} must be a whole number from 1 to ${max}.`);
  return number;
}

export function concessionsRouter(db: Db, log: (error: unknown) => void): Router {
  const router = Router();

  router.get('/concessions', (req, res) => {
    const filter = parseConcessionFilter(req.query, todayOf(res));
    const page = wholeNumber(req.query.page, 'page', 1);
    const total = countConcessions(db, filter);
    res.render('events/concessions', {
      title: 'What the pledgers got',
      filter: filter.pledges,
      types: filter.types,
      query: concessionQuery(filter),
      pageLink: (n: number) => `/concessions${concessionQuery(filter, { page: n })}`,
      rows: listConcessions(db, { filter, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
      total,
      page,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      basePath: '/concessions',
    });
  });

  router.get('/concessions.csv', (req, res) => {
    const filter = parseConcessionFilter(req.query, todayOf(res));
    res.type('text/csv; charset=utf-8');
    res.attachment(csvFilename(new Date(), 'concessions'));
    // A snapshot of its own, as the pledges' export: consistent, and the shared connection is never held between chunks.
    const snapshot = openSnapshot(db);
    streamCsv(
      iterateConcessionsExport(snapshot, filter),
      res,
      (error) => {
        closeSnapshot(snapshot);
        if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') log(error);
      },
      CONCESSION_CSV_COLUMNS,
    );
  });

  router.get('/api/concessions', (req, res) => {
    const filter = parseConcessionFilter(req.query, todayOf(res));
    const page = wholeNumber(req.query.page, 'page', 1);
    const perPage = wholeNumber(req.query.per_page, 'per_page', PER_PAGE_DEFAULT, PER_PAGE_MAX);
    const rows = listConcessions(db, { filter, limit: perPage, offset: (page - 1) * perPage });
    res.json({
      total: countConcessions(db, filter),
      page,
      per_page: perPage,
      concessions: rows.map((row) => ({ ...row, source_urls: row.source_urls ? row.source_urls.split(' ') : [] })),
    });
  });

  return router;
}
