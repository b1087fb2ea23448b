import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { migrate, MigrationError, MIGRATIONS_DIR, readMigrations } from '../../server/platform/migrate.ts';
import { addPledge, tempDbPath } from '../helpers.ts';

/** The SHA-256 of a migration file's bytes, computed here rather than by the code under test. */
function fileChecksum(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function recordedChecksums(db: Db): { name: string; checksum: string | null }[] {
  return db.prepare('SELECT name, checksum FROM schema_migrations ORDER BY version').all() as { name: string; checksum: string | null }[];
}

function filesChecksums(dir = MIGRATIONS_DIR): { name: string; checksum: string }[] {
  return readMigrations(dir).map(({ name }) => ({ name, checksum: fileChecksum(path.join(dir, `${name}.sql`)) }));
}

let db: Db;
const dirs: string[] = [];
afterEach(() => {
  db?.close();
  dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
});

/** A copy of db/migrations that a test may edit. */
function copyOfMigrations(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-tracker-migrations-'));
  dirs.push(dir);
  fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

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

  it('when the database is new, then each migration is recorded with the SHA-256 of its file', () => {
    db = openDatabase(tempDbPath());
    migrate(db);
    const recorded = recordedChecksums(db);
    expect(recorded.length).toBe(readMigrations().length);
    for (const { checksum } of recorded) expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(recorded).toEqual(filesChecksums());
  });

  it('when the database was made before checksums were recorded, then it records the current files’ and applies nothing', () => {
    db = openDatabase(tempDbPath());
    migrate(db);
    // The table as it was made before checksums: no such column.
    db.exec('ALTER TABLE schema_migrations DROP COLUMN checksum');

    expect(migrate(db)).toEqual([]);
    // Nothing to compare against (migration 007 was edited after landing): the files as they are now are recorded.
    expect(recordedChecksums(db)).toEqual(filesChecksums());
    expect(migrate(db)).toEqual([]);
  });

  it('when a migration’s file changed after it was applied, then it refuses, naming the migration and both checksums', () => {
    const dir = copyOfMigrations();
    db = openDatabase(tempDbPath());
    migrate(db, readMigrations(dir));
    const edited = path.join(dir, '007-amount-bands.sql');
    const before = fileChecksum(edited);
    fs.appendFileSync(edited, '\nCREATE INDEX an_afterthought ON pledges (project);\n');
    const after = fileChecksum(edited);

    let refusal: unknown;
    try {
      migrate(db, readMigrations(dir));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(MigrationError);
    const { message } = refusal as MigrationError;
    expect(message).toContain('007-amount-bands');
    expect(message).toContain(before);
    expect(message).toContain(after);
    expect(message).toContain('git checkout db/migrations/007-amount-bands.sql');
    expect(message).toContain('new migration');
    // Refused before running anything: the edit did not reach the database, the record is unchanged.
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'an_afterthought'").pluck().get()).toBe(0);
    expect(db.prepare("SELECT checksum FROM schema_migrations WHERE name = '007-amount-bands'").pluck().get()).toBe(before);
  });

  it('when a checkout turned a migration’s line endings into CRLF, then it is the same migration', () => {
    const dir = copyOfMigrations();
    db = openDatabase(tempDbPath());
    migrate(db, readMigrations(dir));
    const file = path.join(dir, '007-amount-bands.sql');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll('\n', '\r\n'));

    expect(migrate(db, readMigrations(dir))).toEqual([]);
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
