// Migration 015 on a database made by the migrations before it: events rebuilt with the concession kind and type.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { migrate, readMigrations } from '../../server/platform/migrate.ts';
import { tempDbPath } from '../helpers.ts';

let db: Db;
afterEach(() => {
  const file = db?.name;
  db?.close();
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

const before015 = () => readMigrations().filter((m) => m.version < 15);

/** What the release before 015 wrote: pledges, six events in its own columns, links between them. */
function previousRelease(): void {
  // In that release's columns: the repository writes today's.
  const addPledge = (pledger: string) => Number(db.prepare("INSERT INTO pledges (pledger, announced_on) VALUES (?, '2025-05-01')").run(pledger).lastInsertRowid);
  const pledges = [addPledge('Nvidia'), addPledge('TSMC')];
  const insert = db.prepare('INSERT INTO events (occurred_on, title, kind, note, source_url, source_title) VALUES (?, ?, ?, ?, ?, ?)');
  const kinds = ['export_controls', 'tariffs', 'subsidies', 'white_house_event', 'administration', 'market'];
  kinds.forEach((kind, i) => {
    const id = Number(insert.run(`2025-0${i + 1}`, `Event ${i + 1}`, kind, `note ${i}`, i % 2 ? null : `https://example.com/${i}`, '').lastInsertRowid);
    db.prepare('INSERT INTO pledge_events (pledge_id, event_id) VALUES (?, ?)').run(pledges[i % 2], id);
  });
}
const dataVersion = () => Number(db.prepare("SELECT value FROM app_meta WHERE key = 'data_version'").pluck().get());
const schemaOf = (type: string, table: string) =>
  db.prepare('SELECT name FROM sqlite_schema WHERE type = ? AND tbl_name = ? ORDER BY name').pluck().all(type, table);

describe('migration 015-concessions', () => {
  it('keeps every event, its links, its revisions and its timestamps, and allows the kind concession with a type', () => {
    db = openDatabase(tempDbPath());
    migrate(db, before015());
    previousRelease();
    db.prepare("INSERT INTO revisions (entity, entity_id, action, username, changes) VALUES ('event', 5, 'update', 'maria', '{}')").run();
    const events = db.prepare('SELECT * FROM events ORDER BY id').all();
    const links = db.prepare('SELECT * FROM pledge_events ORDER BY pledge_id, event_id').all();
    expect(events).toHaveLength(6);
    expect(links.length).toBeGreaterThan(0);
    expect(() => db.prepare("INSERT INTO events (occurred_on, title, kind) VALUES ('2025-07-14', 'x', 'concession')").run()).toThrow(/events_kind_valid/);

    expect(migrate(db, readMigrations().filter((m) => m.version <= 15))).toEqual(['015-concessions']);

    expect(db.prepare('SELECT id, occurred_on, title, kind, note, source_url, source_title, created_at, updated_at FROM events ORDER BY id').all()).toEqual(events);
    expect(db.prepare('SELECT count(*) FROM events WHERE concession_type IS NOT NULL').pluck().get()).toBe(0);
    expect(db.prepare('SELECT * FROM pledge_events ORDER BY pledge_id, event_id').all()).toEqual(links);
    expect(db.prepare("SELECT count(*) FROM revisions WHERE entity = 'event'").pluck().get()).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.prepare("INSERT INTO events (occurred_on, title, kind, concession_type) VALUES ('2025-07-14', 'Licences assured', 'concession', 'export_relief')").run().changes).toBe(1);
  });

  it('makes the index and the data-version triggers again, and the foreign keys still cascade', () => {
    db = openDatabase(tempDbPath());
    migrate(db, before015());
    const triggers = schemaOf('trigger', 'events');
    const indexes = schemaOf('index', 'events');
    previousRelease();
    migrate(db);
    expect(schemaOf('trigger', 'events')).toEqual(triggers);
    expect(schemaOf('index', 'events')).toEqual([...indexes, 'events_concessions_idx'].sort());
    expect(schemaOf('trigger', 'event_sources')).toEqual(['event_sources_delete_data_version', 'event_sources_insert_data_version', 'event_sources_update_data_version']);

    const version = dataVersion();
    const id = Number(db.prepare("INSERT INTO events (occurred_on, title, kind, concession_type) VALUES ('2025-08-10', 'Revenue share', 'concession', 'government_stake')").run().lastInsertRowid);
    expect(dataVersion()).toBe(version + 1);
    db.prepare("INSERT INTO event_sources (event_id, position, url) VALUES (?, 1, 'https://example.com/second')").run(id);
    expect(dataVersion()).toBe(version + 2);
    db.prepare('INSERT INTO pledge_events (pledge_id, event_id) VALUES (1, ?)').run(id);
    db.prepare('DELETE FROM events WHERE id = ?').run(id);
    expect(db.prepare('SELECT count(*) FROM pledge_events WHERE event_id = ?').pluck().get(id)).toBe(0);
    expect(db.prepare('SELECT count(*) FROM event_sources WHERE event_id = ?').pluck().get(id)).toBe(0);
    expect(() => db.prepare("INSERT INTO event_sources (event_id, position, url) VALUES (999, 1, 'https://example.com/x')").run()).toThrow(/FOREIGN KEY/);
  });
});
