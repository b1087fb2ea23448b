// The seed's own SQL, with bound parameters: status steps with their notes, relations between pledges, events by
// identity, and the revisions that tell what editors deleted or renamed.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import type { StatusStep } from '../pledges/pledge.model.ts';
import { ROLE_LABELS, type NewRelation } from '../relations/relation.model.ts';

export function insertStatusStep(db: Db, pledgeId: number, step: StatusStep): void {
  statement(db, 'INSERT INTO status_changes (pledge_id, status, changed_on, evidence_url, note) VALUES (?, ?, ?, ?, ?)').run(
    pledgeId,
    step.status,
    step.changed_on,
    step.evidence_url,
    step.note,
  );
}

/**
 * Whether an editor removed (or changed the kind or pledges of) a relation of this identity that is not there now: a
 * revision on one of its pledges told it before the change, in the words of relations.repository.ts's history
 * ("relation 3: supersedes pledge 6 (Apple: …); …"). An overlap is told the same from either pledge.
 */
export function relationRemovedByEditor(db: Db, relation: Pick<NewRelation, 'pledge_id' | 'kind' | 'other_id'>): boolean {
  const told = (viewer: number, other: number | null) => {
    const whom = other === null ? 'an earlier plan the tracker does not hold' : `pledge ${other}`;
    const prefix = `relation %: ${ROLE_LABELS[relation.kind]} ${whom}`;
    return (
      statement(
        db,
        `SELECT 1 FROM revisions
          WHERE entity = 'pledge' AND entity_id = ? AND action = 'update' AND json_type(changes, '$.relations.from') = 'text'
            AND (json_extract(changes, '$.relations.from') LIKE ? OR json_extract(changes, '$.relations.from') LIKE ?)
          LIMIT 1`,
      ).get(viewer, `${prefix} (%`, `${prefix};%`) !== undefined
    );
  };
  const { pledge_id: pledgeId, other_id: otherId } = relation;
  return told(pledgeId, otherId) || (relation.kind === 'overlaps' && otherId !== null && told(otherId, pledgeId));
}

/** An event's identity: its date and title. */
export function findEventByIdentity(db: Db, occurredOn: string, title: string): number | undefined {
  return statement(db, 'SELECT id FROM events WHERE occurred_on = ? AND title = ? ORDER BY id LIMIT 1').pluck().get(occurredOn, title) as
    | number
    | undefined;
}

export type IdentityEntity = 'pledge' | 'event';

/** The fields that make up an entity's identity, as the revisions name them. */
export const IDENTITY_FIELDS: Record<IdentityEntity, readonly string[]> = {
  pledge: ['pledger', 'project', 'announced_on'],
  event: ['occurred_on', 'title'],
};

export interface IdentityRevision {
  entity_id: number;
  action: 'update' | 'delete';
  changes: string;
  /** The entity's identity now, as JSON of IDENTITY_FIELDS' values; null when it no longer exists. */
  current: string | null;
}

/**
 * Every revision that deleted an entity or changed a field of its identity, newest first for each entity: from
 * them, the identities an entity had before an editor renamed or deleted it.
 */
export function identityRevisions(db: Db, entity: IdentityEntity): IdentityRevision[] {
  const fields = IDENTITY_FIELDS[entity];
  const changed = fields.map((field) => `json_type(r.changes, '$.${field}') IS NOT NULL`).join(' OR ');
  const table = entity === 'pledge' ? 'pledges' : 'events';
  const current = `json_array(${fields.map((field) => `x.${field}`).join(', ')})`;
  return db
    .prepare(
      `SELECT r.entity_id, r.action, r.changes, (SELECT ${current} FROM ${table} x WHERE x.id = r.entity_id) AS current
         FROM revisions r
        WHERE r.entity = ? AND (r.action = 'delete' OR (r.action = 'update' AND (${changed})))
        ORDER BY r.entity_id, r.id DESC`,
    )
    .all(entity) as IdentityRevision[];
}
