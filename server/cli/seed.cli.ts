// npm run seed -- --update [--dry-run] [FILE]: adds what a database lacks of the seed (db/seed.json), never
// changing a row it has.
import path from 'node:path';
import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db.ts';
import { migrate } from '../platform/migrate.ts';
import { SEED_FILE } from '../import/seed.ts';
import { readSeed } from '../import/seed.file.ts';
import { updateFromSeed, type LeftAlone, type SeedItem, type SeedUpdateReport } from '../import/seed.update.ts';

const USAGE = `Usage: npm run seed -- --update [--dry-run] [FILE]
  Adds the pledges, events, status steps and relations of FILE (default db/seed.json) that the database
  (DATABASE_PATH) lacks; leaves every row it has alone. --dry-run shows what it would add and writes nothing.`;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function print(report: SeedUpdateReport, dryRun: boolean): void {
  const { added, leftAlone, deletedByEditor, relationsLeftOut } = report;
  const verb = dryRun ? 'would add' : 'added';
  const line = (sign: string, kind: string) => (item: SeedItem) => console.log(`  ${sign} ${kind} ${item.id}: ${item.key} ${item.label}`);
  const differing = (items: LeftAlone[]) => items.filter((item) => item.differs.length > 0);

  console.log(
    `${verb}: ${plural(added.pledges.length, 'pledge')}, ${plural(added.events.length, 'event')}, ` +
      `${plural(added.relations.length, 'relation')}, ${plural(added.statusSteps, 'status step')}`,
  );
  added.events.forEach(line('+', 'event'));
  added.pledges.forEach(line('+', 'pledge'));
  for (const relation of added.relations) console.log(`  + relation ${relation.key}: ${relation.label}`);

  const pledgesDiffer = differing(leftAlone.pledges);
  const eventsDiffer = differing(leftAlone.events);
  console.log(`left alone: ${plural(leftAlone.pledges.length, 'pledge')} already present (${pledgesDiffer.length} differ from the seed)`);
  for (const item of pledgesDiffer) console.log(`  = pledge ${item.id}: ${item.key} ${item.label}; differs in ${item.differs.join(', ')}`);
  if (pledgesDiffer.length > 0) console.log("  (an update never changes a pledge that is there: to take the seed's values, edit the pledge)");
  console.log(`left alone: ${plural(leftAlone.events.length, 'event')} already present (${eventsDiffer.length} differ from the seed)`);
  for (const item of eventsDiffer) console.log(`  = event ${item.id}: ${item.key} ${item.label}; differs in ${item.differs.join(', ')}`);
  console.log(`left alone: ${plural(leftAlone.relations.length, 'relation')} already present`);

  const deleted = deletedByEditor.pledges.length + deletedByEditor.events.length;
  if (deleted > 0) {
    console.log(`left out: ${plural(deletedByEditor.pledges.length, 'pledge')} and ${plural(deletedByEditor.events.length, 'event')} deleted by an editor`);
    deletedByEditor.pledges.forEach(line('-', 'pledge'));
    deletedByEditor.events.forEach(line('-', 'event'));
  }
  if (relationsLeftOut.length > 0) {
    console.log(`left out: ${plural(relationsLeftOut.length, 'relation')}`);
    for (const relation of relationsLeftOut) console.log(`  - relation ${relation.key}: ${relation.label}`);
  }
  if (dryRun) console.log('Dry run, nothing written.');
}

function main(args: string[]): number {
  const flags = new Set(args.filter((arg) => arg.startsWith('--')));
  const files = args.filter((arg) => !arg.startsWith('--'));
  const known = ['--update', '--dry-run'];
  if (!flags.has('--update') || [...flags].some((flag) => !known.includes(flag)) || files.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const dryRun = flags.has('--dry-run');
  const file = files.length === 1 ? path.resolve(files[0]) : SEED_FILE;
  const seed = readSeed(file);
  const databasePath = loadConfig().databasePath;
  const db = openDatabase(databasePath);
  try {
    migrate(db);
    console.log(`Seed update of ${databasePath} from ${path.relative(process.cwd(), file) || file}`);
    print(updateFromSeed(db, seed, { dryRun }), dryRun);
    return 0;
  } finally {
    db.close();
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`Seed update failed, nothing written: ${(error as Error).message}`);
  process.exitCode = 1;
}
