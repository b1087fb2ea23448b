// Applies db/migrations/NNN-name.sql in order, each in its own transaction, and records it with its checksum.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.ts';
import { finishInterruptedBulkLoad } from './bulk-load.ts';
import type { Db } from './db.ts';

export const MIGRATIONS_DIR = path.join(ROOT, 'db', 'migrations');

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

/**
 * A migration's SHA-256, over its text with \r\n read as \n: a checkout that writes CRLF line endings (git's
 * autocrlf on Windows) holds the same migration and must not stop the server; any other change is an edit.
 */
function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replaceAll('\r\n', '\n')).digest('hex');
}

/**
 * Refuses a database that records a migration the code does not have, or one whose file changed since it was
 * applied; records the checksums of migrations applied before checksums were. Returns the applied versions.
 */
function checkApplied(db: Db, migrations: Migration[]): Set<number> {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    checksum   TEXT
  )`);
  // A database made before checksums has no such column; its rows get NULL, filled in below.
  const columns = db.pragma('table_info(schema_migrations)') as { name: string }[];
  if (!columns.some((column) => column.name === 'checksum')) db.exec('ALTER TABLE schema_migrations ADD COLUMN checksum TEXT');

  const applied = db
    .prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version')
    .all() as { version: number; name: string; checksum: string | null }[];
  const known = new Map(migrations.map((m) => [m.version, m]));
  const recordChecksum = db.prepare('UPDATE schema_migrations SET checksum = ? WHERE version = ?');
  for (const row of applied) {
    const migration = known.get(row.version);
    if (migration?.name !== row.name) {
      throw new MigrationError(
        `The database records migration ${row.name}, which this version of the code does not have. ` +
          'Refusing to start: run the code that created this database, or restore a backup.',
      );
    }
    const checksum = checksumOf(migration.sql);
    // Recorded before checksums were: there is nothing to compare with, so the file as it is now is taken as applied.
    if (row.checksum === null) recordChecksum.run(checksum, row.version);
    else if (row.checksum !== checksum) {
      throw new MigrationError(
        `Migration ${row.name} has changed since it was applied to this database: the database records checksum ` +
          `${row.checksum}, the file's is ${checksum}. Refusing to start: a landed migration is never edited: put the ` +
          `file back as it was (git checkout db/migrations/${row.name}.sql) and write the change as a new migration.`,
      );
    }
  }
  return new Set(applied.map((row) => row.version));
}

/** Brings the schema up to date (and finishes an interrupted bulk load); returns the names of the migrations it applied. */
export function migrate(db: Db, migrations = readMigrations()): string[] {
  // Immediate: the column check and its ALTER, and the checksums recorded, are one write that two processes
  // starting at once take in turn; a refusal rolls all of it back.
  const done = db.transaction(checkApplied).immediate(db, migrations);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)');
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
        record.run(migration.version, migration.name, checksumOf(migration.sql));
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
