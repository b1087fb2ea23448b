// npm run import -- FILE.csv [--dry-run]: imports all of the file or, when any row is invalid, nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db.ts';
import { migrate } from '../platform/migrate.ts';
import { importCsvFile } from '../import/import.threads.ts';

const USAGE = 'Usage: npm run import -- FILE.csv [--dry-run]   (DATABASE_PATH names the database)';

async function main(args: string[]): Promise<number> {
  const dryRun = args.includes('--dry-run');
  const files = args.filter((arg) => arg !== '--dry-run');
  if (files.length !== 1 || files[0].startsWith('--')) {
    console.error(USAGE);
    return 2;
  }
  const file = path.resolve(files[0]);
  if (!fs.existsSync(file)) {
    console.error(`There is no file ${file}.`);
    return 1;
  }
  const db = openDatabase(loadConfig().databasePath);
  try {
    migrate(db);
    const started = Date.now();
    const size = fs.statSync(file).size;
    const outcome = await importCsvFile(db, file, {
      write: dryRun ? undefined : { author: { id: null, username: `${os.userInfo().username} (command line)` }, filename: path.basename(file) },
      keep: 50,
      onIndexing: () => process.stderr.write('\nBuilding the indexes again…'),
      onProgress: (count, bytes) =>
        process.stderr.write(`\rRead ${count.toLocaleString('en-US')} rows (${size > 0 ? Math.round((100 * bytes) / size) : 100}%)`),
    });
    process.stderr.write('\n');
    if (outcome.problems.length > 0) {
      for (const problem of outcome.problems) {
        console.error(`line ${problem.line}${problem.column ? `, column ${problem.column}` : ''}: ${problem.message}`);
      }
      const count = outcome.problems.length;
      console.error(`Nothing was imported: ${count} ${count === 1 ? 'problem' : 'problems'} in ${path.basename(file)}.`);
      return 1;
    }
    const summary = `${outcome.created} new, ${outcome.changed} changed, ${outcome.unchanged} unchanged`;
    if (dryRun) {
      // A relations file's changed rows, or a pledges file's.
      const what = outcome.relations ? 'relation' : 'pledge';
      const changed = outcome.relations?.changed ?? outcome.sample.changed;
      for (const row of changed) {
        const fields = Object.entries(row.changes).map(([field, change]) => `${field}: ${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`);
        console.log(`line ${row.line}, ${what} ${row.id}: ${fields.join('; ')}`);
      }
      if (outcome.changed > changed.length) console.log(`and ${outcome.changed - changed.length} more changed rows`);
      console.log(`Dry run, nothing written: ${summary}.`);
      return 0;
    }
    const rows = outcome.created + outcome.changed + outcome.unchanged;
    const seconds = (Date.now() - started) / 1000;
    console.log(`Imported ${path.basename(file)}: ${summary} (${rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s).`);
    return 0;
  } finally {
    db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Import failed, nothing written: ${(error as Error).message}`);
    process.exit(1);
  },
);
