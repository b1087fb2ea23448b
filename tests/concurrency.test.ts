// Many editors at once, and a database locked by someone else: every acknowledged write is stored.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/platform/db.ts';
import { addEditor } from '../server/auth/editors.ts';
import { migrate } from '../server/platform/migrate.ts';
import { seedOnce } from '../server/import/seed.ts';
import { PASSWORD, pledgeForm, tempDbPath } from './helpers.ts';
import { Client, startServer, type RunningServer } from './process.ts';

const EDITORS = 20;
const EACH = 50;
let databasePath: string;
let server: RunningServer;

beforeAll(async () => {
  databasePath = tempDbPath();
  const db = openDatabase(databasePath);
  migrate(db);
  seedOnce(db);
  for (let i = 0; i < EDITORS; i++) await addEditor(db, `editor${i}`, PASSWORD);
  db.close();
  server = await startServer(databasePath, { ADMIN_PASSWORD: 'not-used-admin-password' });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(path.dirname(databasePath), { recursive: true, force: true });
});

describe('concurrent editors', () => {
  it(`${EDITORS} editors adding ${EACH} pledges each through the form at once: all stored, all acknowledged, no 5xx`, async () => {
    const statuses: number[] = [];
    const acknowledged: number[] = [];
    await Promise.all(
      Array.from({ length: EDITORS }, async (_, e) => {
        const client = new Client(server.url!);
        const csrf = await client.signIn(`editor${e}`, PASSWORD);
        for (let i = 0; i < EACH; i++) {
          const res = await client.request('/pledges', { form: { ...pledgeForm({ pledger: `Editor ${e} pledge ${i}` }), _csrf: csrf } as Record<string, string> });
          statuses.push(res.status);
          if (res.status === 303) acknowledged.push(Number(res.headers.get('location')!.split('/').pop()));
        }
      }),
    );
    const db = openDatabase(databasePath);
    const stored = db.prepare("SELECT count(*) FROM pledges WHERE pledger LIKE 'Editor % pledge %'").pluck().get();
    const revisions = db.prepare("SELECT count(*) FROM revisions WHERE action = 'create'").pluck().get();
    db.close();
    console.log(`concurrency: ${statuses.length} requests, ${acknowledged.length} acknowledged with 303, ${stored} stored`);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(acknowledged).toHaveLength(EDITORS * EACH);
    expect(new Set(acknowledged).size).toBe(EDITORS * EACH);
    expect(stored).toBe(EDITORS * EACH);
    expect(revisions).toBe(EDITORS * EACH);
  }, 120_000);

  it('when another connection holds the write lock for 3 s, a POST waits and succeeds', async () => {
    const client = new Client(server.url!);
    const csrf = await client.signIn('editor0', PASSWORD);
    const other = openDatabase(databasePath);
    other.exec('BEGIN IMMEDIATE');
    other.prepare("INSERT INTO pledges (pledger, announced_on) VALUES ('Held by another connection', '2025-01-01')").run();
    const release = new Promise<void>((resolve) =>
      setTimeout(() => {
        other.exec('COMMIT');
        other.close();
        resolve();
      }, 3000),
    );
    const started = Date.now();
    const res = await client.request('/pledges', { form: { ...pledgeForm({ pledger: 'Waited for the lock' }), _csrf: csrf } as Record<string, string> });
    const waited = Date.now() - started;
    await release;
    expect(res.status).toBe(303);
    expect(waited).toBeGreaterThanOrEqual(2500);
    const db = openDatabase(databasePath);
    expect(db.prepare("SELECT count(*) FROM pledges WHERE pledger IN ('Waited for the lock', 'Held by another connection')").pluck().get()).toBe(2);
    db.close();
  }, 30_000);
});
