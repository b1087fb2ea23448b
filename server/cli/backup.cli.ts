// npm run backup -- FILE: a consistent copy of DATABASE_PATH through SQLite's online backup, safe while the
// server runs and writes. The copy is readable by its owner alone and holds no live credential: no session,
// no generated session secret (restored, the server makes a new one and editors sign in again). Editors'
// password hashes and API tokens' hashes stay, so that a restore keeps the accounts.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../platform/config.ts';
import { checkCopy, scrubCredentials } from '../platform/backup.ts';
import { openDatabase } from '../platform/db.ts';

async function main(args: string[]): Promise<number> {
  const [target] = args;
  if (!target || args.length > 1) {
    console.error('Usage: npm run backup -- FILE   (DATABASE_PATH names the database to copy)');
    return 2;
  }
  const config = loadConfig();
  if (!fs.existsSync(config.databasePath)) {
    console.error(`There is no database at ${config.databasePath}.`);
    return 1;
  }
  const destination = path.resolve(target);
  if (fs.existsSync(destination)) {
    console.error(`${destination} exists already: choose a new file name, so that no backup is overwritten.`);
    return 1;
  }
  // Owner-only from the first byte: the copy and SQLite's journal beside it are created 0600.
  process.umask(0o077);
  const db = openDatabase(config.databasePath);
  try {
    const started = Date.now();
    // After its first step (100 pages), the rest in one step: SQLite starts a backup again from its first page
    // whenever another connection writes between two steps, so a copy made a few pages at a time, each step
    // yielding to the event loop, might never end while the server takes edits (a writer every 2 ms kept a
    // 20,000-pledge copy restarting for over 90 s in the tests). One step reads one snapshot and ends.
    await db.backup(destination, {
      progress: ({ totalPages }) => {
        process.stdout.write(`Backing up ${totalPages} pages\n`);
        return totalPages;
      },
    });
    const copy = openDatabase(destination);
    scrubCredentials(copy);
    const { integrity, pledges } = checkCopy(copy);
    copy.close();
    fs.chmodSync(destination, 0o600);
    if (integrity !== 'ok') {
      console.error(`\nThe copy failed its integrity check: ${integrity}`);
      return 1;
    }
    console.log(`\nBacked up ${pledges} pledges to ${destination} in ${Date.now() - started} ms (integrity ok).`);
    return 0;
  } finally {
    db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Backup failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
