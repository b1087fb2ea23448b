// Builds an app on a fresh SQLite file of its own, as the server does, for one test file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../server/app.ts';
import { openDatabase, type Db } from '../server/db.ts';
import { migrate } from '../server/migrate.ts';
import { insertPledge, type NewPledge } from '../server/pledges.repository.ts';
import { seedOnce } from '../server/seed.ts';

export interface TestContext {
  db: Db;
  file: string;
  app: ReturnType<typeof createApp>;
  errors: unknown[];
  cleanup: () => void;
}

export function tempDbPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-tracker-test-'));
  return path.join(dir, 'pledges.db');
}

export function freshApp({ seed = true } = {}): TestContext {
  const file = tempDbPath();
  const db = openDatabase(file);
  migrate(db);
  if (seed) seedOnce(db);
  const errors: unknown[] = [];
  const app = createApp({
    db,
    config: { env: 'test', sessionSecret: 'test-secret-test-secret-test-secret!', trustProxy: false },
    log: (error) => errors.push(error),
  });
  return {
    db,
    file,
    app,
    errors,
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
    sources: [{ url: 'https://example.com/acme', title: 'Acme press release' }],
    ...overrides,
  };
}

export function addPledge(db: Db, overrides: Partial<NewPledge> = {}): number {
  return insertPledge(db, pledgeFixture(overrides));
}
