// The seed's own SQL, with bound parameters: status steps with their notes, relations between pledges, events by
// identity, and the revisions that tell what editors deleted or renamed.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import type { StatusStep } from '../pledges/pledge.model.ts';
import type { RelationKind } from './seed.file.ts';

export function insertStatusStep(db: Db, pledgeId: number, step: StatusStep): void {
  statement(db, 'INSERT INTO status_changes (pledge_id, status, changed_on, evidence_url, note) VALUES (?, ?, ?, ?, ?)').run(
    pledgeId,
    step.status,
    step.changed_on,
    step.evidence_url,
    step.note,
  );
}

export interface RelationRow {
  pledge_id: number;
  kind: RelationKind;
  other_id: number | null;
  amount_usd: number | null;
  note: string;
  source_url: string | null;
  source_title: string;
}

export function insertRelation(db: Db, relation: RelationRow): number {
  const { lastInsertRowid } = statement(
    db,
    `INSERT INTO pledge_relations (pledge_id, kind, other_id, amount_usd, note, source_url, source_title)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(relation.pledge_id, relation.kind, relation.other_id, relation.amount_usd, relation.note, relation.source_url, relation.source_title);
  return Number(lastInsertRowid);
}

/** A relation's identity: its pledge, its kind and its other pledge (none for a repeat of an earlier plan). */
export function relationExists(db: Db, pledgeId: number, kind: RelationKind, otherId: number | null): boolean {
  return (
    statement(db, 'SELECT 1 FROM pledge_relations WHERE pledge_id = ? AND kind = ? AND coalesce(other_id, 0) = coalesce(?, 0)').get(
      pledgeId,
      kind,
      otherId,
    ) !== undefined
  );
}

export function relationsOf(db: Db, pledgeId: number): Pick<RelationRow, 'kind' | 'other_id' | 'amount_usd'>[] {
  return statement(db, 'SELECT kind, other_id, amount_usd FROM pledge_relations WHERE pledge_id = ? ORDER BY id').all(pledgeId) as Pick<
    RelationRow,
    'kind' | 'other_id' | 'amount_usd'
  >[];
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
