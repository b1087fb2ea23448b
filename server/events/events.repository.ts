// Every SQL statement about political events and their links to pledges.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import { diff, nextIdSql, recordRevision, type Editor } from '../revisions/revisions.repository.ts';
import type { CsvCell } from '../pledges/pledges.csv.ts';
import { lastPledgeId } from '../pledges/pledges.sql.ts';
import { EVENT_CSV_COLUMNS, type EventListRow, type EventSource, type LinkedPledge, type PoliticalEvent } from './event.model.ts';

/**
 * Every event, oldest first, with how many pledges it bears on. before (an as-of view's first day after its date):
 * only the events, and the pledges, dated before it.
 */
export function listEvents(db: Db, before: string | null = null): EventListRow[] {
  // The links alone are counted in their index; as of a date, each linked pledge's date is read too.
  const count =
    before === null
      ? '(SELECT count(*) FROM pledge_events pe WHERE pe.event_id = e.id)'
      : `(SELECT count(*) FROM pledge_events pe CROSS JOIN pledges p ON p.id = pe.pledge_id
           WHERE pe.event_id = e.id AND p.announced_on < @before)`;
  return statement(
    db,
    `SELECT ${EVENT_COLUMNS}, ${count} AS pledge_count
       FROM events e WHERE @before IS NULL OR e.occurred_on < @before ORDER BY e.occurred_on, e.id`,
  ).all({ before }) as EventListRow[];
}

const EVENT_COLUMNS = 'e.id, e.occurred_on, e.title, e.kind, e.concession_type, e.note, e.source_url, e.source_title';

/** Every event dated before `before` (null: every event), oldest first, without counting their pledges: the dashboard's. */
export function eventsBefore(db: Db, before: string | null = null): PoliticalEvent[] {
  return statement(db, `SELECT ${EVENT_COLUMNS} FROM events e WHERE @before IS NULL OR e.occurred_on < @before ORDER BY e.occurred_on, e.id`).all({
    before,
  }) as PoliticalEvent[];
}

export function findEvent(db: Db, id: number): PoliticalEvent | undefined {
  return db
    .prepare('SELECT id, occurred_on, title, kind, concession_type, note, source_url, source_title FROM events WHERE id = ?')
    .get(id) as PoliticalEvent | undefined;
}

/** The pledges an event bears on; before: only those announced before that date. */
export function pledgesOfEvent(db: Db, eventId: number, before: string | null = null): LinkedPledge[] {
  return statement(
    db,
    `SELECT p.id, p.pledger, p.project, p.amount_usd, p.announced_on
       FROM pledges p JOIN pledge_events pe ON pe.pledge_id = p.id
      WHERE pe.event_id = @id AND (@before IS NULL OR p.announced_on < @before) ORDER BY p.announced_on, p.id`,
  ).all({ id: eventId, before }) as LinkedPledge[];
}

/** An event's sources after its first, in order. */
export function moreSourcesOf(db: Db, eventId: number): EventSource[] {
  return statement(db, 'SELECT url, title FROM event_sources WHERE event_id = ? ORDER BY position').all(eventId) as EventSource[];
}

/** Inserts an event with its further sources; the caller wraps it in a transaction with what goes with it. */
export function insertEvent(db: Db, event: Omit<PoliticalEvent, 'id'>, moreSources: EventSource[] = []): number {
  const { lastInsertRowid } = statement(
    db,
    `INSERT INTO events (id, occurred_on, title, kind, concession_type, note, source_url, source_title)
     VALUES (${nextIdSql('events', 'event')}, @occurred_on, @title, @kind, @concession_type, @note, @source_url, @source_title)`,
  ).run(event);
  const id = Number(lastInsertRowid);
  addMoreSources(db, id, moreSources);
  return id;
}

function addMoreSources(db: Db, eventId: number, sources: EventSource[]): void {
  const add = statement(db, 'INSERT INTO event_sources (event_id, position, url, title) VALUES (?, ?, ?, ?)');
  sources.forEach((source, i) => add.run(eventId, i + 1, source.url, source.title));
}

export function linkPledgeToEvent(db: Db, pledgeId: number, eventId: number): void {
  statement(db, 'INSERT OR IGNORE INTO pledge_events (pledge_id, event_id) VALUES (?, ?)').run(pledgeId, eventId);
}

export interface EventWrite {
  event: Omit<PoliticalEvent, 'id'>;
  moreSources: EventSource[];
  pledgeIds: number[];
  reason: string;
}

function snapshot(db: Db, id: number): Record<string, unknown> | null {
  const event = findEvent(db, id);
  if (!event) return null;
  const { id: _id, ...fields } = event;
  const pledgeIds = statement(db, 'SELECT pledge_id FROM pledge_events WHERE event_id = ? ORDER BY pledge_id').pluck().all(id);
  return { ...fields, more_sources: moreSourcesOf(db, id), pledge_ids: pledgeIds };
}

function relink(db: Db, id: number, pledgeIds: number[]): void {
  statement(db, 'DELETE FROM pledge_events WHERE event_id = ?').run(id);
  const link = statement(db, 'INSERT INTO pledge_events (pledge_id, event_id) VALUES (?, ?)');
  for (const pledgeId of pledgeIds) link.run(pledgeId, id);
}

export function createEvent(db: Db, write: EventWrite, editor: Editor): number {
  return db.transaction(() => {
    const id = insertEvent(db, write.event, write.moreSources);
    relink(db, id, write.pledgeIds);
    recordRevision(db, { entity: 'event', entityId: id, action: 'create', editor, changes: diff(null, snapshot(db, id)), reason: write.reason });
    return id;
  }).immediate();
}

export function updateEvent(db: Db, id: number, write: EventWrite, editor: Editor): boolean {
  return db.transaction(() => {
    const before = snapshot(db, id);
    if (!before) return false;
    const changes = diff(before, { ...write.event, more_sources: write.moreSources, pledge_ids: write.pledgeIds });
    if (Object.keys(changes).length === 0) return true;
    statement(db, 
      `UPDATE events SET occurred_on = @occurred_on, title = @title, kind = @kind, concession_type = @concession_type, note = @note,
         source_url = @source_url, source_title = @source_title, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = @id`,
    ).run({ ...write.event, id });
    statement(db, 'DELETE FROM event_sources WHERE event_id = ?').run(id);
    addMoreSources(db, id, write.moreSources);
    relink(db, id, write.pledgeIds);
    recordRevision(db, { entity: 'event', entityId: id, action: 'update', editor, changes, reason: write.reason });
    return true;
  }).immediate();
}

export function deleteEvent(db: Db, id: number, editor: Editor, reason: string): boolean {
  return db.transaction(() => {
    const before = snapshot(db, id);
    if (!before) return false;
    statement(db, 'DELETE FROM events WHERE id = ?').run(id);
    recordRevision(db, { entity: 'event', entityId: id, action: 'delete', editor, changes: diff(before, null), reason });
    return true;
  }).immediate();
}

/**
 * For the events list: each event's largest linked pledges (at most `limit`), the largest first (ties by id).
 * Ranking every link's pledge reads each one (about 3 µs a link); walking the pledges from the largest amount down
 * (pledges_default_order_idx) until each event has its `limit` reads about limit × pledges / links of them for an
 * event whose links are spread over the amounts, each far cheaper. So an event with n links is walked when
 * 10 n² ≥ limit × pledges (707 links at a million pledges and a limit of 5), one with fewer is ranked. At a million
 * generated pledges (220,412 links of 64 events, each with 713 or more): all ranked, 650–870 ms; all walked, 30–34
 * ms. As of a date (before), every event is ranked: an event whose links are nearly all announced later could have
 * the walk read every pledge.
 */
export function topPledgesByEvent(db: Db, limit = 5, before: string | null = null): Map<number, LinkedPledge[]> {
  const links = statement(db, 'SELECT event_id, count(*) FROM pledge_events GROUP BY event_id').raw().all() as [number, number][];
  const pledges = lastPledgeId(db);
  const walked = before === null ? links.filter(([, count]) => 10 * count * count >= limit * pledges).map(([event]) => event) : [];
  const ranked = links.map(([event]) => event).filter((event) => !walked.includes(event));
  const byEvent = new Map<number, LinkedPledge[]>();
  const add = ({ event_id: eventId, ...pledge }: LinkedPledge & { event_id: number }) => {
    const list = byEvent.get(eventId) ?? byEvent.set(eventId, []).get(eventId)!;
    if (list.length < limit) list.push(pledge);
    return list.length;
  };
  if (ranked.length > 0) {
    const rows = statement(
      db,
      `SELECT event_id, id, pledger, project, amount_usd, announced_on FROM (
         SELECT pe.event_id, p.id, p.pledger, p.project, p.amount_usd, p.announced_on,
                row_number() OVER (PARTITION BY pe.event_id ORDER BY p.amount_usd IS NULL, p.amount_usd DESC, p.id) AS n
           FROM pledge_events pe JOIN pledges p ON p.id = pe.pledge_id
          WHERE pe.event_id IN (SELECT value FROM json_each(@events)) AND (@before IS NULL OR p.announced_on < @before))
        WHERE n <= @limit ORDER BY event_id, n`,
    ).all({ limit, before, events: JSON.stringify(ranked) }) as (LinkedPledge & { event_id: number })[];
    for (const row of rows) add(row);
  }
  if (walked.length > 0) {
    // Each pledge's links are read by its id alone (the unary +): looked up once per walked event, 64 of them at a
    // million pledges, the walk took 112–141 ms against 14–16.
    const rows = statement(
      db,
      `SELECT pe.event_id, p.id, p.pledger, p.project, p.amount_usd, p.announced_on
         FROM pledges p INDEXED BY pledges_default_order_idx CROSS JOIN pledge_events pe ON pe.pledge_id = p.id
        WHERE +pe.event_id IN (SELECT value FROM json_each(@events))
        ORDER BY p.amount_usd IS NULL, p.amount_usd DESC, p.id`,
    ).iterate({ events: JSON.stringify(walked) }) as IterableIterator<LinkedPledge & { event_id: number }>;
    let open = walked.length;
    for (const row of rows) {
      if ((byEvent.get(row.event_id)?.length ?? 0) >= limit) continue;
      // The walk ends once every walked event has its largest.
      if (add(row) === limit && --open === 0) break;
    }
  }
  return byEvent;
}

// The first source, then the further ones in order, space-separated (as concessions.csv lists them).
const EXPORT_COLUMNS: Record<(typeof EVENT_CSV_COLUMNS)[number], string> = {
  id: 'e.id',
  occurred_on: 'e.occurred_on',
  title: 'e.title',
  kind: 'e.kind',
  concession_type: 'e.concession_type',
  note: 'e.note',
  source_url: 'e.source_url',
  source_title: 'e.source_title',
  source_urls: `trim(coalesce(e.source_url, '') || coalesce((SELECT ' ' || group_concat(s.url, ' ' ORDER BY s.position)
    FROM event_sources s WHERE s.event_id = e.id), ''))`,
  created_at: 'e.created_at',
  updated_at: 'e.updated_at',
};

/** Every event as /events.csv's columns, by id, one row at a time; before: those dated before that day. */
export function iterateEventsExport(db: Db, before: string | null = null): IterableIterator<CsvCell[]> {
  const columns = EVENT_CSV_COLUMNS.map((column) => `${EXPORT_COLUMNS[column]} AS ${column}`).join(', ');
  return db
    .prepare(`SELECT ${columns} FROM events e WHERE @before IS NULL OR e.occurred_on < @before ORDER BY e.id`)
    .raw()
    .iterate({ before }) as IterableIterator<CsvCell[]>;
}
