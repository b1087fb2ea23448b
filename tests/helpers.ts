// Builds an app on a fresh SQLite file of its own, as the server does, for one test file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../server/app.ts';
import { addEditor } from '../server/auth/editors.ts';
import { createLogger } from '../server/platform/log.ts';
import { findUserByName } from '../server/auth/users.repository.ts';
import { openDatabase, type Db } from '../server/platform/db.ts';
import { migrate } from '../server/platform/migrate.ts';
import { insertPledge } from '../server/pledges/pledges.repository.ts';
import { type NewPledge } from '../server/pledges/pledge.model.ts';
import { setPasswordCost } from '../server/auth/passwords.ts';
import { seedOnce } from '../server/import/seed.ts';

// The lowest scrypt cost the server accepts: tests sign in often. The default's cost is tested on its own.
setPasswordCost(2 ** 14);

export interface TestContext {
  db: Db;
  file: string;
  app: ReturnType<typeof createApp>;
  errors: unknown[];
  /** Every log line the app wrote, parsed. */
  logLines: Record<string, unknown>[];
  cleanup: () => void;
}

export function tempDbPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-tracker-test-'));
  return path.join(dir, 'pledges.db');
}

/**
 * The seed of the first release: five pledges and six events from the April 2025 article (FACTS.md), in the
 * seed format of that time. The tests' figures are worked out by hand on it; db/seed.json, the real dataset, has
 * its own tests (tests/import/seed.test.ts).
 */
export const FIVE_PLEDGE_SEED = path.join(import.meta.dirname, 'fixtures', 'seed-2025-04.json');

/** The 2025 dataset, as a new database gets it on first start. */
export const DATASET_SEED = path.join(import.meta.dirname, '..', 'db', 'seed.json');

/**
 * The day the test apps compute overdue against, unless a test gives its own clock: fixed, so that what a test
 * sees does not change with the day it runs.
 */
export const TEST_TODAY = '2026-06-30';

export function freshApp({
  seed = true,
  seedFile = FIVE_PLEDGE_SEED,
  today = (): string => TEST_TODAY,
  exportThreadRows,
}: { seed?: boolean; seedFile?: string; today?: () => string; exportThreadRows?: number | null } = {}): TestContext {
  const file = tempDbPath();
  const db = openDatabase(file);
  migrate(db);
  if (seed) seedOnce(db, seedFile);
  const errors: unknown[] = [];
  const lines: Record<string, unknown>[] = [];
  const app = createApp({
    db,
    today,
    config: { env: 'test', sessionSecret: 'test-secret-test-secret-test-secret!', trustProxy: false },
    exportThreadRows,
    logger: createLogger('info', {
      write: (line: string) => {
        const entry = JSON.parse(line) as { level: number; err?: unknown };
        lines.push(entry);
        if (entry.level >= 50) errors.push(entry.err ?? entry);
      },
    }),
  });
  return {
    db,
    file,
    app,
    errors,
    logLines: lines,
    cleanup: () => {
      db.close();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    },
  };
}

/** A valid pledge with every field filled, for tests to override what they are about. */
export function pledgeFixture(overrides: Partial<NewPledge> = {}): NewPledge {
  return {
    pledger: 'Acme Corp',
    project: 'Widget plant',
    amount_usd: 1_000_000_000,
    amount_note: '',
    us_share_pct: 100,
    us_share_basis: 'stated',
    announced_on: '2025-05-01',
    horizon_years: 2,
    horizon_end: null,
    horizon_note: '',
    sector: 'Manufacturing',
    country: 'United States',
    status: 'announced',
    lever: 'tariffs',
    context_note: '',
    pledger_kind: 'company',
    commitment_kind: 'capital_spending',
    horizon_start: null,
    new_money_usd: null,
    first_tranche_by: null,
    sources: [{ url: 'https://example.com/acme', title: 'Acme press release' }],
    ...overrides,
  };
}

export function addPledge(db: Db, overrides: Partial<NewPledge> = {}): number {
  return insertPledge(db, pledgeFixture(overrides));
}

export const PASSWORD = 'correct horse battery staple';

/** The CSRF token of the first form in a page. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in the page');
  return match[1];
}

/** A supertest agent signed in as a new editor (cookies kept between requests). */
export async function signedIn(ctx: TestContext, username = 'editor'): Promise<{ agent: request.Agent; csrf: string }> {
  if (!findUserByName(ctx.db, username)) await addEditor(ctx.db, username, PASSWORD);
  const agent = request.agent(ctx.app);
  const login = await agent.get('/login');
  const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(login.text), username, password: PASSWORD });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  const page = await agent.get('/pledges/new');
  return { agent, csrf: csrfFrom(page.text) };
}

export function count(db: Db, table: string): number {
  return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}

/**
 * Rows a pre-grouped table (kept by triggers) holds that its `_computed` view does not, plus the other way
 * round: 0 when the table is exact.
 */
export function drift(db: Db, table: string): number {
  return db
    .prepare(
      `SELECT (SELECT count(*) FROM (SELECT * FROM ${table} EXCEPT SELECT * FROM ${table}_computed))
            + (SELECT count(*) FROM (SELECT * FROM ${table}_computed EXCEPT SELECT * FROM ${table}))`,
    )
    .pluck()
    .get() as number;
}

/**
 * Whether the search's trigram index (023) holds the trigrams of every search text and nothing else: FTS5's own
 * check of the index against its content table (rank 1), which reports a difference as a corrupt table.
 */
export function searchIndexExact(db: Db): boolean {
  try {
    db.prepare("INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)").run();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CORRUPT_VTAB') return false;
    throw error;
  }
}

/** A complete, valid add-pledge form body. */
export function pledgeForm(overrides: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    pledger: 'Acme Semiconductors',
    project: 'Ohio fab',
    amount: '$20B',
    amount_note: '',
    us_share_pct: '100',
    us_share_basis: 'stated',
    announced_on: '2025-06-02',
    horizon_years: '5',
    horizon_end: '',
    horizon_note: '',
    sector: 'Semiconductors',
    country: 'United States',
    status: 'announced',
    lever: 'tariffs',
    context_note: 'Announced a week after a tariff threat.',
    source_url_0: 'https://example.com/acme-ohio',
    source_title_0: 'Acme press release',
    reason: '',
    ...overrides,
  };
}

/** A supertest parser that keeps an answer's body as its bytes: `.buffer(true).parse(binary)`, then res.body. */
export function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}
