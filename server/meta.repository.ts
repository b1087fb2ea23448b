// Facts about the database itself, kept in app_meta.
import type { Db } from './db.ts';

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

/** One round trip to the database, for the health check. */
export function ping(db: Db): boolean {
  return (db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n > 0;
}
