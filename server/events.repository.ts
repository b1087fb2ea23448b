// Every SQL statement about political events and their links to pledges.
import type { Db } from './db.ts';

export const EVENT_KINDS = [
  'export_controls',
  'tariffs',
  'subsidies',
  'white_house_event',
  'administration',
  'market',
  'other',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface PoliticalEvent {
  id: number;
  occurred_on: string;
  title: string;
  kind: EventKind;
  note: string;
  source_url: string | null;
  source_title: string;
}

export interface EventListRow extends PoliticalEvent {
  pledge_count: number;
}

export interface LinkedPledge {
  id: number;
  pledger: string;
  project: string;
  amount_usd: number | null;
  announced_on: string;
}

export function listEvents(db: Db): EventListRow[] {
  return db
    .prepare(
      `SELECT e.id, e.occurred_on, e.title, e.kind, e.note, e.source_url, e.source_title,
              (SELECT count(*) FROM pledge_events pe WHERE pe.event_id = e.id) AS pledge_count
         FROM events e ORDER BY e.occurred_on, e.id`,
    )
    .all() as EventListRow[];
}

export function findEvent(db: Db, id: number): PoliticalEvent | undefined {
  return db
    .prepare('SELECT id, occurred_on, title, kind, note, source_url, source_title FROM events WHERE id = ?')
    .get(id) as PoliticalEvent | undefined;
}

export function eventsOfPledge(db: Db, pledgeId: number): PoliticalEvent[] {
  return db
    .prepare(
      `SELECT e.id, e.occurred_on, e.title, e.kind, e.note, e.source_url, e.source_title
         FROM events e JOIN pledge_events pe ON pe.event_id = e.id
        WHERE pe.pledge_id = ? ORDER BY e.occurred_on, e.id`,
    )
    .all(pledgeId) as PoliticalEvent[];
}

export function pledgesOfEvent(db: Db, eventId: number): LinkedPledge[] {
  return db
    .prepare(
      `SELECT p.id, p.pledger, p.project, p.amount_usd, p.announced_on
         FROM pledges p JOIN pledge_events pe ON pe.pledge_id = p.id
        WHERE pe.event_id = ? ORDER BY p.announced_on, p.id`,
    )
    .all(eventId) as LinkedPledge[];
}

export function insertEvent(db: Db, event: Omit<PoliticalEvent, 'id'>): number {
  const { lastInsertRowid } = db
    .prepare(
      `INSERT INTO events (occurred_on, title, kind, note, source_url, source_title)
       VALUES (@occurred_on, @title, @kind, @note, @source_url, @source_title)`,
    )
    .run(event);
  return Number(lastInsertRowid);
}

export function linkPledgeToEvent(db: Db, pledgeId: number, eventId: number): void {
  db.prepare('INSERT OR IGNORE INTO pledge_events (pledge_id, event_id) VALUES (?, ?)').run(pledgeId, eventId);
}
