// The append-only revision log: who changed what, from what to what, when, and why.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';

export type Entity = 'pledge' | 'event';
export type Action = 'create' | 'update' | 'delete';
export type Changes = Record<string, { from: unknown; to: unknown }>;

export interface Editor {
  id: number;
  username: string;
  /** The public name; the username is private. */
  displayName: string;
}

/** Who a revision names: an editor, or a tool run from the command line (no account, id null). */
export interface Author {
  id: number | null;
  username: string;
}

export interface Revision {
  id: number;
  action: Action;
  /** The public name of who made it: an editor's display name, never a username. */
  author: string;
  at: string;
  changes: Changes;
  reason: string;
}

/** Pure: the fields whose values differ between two snapshots (compared as JSON). */
export function diff(before: Record<string, unknown> | null, after: Record<string, unknown> | null): Changes {
  const changes: Changes = {};
  if (before === null || after === null) {
    // A creation or a deletion: every field that has a value (the common case of a bulk import, kept cheap).
    for (const [key, value] of Object.entries(before ?? after ?? {})) {
      const present = value ?? null;
      if (present === null || (typeof present === 'number' && !Number.isFinite(present))) continue;
      changes[key] = before === null ? { from: null, to: present } : { from: present, to: null };
    }
    return changes;
  }
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    const from = before[key] ?? null;
    const to = after[key] ?? null;
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[key] = { from, to };
  }
  return changes;
}

/**
 * SQL for the id a new pledge or event gets: past every id its table holds and every id its revisions name, so
 * that a deleted one's id is never given again (SQLite's own next rowid follows the largest id still there: a new
 * pledge would take a deleted one's id, its history and its change-log entries). Two index lookups.
 */
export function nextIdSql(table: 'pledges' | 'events', entity: Entity): string {
  return `(SELECT max(last) + 1 FROM (SELECT coalesce(max(id), 0) AS last FROM ${table}
                                      UNION ALL SELECT coalesce(max(entity_id), 0) FROM revisions WHERE entity = '${entity}'))`;
}

export function recordRevision(
  db: Db,
  revision: { entity: Entity; entityId: number; action: Action; editor: Author; changes: Changes | string; reason: string },
): void {
  statement(db, 
    `INSERT INTO revisions (entity, entity_id, action, user_id, username, changes, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    revision.entity,
    revision.entityId,
    revision.action,
    revision.editor.id,
    revision.editor.username,
    typeof revision.changes === 'string' ? revision.changes : JSON.stringify(revision.changes),
    revision.reason,
  );
}

/** `npm run seed -- --update`: no account; a name no account can have (usernames hold no space). */
export const SEED_UPDATE_AUTHOR: Author = { id: null, username: 'Seed update' };

/** `npm run generate` (synthetic data for the tests and the benchmark): no account either. */
export const GENERATOR_AUTHOR: Author = { id: null, username: 'Synthetic data' };

/** The author column of a revision as readers see it (the username column stays private). */
export const AUTHOR_SQL = `CASE
    WHEN u.display_name IS NOT NULL THEN u.display_name
    -- No account and never had one: a tool run on the server (import.cli.ts names it so).
    WHEN r.user_id IS NULL AND r.username LIKE '% (command line)' THEN 'Command-line import'
    WHEN r.user_id IS NULL AND r.username = '${SEED_UPDATE_AUTHOR.username}' THEN '${SEED_UPDATE_AUTHOR.username}'
    WHEN r.user_id IS NULL AND r.username = '${GENERATOR_AUTHOR.username}' THEN '${GENERATOR_AUTHOR.username}'
    ELSE 'A former editor'
  END`;

/** /revisions.csv's columns, in order: the public change log, its author by public name (never the username). */
export const REVISION_CSV_COLUMNS = ['id', 'entity', 'entity_id', 'action', 'author', 'at', 'reason', 'changes'] as const;

/**
 * Every revision as /revisions.csv's columns, oldest first, one row at a time (changes: the JSON as stored);
 * before: those written before that day (UTC), as the change log as of a date lists them.
 */
export function iterateRevisionsExport(db: Db, before: string | null = null): IterableIterator<(string | number)[]> {
  const columns = REVISION_CSV_COLUMNS.map((column) => (column === 'author' ? `${AUTHOR_SQL} AS author` : `r.${column}`)).join(', ');
  return db
    .prepare(`SELECT ${columns} FROM revisions r LEFT JOIN users u ON u.id = r.user_id WHERE @before IS NULL OR r.at < @before ORDER BY r.id`)
    .raw()
    .iterate({ before }) as IterableIterator<(string | number)[]>;
}

export function revisionsOf(db: Db, entity: Entity, entityId: number): Revision[] {
  const rows = db
    .prepare(
      `SELECT r.id, r.action, ${AUTHOR_SQL} AS author, r.at, r.changes, r.reason
         FROM revisions r LEFT JOIN users u ON u.id = r.user_id
        WHERE r.entity = ? AND r.entity_id = ? ORDER BY r.id DESC`,
    )
    .all(entity, entityId) as (Omit<Revision, 'changes'> & { changes: string })[];
  return rows.map((row) => ({ ...row, changes: JSON.parse(row.changes) as Changes }));
}

export function wasDeleted(db: Db, entity: Entity, entityId: number): boolean {
  return (
    db
      .prepare("SELECT 1 FROM revisions WHERE entity = ? AND entity_id = ? AND action = 'delete' LIMIT 1")
      .get(entity, entityId) !== undefined
  );
}
