// npm run seed -- --update, as a newsroom runs it on a database the first release seeded.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/platform/db.ts';
import { migrate } from '../../server/platform/migrate.ts';
import { seedOnce, SEED_FILE } from '../../server/import/seed.ts';
import { FIVE_PLEDGE_SEED, tempDbPath } from '../helpers.ts';
import { root, tsx } from '../process.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function oldDatabase(): string {
  const file = tempDbPath();
  dirs.push(path.dirname(file));
  const db = openDatabase(file);
  migrate(db);
  seedOnce(db, FIVE_PLEDGE_SEED);
  db.close();
  return file;
}

function seedCli(args: string[], databasePath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(tsx, ['server/cli/seed.cli.ts', ...args], { cwd: root, env: { ...process.env, DATABASE_PATH: databasePath } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function counts(file: string): { pledges: number; revisions: number } {
  const db = openDatabase(file);
  try {
    return {
      pledges: db.prepare('SELECT count(*) FROM pledges').pluck().get() as number,
      revisions: db.prepare('SELECT count(*) FROM revisions').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

describe('npm run seed -- --update', () => {
  it('prints what it would add on a dry run and writes nothing, then adds it, then adds nothing the second time', async () => {
    const file = oldDatabase();
    const seed = JSON.parse(fs.readFileSync(SEED_FILE, 'utf8')) as { pledges: unknown[]; relations: unknown[] };

    const dry = await seedCli(['--update', '--dry-run'], file);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would add: ${seed.pledges.length - 5} pledges`);
    expect(dry.stdout).toContain('Dry run, nothing written.');
    expect(counts(file)).toEqual({ pledges: 5, revisions: 0 });

    const real = await seedCli(['--update'], file);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(new RegExp(`^added: ${seed.pledges.length - 5} pledges, \\d+ events, ${seed.relations.length} relations, \\d+ status steps$`, 'm'));
    expect(real.stdout).toContain('+ pledge 6: P01 AstraZeneca');
    expect(real.stdout).toContain('left alone: 5 pledges already present (5 differ from the seed)');
    expect(real.stdout).toMatch(/= pledge 2: P03 Microsoft: .*; differs in .*horizon_start/);
    expect(real.stdout).not.toContain('Dry run');
    const afterUpdate = counts(file);
    expect(afterUpdate.pledges).toBe(seed.pledges.length);
    expect(afterUpdate.revisions).toBeGreaterThan(seed.pledges.length - 5);

    const again = await seedCli(['--update'], file);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('added: 0 pledges, 0 events, 0 relations, 0 status steps');
    expect(again.stdout).toContain(`left alone: ${seed.pledges.length} pledges already present (5 differ from the seed)`);
    expect(counts(file)).toEqual(afterUpdate);
    // Three runs of a command that starts TypeScript afresh: seconds each on a busy machine.
  }, 60_000);

  it('exits 1 naming the entry, and writes nothing, when the seed file has a bad entry', async () => {
    const file = oldDatabase();
    const seed = JSON.parse(fs.readFileSync(SEED_FILE, 'utf8')) as { pledges: { key: string; sources: unknown[] }[] };
    seed.pledges.find((p) => p.key === 'P20')!.sources = [];
    const bad = path.join(path.dirname(file), 'bad-seed.json');
    fs.writeFileSync(bad, JSON.stringify(seed));
    const result = await seedCli(['--update', bad], file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Seed update failed, nothing written: Seed pledge P20 (Pratt Industries): sources: Add at least one source URL');
    expect(counts(file)).toEqual({ pledges: 5, revisions: 0 });
  }, 60_000);

  it('exits 2 with its usage without --update or with an unknown option', async () => {
    const file = oldDatabase();
    for (const args of [['--dry-run'], ['--update', '--force']]) {
      const result = await seedCli(args, file);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Usage: npm run seed -- --update [--dry-run] [FILE]');
    }
    expect(counts(file)).toEqual({ pledges: 5, revisions: 0 });
  }, 60_000);
});
