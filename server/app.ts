// createApp wires middleware, routers, the 404 and the error handler; it never listens.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import compression from 'compression';
import ejs from 'ejs';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { apiRouter } from './api.routes.ts';
import { exposeCsrfToken, loadEditor, privateNoStore, sameOrigin, sessionSecret, sessions } from './auth.ts';
import { authRouter } from './auth.routes.ts';
import type { Config } from './config.ts';
import type { Db } from './db.ts';
import { errorHandler, notFound } from './errors.ts';
import { eventsEditRouter } from './events.edit.routes.ts';
import { eventsRouter } from './events.routes.ts';
import { importRouter } from './import.routes.ts';
import { ping } from './meta.repository.ts';
import { pledgesEditRouter } from './pledges.edit.routes.ts';
import { pledgesRouter } from './pledges.routes.ts';
import { dashboardRouter } from './dashboard.routes.ts';
import { createAssets } from './assets.ts';
import { ReadCache } from './cache.ts';
import { pageCache, ResponseCache } from './pages.cache.ts';
import { createLogger, requestLogger, type Logger } from './log.ts';
import { viewHelpers } from './views.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
// Chart.js and its annotation plugin are served from node_modules: the app works offline, no CDN.
const VENDOR_FILES: Record<string, string> = {
  'chart.umd.min.js': path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
  'chartjs-plugin-annotation.min.js': path.join(
    path.dirname(require.resolve('chartjs-plugin-annotation')),
    'chartjs-plugin-annotation.min.js',
  ),
};

/** A year, as browsers' HSTS preload lists ask; without includeSubDomains, which is the deployer's call. */
const HSTS_SECONDS = 365 * 24 * 60 * 60;

export interface AppOptions {
  db: Db;
  config: Pick<Config, 'env' | 'sessionSecret' | 'trustProxy'> & Partial<Pick<Config, 'writesPerMinute' | 'importMaxBytes'>>;
  logger?: Logger;
  /** The aggregates' cache; the server passes one it has already warmed. */
  cache?: ReadCache;
}

export function createApp({ db, config, logger = createLogger('silent'), cache = new ReadCache(db) }: AppOptions): Express {
  const app = express();
  const log = (error: unknown) => logger.error({ err: error }, 'request failed');
  app.set('views', path.join(root, 'views'));
  app.set('view engine', 'ejs');
  // The templates without their indentation and blank lines (rmWhitespace): the pages are smaller and parse
  // sooner. Only the templates' own text is trimmed, never what they print. The
  // options are EJS's alone: nothing in the locals (a posted `settings`, say) can change them.
  app.engine('ejs', (file: string, locals: object, callback: (error: Error | null, html?: string) => void) => {
    ejs.renderFile(file, locals, { rmWhitespace: true, cache: app.enabled('view cache'), views: [app.get('views') as string] }, callback);
  });
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  Object.assign(app.locals, viewHelpers);
  app.locals.writesPerMinute = config.writesPerMinute;

  app.use(requestLogger(logger));
  app.use((req, res, next) => {
    // req.secure is true only when TRUST_PROXY trusts a proxy that says the request came over HTTPS. Before the
    // page cache, which never replays this header from another request's answer.
    if (req.secure) res.set('Strict-Transport-Security', `max-age=${HSTS_SECONDS}`);
    next();
  });
  // Readers without a session get the dashboard, table and summary from a cache of whole, compressed answers,
  // sent with the headers (security policy included) that the first answer carried.
  app.use(pageCache(new ResponseCache(db)));
  // HTML, JSON and CSV travel compressed; the CSV stream keeps its backpressure through it.
  app.use(compression());
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'script-src-attr': ["'none'"],
          // Tighter than helmet's default: no inline style attributes or elements either.
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'"],
          'object-src': ["'none'"],
          'base-uri': ["'self'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
          // Only behind an HTTPS proxy: served over plain HTTP on a LAN it would break every subresource.
          'upgrade-insecure-requests': config.trustProxy === false ? null : [],
        },
      },
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      // Sent above, and only over HTTPS: over plain HTTP a browser ignores it, and a reader on a LAN would be
      // told to expect HTTPS that this server does not speak.
      strictTransportSecurity: false,
    }),
  );

  const assets = createAssets({
    '/css/site.css': path.join(root, 'public/css/site.css'),
    '/js/charts.js': path.join(root, 'public/js/charts.js'),
    '/js/forms.js': path.join(root, 'public/js/forms.js'),
    '/js/import.js': path.join(root, 'public/js/import.js'),
    '/favicon.svg': path.join(root, 'public/favicon.svg'),
    '/vendor/chart.umd.min.js': VENDOR_FILES['chart.umd.min.js'],
    '/vendor/chartjs-plugin-annotation.min.js': VENDOR_FILES['chartjs-plugin-annotation.min.js'],
  });
  app.locals.asset = assets.url;
  app.use(assets.router);
  // The plain paths still work (bookmarks, old pages), with a short cache.
  const staticOptions = { maxAge: config.env === 'production' ? '1d' : 0 };
  app.use(express.static(path.join(root, 'public'), staticOptions));
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
  app.use(sessions(db, config, secret).middleware);
  app.use(loadEditor(db));
  app.use(privateNoStore);
  app.use(exposeCsrfToken);

  app.use(authRouter(db, secret));
  app.use(importRouter(db, config.importMaxBytes ?? 20 * 1024 * 1024));
  app.use(pledgesEditRouter(db));
  app.use(dashboardRouter(db, cache));
  app.use(pledgesRouter(db, log, cache));
  app.use(eventsEditRouter(db));
  app.use(eventsRouter(db));
  app.use(apiRouter(db));

  app.use(notFound);
  app.use(errorHandler());
  return app;
}
