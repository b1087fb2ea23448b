// Entry point: configuration, database, migrations, seed, and the only call to listen.
import http from 'node:http';
import { createApp } from './app.ts';
import { cachedFacets, cachedSummary, ReadCache } from './cache.ts';
import { EMPTY_FILTER } from './pledges.filter.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './db.ts';
import { ensureFirstEditor } from './editors.ts';
import { createLogger } from './log.ts';
import { migrate } from './migrate.ts';
import { setPasswordCost } from './passwords.ts';
import { seedOnce } from './seed.ts';
import { SqliteSessionStore } from './sessions.store.ts';

const HOUR_MS = 60 * 60 * 1000;

async function start(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  setPasswordCost(config.passwordScryptN);
  const db = openDatabase(config.databasePath);
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
  sessionStore.purgeExpired();
  setInterval(() => sessionStore.purgeExpired(), HOUR_MS).unref();

  // Statistics for the query planner, refreshed when the tables have grown or changed a lot (cheap otherwise).
  db.pragma('optimize=0x10002');
  // The unfiltered dashboard's aggregates, before the first reader asks: seconds at a million pledges.
  const cache = new ReadCache(db);
  const warming = Date.now();
  cachedSummary(cache, db, EMPTY_FILTER);
  cachedFacets(cache, db, EMPTY_FILTER);
  logger.info(`Dashboard aggregates ready in ${Date.now() - warming} ms`);

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
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    logger.info(`Pledge Tracker listening on http://${host}:${port} (database ${config.databasePath})`);
  });

  // SIGTERM: stop accepting, let requests in flight finish, fold the WAL into the database, close, exit 0.
  const stop = (signal: string) => {
    logger.info(`${signal}: finishing requests in flight, then closing`);
    server.close(() => {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      logger.info('Database checkpointed and closed');
      process.exit(0);
    });
    server.closeIdleConnections();
    // A client that never finishes does not keep the server up for ever.
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

start().catch((error: unknown) => {
  console.error(`Pledge Tracker could not start: ${(error as Error).message}`);
  process.exit(1);
});
