// Entry point: configuration, database, migrations, seed, and the only call to listen.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, WARM_UP_PAGES, warmReads } from './app.ts';
import { packInBackground } from './dashboard/dashboard.packing.ts';
import { ReadCache } from './dashboard/dashboard.reads.ts';
import { WaterfallHelper } from './dashboard/dashboard.waterfall-helper.ts';
import { loadConfig } from './platform/config.ts';
import { openDatabase } from './platform/db.ts';
import { survivesUncaught } from './platform/errors.ts';
import { ensureFirstEditor } from './auth/editors.ts';
import { createLogger, type Logger } from './platform/log.ts';
import { releaseBeforeLongWork } from './platform/memory.ts';
import { releaseHeldIds } from './platform/kept-ids.ts';
import { migrate } from './platform/migrate.ts';
import { setPasswordCost } from './auth/passwords.ts';
import { seedOnce } from './import/seed.ts';
import { SqliteSessionStore } from './auth/sessions.store.ts';
import { utcToday } from './lib/dates.ts';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Serves WARM_UP_PAGES once, through a listener on a loopback port of its own closed right after. Their answers
 * are kept under the loopback origin, or, with PUBLIC_URL set, as the pages themselves.
 */
async function renderWarmUpPages(server: http.Server): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    const { port } = server.address() as AddressInfo;
    for (const page of WARM_UP_PAGES) {
      const answer = await fetch(`http://127.0.0.1:${port}${page}`, { headers: { 'accept-encoding': 'br, gzip' }, signal: AbortSignal.timeout(60_000) });
      await answer.arrayBuffer();
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

async function start(): Promise<void> {
  const config = loadConfig();
  // Readable lines for someone watching a terminal; JSON for files, journald and containers.
  const logger = createLogger(config.logLevel, undefined, config.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json'));
  setPasswordCost(config.passwordScryptN);
  if (config.env === 'production' && config.publicUrl === undefined) {
    logger.warn('PUBLIC_URL is not set: link cards and embed codes name the origin each request names (behind a proxy, as TRUST_PROXY lets it say); set PUBLIC_URL to the site\'s address');
  }
  const db = openDatabase(config.databasePath, { maxBytes: config.databaseMaxBytes });
  const applied = migrate(db);
  if (applied.length > 0) logger.info({ migrations: applied }, `Applied migrations: ${applied.join(', ')}`);
  if (seedOnce(db) === 'seeded') logger.info(`Seeded ${config.databasePath} with the sourced pledges of db/seed.json`);
  const generated = await ensureFirstEditor(db, config.adminPassword);
  if (generated) {
    // On the console, not in the log: the one time this password is shown.
    console.log(`Created the first editor "admin" with the password ${generated}`);
    console.log('It is shown only this once: sign in at /login and keep it, or change it with `npm run user -- passwd admin`.');
  }
  const sessionStore = new SqliteSessionStore(db);
  const purge = () => housekeeping(logger, 'Purging expired sessions', () => sessionStore.purgeExpired());
  purge();
  setInterval(purge, HOUR_MS).unref();

  // Statistics for the query planner, refreshed when the tables have grown or changed a lot (cheap otherwise).
  housekeeping(logger, 'Refreshing the query planner statistics', () => db.pragma('optimize=0x10002'));
  // The views' waterfall ledgers worked out on a thread of their own beside this one (dashboard.waterfall-helper.ts).
  const waterfalls = new WaterfallHelper(config.databasePath, {
    onError: (error) => logger.warn({ err: error }, 'The waterfall helper thread failed; the views work their waterfalls out themselves for a minute'),
  });
  // Its thread and connection hold 13-14 MB while it runs, which an export of every pledge has better use for.
  releaseBeforeLongWork(() => waterfalls.close());
  // And the searches' matches held in memory (up to 16 MB), which the next search finds again.
  releaseBeforeLongWork(() => releaseHeldIds(db));
  const cache = new ReadCache(db, utcToday, waterfalls);
  // The reads every first reader would wait for, before any asks.
  const warming = Date.now();
  warmReads(cache, db, utcToday());
  logger.info(`Dashboard aggregates ready in ${Date.now() - warming} ms`);
  // The searches' packed facts that writes of other connections (an import) leave stale, packed between requests.
  const stopPacking = packInBackground(db, (error) => logger.error({ err: error }, 'Packing the search facts failed; searches read in SQL meanwhile'));

  // A client that trickles its headers or its body holds a connection only so long (slowloris); Node looks for
  // such connections every connectionsCheckingInterval, 30 s unless told, so a short timeout is checked oftener.
  const server = http.createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(config.headersTimeoutMs / 4))),
    },
    createApp({ db, config, logger, cache }),
  );
  const rendering = Date.now();
  try {
    await renderWarmUpPages(server);
    logger.info(`Front page and a filtered view rendered once in ${Date.now() - rendering} ms`);
  } catch (error) {
    // Only a warm-up: the server serves all the same, and its first reader renders the page.
    logger.warn({ err: error }, 'Could not render the front page and a filtered view before listening');
  }
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    logger.info(`Pledge Tracker listening on http://${host}:${port} (database ${config.databasePath})`);
  });

  // SIGTERM: stop accepting, let requests in flight finish, fold the WAL into the database, close, exit 0.
  // When the WAL cannot be folded in (a full disk: the database file cannot grow), it stays beside the database
  // and the next start reads it: nothing acknowledged is lost. The server closes all the same, and exits 1 to
  // say that it did not stop cleanly (a supervisor marks the stop failed, and someone looks at the disk).
  const stop = (signal: string) => {
    logger.info(`${signal}: finishing requests in flight, then closing`);
    stopPacking();
    waterfalls.close();
    server.close(() => {
      let clean = true;
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch (error) {
        clean = false;
        logger.error({ err: error }, 'Could not fold the WAL into the database (is the disk full?): it stays beside it, and the next start reads it');
      }
      try {
        db.close();
      } catch (error) {
        clean = false;
        logger.error({ err: error }, 'Could not close the database');
      }
      if (clean) logger.info('Database checkpointed and closed');
      process.exit(clean ? 0 : 1);
    });
    server.closeIdleConnections();
    // A client that never finishes does not keep the server up for ever.
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // No database error may end the process: every write the server makes outside a request is guarded, and
  // this is the net under what was missed (survivesUncaught). Anything else ends it, as Node would.
  process.on('uncaughtException', (error, origin) => {
    if (survivesUncaught(error, db, logger)) return;
    logger.fatal({ err: error, origin }, 'Uncaught exception: the server stops');
    process.exit(1);
  });
}

/**
 * Writes the server can do without for a while: one that fails (a full disk, a write lock held past the busy
 * timeout) is logged and skipped, and the server starts, or goes on serving, all the same. Thrown from the
 * hourly timer it would end the process.
 */
function housekeeping(logger: Logger, what: string, work: () => unknown): void {
  try {
    work();
  } catch (error) {
    logger.error({ err: error }, `${what} failed; the server goes on without it`);
  }
}

start().catch((error: unknown) => {
  console.error(`Pledge Tracker could not start: ${(error as Error).message}`);
  process.exit(1);
});
