// Power-cut safety, as near as a test gets: SIGKILL the server under write load, restart, and check that
// every pledge it acknowledged is there and the database is intact.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/platform/db.ts';
import { addEditor } from '../server/auth/editors.ts';
import { migrate } from '../server/platform/migrate.ts';
import { random } from '../server/import/generate.ts';
import { PASSWORD, pledgeForm, tempDbPath } from './helpers.ts';
import { Client, startServer } from './process.ts';

const KILLS = 10;
const WRITERS = 4;
const databasePath = tempDbPath();
afterAll(() => fs.rmSync(path.dirname(databasePath), { recursive: true, force: true }));

describe('crash safety', () => {
  it(`keeps every acknowledged pledge through ${KILLS} SIGKILLs under write load`, async () => {
    const db = openDatabase(databasePath);
    migrate(db);
    for (let w = 0; w < WRITERS; w++) await addEditor(db, `writer${w}`, PASSWORD);
    db.close();
    const rand = random(42);
    const acknowledged = new Set<number>();
    let requests = 0;
    let serverErrors = 0;

    for (let round = 0; round < KILLS; round++) {
      const server = await startServer(databasePath, { ADMIN_PASSWORD: 'unused-admin-password', WRITES_PER_MINUTE: '100000' });
      expect(server.url, server.output).toBeDefined();
      let killed = false;
      let signedIn = 0;
      const writers = Array.from({ length: WRITERS }, async (_, w) => {
        const client = new Client(server.url!);
        const csrf = await client.signIn(`writer${w}`, PASSWORD).finally(() => signedIn++);
        for (let i = 0; !killed; i++) {
          requests++;
          try {
            const res = await client.request('/pledges', { form: { ...pledgeForm({ pledger: `Round ${round} writer ${w} #${i}` }), _csrf: csrf } as Record<string, string> });
            if (res.status === 303) acknowledged.add(Number(res.headers.get('location')!.split('/').pop()));
            else if (res.status >= 500) {
              serverErrors++;
              console.log('5xx', res.status, (await res.text()).slice(0, 300));
            }
          } catch {
            // The connection died with the server: this request was never acknowledged.
          }
        }
      });
      // Kill at a random moment while the writers are busy: once each has signed in or failed to (a sign-in cut short is no
      // write, and on a loaded machine it can take longer than the wait).
      while (signedIn < WRITERS) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 300 + rand() * 700));
      server.child.kill('SIGKILL');
      await server.stop();
      for (const line of server.output.split('\n').filter((l) => l.includes('"level":50'))) console.log('server error:', line.slice(0, 600));
      killed = true;
      await Promise.all(writers);
    }

    const restarted = await startServer(databasePath, { ADMIN_PASSWORD: 'unused-admin-password' });
    expect(restarted.url, restarted.output).toBeDefined();
    await restarted.stop();
    const check = openDatabase(databasePath);
    const integrity = check.pragma('integrity_check', { simple: true });
    const ids = new Set(check.prepare("SELECT id FROM pledges WHERE pledger LIKE 'Round %'").pluck().all() as number[]);
    const orphans = check.prepare("SELECT count(*) FROM pledges p WHERE p.pledger LIKE 'Round %' AND NOT EXISTS (SELECT 1 FROM revisions r WHERE r.entity_id = p.id AND r.entity = 'pledge')").pluck().get();
    check.close();
    const missing = [...acknowledged].filter((id) => !ids.has(id));
    console.log(`crash: ${KILLS} kills survived, ${requests} requests, ${acknowledged.size} acknowledged, ${ids.size} stored, ${missing.length} missing`);
    expect(integrity).toBe('ok');
    expect(acknowledged.size).toBeGreaterThan(KILLS * 10);
    expect(missing).toEqual([]);
    expect(serverErrors).toBe(0);
    // Stored but unacknowledged is allowed (killed between commit and reply); half-written is not.
    expect(orphans).toBe(0);
  }, 180_000);
});
