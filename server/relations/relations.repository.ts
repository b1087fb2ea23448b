// Every SQL statement about relations between pledges, with bound parameters. A write and the revisions it records
// on both of its pledges share one transaction, so that each pledge's history shows the relation.
import { formatUsdExact } from '../lib/amounts.ts';
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import type { CsvCell } from '../pledges/pledges.csv.ts';
import { datedBy, EMPTY_FILTER, isDatedBy, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { whereClause } from '../pledges/pledges.sql.ts';
import { recordRevision, type Author } from '../revisions/revisions.repository.ts';
import {
  RELATION_CSV_COLUMNS,
  ROLE_LABELS,
  ROLES,
  roleOf,
  type NewRelation,
  type RelatedPledge,
  type Relation,
  type RelationKind,
  type RelationView,
} from './relation.model.ts';
import type { PledgeFacts, RelationChange, RelationFacts } from './relations.validation.ts';

const COLUMNS = RELATION_CSV_COLUMNS.map((column) => `r.${column}`).join(', ');

export function findRelation(db: Db, id: number): Relation | undefined {
  return statement(db, `SELECT ${COLUMNS} FROM pledge_relations r WHERE r.id = ?`).get(id) as Relation | undefined;
}

/** A pledge's relations either way round, with the export's columns, oldest first: for its JSON. */
export function relationsOf(db: Db, pledgeId: number, asOf: string | null = null): Relation[] {
  // As of a date, those dated by then: both pledges announced by then.
  return statement(
    db,
    `SELECT ${COLUMNS} FROM pledge_relations r WHERE (r.pledge_id = @id OR r.other_id = @id)
        AND (@before IS NULL OR NOT EXISTS (SELECT 1 FROM pledges x WHERE x.id IN (r.pledge_id, r.other_id) AND x.announced_on >= @before))
      ORDER BY r.id`,
  ).all({ id: pledgeId, before: asOf === null ? null : datedBy(asOf) }) as Relation[];
}

/** A pledge's relations either way round, each with its role there and the pledge at the other end. */
export function relationsOfPledge(db: Db, pledgeId: number): RelationView[] {
  const rows = statement(
    db,
    `SELECT ${COLUMNS}, o.id AS o_id, o.pledger AS o_pledger, o.project AS o_project, o.amount_usd AS o_amount_usd,
            o.announced_on AS o_announced_on
       FROM pledge_relations r
       LEFT JOIN pledges o ON o.id = CASE WHEN r.pledge_id = @id THEN r.other_id ELSE r.pledge_id END
      WHERE r.pledge_id = @id OR r.other_id = @id`,
  ).all({ id: pledgeId }) as (Relation & { o_id: number | null; o_pledger: string; o_project: string; o_amount_usd: number | null; o_announced_on: string })[];
  const views = rows.map(({ o_id: otherId, o_pledger: pledger, o_project: project, o_amount_usd: amount, o_announced_on: announced, ...relation }) => ({
    ...relation,
    role: roleOf(relation, pledgeId),
    other: otherId === null ? null : { id: otherId, pledger, project, amount_usd: amount, announced_on: announced },
  }));
  return views.sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role) || a.id - b.id);
}

/** A pledge as a relation names it, or undefined when there is none with that id. */
export function relatedPledge(db: Db, id: number): RelatedPledge | undefined {
  return statement(db, 'SELECT id, pledger, project, amount_usd, announced_on FROM pledges WHERE id = ?').get(id) as RelatedPledge | undefined;
}

/** The pledges a form offers as the other end, by pledger; null when there are more than `max` (the form asks for an id). */
export function pledgeChoices(db: Db, exceptId: number, max = 500): RelatedPledge[] | null {
  const rows = statement(
    db,
    'SELECT id, pledger, project, amount_usd, announced_on FROM pledges WHERE id <> ? ORDER BY pledger, announced_on, id LIMIT ?',
  ).all(exceptId, max + 1) as RelatedPledge[];
  return rows.length > max ? null : rows;
}

/** What a pledge's page shows of its relations: the list and, for an editor, the pledges the add form offers. */
/** In an as-of view (asOf), only the relations dated by then: those whose other pledge was announced by then. */
export function relationsSection(db: Db, pledgeId: number, editing: boolean, asOf: string | null = null): { list: RelationView[]; choices: RelatedPledge[] | null } {
  const list = relationsOfPledge(db, pledgeId).filter((relation) => asOf === null || relation.other === null || isDatedBy(relation.other.announced_on, asOf));
  return { list, choices: editing ? pledgeChoices(db, pledgeId) : null };
}

/**
 * A statement over relations r, with the filter: a relation is in a filtered view when either of its pledges is (so a
 * relation whose other side is filtered out is still listed, and its other_id names a pledge outside the view). The
 * filter is tried on the pledges at the ends of relations only, each once and in id order: at a million pledges
 * that is five times quicker than trying it on both ends of every relation, and far quicker than listing every
 * pledge a broad filter matches.
 */
function relationsQuery(filter: PledgeFilter, db: Db, select: string, tail = ''): { sql: string; params: unknown[] } {
  const where = whereClause(filter, db);
  if (where.sql === '') return { sql: `SELECT ${select} FROM pledge_relations r ${tail}`, params: [] };
  // As of a date, a relation is dated by the later of its pledges: both must be announced by then.
  const dated =
    filter.as_of === null ? '' : 'AND NOT EXISTS (SELECT 1 FROM pledges x WHERE x.id IN (r.pledge_id, r.other_id) AND x.announced_on >= ?)';
  return {
    sql: `WITH ends(id) AS (SELECT pledge_id FROM pledge_relations UNION SELECT other_id FROM pledge_relations WHERE other_id IS NOT NULL),
              shown(id) AS MATERIALIZED (SELECT p.id FROM ends CROSS JOIN pledges p ON p.id = ends.id ${where.sql})
         SELECT ${select} FROM pledge_relations r WHERE (r.pledge_id IN shown OR r.other_id IN shown) ${dated} ${tail}`,
    params: [...where.params, ...(filter.as_of === null ? [] : [datedBy(filter.as_of)])],
  };
}

export function listRelations(db: Db, { filter = EMPTY_FILTER, limit = -1, offset = 0 }: { filter?: PledgeFilter; limit?: number; offset?: number } = {}): Relation[] {
  const query = relationsQuery(filter, db, COLUMNS, 'ORDER BY r.id LIMIT ? OFFSET ?');
  return statement(db, query.sql).all(...query.params, limit, offset) as Relation[];
}

export function countRelations(db: Db, filter: PledgeFilter = EMPTY_FILTER): number {
  const query = relationsQuery(filter, db, 'count(*)');
  return statement(db, query.sql).pluck().get(...query.params) as number;
}

/** Every relation of the filtered pledges in id order, as arrays of the CSV's columns, one row at a time. */
export function iterateRelationsExport(db: Db, filter: PledgeFilter = EMPTY_FILTER): IterableIterator<CsvCell[]> {
  const query = relationsQuery(filter, db, COLUMNS, 'ORDER BY r.id');
  return db.prepare(query.sql).raw().iterate(...query.params) as IterableIterator<CsvCell[]>;
}

/** The relation an import row without an id means: the same pledge, kind and other pledge. */
export function findRelationByIdentity(db: Db, relation: Pick<NewRelation, 'pledge_id' | 'kind' | 'other_id'>): number | undefined {
  return statement(db, 'SELECT id FROM pledge_relations WHERE pledge_id = ? AND kind = ? AND coalesce(other_id, 0) = coalesce(?, 0)')
    .pluck()
    .get(relation.pledge_id, relation.kind, relation.other_id) as number | undefined;
}

/**
 * What validation asks the database, leaving out the relation `exceptId` (the one being edited): the pledges, the
 * relations already recorded, and the chains of one kind (a recursive walk along pledge_id → other_id).
 */
export function relationFacts(db: Db, exceptId: number | null): RelationFacts {
  return {
    pledge: (id) => statement(db, 'SELECT id, pledger, amount_usd FROM pledges WHERE id = ?').get(id) as PledgeFacts | undefined,
    duplicate: (relation) =>
      statement(
        db,
        `SELECT 1 FROM pledge_relations
          WHERE id IS NOT @except
            AND ((pledge_id = @pledge AND kind = @kind AND coalesce(other_id, 0) = coalesce(@other, 0))
                 OR (@kind = 'overlaps' AND pledge_id = @other AND kind = 'overlaps' AND other_id = @pledge))
          LIMIT 1`,
      ).get({ except: exceptId, pledge: relation.pledge_id, kind: relation.kind, other: relation.other_id }) !== undefined,
    chain: (kind, from, to) => chainOf(db, kind, from, to, exceptId),
  };
}

/**
 * The shortest chain of `kind` from one pledge to another, both included, or null. The walk keeps each edge it
 * reaches once (UNION), so its work is bounded by the edges reachable, whatever the number of paths; SQLite walks
 * a recursive query breadth first, so the first parent recorded for a pledge lies on a shortest chain to it.
 */
function chainOf(db: Db, kind: RelationKind, from: number, to: number, exceptId: number | null): number[] | null {
  const edges = statement(
    db,
    `WITH RECURSIVE reach(id, parent) AS (
       SELECT @from, NULL
       UNION
       SELECT r.other_id, r.pledge_id
         FROM reach JOIN pledge_relations r ON r.pledge_id = reach.id AND r.kind = @kind
        WHERE r.other_id IS NOT NULL AND r.id IS NOT @except
     )
     SELECT id, parent FROM reach`,
  ).all({ from, kind, except: exceptId }) as { id: number; parent: number | null }[];
  const parents = new Map<number, number | null>();
  for (const edge of edges) if (!parents.has(edge.id)) parents.set(edge.id, edge.parent);
  if (!parents.has(to)) return null;
  const chain = [to];
  for (let at = parents.get(to); at !== null && at !== undefined; at = parents.get(at)) chain.unshift(at);
  return chain;
}

/** A relation as one of its pledges' history tells it: "relation 3: supersedes pledge 6 (Apple: …); $500,000,000,000". */
function describe(db: Db, relation: Relation, viewer: number): string {
  const otherId = relation.pledge_id === viewer ? relation.other_id : relation.pledge_id;
  const other = otherId === null ? undefined : relatedPledge(db, otherId);
  const whom =
    otherId === null
      ? 'an earlier plan the tracker does not hold'
      : other
        ? `pledge ${other.id} (${other.pledger}${other.project ? `: ${other.project}` : ''})`
        : `pledge ${otherId}`;
  const size = relation.amount_usd !== null ? formatUsdExact(relation.amount_usd) : relation.kind === 'contains' ? 'all of it' : 'unknown size';
  const parts = [`relation ${relation.id}: ${ROLE_LABELS[roleOf(relation, viewer)]} ${whom}`, size];
  if (relation.note) parts.push(`note: ${relation.note}`);
  if (relation.source_url) parts.push(`source: ${relation.source_title ? `${relation.source_title} ` : ''}${relation.source_url}`);
  return parts.join('; ');
}

const involves = (relation: Relation, pledgeId: number) => relation.pledge_id === pledgeId || relation.other_id === pledgeId;

/** A revision on each pledge the relation touched before or touches after, telling the change from its side. */
function recordOnEachPledge(db: Db, before: Relation | null, after: Relation | null, editor: Author, reason: string): void {
  const pledges = new Set<number>();
  for (const relation of [before, after]) {
    if (!relation) continue;
    pledges.add(relation.pledge_id);
    if (relation.other_id !== null) pledges.add(relation.other_id);
  }
  for (const pledgeId of [...pledges].sort((a, b) => a - b)) {
    const from = before && involves(before, pledgeId) ? describe(db, before, pledgeId) : null;
    const to = after && involves(after, pledgeId) ? describe(db, after, pledgeId) : null;
    if (from === to) continue;
    recordRevision(db, { entity: 'pledge', entityId: pledgeId, action: 'update', editor, changes: { relations: { from, to } }, reason });
  }
}

function sameFields(relation: Relation, change: NewRelation): boolean {
  return (Object.keys(change) as (keyof NewRelation)[]).every((key) => relation[key] === change[key]);
}

/** Inserts a relation alone; the caller holds the transaction and writes any revision (a first start's seed writes none). */
export function insertRelation(db: Db, relation: NewRelation, requestedId: number | null = null): number {
  const { lastInsertRowid } = statement(
    db,
    `INSERT INTO pledge_relations (id, pledge_id, kind, other_id, amount_usd, note, source_url, source_title)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(requestedId, relation.pledge_id, relation.kind, relation.other_id, relation.amount_usd, relation.note, relation.source_url, relation.source_title);
  return Number(lastInsertRowid);
}

/** The body of createRelation, for a caller that already holds a transaction (an import). An id only restores an export's. */
export function addRelationWithRevisions(db: Db, change: RelationChange, editor: Author, requestedId: number | null = null): number {
  const id = insertRelation(db, change.relation, requestedId);
  recordOnEachPledge(db, null, findRelation(db, id)!, editor, change.reason);
  return id;
}

/** The body of updateRelation inside the caller's transaction; false when there is no such relation. */
export function changeRelationWithRevisions(db: Db, id: number, change: RelationChange, editor: Author): boolean {
  const before = findRelation(db, id);
  if (!before) return false;
  if (sameFields(before, change.relation)) return true;
  const { relation } = change;
  statement(
    db,
    `UPDATE pledge_relations SET pledge_id = ?, kind = ?, other_id = ?, amount_usd = ?, note = ?, source_url = ?, source_title = ?,
       updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
     WHERE id = ?`,
  ).run(relation.pledge_id, relation.kind, relation.other_id, relation.amount_usd, relation.note, relation.source_url, relation.source_title, id);
  recordOnEachPledge(db, before, findRelation(db, id)!, editor, change.reason);
  return true;
}

/** What an import row would change of a relation, field by field (empty: nothing). */
export function relationChanges(relation: Relation, change: NewRelation): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(change) as (keyof NewRelation)[]) {
    if (relation[key] !== change[key]) changes[key] = { from: relation[key], to: change[key] };
  }
  return changes;
}

/** Adds a relation with a revision on each of its pledges, all or nothing. */
export function createRelation(db: Db, change: RelationChange, editor: Author): number {
  return db.transaction(() => addRelationWithRevisions(db, change, editor)).immediate();
}

/** Applies an edit; false when the relation does not exist. An edit that changes nothing writes nothing. */
export function updateRelation(db: Db, id: number, change: RelationChange, editor: Author): boolean {
  return db.transaction(() => changeRelationWithRevisions(db, id, change, editor)).immediate();
}

/** Deletes a relation, with a revision on each of its pledges; false when there was nothing to delete. */
export function deleteRelation(db: Db, id: number, editor: Author, reason: string): boolean {
  return db.transaction(() => {
    const before = findRelation(db, id);
    if (!before) return false;
    statement(db, 'DELETE FROM pledge_relations WHERE id = ?').run(id);
    recordOnEachPledge(db, before, null, editor, reason);
    return true;
  }).immediate();
}

/**
 * Before a pledge is deleted (its relations go with it, ON DELETE CASCADE): a revision on each pledge at the other
 * end, so that its history says the relation went. Inside the deletion's transaction.
 */
export function recordRelationsGone(db: Db, pledgeId: number, editor: Author, reason: string): void {
  for (const relation of relationsOf(db, pledgeId)) {
    const otherId = relation.pledge_id === pledgeId ? relation.other_id : relation.pledge_id;
    if (otherId === null) continue;
    const changes = { relations: { from: describe(db, relation, otherId), to: null } };
    recordRevision(db, { entity: 'pledge', entityId: otherId, action: 'update', editor, changes, reason: `pledge ${pledgeId} deleted${reason ? `: ${reason}` : ''}` });
  }
}
