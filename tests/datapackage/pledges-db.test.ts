// GET /pledges.db: a snapshot of the database that the sqlite3 command-line tool opens, without the editors'
// accounts, sessions and tokens or any username; the live database untouched; one file per data version.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { removeEditor, renameEditor } from '../../server/auth/editors.ts';
import { createApiToken, findUserByName } from '../../server/auth/users.repository.ts';
import { SnapshotFiles } from '../../server/datapackage/snapshot.files.ts';
import { addPledge, binary, DATASET_SEED, freshApp, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const USERNAME = 'hidden-login-7c1';
const GONE = 'left-the-desk-42';

function sqlite(file: string, sql: string): string {
  return execFileSync('sqlite3', ['-readonly', file, sql], { encoding: 'utf8' }).trim();
}

async function download(app: TestContext['app']): Promise<{ res: request.Response; body: Buffer }> {
  const res = await request(app)
    .get('/pledges.db')
    .buffer(true)
    .parse(binary);
  return { res, body: res.body as Buffer };
}

/** What a download must leave as it was in the live database. */
function liveState(ctx: TestContext) {
  const all = (sql: string) => ctx.db.prepare(sql).all();
  return {
    schema: all('SELECT type, name, sql FROM sqlite_schema ORDER BY name'),
    users: all('SELECT * FROM users ORDER BY id'),
    sessions: all('SELECT * FROM sessions ORDER BY sid_hash'),
    tokens: all('SELECT * FROM api_tokens ORDER BY id'),
    revisions: all('SELECT * FROM revisions ORDER BY id'),
    meta: all('SELECT * FROM app_meta ORDER BY key'),
  };
}

describe('GET /pledges.db', () => {
  it('downloads a database that sqlite3 opens, with the pledges the API counts and no account, session, token or username', async () => {
    ctx = freshApp({ seedFile: DATASET_SEED });
    await signedIn(ctx, USERNAME);
    renameEditor(ctx.db, USERNAME, 'Maria Lopez');
    const token = createApiToken(ctx.db, findUserByName(ctx.db, USERNAME)!.id, 'newsroom script');
    const added = await request(ctx.app).post('/api/pledges').set('Authorization', `Bearer ${token}`).send({
      pledger: 'Acme',
      project: 'Texas plant',
      amount: '12.5B',
      us_share_pct: 100,
      announced_on: '2025-07-01',
      sources: [{ url: 'https://example.com/acme', title: 'Acme release' }],
    });
    expect(added.status, added.text).toBe(201);
    // An editor who edited, then was deleted: "A former editor" on /changes, and in the download.
    await signedIn(ctx, GONE);
    const gone = createApiToken(ctx.db, findUserByName(ctx.db, GONE)!.id, 'old script');
    expect((await request(ctx.app).delete(`/api/pledges/${added.body.id}?reason=Duplicate`).set('Authorization', `Bearer ${gone}`)).status).toBe(204);
    // Hashes of passwords, tokens and sessions, the deleted editor's among them (their pages are free, not blank).
    const secrets = [USERNAME, GONE, ...(ctx.db.prepare('SELECT password_hash FROM users UNION ALL SELECT token_hash FROM api_tokens UNION ALL SELECT sid_hash FROM sessions').pluck().all() as string[])];
    expect(secrets.length).toBeGreaterThan(6);
    removeEditor(ctx.db, GONE);
    // The planner's statistics, as the server refreshes them at start: samples of every index, usernames included.
    ctx.db.exec('ANALYZE');
    expect(ctx.db.prepare("SELECT count(*) FROM sqlite_stat4 WHERE tbl = 'users'").pluck().get()).toBeGreaterThan(0);
    const before = liveState(ctx);

    const { res, body } = await download(ctx.app);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.sqlite3');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="?pledges-\d{4}-\d{2}-\d{2}\.db"?$/);
    expect(Number(res.headers['content-length'])).toBe(body.length);
    const file = path.join(path.dirname(ctx.file), 'download.db');
    fs.writeFileSync(file, body);

    expect(sqlite(file, 'PRAGMA integrity_check')).toBe('ok');
    const api = await request(ctx.app).get('/api/pledges');
    expect(Number(sqlite(file, 'SELECT count(*) FROM pledges'))).toBe(api.body.total);
    expect(Number(sqlite(file, 'SELECT count(*) FROM pledge_sources'))).toBe(ctx.db.prepare('SELECT count(*) FROM pledge_sources').pluck().get());
    const tables = sqlite(file, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").split('\n');
    expect(tables).toContain('pledges');
    expect(tables).toContain('revisions');
    for (const table of ['users', 'sessions', 'api_tokens']) expect(tables).not.toContain(table);
    expect(sqlite(file, "SELECT group_concat(key) FROM app_meta")).toBe('data_version');
    expect(sqlite(file, "SELECT count(*) FROM sqlite_stat4 WHERE tbl IN ('users', 'sessions', 'api_tokens')")).toBe('0');
    // Every view still reads: none pointed at a table that was dropped.
    for (const view of sqlite(file, "SELECT name FROM sqlite_schema WHERE type = 'view'").split('\n')) {
      expect(() => sqlite(file, `SELECT count(*) FROM ${view}`), view).not.toThrow();
    }
    // And the copy takes writes: no trigger left filling a table that was dropped (a status step, an edit, a source).
    const writable = path.join(path.dirname(file), 'writable.db');
    fs.copyFileSync(file, writable);
    const id = sqlite(file, 'SELECT min(id) FROM pledges');
    expect(() =>
      execFileSync('sqlite3', [writable, `UPDATE pledges SET amount_usd = amount_usd + 1, project = 'x' WHERE id = ${id};
        INSERT INTO status_changes (pledge_id, status, changed_on, evidence_url) VALUES (${id}, 'under_way', '2025-05', 'https://example.com/e');
        INSERT INTO pledge_sources (pledge_id, position, url) VALUES (${id}, 99, 'https://example.com/s');
        DELETE FROM pledges WHERE id = ${id};`]),
    ).not.toThrow();
    // The revisions name their authors as /changes does, and hold no username or user id.
    expect(sqlite(file, "SELECT group_concat(name, ',') FROM pragma_table_info('revisions')")).toBe('id,entity,entity_id,action,author,at,changes,reason');
    expect(sqlite(file, "SELECT group_concat(author, ',') FROM (SELECT author FROM revisions ORDER BY id)")).toBe('Maria Lopez,A former editor');
    for (const secret of secrets) expect(body.includes(Buffer.from(secret)), secret).toBe(false);

    expect(liveState(ctx)).toEqual(before);
    expect(ctx.errors).toEqual([]);
  });

  it('makes a new file after a write, and deletes the old one once no download reads it', async () => {
    ctx = freshApp();
    const dir = `${ctx.file}.downloads`;
    const first = await download(ctx.app);
    expect(fs.readdirSync(dir)).toEqual(['pledges-1.db']);
    // Unchanged data: the same file again.
    expect((await download(ctx.app)).body.equals(first.body)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['pledges-1.db']);

    addPledge(ctx.db, { pledger: 'Later Corp' });
    const second = await download(ctx.app);
    const file = path.join(path.dirname(ctx.file), 'second.db');
    fs.writeFileSync(file, second.body);
    expect(sqlite(file, "SELECT count(*) FROM pledges WHERE pledger = 'Later Corp'")).toBe('1');
    expect(fs.readdirSync(dir)).toEqual(['pledges-2.db']);
  });

  it('releases the file when the client goes away in the middle of a download', async () => {
    ctx = freshApp({ seedFile: DATASET_SEED });
    const server = http.createServer(ctx.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve, reject) => {
        const req = http.get({ port, host: '127.0.0.1', path: '/pledges.db' }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(error)));
      });
      // A write makes the aborted download's file old: it goes as soon as its reader has let go.
      addPledge(ctx.db, { pledger: 'Later Corp' });
      expect((await download(ctx.app)).res.status).toBe(200);
      await vi.waitFor(() => expect(fs.readdirSync(`${ctx.file}.downloads`)).toEqual(['pledges-2.db']));
    } finally {
      server.close();
    }
  });
});

describe('the snapshot files', () => {
  it('serve concurrent downloads from one build, and keep a superseded file until its last reader is done', async () => {
    ctx = freshApp();
    const files = new SnapshotFiles(ctx.db);
    const [a, b] = await Promise.all([files.acquire(), files.acquire()]);
    expect(b).toBe(a);

    addPledge(ctx.db, { pledger: 'Later Corp' });
    const [c, d] = await Promise.all([files.acquire(), files.acquire()]);
    expect(d).toBe(c);
    expect(c.file).not.toBe(a.file);
    files.release(a);
    expect(fs.existsSync(a.file)).toBe(true);
    files.release(b);
    expect(fs.existsSync(a.file)).toBe(false);
    // The current file stays for the next download.
    files.release(c);
    files.release(d);
    expect(fs.existsSync(c.file)).toBe(true);
  });

  it('never changes the live database file while it copies it', async () => {
    ctx = freshApp();
    const live = () => ctx.db.prepare("SELECT (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM sqlite_schema WHERE type = 'trigger')").pluck().get();
    await signedIn(ctx, USERNAME);
    const before = live();
    const files = new SnapshotFiles(ctx.db);
    files.release(await files.acquire());
    expect(live()).toBe(before);
    expect(ctx.db.prepare('SELECT count(*) FROM users WHERE username = ?').pluck().get(USERNAME)).toBe(1);
  });
});
