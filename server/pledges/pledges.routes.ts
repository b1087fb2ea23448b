// Reader pages about pledges: the table, one pledge, and the CSV export.
import { pipeline } from 'node:stream';
import { Router, type Response } from 'express';
import { closeSnapshot, openSnapshot, type Db } from '../platform/db.ts';
import { collectBeforeLongWork } from '../platform/memory.ts';
import { parseId, HttpError } from '../platform/errors.ts';
import { csvChunks, csvFilename, streamCsvLines } from './pledges.csv.ts';
import { isDatedBy, parseFilter, type PledgeFilter } from './pledges.filter.ts';
import { CSV_COLUMNS, type Facet } from './pledge.model.ts';
import { EXPORT_THREAD_ROWS, exportIsLong, exportLines, lastPledgeId } from './pledges.export.ts';
import { databaseVersion } from '../platform/meta.repository.ts';
import { partedChunks, partsFree } from './pledges.export-thread.ts';
import { findPledge, listPledges, pledgeStory, sourcesOf } from './pledges.repository.ts';
import { countPledges, parseSort } from './pledges.sql.ts';
import { revisionsOf, wasDeleted } from '../revisions/revisions.repository.ts';
import { relationsSection } from '../relations/relations.repository.ts';
import { todayOf } from '../platform/http/today.ts';
import { asOfOf } from '../platform/http/as-of.ts';
import { formatPartialDate } from '../lib/dates.ts';
import { linkCard } from '../platform/http/public-url.ts';
import { chartCard, sendCard } from '../platform/chart-image.ts';
import { pledgeAmounts, pledgeCardPath, pledgeFigures, pledgeTitle } from './pledges.card.ts';
import { addressedLanguage, languageOf } from '../platform/http/language.ts';
import { wordsOf } from './pledges.view.ts';

export const PAGE_SIZE = 50;

/** ?page=N: a whole number from 1; anything else is a 400 that says so. */
export function parsePage(value: unknown): number {
  if (value === undefined) return 1;
  const page = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : 0;
  if (page < 1) throw new HttpError(400, 'The parameter page must be a whole number from 1.');
  return page;
}

/**
 * The table's facets and its count come from the caller (the dashboard's cached reads, wired in app.ts): pledges build
 * nothing on the dashboard.
 */
export function pledgesRouter(
  db: Db,
  log: (error: unknown) => void,
  facetsOf: (filter: PledgeFilter) => Facet[],
  countOf: (filter: PledgeFilter) => number = (filter) => countPledges(db, filter),
  exportThreadRows: number | null = EXPORT_THREAD_ROWS,
): Router {
  const router = Router();

  router.get('/pledges', (req, res) => {
    const filter = parseFilter(req.query, todayOf(res));
    const sort = parseSort(req.query.sort);
    const page = parsePage(req.query.page);
    const total = countOf(filter);
    res.render('pledges/index', {
      title: 'Pledges',
      filter,
      facets: facetsOf(filter),
      pledges: listPledges(db, { filter, sort, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, matches: total }),
      total,
      page,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      sort,
      sortable: true,
      basePath: '/pledges',
    });
  });

  router.get('/pledges.csv', (req, res) => {
    const filter = parseFilter(req.query, todayOf(res));
    res.type('text/csv; charset=utf-8');
    res.attachment(csvFilename());
    // A snapshot of its own: the export is consistent and never holds the shared connection between chunks.
    const snapshot = openSnapshot(db);
    const done = (error?: Error | null) => {
      closeSnapshot(snapshot);
      // A client that went away is not a server error. Anything else has already cut the response short.
      if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') log(error);
    };
    try {
      // An export first lets go of what the views hold (the waterfall helper, the searches' matches), and a long one
      // collects (27-51 ms at a million pledges), so that its memory does not come on top of theirs. A search of at
      // most LONG_EXPORT_ROWS matches is not long: its rows are known before the first byte, and it lasts well under
      // a second.
      const long = exportIsLong(snapshot, filter);
      collectBeforeLongWork(long);
      const lastId = lastPledgeId(snapshot);
      if (!long || exportThreadRows === null || lastId < exportThreadRows || !partsFree()) {
        streamCsvLines(exportLines(snapshot, filter), res, done, CSV_COLUMNS);
        return;
      }
      // A long export over a large table is made in parts side by side, here and on threads of their own at this
      // snapshot's data version (one export at a time: partsFree); whole here when they cannot be (a write in
      // between, a thread that fails to start).
      const chunks = partedChunks({
        file: db.name,
        filter,
        version: databaseVersion(snapshot),
        lastId,
        lines: (part) => exportLines(snapshot, filter, part),
        whole: () => csvChunks(exportLines(snapshot, filter), CSV_COLUMNS),
        onWhole: (reason) => log(new Error("The CSV export is made whole on the server's thread: its parts could not be made side by side", { cause: reason })),
      });
      pipeline(chunks, res, done);
    } catch (error) {
      // Nothing is sent yet: the error page says what failed, and the snapshot does not stay open, holding the WAL.
      closeSnapshot(snapshot);
      throw error;
    }
  });

  /** The pledge as the request's date sees it; a 404 that says why when it had not been announced by an as-of date. */
  const pledgeOf = (id: number, res: Response) => {
    const asOf = asOfOf(res);
    const pledge = findPledge(db, id, asOf ?? todayOf(res), asOf !== null);
    if (pledge && asOf !== null && !isDatedBy(pledge.announced_on, asOf)) {
      throw new HttpError(404, `Pledge ${id} was announced ${formatPartialDate(pledge.announced_on)}, after ${formatPartialDate(asOf)}: as of that date the tracker has no such pledge.`);
    }
    return pledge;
  };

  router.get('/pledges/:id', (req, res) => {
    const id = parseId(req.params.id, 'pledge');
    const asOf = asOfOf(res);
    const pledge = pledgeOf(id, res);
    if (!pledge) {
      if (!wasDeleted(db, 'pledge', id)) throw new HttpError(404, `There is no pledge with id ${id}.`);
      // Editors may read what a deleted pledge was; readers learn only that it is gone.
      if (!req.editor) throw new HttpError(410, `Pledge ${id} was deleted.`);
      res.status(410).render('pledges/deleted', { title: `Deleted pledge ${id}`, id, revisions: revisionsOf(db, 'pledge', id) });
      return;
    }
    // The link card in the page's language: its words, and its image's (whose address names the language).
    const language = languageOf(res);
    const figures = pledgeFigures(pledge, wordsOf(language));
    res.render('pledges/show', {
      title: `${pledge.pledger}: ${pledge.project}`,
      card: linkCard(res, {
        title: pledgeTitle(pledge),
        description: figures,
        path: `/pledges/${id}${asOf === null ? '' : `?as_of=${asOf}`}`,
        imagePath: pledgeCardPath(id, asOf, language),
        imageAlt: `${pledgeTitle(pledge)}: ${figures}`,
      }),
      pledge,
      sources: sourcesOf(db, id),
      ...pledgeStory(db, pledge, asOf),
      revisions: revisionsOf(db, 'pledge', id),
      relations: relationsSection(db, id, Boolean(req.editor), asOf),
    });
  });

  // A shared link's card image: the pledge's bar, its US part and the rest, under its figures. A deleted pledge has none.
  router.get('/cards/pledges/:id.png', async (req, res) => {
    const id = parseId(req.params.id, 'pledge');
    const pledge = pledgeOf(id, res);
    if (!pledge) throw new HttpError(404, `There is no pledge with id ${id}.`);
    // In the language its address names (?lang), else English: a robot fetching it sends none worth following.
    const language = addressedLanguage(req);
    const words = wordsOf(language);
    sendCard(res, await chartCard('amounts', pledgeAmounts(pledge, words), { title: pledgeTitle(pledge), figures: pledgeFigures(pledge, words) }, language));
  });

  return router;
}
