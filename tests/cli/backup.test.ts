// npm run backup under write load, restored into a fresh path: consistent, complete up to its moment, intact.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { migrate } from '../../server/platform/migrate.ts';
import { tempDbPath } from '../helpers.ts';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const cleanup: string[] = [];
afterEach(() => cleanup.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(tsx, ['server/cli/backup.cli.ts', ...args], { cwd: root, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

function addWithSources(db: Db, n: number): void {
  db.transaction(() => {
    const id = Number(
      db.prepare("INSERT INTO pledges (pledger, announced_on) VALUES (?, '2025-01-01')").run(`Load ${n}`).lastInsertRowid,
    );
    db.prepare('INSERT INTO pledge_sources (pledge_id, position, url) VALUES (?, 0, ?), (?, 1, ?)').run(id, 'https://a.example/', id, 'https://b.example/');
  })();
}

describe('npm run backup', () => {
  // Twenty thousand pledges and a writer every 2 ms: seconds alone, longer on a busy machine.
  it('copies a database that is being written to, consistently, and the copy restores', async () => {
    const live = tempDbPath();
    cleanup.push(path.dirname(live));
    const db = openDatabase(live);
    migrate(db);
    generatePledges(db, { rows: 20_000, seed: 3 });
    db.exec('DELETE FROM pledge_sources WHERE pledge_id IN (SELECT id FROM pledges)'); // every pledge below gets exactly two
    db.exec("INSERT INTO pledge_sources (pledge_id, position, url) SELECT id, 0, 'https://a.example/' FROM pledges");
    db.exec("INSERT INTO pledge_sources (pledge_id, position, url) SELECT id, 1, 'https://b.example/' FROM pledges");
    const before = db.prepare('SELECT count(*) FROM pledges').pluck().get() as number;

    let n = 0;
    const writer = setInterval(() => addWithSources(db, n++), 2);
    const backupFile = path.join(path.dirname(live), 'backup.db');
    const result = await run([backupFile], { DATABASE_PATH: live });
    clearInterval(writer);
    const after = db.prepare('SELECT count(*) FROM pledges').pluck().get() as number;
    db.close();

    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('integrity ok');
    expect(n).toBeGreaterThan(0);

    const restoredPath = path.join(path.dirname(live), 'restored', 'pledges.db');
    fs.mkdirSync(path.dirname(restoredPath));
    fs.copyFileSync(backupFile, restoredPath);
    const restored = openDatabase(restoredPath);
    expect(migrate(restored)).toEqual([]);
    expect(restored.pragma('integrity_check', { simple: true })).toBe('ok');
    const copied = restored.prepare('SELECT count(*) FROM pledges').pluck().get() as number;
    expect(copied).toBeGreaterThanOrEqual(before);
    expect(copied).toBeLessThanOrEqual(after);
    // A snapshot, not a smear: no pledge without both of its sources.
    expect(restored.prepare('SELECT count(*) FROM pledge_sources').pluck().get()).toBe(2 * copied);
    restored.close();
  }, 90_000);

  it('writes a copy only its owner can read, holding no session and no session secret', async () => {
    const live = tempDbPath();
    cleanup.push(path.dirname(live));
    const db = openDatabase(live);
    migrate(db);
    const secret = 'generated-secret-that-must-not-leave-'.padEnd(43, 'x');
    const sidHash = 'live-session-hash-that-must-not-leave-the-file';
    db.prepare("INSERT INTO app_meta (key, value) VALUES ('session_secret', ?)").run(secret);
    db.prepare('INSERT INTO sessions (sid_hash, data, expires_at) VALUES (?, ?, ?)').run(sidHash, '{"cookie":{}}', Date.now() + 60_000);
    db.close();

    const backupFile = path.join(path.dirname(live), 'backup.db');
    const result = await run([backupFile], { DATABASE_PATH: live });
    expect(result.code, result.output).toBe(0);
    expect(fs.statSync(backupFile).mode & 0o777).toBe(0o600);
    // Not in a table, and not in a freed page either.
    const bytes = fs.readFileSync(backupFile);
    expect(bytes.includes(secret)).toBe(false);
    expect(bytes.includes(sidHash)).toBe(false);
    expect(fs.existsSync(`${backupFile}-wal`)).toBe(false);
    const copy = openDatabase(backupFile);
    expect(copy.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(0);
    expect(copy.prepare("SELECT count(*) FROM app_meta WHERE key = 'session_secret'").pluck().get()).toBe(0);
    copy.close();
  });

  it('refuses to overwrite a file, and says how to call it', async () => {
    const live = tempDbPath();
    cleanup.push(path.dirname(live));
    openDatabase(live).close();
    const existing = path.join(path.dirname(live), 'existing.db');
    fs.writeFileSync(existing, 'keep me');
    const refused = await run([existing], { DATABASE_PATH: live });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('exists already');
    expect(fs.readFileSync(existing, 'utf8')).toBe('keep me');
    expect((await run([], { DATABASE_PATH: live })).code).toBe(2);
  });
});
