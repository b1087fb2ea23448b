// The only importer of the SQLite driver: opening, pragmas and read snapshots.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;
export type { Statement } from 'better-sqlite3';

/** True for SQLite's "database is locked": another connection held the write lock past the busy timeout. */
export function isBusy(error: unknown): boolean {
  return String((error as { code?: unknown } | null)?.code).startsWith('SQLITE_BUSY');
}

/** True for an error of SQLite's (what better-sqlite3 throws), as opposed to one of ours. */
export function isDatabaseError(error: unknown): boolean {
  return error instanceof Database.SqliteError;
}

/**
 * True when a write found no room: SQLite's "database or disk is full" (the disk, or the cap of DATABASE_MAX_MB),
 * or the file system's ENOSPC for a file of ours (an upload). What was being written was rolled back.
 */
export function isFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

export interface OpenOptions {
  /** The most the database may grow to, in bytes, on this connection: past it a write fails as on a full disk. */
  maxBytes?: number;
}

export function openDatabase(file: string, { maxBytes }: OpenOptions = {}): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: a pledge acknowledged to an editor survives a power cut, not only a process crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma(`cache_size = ${PAGE_CACHE}`);
  // A large sort (a broad search's groups, an index built by a bulk load) may use the machine's other cores.
  db.pragma(`threads = ${SORTER_THREADS}`);
  // Never below the pages the file already has (SQLite keeps those): a database already past the cap only refuses to grow.
  if (maxBytes !== undefined) db.pragma(`max_page_count = ${Math.max(1, Math.floor(maxBytes / pageSize(db)))}`);
  return db;
}

function pageSize(db: Db): number {
  return db.pragma('page_size', { simple: true }) as number;
}

/** The cap a connection was opened with (openDatabase's maxBytes), for another connection to the same file. */
export function maxBytesOf(db: Db): number {
  return (db.pragma('max_page_count', { simple: true }) as number) * pageSize(db);
}

// SQLite's own page cache, per connection: 2 MB (better-sqlite3 asks for 16). The operating system's file cache
// holds the database anyway, so a larger cache per connection would only cost memory.
const PAGE_CACHE = -2000;

// The threads SQLite's sorter may start beside the connection's own, one for each core (SQLite's default is none).
const SORTER_THREADS = Math.min(os.availableParallelism(), 8);

/**
 * A second, read-only connection holding one snapshot of the database, for long reads (CSV export)
 * that must not keep the shared connection busy between chunks. Close it when done.
 */
export function openSnapshot(db: Db): Db {
  return openSnapshotOf(db.name);
}

/** openSnapshot of a database file: for a thread of its own that reads one snapshot of it. */
export function openSnapshotOf(file: string): Db {
  const reader = openReader(file);
  reader.exec('BEGIN');
  // A read transaction in WAL mode starts at its first read; pin the snapshot now.
  reader.prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get();
  return reader;
}

/** A read-only connection to a database file: for a thread of its own that only reads it. */
export function openReader(file: string): Db {
  const reader = new Database(file, { readonly: true, fileMustExist: true });
  reader.pragma('busy_timeout = 5000');
  reader.pragma(`cache_size = ${PAGE_CACHE}`);
  return reader;
}

export function closeSnapshot(reader: Db): void {
  if (reader.inTransaction) reader.exec('COMMIT');
  reader.close();
}
