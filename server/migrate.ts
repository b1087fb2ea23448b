// Applies db/migrations/NNN-name.sql in order, each in its own transaction, and records it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { finishInterruptedBulkLoad } from './bulk-load.ts';
import type { Db } from './db.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../db/migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class MigrationError extends Error {}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((file) => /^\d{3}-[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: path.basename(file, '.sql'),
      sql: fs.readFileSync(path.join(dir, file), 'utf8'),
    }));
}

/** Brings the schema up to date (and finishes an interrupted bulk load); returns the names of the migrations it applied. */
export function migrate(db: Db, migrations = readMigrations()): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  )`);
  const applied = db
    .prepare('SELECT version, name FROM schema_migrations ORDER BY version')
    .all() as { version: number; name: string }[];
  const known = new Map(migrations.map((m) => [m.version, m.name]));
  for (const row of applied) {
    if (known.get(row.version) !== row.name) {
      throw new MigrationError(
        `The database records migration ${row.name}, which this version of the code does not have. ` +
          'Refusing to start: run the code that created this database, or restore a backup.',
      );
    }
  }
  const done = new Set(applied.map((row) => row.version));
  const record = db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)');
  const ran: string[] = [];
  // Foreign keys off while a migration runs, as SQLite's way of rebuilding a table asks (dropping the old table
  // must not cascade to the rows that refer to it), and checked before it commits: a migration that leaves a
  // dangling reference rolls back whole.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      db.transaction(() => {
        db.exec(migration.sql);
        const dangling = db.pragma('foreign_key_check') as { table: string; parent: string }[];
        if (dangling.length > 0) {
          const { table, parent } = dangling[0];
          throw new MigrationError(`Migration ${migration.name} left ${dangling.length} rows of ${table} pointing at missing ${parent}.`);
        }
        record.run(migration.version, migration.name);
      })();
      ran.push(migration.name);
    }
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
  // A bulk load killed part-way left indexes and triggers aside: put them back before anything reads.
  finishInterruptedBulkLoad(db);
  return ran;
}
