import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { migrate } from '../../server/platform/migrate.ts';
import { seedOnce } from '../../server/import/seed.ts';
import { addPledge, tempDbPath } from '../helpers.ts';

let db: Db;
afterEach(() => db?.close());

function newDb(): Db {
  db = openDatabase(tempDbPath());
  migrate(db);
  return db;
}

describe('seeding', () => {
  it('when the database is new, then it holds every sourced pledge and event of FACTS.md', () => {
    newDb();
    expect(seedOnce(db)).toBe('seeded');
    const pledges = db.prepare('SELECT pledger, project, amount_usd, announced_on FROM pledges ORDER BY id').all();
    expect(pledges).toEqual([
      { pledger: 'OpenAI, SoftBank, Oracle, MGX', project: 'Stargate Project', amount_usd: 500e9, announced_on: '2025-01-21' },
      { pledger: 'Microsoft', project: 'AI-enabled data centers, fiscal year 2025', amount_usd: 80e9, announced_on: '2025-01-03' },
      { pledger: 'TSMC', project: expect.stringContaining('Arizona'), amount_usd: 100e9, announced_on: '2025-03-03' },
      { pledger: 'Nvidia', project: expect.stringContaining('NPR'), amount_usd: null, announced_on: '2025-04-09' },
      { pledger: 'Nvidia', project: expect.stringContaining('supercomputers'), amount_usd: 500e9, announced_on: '2025-04-14' },
    ]);
    const unsourced = db
      .prepare('SELECT count(*) FROM pledges p WHERE NOT EXISTS (SELECT 1 FROM pledge_sources s WHERE s.pledge_id = p.id)')
      .pluck()
      .get();
    expect(unsourced).toBe(0);
    const events = db.prepare('SELECT occurred_on, kind, source_url FROM events ORDER BY occurred_on, id').all() as {
      occurred_on: string;
      source_url: string;
    }[];
    expect(events.map((e) => e.occurred_on)).toEqual(['2025-01-13', '2025-01-20', '2025-01-20', '2025-02', '2025-04-04', '2025-04-09']);
    expect(events.every((e) => e.source_url.startsWith('https://'))).toBe(true);
  });

  it('links both Nvidia pledges to the H20 events', () => {
    newDb();
    seedOnce(db);
    const linked = db
      .prepare(
        `SELECT p.project, e.title FROM pledge_events pe JOIN pledges p ON p.id = pe.pledge_id
           JOIN events e ON e.id = pe.event_id WHERE p.pledger = 'Nvidia' AND e.title LIKE '%H20%' ORDER BY p.id, e.id`,
      )
      .all() as { project: string; title: string }[];
    expect(linked.some((row) => row.project.includes('NPR'))).toBe(true);
    expect(linked.some((row) => row.project.includes('supercomputers'))).toBe(true);
  });

  it('when seeded rows were deleted, then seeding does not bring them back', () => {
    newDb();
    seedOnce(db);
    db.prepare('DELETE FROM pledges').run();
    db.prepare('DELETE FROM events').run();
    expect(seedOnce(db)).toBe('already-seeded');
    expect(db.prepare('SELECT count(*) FROM pledges').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
  });

  it('when the database already holds pledges, then it leaves them alone and adds none', () => {
    newDb();
    addPledge(db, { pledger: 'Imported Co' });
    expect(seedOnce(db)).toBe('has-data');
    expect(db.prepare('SELECT pledger FROM pledges').pluck().all()).toEqual(['Imported Co']);
    expect(seedOnce(db)).toBe('already-seeded');
  });

  it('keeps a month-only date at month precision', () => {
    newDb();
    seedOnce(db);
    expect(db.prepare("SELECT occurred_on FROM events WHERE title LIKE 'Senators%'").pluck().get()).toBe('2025-02');
  });
});
