// The public change log's reads: the revision log newest first, with what each revision is about (a pledge or an
// event, as it is now or, once deleted, as its deletion left it) and who made it by public name only.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import { AUTHOR_SQL, type Action, type Changes, type Entity } from '../revisions/revisions.repository.ts';

export interface Change {
  id: number;
  entity: Entity;
  entity_id: number;
  action: Action;
  /** The public name: a display name, a tool's name or "A former editor"; never a username. */
  author: string;
  /** UTC, ISO 8601 with milliseconds, as the revision was written. */
  at: string;
  reason: string;
  changes: Changes;
  /** "Pledger: project" or the event's title, now; or as its deletion left it; null when neither is known. */
  title: string | null;
  /** False once the pledge or event is deleted. */
  exists: boolean;
}

interface ChangeRow extends Omit<Change, 'changes' | 'exists'> {
  changes: string;
  exists: 0 | 1;
}

// The entity's name now, or from the revision that deleted it (its last values are that revision's "from").
const CURRENT_TITLE = `CASE r.entity
    WHEN 'pledge' THEN (SELECT p.pledger || ': ' || p.project FROM pledges p WHERE p.id = r.entity_id)
    ELSE (SELECT e.title FROM events e WHERE e.id = r.entity_id)
  END`;
const DELETED_TITLE = `(SELECT CASE d.entity
      WHEN 'pledge' THEN json_extract(d.changes, '$.pledger.from') || ': ' || json_extract(d.changes, '$.project.from')
      ELSE json_extract(d.changes, '$.title.from')
    END
    FROM revisions d WHERE d.entity = page.entity AND d.entity_id = page.entity_id AND d.action = 'delete'
    ORDER BY d.id DESC LIMIT 1)`;

/** The revisions `where` picks, newest first, `@limit` of them: the page is chosen first, then named. */
function pageSql(where: string): string {
  return `SELECT page.id, page.entity, page.entity_id, page.action, page.author, page.at, page.reason, page.changes,
            page.title IS NOT NULL AS "exists", coalesce(page.title, ${DELETED_TITLE}) AS title
       FROM (SELECT r.id, r.entity, r.entity_id, r.action, ${AUTHOR_SQL} AS author, r.at, r.reason, r.changes, ${CURRENT_TITLE} AS title
               FROM revisions r LEFT JOIN users u ON u.id = r.user_id
              WHERE ${where}
              ORDER BY r.id DESC LIMIT @limit) page
      ORDER BY page.id DESC`;
}

function shaped(rows: ChangeRow[]): Change[] {
  return rows.map((row) => ({ ...row, exists: row.exists === 1, changes: JSON.parse(row.changes) as Changes }));
}

/**
 * Every revision there is: the change log's length. before (the day after an as-of date): those written before it,
 * counted in the index by time (migration 020).
 */
export function countChanges(db: Db, before: string | null = null): number {
  // The narrowest index (014's, on the id alone) is the one count(*) reads.
  if (before === null) return statement(db, 'SELECT count(*) FROM revisions').pluck().get() as number;
  return statement(db, 'SELECT count(*) FROM revisions INDEXED BY revisions_at_idx WHERE at < ?').pluck().get(before) as number;
}

/**
 * One page of the change log, newest first. The page's first id is found by stepping over the ids of the
 * revisions before it in the id index (a few bytes each), not over their rows: page 1 reads 50 rows, a deep page
 * reads 50 rows after a walk along that index.
 */
export function changesPage(db: Db, { limit, offset, before = null }: { limit: number; offset: number; before?: string | null }): Change[] {
  if (before !== null) {
    // As of a date: the revisions written before the next day, found by time (ids follow the time they were written).
    const asOf = `r.id IN (SELECT id FROM revisions INDEXED BY revisions_at_idx WHERE at < @before ORDER BY at DESC, id DESC LIMIT @limit OFFSET @offset)`;
    return shaped(statement(db, pageSql(asOf)).all({ limit, offset, before }) as ChangeRow[]);
  }
  const first = 'r.id <= (SELECT id FROM revisions INDEXED BY revisions_id_idx ORDER BY id DESC LIMIT 1 OFFSET @offset)';
  return shaped(statement(db, pageSql(first)).all({ limit, offset }) as ChangeRow[]);
}

/** The newest changes to one pledge or event (its own feed). */
export function changesOf(db: Db, entity: Entity, entityId: number, limit: number): Change[] {
  return shaped(statement(db, pageSql('r.entity = @entity AND r.entity_id = @entityId')).all({ entity, entityId, limit }) as ChangeRow[]);
}

/**
 * The name of a pledge or event (as Change.title): now, or as its deletion left it. Undefined when there is no
 * such pledge or event and never was (no revision names it); null when one was deleted without a name recorded.
 */
export function entityTitle(db: Db, entity: Entity, entityId: number): string | null | undefined {
  const current =
    entity === 'pledge'
      ? statement(db, "SELECT pledger || ': ' || project FROM pledges WHERE id = ?").pluck().get(entityId)
      : statement(db, 'SELECT title FROM events WHERE id = ?').pluck().get(entityId);
  if (current !== undefined) return current as string;
  const [last] = changesOf(db, entity, entityId, 1);
  return last ? last.title : undefined;
}
