// `npm run seed -- --update`: brings the seed's pledges, events and relations into a database that already has
// data (a newsroom's), adding only what is missing and never touching a row that is there.
import type { Db } from '../platform/db.ts';
import { findEvent, insertEvent, linkPledgeToEvent, moreSourcesOf } from '../events/events.repository.ts';
import { addPledgeWithRevision, findPledge, findPledgeByIdentity, sourcesOf } from '../pledges/pledges.repository.ts';
import type { NewPledge } from '../pledges/pledge.model.ts';
import { diff, recordRevision, SEED_UPDATE_AUTHOR } from '../revisions/revisions.repository.ts';
import type { Seed, SeedEvent, SeedPledge, SeedRelation } from './seed.file.ts';
import { addRelationWithRevisions, findRelationByIdentity, relationFacts } from '../relations/relations.repository.ts';
import { validateRelation } from '../relations/relations.validation.ts';
import { findEventByIdentity, identityRevisions, IDENTITY_FIELDS, insertStatusStep, relationRemovedByEditor, type IdentityEntity } from './seed.repository.ts';

export const SEED_UPDATE_REASON = 'seed update';

export interface SeedItem {
  /** The seed's key (P01, E07, …). */
  key: string;
  /** The database's id: of the row added, of the row left alone, or of the row an editor deleted. */
  id: number;
  label: string;
}

export interface LeftAlone extends SeedItem {
  /** The fields whose values in the database differ from the seed's. */
  differs: string[];
}

export interface SeedUpdateReport {
  added: { events: SeedItem[]; pledges: SeedItem[]; relations: SeedItem[]; statusSteps: number };
  /** Rows the database has, under the seed's identity or under one an editor gave them since. */
  leftAlone: { events: LeftAlone[]; pledges: LeftAlone[]; relations: SeedItem[] };
  /** Seed rows an editor deleted: adding them would undo the delete. */
  deletedByEditor: { events: SeedItem[]; pledges: SeedItem[] };
  /** Relations not added, and why (the label): a pledge an editor deleted, a relation an editor removed, a refusal. */
  relationsLeftOut: SeedItem[];
}

const ROLLBACK = Symbol('dry run');

/**
 * Adds what the database lacks of the seed, by identity: a pledge by pledger, project and announced date; an event
 * by date and title; a relation by pledge, kind and other pledge. A row that is there is left alone however it
 * differs from the seed; a row an editor deleted or renamed is not brought back. Status steps come only with the
 * pledges added; a relation an editor removed is not added again. Every addition writes a revision by "Seed update",
 * all in one transaction; a dry run rolls it back.
 */
export function updateFromSeed(db: Db, seed: Seed, { dryRun = false } = {}): SeedUpdateReport {
  let report: SeedUpdateReport | undefined;
  try {
    db.transaction(() => {
      report = applySeed(db, seed);
      if (dryRun) throw ROLLBACK;
    }).immediate();
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
  return report!;
}

type Resolution = { state: 'present' | 'deleted'; id: number } | { state: 'missing' };

function applySeed(db: Db, seed: Seed): SeedUpdateReport {
  const report: SeedUpdateReport = {
    added: { events: [], pledges: [], relations: [], statusSteps: 0 },
    leftAlone: { events: [], pledges: [], relations: [] },
    deletedByEditor: { events: [], pledges: [] },
    relationsLeftOut: [],
  };
  const pastPledges = pastIdentities(db, 'pledge');
  const pastEvents = pastIdentities(db, 'event');
  const resolvePledge = ({ pledge: p }: SeedPledge): Resolution => {
    const id = findPledgeByIdentity(db, p.pledger, p.project, p.announced_on);
    return id !== undefined ? { state: 'present', id } : (pastPledges.get(identity([p.pledger, p.project, p.announced_on])) ?? { state: 'missing' });
  };
  const resolveEvent = ({ event: e }: SeedEvent): Resolution => {
    const id = findEventByIdentity(db, e.occurred_on, e.title);
    return id !== undefined ? { state: 'present', id } : (pastEvents.get(identity([e.occurred_on, e.title])) ?? { state: 'missing' });
  };

  const pledgeIds = new Map<string, number>();
  const pledgesToAdd: SeedPledge[] = [];
  for (const item of seed.pledges) {
    const found = resolvePledge(item);
    const entry = { key: item.key, label: pledgeLabel(item.pledge) };
    if (found.state === 'missing') pledgesToAdd.push(item);
    else if (found.state === 'present') {
      pledgeIds.set(item.key, found.id);
      report.leftAlone.pledges.push({ ...entry, id: found.id, differs: pledgeDifferences(db, found.id, item.pledge) });
    } else report.deletedByEditor.pledges.push({ ...entry, id: found.id });
  }

  // Events first, so that the pledges added can link to them. An event added links to the pledges already there
  // that the seed says it bears on: no editor can have unlinked an event the database did not have.
  const eventIds = new Map<string, number>();
  for (const item of seed.events) {
    const found = resolveEvent(item);
    const entry = { key: item.key, label: `${item.event.occurred_on}: ${item.event.title}` };
    if (found.state === 'missing') {
      const linked = seed.pledges.filter((p) => p.eventKeys.includes(item.key) && pledgeIds.has(p.key)).map((p) => pledgeIds.get(p.key)!);
      const id = addEvent(db, item, linked);
      eventIds.set(item.key, id);
      report.added.events.push({ ...entry, id });
    } else if (found.state === 'present') {
      eventIds.set(item.key, found.id);
      report.leftAlone.events.push({ ...entry, id: found.id, differs: eventDifferences(db, found.id, item) });
    } else report.deletedByEditor.events.push({ ...entry, id: found.id });
  }

  for (const item of pledgesToAdd) {
    const eventIdsOfPledge = item.eventKeys.flatMap((key) => (eventIds.has(key) ? [eventIds.get(key)!] : []));
    const write = { pledge: item.pledge, eventIds: [...eventIdsOfPledge].sort((a, b) => a - b), reason: SEED_UPDATE_REASON, statusChange: null };
    const id = addPledgeWithRevision(db, write, SEED_UPDATE_AUTHOR);
    for (const step of item.steps) insertStatusStep(db, id, step);
    report.added.statusSteps += item.steps.length;
    pledgeIds.set(item.key, id);
    report.added.pledges.push({ key: item.key, id, label: pledgeLabel(item.pledge) });
  }

  addRelations(db, seed.relations, pledgeIds, report);
  return report;
}

/**
 * Relations whose two pledges the database has, checked as an editor's would be against what the database holds
 * (a circle with the editors' relations, an overlap larger than a pledge as edited), with a revision on each pledge.
 */
function addRelations(db: Db, relations: SeedRelation[], pledgeIds: Map<string, number>, report: SeedUpdateReport): void {
  const facts = relationFacts(db, null);
  for (const relation of relations) {
    const key = `${relation.pledgeKey} ${relation.kind} ${relation.otherKey ?? 'an earlier plan'}`;
    const leaveOut = (why: string) => report.relationsLeftOut.push({ key, id: 0, label: why });
    const pledgeId = pledgeIds.get(relation.pledgeKey);
    const otherId = relation.otherKey === null ? null : pledgeIds.get(relation.otherKey);
    if (pledgeId === undefined || otherId === undefined) {
      leaveOut('one of its pledges was deleted by an editor');
      continue;
    }
    const identity = { pledge_id: pledgeId, kind: relation.kind, other_id: otherId };
    const label = `pledge ${pledgeId} ${relation.kind} ${otherId === null ? 'an earlier plan' : `pledge ${otherId}`}`;
    const present = findRelationByIdentity(db, identity) ?? (otherId !== null && relation.kind === 'overlaps'
      ? findRelationByIdentity(db, { pledge_id: otherId, kind: 'overlaps', other_id: pledgeId })
      : undefined);
    if (present !== undefined) {
      report.leftAlone.relations.push({ key, id: present, label });
      continue;
    }
    if (relationRemovedByEditor(db, identity)) {
      leaveOut('an editor removed or changed it');
      continue;
    }
    const checked = validateRelation(
      {
        pledge_id: String(pledgeId),
        kind: relation.kind,
        other_id: otherId === null ? '' : String(otherId),
        amount: relation.amount_usd === null ? '' : String(relation.amount_usd),
        note: relation.note,
        source_url: relation.source_url ?? '',
        source_title: relation.source_title,
        reason: SEED_UPDATE_REASON,
      },
      facts,
    );
    if (!checked.ok) {
      leaveOut(`refused: ${Object.values(checked.errors).join(' ')}`);
      continue;
    }
    const id = addRelationWithRevisions(db, checked.value, SEED_UPDATE_AUTHOR);
    report.added.relations.push({ key, id, label });
  }
}

/** An event (a concession too) with its further sources and its links, and the revision that says so. */
function addEvent(db: Db, { event, moreSources }: SeedEvent, pledgeIds: number[]): number {
  const id = insertEvent(db, event, moreSources);
  for (const pledgeId of pledgeIds) linkPledgeToEvent(db, pledgeId, id);
  const changes = diff(null, { ...event, more_sources: moreSources, pledge_ids: [...pledgeIds].sort((a, b) => a - b) });
  recordRevision(db, { entity: 'event', entityId: id, action: 'create', editor: SEED_UPDATE_AUTHOR, changes, reason: SEED_UPDATE_REASON });
  return id;
}

const identity = (values: unknown[]): string => JSON.stringify(values);

const pledgeLabel = (p: NewPledge): string => `${p.pledger}: ${p.project} (${p.announced_on})`;

/**
 * The identities entities had before an editor deleted them or changed a field of their identity, walking each
 * entity's revisions from its present state (or its deletion) back: a seed row with such an identity is not
 * missing. It is present under its new identity, or it was deleted.
 */
function pastIdentities(db: Db, entity: IdentityEntity): Map<string, Resolution> {
  const fields = IDENTITY_FIELDS[entity];
  const past = new Map<string, Resolution>();
  let entityId: number | undefined;
  let values: unknown[] | null = null;
  let deleted = false;
  for (const revision of identityRevisions(db, entity)) {
    if (revision.entity_id !== entityId) {
      entityId = revision.entity_id;
      values = revision.current === null ? null : (JSON.parse(revision.current) as unknown[]);
      deleted = false;
    }
    const changes = JSON.parse(revision.changes) as Record<string, { from: unknown } | undefined>;
    if (revision.action === 'delete') {
      deleted = true;
      values = fields.map((field) => changes[field]?.from ?? '');
    } else if (values !== null) {
      const now: unknown[] = values;
      values = fields.map((field, i): unknown => (changes[field] ? changes[field].from : now[i]));
    }
    if (values !== null && !past.has(identity(values))) past.set(identity(values), { state: deleted ? 'deleted' : 'present', id: entityId });
  }
  return past;
}

function pledgeDifferences(db: Db, id: number, seeded: NewPledge): string[] {
  const row = findPledge(db, id)!;
  const { sources, ...fields } = seeded;
  const present = Object.fromEntries(Object.keys(fields).map((field) => [field, row[field as keyof typeof row]]));
  return Object.keys(diff({ ...present, sources: sourcesOf(db, id) }, { ...fields, sources }));
}

function eventDifferences(db: Db, id: number, { event, moreSources }: SeedEvent): string[] {
  const { id: _id, ...present } = findEvent(db, id)!;
  return Object.keys(diff({ ...present, more_sources: moreSourcesOf(db, id) }, { ...event, more_sources: moreSources }));
}
