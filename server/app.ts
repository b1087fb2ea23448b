// createApp wires middleware, routers, the 404 and the error handler; it never listens.
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from './platform/paths.ts';
import { compressAnswers } from './platform/http/compression.ts';
import ejs from 'ejs';
import express, { type Express } from 'express';
import { apiRouter } from './pledges/pledges.api.routes.ts';
import { exposeCsrfToken, loadEditor, sameOrigin, sessionSecret, sessions, SESSION_COOKIE } from './auth/auth.ts';
import { authRouter } from './auth/auth.routes.ts';
import type { Config } from './platform/config.ts';
import type { Db } from './platform/db.ts';
import { errorHandler, notFound } from './platform/errors.ts';
import { eventsEditRouter } from './events/events.edit.routes.ts';
import { eventsRouter } from './events/events.routes.ts';
import { concessionsRouter } from './events/concessions.routes.ts';
import { importRouter } from './import/import.routes.ts';
import { ping } from './platform/meta.repository.ts';
import { pledgesEditRouter } from './pledges/pledges.edit.routes.ts';
import { pledgesRouter } from './pledges/pledges.routes.ts';
import { relationsApiRouter } from './relations/relations.api.routes.ts';
import { relationsEditRouter } from './relations/relations.edit.routes.ts';
import { relationsRouter } from './relations/relations.routes.ts';
import { dashboardRouter } from './dashboard/dashboard.routes.ts';
import { embedRouter } from './dashboard/dashboard.embed.routes.ts';
import { chartCardsRouter } from './dashboard/dashboard.cards.routes.ts';
import { pagesRouter } from './pages/pages.routes.ts';
import { changesRouter } from './changes/changes.routes.ts';
import { changeWordsOf } from './changes/changes.view.ts';
import { countChanges } from './changes/changes.repository.ts';
import { dataPackageRouter } from './datapackage/datapackage.routes.ts';
import { openApiRouter } from './platform/http/openapi.ts';
import { PLEDGES_API } from './pledges/pledges.api.schema.ts';
import { RELATIONS_API } from './relations/relations.api.schema.ts';
import { CONCESSIONS_API } from './events/concessions.api.schema.ts';
import { SUMMARY_API } from './dashboard/dashboard.api.schema.ts';
import { CHANGES_API } from './changes/changes.api.schema.ts';
import { createAssets } from './platform/http/assets.ts';
import { cacheControl } from './platform/http/cache-control.ts';
import { cachedCount, cachedFacets, cachedSummary, cachedWaterfall, ReadCache, stepListsToHand } from './dashboard/dashboard.reads.ts';
import { EMPTY_FILTER } from './pledges/pledges.filter.ts';
import { codesOf, groupOrder, packStaleFacts } from './dashboard/dashboard.packing.ts';
import { warmPackedPass } from './dashboard/dashboard.packed-warm.ts';
import { findDeepPageMarks } from './pledges/pledges.deep-pages.ts';
import { stepLedgerMatches } from './pledges/pledges.sql.ts';
import { WATERFALL_STEPS } from './pledges/pledge.model.ts';
import { pageCache, ResponseCache } from './platform/http/response-cache.ts';
import { collectAfterLargeAnswers } from './platform/memory.ts';
import { compileViews, viewOptions } from './platform/http/views.ts';
import { createLogger, requestLogger, type Logger } from './platform/log.ts';
import { stampToday, type Clock } from './platform/http/today.ts';
import { stampAsOf } from './platform/http/as-of.ts';
import { stampOrigin } from './platform/http/public-url.ts';
import { asOfWithData } from './pledges/pledges.as-of.ts';
import { utcToday } from './lib/dates.ts';
import { securityHeaders, strictTransportSecurity } from './platform/http/headers.ts';
import { isSharedPage } from './platform/http/shared-pages.ts';
import { inOrder } from './platform/http/in-order.ts';
import { viewHelpers, wordsOf } from './pledges/pledges.view.ts';
import { languageRouter, stampLanguage } from './platform/http/language.ts';
import { relationViewHelpers, relationWordsOf } from './relations/relations.view.ts';

const require = createRequire(import.meta.url);
// Chart.js is served from node_modules: the app works offline, no CDN.
const VENDOR_FILES: Record<string, string> = {
  'chart.umd.min.js': path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
};

export interface AppOptions {
  db: Db;
  config: Pick<Config, 'env' | 'sessionSecret' | 'trustProxy'> & Partial<Pick<Config, 'writesPerMinute' | 'importMaxBytes' | 'publicUrl' | 'cacheMaxAge' | 'cacheStaleSeconds'>>;
  logger?: Logger;
  /** Today's date (YYYY-MM-DD, UTC), which overdue is computed against; a test may set the day. */
  today?: Clock;
  /** The aggregates' cache; the server passes one it has already warmed. */
  cache?: ReadCache;
  /**
   * The table's size from which a long CSV export is made on a thread of its own (EXPORT_THREAD_ROWS); null: never.
   * A test sets 0 to send its small exports there.
   */
  exportThreadRows?: number | null;
}

/** The change log's length, kept with the dashboard's reads until the next write; as of a date, counted each time. */
function keptChangeCount(cache: ReadCache, db: Db): (before: string | null) => number {
  return (before) => (before === null ? cache.get('changes:count', () => countChanges(db)) : countChanges(db, before));
}

/**
 * The pages served once before the server listens (renderWarmUpPages in server.ts): the front page, and a filtered
 * view whose filter takes each of a filter's paths (a facet, a year, an amount). The first reader after a start no
 * longer waits for the templates, the page's code and the first compression to run for the first time, nor for a
 * filtered view's code and tables to be read for the first time: at a million pledges, the first filtered dashboard
 * after a start took 100-200 ms longer than the next, and still about 120 ms longer with the front page alone
 * rendered before.
 */
export const WARM_UP_PAGES = ['/', '/?status=stalled&from=2021&min=100000000'];

/**
 * What the server reads before its first reader asks (seconds at a million pledges): the unfiltered dashboard's
 * aggregates, which also give the table its count, the change log's length, and where the table's deep pages start.
 */
export function warmReads(cache: ReadCache, db: Db, today: string): void {
  const unfiltered = { ...EMPTY_FILTER, on: today };
  cachedSummary(cache, db, unfiltered);
  cachedFacets(cache, db, unfiltered);
  cachedWaterfall(cache, db, unfiltered);
  keptChangeCount(cache, db)(null);
  findDeepPageMarks(db);
  // The blocks a bulk load or another process's writes left stale: seconds after a million-row load, not in a search.
  packStaleFacts(db);
  // The packed facts' codes, read and put in GROUP BY's order once (about 110 ms at a million pledges), not by the
  // first view that adds them up.
  groupOrder(codesOf(db));
  warmPackedPass(db, today);
  // The pledges each step of the front page's waterfall lists, which its bars link to: the ledger of every related
  // pledge (about 200 ms at a million), not run again by the first reader who follows one. And the same among the
  // overdue pledges, which a step's dashboard counts its overdue total from (the ledger of the overdue pledges'
  // related pledges: 30-60 ms of the first step view at a million, paid here instead; again on the next day's first).
  stepLedgerMatches(db, { ...unfiltered, step: WATERFALL_STEPS[0] });
  stepLedgerMatches(db, { ...unfiltered, overdue: true, step: WATERFALL_STEPS[0] });
  // The front page's step lists as the waterfall helper is handed them with each step's view.
  stepListsToHand(cache, db, { ...unfiltered, step: WATERFALL_STEPS[0] });
}

export function createApp({ db, config, logger = createLogger('silent'), today = utcToday, cache = new ReadCache(db, today), exportThreadRows }: AppOptions): Express {
  const app = express();
  const log = (error: unknown) => logger.error({ err: error }, 'request failed');
  app.set('views', path.join(ROOT, 'views'));
  app.set('view engine', 'ejs');
  // The templates without their indentation and blank lines (rmWhitespace): the pages are smaller and parse
  // sooner. Only the templates' own text is trimmed, never what they print. The
  // options are EJS's alone: nothing in the locals (a posted `settings`, say) can change them.
  app.engine('ejs', (file: string, locals: object, callback: (error: Error | null, html?: string) => void) => {
    ejs.renderFile(file, locals, viewOptions(app.get('views') as string, app.enabled('view cache')), callback);
  });
  if (app.enabled('view cache')) compileViews(app.get('views') as string);
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  Object.assign(app.locals, viewHelpers, relationViewHelpers);
  app.locals.writesPerMinute = config.writesPerMinute;

  // What every request goes through before the response cache answers it, as one layer of the router (inOrder).
  app.use(
    inOrder(
      // First, so that it sees every answer's final status and headers (cookies included), cached answers too.
      cacheControl({ maxAge: config.cacheMaxAge ?? 60, staleWhileRevalidate: config.cacheStaleSeconds ?? 600, sessionCookie: SESSION_COOKIE }),
      requestLogger(logger),
      stampToday(today),
      // The origin of the addresses a page gives other sites (link cards, embed codes): PUBLIC_URL, else the request's.
      stampOrigin(config.publicUrl),
      strictTransportSecurity,
      // The page's language (?lang, the switch's cookie, Accept-Language): part of the cached answers' key.
      stampLanguage((language) => ({ ...wordsOf(language), ...relationWordsOf(language), ...changeWordsOf(language) })),
      // Readers without a session get the dashboard, table and summary from a cache of whole, compressed answers,
      // sent with the headers (security policy included) that the first answer carried.
      pageCache(new ResponseCache(db, undefined, today), SESSION_COOKIE, config.publicUrl),
    ),
  );
  // What the cache did not answer may have left much garbage: collected once it is sent (platform/memory.ts).
  app.use(collectAfterLargeAnswers);
  // HTML, JSON and CSV travel compressed; the CSV stream keeps its backpressure through it.
  app.use(...compressAnswers());
  app.use(securityHeaders(config));

  const assets = createAssets({
    '/css/site.css': path.join(ROOT, 'public/css/site.css'),
    '/js/chart-configs.js': path.join(ROOT, 'public/js/chart-configs.js'),
    '/js/charts.js': path.join(ROOT, 'public/js/charts.js'),
    '/js/forms.js': path.join(ROOT, 'public/js/forms.js'),
    '/js/import.js': path.join(ROOT, 'public/js/import.js'),
    '/favicon.svg': path.join(ROOT, 'public/favicon.svg'),
    '/vendor/chart.umd.min.js': VENDOR_FILES['chart.umd.min.js'],
  });
  app.locals.asset = assets.url;
  app.use(assets.router);
  // The plain paths still work (bookmarks, old pages), with a short cache.
  const staticOptions = { maxAge: config.env === 'production' ? '1d' : 0 };
  app.use(express.static(path.join(ROOT, 'public'), staticOptions));
  app.get('/vendor/:file', (req, res, next) => {
    // Own names only: "constructor" or "__proto__" must not find Object.prototype's.
    const file = Object.hasOwn(VENDOR_FILES, req.params.file) ? VENDOR_FILES[req.params.file] : undefined;
    if (file) res.sendFile(file, staticOptions);
    else next();
  });

  app.get('/healthz', (_req, res) => {
    try {
      ping(db);
      res.json({ status: 'ok', database: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'unreachable' });
    }
  });

  // Bodies: forms as flat text fields (a repeated field arrives as a list, which validation refuses).
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 1000 }));
  app.use('/api', express.json({ limit: '100kb' }));
  app.use(sameOrigin);
  const secret = sessionSecret(db, config.sessionSecret);
  // No session on the shared pages (the embeds): none is read or started there, so an editor's cookie changes nothing.
  const session = sessions(db, config, secret).middleware;
  app.use((req, res, next) => (isSharedPage(req.path) ? next() : session(req, res, next)));
  app.use(loadEditor(db));
  app.use(exposeCsrfToken);
  // A read as of a date: checked here once, kept in every link the page renders.
  app.use(stampAsOf(asOfWithData(db)));

  app.use(languageRouter());
  app.use(authRouter(db, secret));
  app.use(importRouter(db, config.importMaxBytes ?? 20 * 1024 * 1024));
  app.use(pledgesEditRouter(db));
  app.use(relationsEditRouter(db));
  app.use(dashboardRouter(db, cache));
  app.use(embedRouter(db, cache));
  app.use(chartCardsRouter(db, cache));
  // The facets beside the table are the same for every reader until something is written.
  app.use(pledgesRouter(db, log, (filter) => cachedFacets(cache, db, filter), (filter) => cachedCount(cache, db, filter), exportThreadRows));
  app.use(eventsEditRouter(db));
  app.use(eventsRouter(db));
  app.use(concessionsRouter(db, log));
  app.use(apiRouter(db, (filter) => cachedCount(cache, db, filter)));
  app.use(relationsRouter(db, log));
  app.use(relationsApiRouter(db));
  app.use(changesRouter(db, keptChangeCount(cache, db)));
  // The JSON API described (OpenAPI 3.1), from each feature's description of its routes.
  app.use(openApiRouter([PLEDGES_API, RELATIONS_API, CONCESSIONS_API, SUMMARY_API, CHANGES_API]));
  app.use(dataPackageRouter(db, log));
  app.use(pagesRouter());

  app.use(notFound);
  app.use(errorHandler());
  return app;
}
