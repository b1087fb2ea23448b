// A full disk: writes are refused with 507 and a plain message, nothing half-written, logged once; reads, a
// signed-in editor's pages and the process itself carry on; SIGTERM still closes. Without root: SQLite's
// max_page_count caps the app's own connection (ctx.db in process, DATABASE_MAX_MB for a server), and prlimit
// caps the size of the server's files.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isFull, openDatabase, type Db } from '../../server/platform/db.ts';
import { addEditor } from '../../server/auth/editors.ts';
import { survivesUncaught } from '../../server/platform/errors.ts';
import { createLogger } from '../../server/platform/log.ts';
import { migrate } from '../../server/platform/migrate.ts';
import { createPledge } from '../../server/pledges/pledges.repository.ts';
import { seedOnce } from '../../server/import/seed.ts';
import { findUserByName, createApiToken } from '../../server/auth/users.repository.ts';
import { count, csrfFrom, freshApp, PASSWORD, pledgeFixture, pledgeForm, signedIn, tempDbPath, type TestContext } from '../helpers.ts';
import { Client, startServer } from '../process.ts';

let ctx: TestContext | undefined;
const dirs: string[] = [];
afterEach(() => {
  ctx?.cleanup();
  ctx = undefined;
  dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
  vi.restoreAllMocks();
});

const MESSAGE = "The server's disk is full, so nothing was saved. Please try again later.";
/** The longest context note a pledge may have: each write the tests make needs room. */
const NOTE = 'Announced a week after a tariff threat. '.repeat(50);

/**
 * Leaves the database as a full disk would: no page may be added on this connection, and pledges like the ones
 * the tests post are added until one no longer fits.
 */
function fillDisk(db: Db): void {
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  const pledge = pledgeFixture({ context_note: NOTE });
  for (let i = 0; ; i++) {
    try {
      createPledge(db, { pledge: { ...pledge, pledger: `Filler ${i}` }, eventIds: [], reason: '', statusChange: null }, { id: null, username: 'test' });
    } catch (error) {
      if (isFull(error)) return;
      throw error;
    }
  }
}

/** Room again, as when someone has deleted files. */
function makeRoom(db: Db): void {
  db.pragma('max_page_count = 1000000');
}

/**
 * On a full disk every write fails, a session's among them: SQLite cannot add to its log. Under max_page_count
 * only a write that needs a new page does, and a session's expiry is updated in place: these triggers make
 * every session write need pages. (Created before fillDisk, which leaves no room for them.)
 */
function sessionWritesNeedRoom(db: Db): void {
  db.exec(`
    CREATE TABLE test_room (filler BLOB);
    CREATE TRIGGER test_session_update AFTER UPDATE ON sessions BEGIN INSERT INTO test_room VALUES (zeroblob(8192)); END;
    CREATE TRIGGER test_session_insert AFTER INSERT ON sessions BEGIN INSERT INTO test_room VALUES (zeroblob(8192)); END;
  `);
}

const diskFullLines = (lines: Record<string, unknown>[]) => lines.filter((line) => String(line.msg).startsWith('The disk is full'));

describe('a write on a full disk', () => {
  it('answers 507 with a plain page, writes nothing, and logs the first refusal, then one line a minute', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    fillDisk(ctx.db);
    const [pledges, revisions] = [count(ctx.db, 'pledges'), count(ctx.db, 'revisions')];

    for (let i = 0; i < 3; i++) {
      const res = await agent.post('/pledges').type('form').send({ ...pledgeForm({ pledger: `Refused ${i}`, context_note: NOTE }), _csrf: csrf });
      expect(res.status).toBe(507);
      expect(res.text).toContain('507 · Disk full');
      expect(res.text).toContain(MESSAGE.replace("'", '&#39;'));
    }
    expect([count(ctx.db, 'pledges'), count(ctx.db, 'revisions')]).toEqual([pledges, revisions]);
    expect(diskFullLines(ctx.logLines).map((line) => line.refused)).toEqual([1]);

    const aMinuteLater = Date.now() + 61_000;
    vi.spyOn(Date, 'now').mockReturnValue(aMinuteLater);
    expect((await agent.post('/pledges').type('form').send({ ...pledgeForm({ context_note: NOTE }), _csrf: csrf })).status).toBe(507);
    expect(diskFullLines(ctx.logLines).map((line) => line.refused)).toEqual([1, 3]);
  });

  it('answers 507 in JSON to the API', async () => {
    ctx = freshApp();
    await addEditor(ctx.db, 'script', PASSWORD);
    const token = createApiToken(ctx.db, findUserByName(ctx.db, 'script')!.id, 'importer');
    fillDisk(ctx.db);
    const pledges = count(ctx.db, 'pledges');
    const body = { pledger: 'Acme', project: 'Texas plant', amount: '12.5B', announced_on: '2025-07-01', context_note: NOTE, sources: [{ url: 'https://example.com/acme', title: 'Acme' }] };
    const res = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${token}`).send(body);
    expect(res.status).toBe(507);
    expect(res.body).toEqual({ error: { status: 507, message: MESSAGE } });
    expect(count(ctx.db, 'pledges')).toBe(pledges);
  });

  it('answers 507 to an import confirmed on a full disk, writes none of it, and keeps the upload for a retry', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const lines = Array.from({ length: 50 }, (_, i) => `Pledger ${i},Plant ${i},${i + 1} million,2025-01-01,https://example.com/${i},"${NOTE}"`);
    const file = Buffer.from(`pledger,project,amount,announced,source url,context note\r\n${lines.join('\r\n')}\r\n`);
    const preview = await agent.post('/pledges/import').field('_csrf', csrf).attach('file', file, 'full.csv');
    expect(preview.text).toContain('<strong>full.csv</strong>: 50 new');
    const token = /name="token" value="([0-9a-f]{32})"/.exec(preview.text)![1];
    const confirm = () => agent.post('/pledges/import/confirm').type('form').send({ _csrf: csrfFrom(preview.text), token });
    fillDisk(ctx.db);
    const pledges = count(ctx.db, 'pledges');

    const refused = await confirm();
    expect(refused.status).toBe(507);
    expect(refused.text).toContain(MESSAGE.replace("'", '&#39;'));
    expect(count(ctx.db, 'pledges')).toBe(pledges);

    makeRoom(ctx.db);
    expect((await confirm()).status).toBe(303);
    expect(count(ctx.db, 'pledges')).toBe(pledges + 50);
  });
});

describe('reading on a full disk', () => {
  it('serves the dashboard, the table and the API', async () => {
    ctx = freshApp();
    fillDisk(ctx.db);
    for (const url of ['/', '/pledges', '/api/pledges', '/pledges.csv']) {
      const res = await request(ctx.app).get(url);
      expect(res.status, url).toBe(200);
    }
    expect((await request(ctx.app).get('/pledges?q=Filler%200')).text).toContain('Filler 0');
  });

  it('serves a signed-in editor’s pages, leaving the session’s expiry as it was', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx);
    sessionWritesNeedRoom(ctx.db);
    fillDisk(ctx.db);
    const expiry = () => ctx!.db.prepare('SELECT expires_at FROM sessions').pluck().all();
    const before = expiry();
    await new Promise((resolve) => setTimeout(resolve, 5));

    const page = await agent.get('/pledges');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Sign out');
    expect((await agent.get('/pledges/new')).status).toBe(200);
    expect(expiry()).toEqual(before);
  });

  it('serves the sign-in page, which writes nothing', async () => {
    ctx = freshApp();
    sessionWritesNeedRoom(ctx.db);
    fillDisk(ctx.db);
    const res = await request(ctx.app).get('/login');
    expect(res.status).toBe(200);
    expect(res.text).toContain('name="password"');
    expect(count(ctx.db, 'sessions')).toBe(0);
    expect(diskFullLines(ctx.logLines)).toHaveLength(0);
  });
});

describe('an exception nothing caught', () => {
  it('leaves the server running when it is SQLite’s, rolling back what it left open; not otherwise', () => {
    ctx = freshApp();
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    ctx.db.exec('BEGIN');
    ctx.db.prepare("UPDATE pledges SET project = 'never saved' WHERE id = 1").run();
    let error: unknown;
    try {
      ctx.db.prepare('SELECT * FROM no_such_table').get();
    } catch (caught) {
      error = caught;
    }
    expect(survivesUncaught(error, ctx.db, logger)).toBe(true);
    expect(ctx.db.inTransaction).toBe(false);
    expect(ctx.db.prepare('SELECT project FROM pledges WHERE id = 1').pluck().get()).not.toBe('never saved');
    expect(lines.join('')).toContain('A database error escaped its request');
    expect(survivesUncaught(new TypeError('a bug'), ctx.db, logger)).toBe(false);
  });
});

describe('the server process on a full disk', () => {
  /** A database of its own, seeded, with an editor, and folded into one file. */
  async function prepared(): Promise<string> {
    const databasePath = tempDbPath();
    dirs.push(path.dirname(databasePath));
    const db = openDatabase(databasePath);
    migrate(db);
    seedOnce(db);
    await addEditor(db, 'maria', PASSWORD);
    // No free page left inside the file either (the seed's triggers delete and rewrite rows of the pre-grouped
    // tables and the search index): a write then needs a new page, which the cap refuses.
    db.exec('VACUUM');
    db.close();
    return databasePath;
  }

  it('answers a signed-in editor’s page view, then the next request, and refuses a write with 507', async () => {
    const databasePath = await prepared();
    const db = openDatabase(databasePath);
    // Only the expiry's update (touch): the sign-in's new session, and its form token, go where the table has room.
    db.exec(`
      CREATE TABLE test_room (filler BLOB);
      CREATE TRIGGER test_session_touch AFTER UPDATE ON sessions WHEN OLD.data IS NEW.data BEGIN INSERT INTO test_room VALUES (zeroblob(8192)); END;
    `);
    db.close();
    // A cap below the database's size: not one page may be added.
    const server = await startServer(databasePath, { DATABASE_MAX_MB: '0.01', SESSION_SECRET: 'a session secret of forty characters!!!!' });
    try {
      expect(server.url, server.output).toBeDefined();
      const editor = new Client(server.url!);
      // Signing in opens the form page, a signed-in page view whose expiry update finds no room.
      const csrf = await editor.signIn('maria', PASSWORD);
      const page = await editor.request('/pledges');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Sign out');
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const write = await editor.request('/pledges', { form: { ...(pledgeForm({ context_note: NOTE }) as Record<string, string>), _csrf: csrf } });
      expect(write.status).toBe(507);
      expect(server.child.exitCode).toBeNull();
    } finally {
      await server.stop();
    }
    expect(server.output.match(/The disk is full/g)).toHaveLength(1);
  });

  it('on SIGTERM logs that the log could not be folded into the database, closes, exits 1, and loses nothing', async () => {
    const databasePath = await prepared();
    // No file of the server's may grow past the database's size: the log may take what the writes below need
    // (it is why the database is given 2 MB of ballast), the database not.
    const ballast = openDatabase(databasePath);
    ballast.exec('CREATE TABLE test_ballast (filler BLOB)');
    ballast.prepare('INSERT INTO test_ballast VALUES (zeroblob(2000000))').run();
    ballast.close();
    const size = fs.statSync(databasePath).size;
    const server = await startServer(databasePath, { ADMIN_PASSWORD: 'unused-admin-password' }, undefined, ['prlimit', `--fsize=${size}`]);
    expect(server.url, server.output).toBeDefined();
    const editor = new Client(server.url!);
    const csrf = await editor.signIn('maria', PASSWORD);
    for (let i = 0; i < 3; i++) {
      const res = await editor.request('/pledges', { form: { ...(pledgeForm({ pledger: `Kept ${i}`, context_note: NOTE }) as Record<string, string>), _csrf: csrf } });
      expect(res.status, server.output.split('\n').filter((l) => l.includes('"level":50')).join('\n')).toBe(303);
    }
    // The database as the log has it is larger than its file may grow.
    const reader = openDatabase(databasePath);
    expect((reader.pragma('page_count', { simple: true }) as number) * (reader.pragma('page_size', { simple: true }) as number)).toBeGreaterThan(size);
    reader.close();

    expect(await server.stop()).toBe(1);
    expect(server.output).toContain('Could not fold the WAL into the database');
    const db = openDatabase(databasePath);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare("SELECT count(*) FROM pledges WHERE pledger LIKE 'Kept %'").pluck().get()).toBe(3);
    db.close();
  });
});
