// npm run generate -- --rows N [--seed S]: adds N realistic synthetic pledges to DATABASE_PATH.
import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db.ts';
import { generatePledges } from '../import/generate.ts';
import { migrate } from '../platform/migrate.ts';

const USAGE = 'Usage: npm run generate -- --rows N [--seed S]   (DATABASE_PATH names the database)';

function option(args: string[], name: string): number | undefined {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const value = Number(args[index + 1]);
  return Number.isSafeInteger(value) && value >= 0 ? value : NaN;
}

function main(args: string[]): number {
  const rows = option(args, '--rows');
  const seed = option(args, '--seed') ?? 1;
  if (rows === undefined || Number.isNaN(rows) || Number.isNaN(seed) || rows > 50_000_000) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const db = openDatabase(config.databasePath);
  try {
    migrate(db);
    const started = Date.now();
    // Ctrl-C stops after the batch in hand, so that the indexes dropped for the bulk load are built again.
    let interrupted = false;
    process.once('SIGINT', () => (interrupted = true));
    generatePledges(db, {
      shouldStop: () => interrupted,
      onIndexing: () => process.stderr.write('\nBuilding the indexes'),
      rows,
      seed,
      batch: 20_000,
      onProgress: (done) => {
        const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
        process.stderr.write(`\rGenerated ${done.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} pledges (${rate.toLocaleString('en-US')}/s)`);
      },
    });
    process.stderr.write('\nUpdating the query planner\'s statistics');
    db.exec('ANALYZE');
    db.pragma('wal_checkpoint(TRUNCATE)');
    process.stderr.write('\n');
    console.log(`Added ${rows.toLocaleString('en-US')} pledges to ${config.databasePath} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 0;
  } finally {
    db.close();
  }
}

process.exit(main(process.argv.slice(2)));
