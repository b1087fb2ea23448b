// Entry point: configuration, database, migrations, seed, and the only call to listen.
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './db.ts';
import { ensureFirstEditor } from './editors.ts';
import { migrate } from './migrate.ts';
import { seedOnce } from './seed.ts';
import { SqliteSessionStore } from './sessions.store.ts';

const HOUR_MS = 60 * 60 * 1000;

async function start(): Promise<void> {
  const config = loadConfig();
  const db = openDatabase(config.databasePath);
  const applied = migrate(db);
  if (applied.length > 0) console.log(`Applied migrations: ${applied.join(', ')}`);
  if (seedOnce(db) === 'seeded') console.log(`Seeded ${config.databasePath} with the sourced pledges of db/seed.json`);
  const generated = await ensureFirstEditor(db, config.adminPassword);
  if (generated) {
    console.log(`Created the first editor "admin" with the password ${generated}`);
    console.log('It is shown only this once: sign in at /login and keep it, or change it with `npm run user -- passwd admin`.');
  }
  const sessionStore = new SqliteSessionStore(db);
  sessionStore.purgeExpired();
  setInterval(() => sessionStore.purgeExpired(), HOUR_MS).unref();

  const server = createApp({ db, config }).listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    console.log(`Pledge Tracker listening on http://${host}:${port} (database ${config.databasePath})`);
  });

  const stop = () => {
    server.close(() => {
      db.close();
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

start().catch((error: unknown) => {
  console.error(`Pledge Tracker could not start: ${(error as Error).message}`);
  process.exit(1);
});
