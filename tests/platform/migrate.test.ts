import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { migrate, MigrationError, MIGRATIONS_DIR, readMigrations } from '../../server/platform/migrate.ts';
import { COMMITMENT_KINDS, LEVERS, PLEDGER_KINDS, STATUSES } from '../../server/pledges/pledge.model.ts';
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
    ['an unknown kind of pledger', { pledger_kind: 'person' }, 'pledges_pledger_kind_valid'],
    ['an unknown kind of commitment', { commitment_kind: 'loan' }, 'pledges_commitment_kind_valid'],
    ['a status in capitals', { status: 'Announced' }, 'pledges_status_valid'],
  ])('refuses %s with a named constraint', (_what, overrides, constraint) => {
    db = openDatabase(tempDbPath());
    migrate(db);
    expect(() => addPledge(db, overrides as never)).toThrow(constraint);
    expect(db.prepare('SELECT count(*) FROM pledges').pluck().get()).toBe(0);
  });

  it('accepts every value of each list of choices, and no value where one may be left out', () => {
    db = openDatabase(tempDbPath());
    migrate(db);
    for (const status of STATUSES) addPledge(db, { status });
    for (const lever of [...LEVERS, null]) addPledge(db, { lever });
    for (const pledger_kind of [...PLEDGER_KINDS, null]) addPledge(db, { pledger_kind });
    for (const commitment_kind of [...COMMITMENT_KINDS, null]) addPledge(db, { commitment_kind });
    expect(db.prepare('SELECT count(*) FROM pledges').pluck().get()).toBe(STATUSES.length + LEVERS.length + PLEDGER_KINDS.length + COMMITMENT_KINDS.length + 3);
  });

  it('refuses a status step or a revision outside their lists, and takes each value of them', () => {
    db = openDatabase(tempDbPath());
    migrate(db);
    const id = addPledge(db);
    const step = db.prepare("INSERT INTO status_changes (pledge_id, status, changed_on, evidence_url) VALUES (?, ?, '2025-06-01', 'https://example.com/s')");
    const revision = db.prepare("INSERT INTO revisions (entity, entity_id, action, username, changes) VALUES ('pledge', ?, ?, 'x', '{}')");
    for (const status of STATUSES) step.run(id, status);
    for (const action of ['create', 'update', 'delete']) revision.run(id, action);
    expect(() => step.run(id, 'forgotten')).toThrow('status_changes_status_valid');
    expect(() => revision.run(id, 'rename')).toThrow('revisions_action_valid');
    expect(db.prepare('SELECT (SELECT count(*) FROM status_changes) || \'/\' || (SELECT count(*) FROM revisions)').pluck().get()).toBe(`${STATUSES.length}/3`);
  });

  it('when a database made before the lists were written as comparisons is migrated, then its rows stay and the rules hold', () => {
    db = openDatabase(tempDbPath());
    migrate(db, readMigrations().filter((migration) => migration.version < 33));
    const ids = STATUSES.map((status, i) => addPledge(db, { status, lever: LEVERS[i], pledger_kind: PLEDGER_KINDS[i % 3], commitment_kind: COMMITMENT_KINDS[i % 4] }));
    db.prepare("INSERT INTO status_changes (pledge_id, status, changed_on, evidence_url) VALUES (?, 'stalled', '2025-06-01', 'https://example.com/s')").run(ids[0]);
    expect(migrate(db)).toContain('033-checks-without-lists');
    expect(db.prepare('SELECT status FROM pledges ORDER BY id').pluck().all()).toEqual([...STATUSES]);
    expect(db.prepare('SELECT count(*) FROM status_changes').pluck().get()).toBe(1);
    expect(() => addPledge(db, { status: 'forgotten' } as never)).toThrow('pledges_status_valid');
    expect(() => addPledge(db, { lever: 'bribery' } as never)).toThrow('pledges_lever_valid');
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
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
