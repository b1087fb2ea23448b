// The SQL that turns a copy of the database into /pledges.db: the public tables only, and no username anywhere.
import type { Db } from '../platform/db.ts';
import { AUTHOR_SQL } from '../revisions/revisions.repository.ts';

/**
 * The tables a download keeps: what the pages and CSVs publish, the pre-grouped tables computed from it, and the
 * migrations applied. Any other table (users, sessions, api_tokens, and whatever a later migration adds) is
 * dropped: a new table is private until it is named here.
 */
export const PUBLIC_TABLES = [
  'pledges',
  'pledge_sources',
  'events',
  'event_sources',
  'pledge_events',
  'status_changes',
  'pledge_relations',
  'revisions',
  'app_meta',
  'schema_migrations',
  'pledge_bands',
  'pledger_months',
  'search_texts',
  'pledge_groups',
  'pledge_ledger',
] as const;

/**
 * What a download's content depends on: the data version, and the editors' public names, which the revisions'
 * authors are read from (a rename or a deleted editor changes them without a change to the data).
 */
export function snapshotKey(db: Db): string {
  return db
    .prepare(
      `SELECT (SELECT value FROM app_meta WHERE key = 'data_version') || char(10)
              || coalesce((SELECT group_concat(id || '=' || display_name, char(10)) FROM (SELECT id, display_name FROM users ORDER BY id)), '')`,
    )
    .pluck()
    .get() as string;
}

/**
 * A compact copy of the database into `file` (which must not exist): one read transaction, so consistent while
 * others write, and never restarted by their writes (as SQLite's online backup is).
 */
export function copyInto(db: Db, file: string): void {
  db.prepare('VACUUM INTO ?').run(file);
}

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Makes a copy (never the live database) public: the revisions name their author by public name, as /changes does,
 * with no user id or username; every table not in PUBLIC_TABLES is dropped; app_meta keeps the data version alone
 * (no session secret); then VACUUM rewrites the file, so that no freed page still holds what was removed.
 */
export function makePublic(copy: Db): void {
  // One file, no WAL beside it; no foreign-key action when the tables the revisions pointed at are dropped.
  copy.pragma('journal_mode = DELETE');
  copy.pragma('foreign_keys = OFF');
  copy.transaction(() => {
    // Rebuilt rather than updated: the log's append-only triggers go with the old table.
    copy.exec(`CREATE TABLE public_revisions (
      id        INTEGER PRIMARY KEY,
      entity    TEXT NOT NULL,
      entity_id INTEGER NOT NULL,
      action    TEXT NOT NULL,
      author    TEXT NOT NULL,
      at        TEXT NOT NULL,
      changes   TEXT NOT NULL,
      reason    TEXT NOT NULL
    )`);
    copy.exec(`INSERT INTO public_revisions (id, entity, entity_id, action, author, at, changes, reason)
               SELECT r.id, r.entity, r.entity_id, r.action, ${AUTHOR_SQL}, r.at, r.changes, r.reason
                 FROM revisions r LEFT JOIN users u ON u.id = r.user_id`);
    copy.exec('DROP TABLE revisions');
    copy.exec('ALTER TABLE public_revisions RENAME TO revisions');
    copy.exec('CREATE INDEX revisions_entity_idx ON revisions (entity, entity_id, id)');
    const keep = new Set<string>(PUBLIC_TABLES);
    // A virtual table first (023's search index, FTS5): it takes its own tables with it, which may not be dropped alone.
    const tables = copy
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY sql NOT LIKE 'CREATE VIRTUAL TABLE%'")
      .pluck()
      .all() as string[];
    const exists = copy.prepare('SELECT 1 FROM sqlite_schema WHERE name = ?').pluck();
    const dropped = tables.filter((table) => !keep.has(table));
    for (const table of dropped) if (exists.get(table)) copy.exec(`DROP TABLE ${quoted(table)}`);
    // What kept the dropped tables goes with them, so that the copy can be read and written: the triggers that fill
    // them from the public ones, and the views that read them (or read such views).
    const names = new RegExp(`\\b(${dropped.map((table) => table.replace(/[^A-Za-z0-9_]/g, '')).join('|')})\\b`);
    const triggers = copy.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'").all() as { name: string; sql: string }[];
    for (const trigger of triggers) if (dropped.length > 0 && names.test(trigger.sql)) copy.exec(`DROP TRIGGER ${quoted(trigger.name)}`);
    for (let broken = brokenViews(copy); broken.length > 0; broken = brokenViews(copy)) {
      for (const view of broken) copy.exec(`DROP VIEW ${quoted(view)}`);
    }
    copy.prepare("DELETE FROM app_meta WHERE key <> 'data_version'").run();
    // AUTOINCREMENT's counters would still tell how many editors and tokens there were.
    if (copy.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'").get()) {
      copy.prepare("DELETE FROM sqlite_sequence WHERE name NOT IN (SELECT name FROM sqlite_schema WHERE type = 'table')").run();
    }
  })();
  copy.exec('VACUUM');
}

/** The views of a database that no longer prepare (one of the tables or views they read is gone). */
function brokenViews(db: Db): string[] {
  const views = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'view'").pluck().all() as string[];
  return views.filter((view) => {
    try {
      db.prepare(`SELECT * FROM ${quoted(view)} LIMIT 0`);
      return false;
    } catch {
      return true;
    }
  });
}
