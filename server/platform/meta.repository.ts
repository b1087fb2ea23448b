// Facts about the database itself, kept in app_meta.
import type { Db } from './db.ts';
import { statement } from './statements.ts';

export function getMeta(db: Db, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM app_meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO app_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  );
}

/**
 * The version of the tracker's data: a counter the database's own triggers move on every change to pledges,
 * sources, events, links and status changes, by any connection (migration 006). Sessions, accounts and
 * tokens leave it alone.
 */
export function databaseVersion(db: Db): string {
  return statement(db, "SELECT value FROM app_meta WHERE key = 'data_version'").pluck().get() as string;
}

/** One round trip to the database, for the health check. */
export function ping(db: Db): boolean {
  return (db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n > 0;
}

/** How many rows this connection has written since it opened, its triggers' included: no lock is taken to tell. */
export function connectionChanges(db: Db): number {
  return statement(db, 'SELECT total_changes()').pluck().get() as number;
}
