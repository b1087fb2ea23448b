import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../server/db.ts';
import { migrate, MigrationError, readMigrations } from '../server/migrate.ts';
import { addPledge, tempDbPath } from './helpers.ts';

let db: Db;
afterEach(() => db?.close());

describe('migrations', () => {
  it('when the database is new, then every migration is applied and recorded', () => {
    db = openDatabase(tempDbPath());
    const applied = migrate(db);
    expect(applied).toEqual(readMigrations().map((m) => m.name));
    const recorded = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(recorded).toEqual(readMigrations().map(({ version, name }) => ({ version, name })));
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['pledges', 'pledge_sources', 'events', 'pledge_events']));
  });

  it('when run again, then nothing is applied twice', () => {
    db = openDatabase(tempDbPath());
    migrate(db);
    expect(migrate(db)).toEqual([]);
  });

  it('when the database records a migration the code does not have, then it refuses and names it', () => {
    db = openDatabase(tempDbPath());
    migrate(db);
    db.prepare("INSERT INTO schema_migrations (version, name) VALUES (999, '999-from-the-future')").run();
    expect(() => migrate(db)).toThrow(MigrationError);
    expect(() => migrate(db)).toThrow(/999-from-the-future/);
  });

  it('when a migration fails, then none of it is kept', () => {
    db = openDatabase(tempDbPath());
    const broken = [{ version: 1, name: '001-broken', sql: 'CREATE TABLE half (x); CREATE TABLE half (y);' }];
    expect(() => migrate(db, broken)).toThrow();
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half'").pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(0);
  });
});

describe('database settings', () => {
  it('uses WAL, full sync, foreign keys and a busy timeout', () => {
    db = openDatabase(tempDbPath());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });
});

describe('pledge constraints', () => {
  it.each([
    ['a negative amount', { amount_usd: -1 }, 'pledges_amount_non_negative'],
    ['a fractional amount', { amount_usd: 1.5 }, 'pledges_amount_non_negative'],
    ['an amount above $1 quadrillion', { amount_usd: 2e15 }, 'pledges_amount_range'],
    ['a US share above 100', { us_share_pct: 101 }, 'pledges_us_share_range'],
    ['a negative US share', { us_share_pct: -0.5 }, 'pledges_us_share_range'],
    ['an unknown status', { status: 'forgotten' }, 'pledges_status_valid'],
    ['an unknown lever', { lever: 'bribery' }, 'pledges_lever_valid'],
    ['a malformed date', { announced_on: '21/01/2025' }, 'pledges_announced_on_format'],
    ['a blank pledger', { pledger: '  ' }, 'pledges_pledger_present'],
  ])('refuses %s with a named constraint', (_what, overrides, constraint) => {
    db = openDatabase(tempDbPath());
    migrate(db);
    expect(() => addPledge(db, overrides as never)).toThrow(constraint);
    expect(db.prepare('SELECT count(*) FROM pledges').pluck().get()).toBe(0);
  });

  it('stores an undisclosed amount as NULL, not 0', () => {
    db = openDatabase(tempDbPath());
    migrate(db);
    const id = addPledge(db, { amount_usd: null });
    expect(db.prepare('SELECT amount_usd FROM pledges WHERE id = ?').pluck().get(id)).toBeNull();
  });

  it('refuses a source that is not an http(s) URL', () => {
    db = openDatabase(tempDbPath());
    migrate(db);
    expect(() => addPledge(db, { sources: [{ url: 'javascript:alert(1)', title: '' }] })).toThrow(
      'pledge_sources_url_http',
    );
  });
});

describe('indexes', () => {
  it('serve the table’s default order without sorting every row', () => {
    db = openDatabase(tempDbPath());
    migrate(db);
    const plan = db
      .prepare('EXPLAIN QUERY PLAN SELECT id FROM pledges p ORDER BY p.amount_usd IS NULL, p.amount_usd DESC, p.id ASC LIMIT 50 OFFSET 500000')
      .all() as { detail: string }[];
    const details = plan.map((row) => row.detail).join(' | ');
    expect(details).toContain('pledges_default_order_idx');
    expect(details).not.toContain('USE TEMP B-TREE FOR ORDER BY');
  });

  it('serve an import’s lookup by pledger, project and date', () => {
    db = openDatabase(tempDbPath());
    migrate(db);
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT id FROM pledges WHERE pledger = 'a' AND project = 'b' AND announced_on = 'c'")
      .all() as { detail: string }[];
    expect(plan.map((row) => row.detail).join(' | ')).toContain('pledges_identity_idx');
  });
});
