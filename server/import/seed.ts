// Seeds a new database with the sourced pledges, events, status steps and relations of db/seed.json, exactly once.
import path from 'node:path';
import { ROOT } from '../platform/paths.ts';
import type { Db } from '../platform/db.ts';
import { insertEvent, linkPledgeToEvent } from '../events/events.repository.ts';
import { getMeta, setMeta } from '../platform/meta.repository.ts';
import { countPledges } from '../pledges/pledges.sql.ts';
import { insertPledge } from '../pledges/pledges.repository.ts';
import { readSeed, type Seed } from './seed.file.ts';
import { insertStatusStep } from './seed.repository.ts';
import { insertRelation } from '../relations/relations.repository.ts';

export const SEED_FILE = path.join(ROOT, 'db', 'seed.json');
const SEEDED_KEY = 'seeded_at';

export type SeedOutcome = 'seeded' | 'already-seeded' | 'has-data';

/**
 * Seeds only a database that has never been seeded. The mark is written in the same transaction as the
 * rows, so deleting seeded pledges later never brings them back, and a database that already holds pledges
 * (from an import, say) is marked and left alone: `npm run seed -- --update` adds to such a database.
 * A seed entry that breaks a rule of the forms stops the start, naming its key, before anything is written.
 */
export function seedOnce(db: Db, file: URL | string = SEED_FILE): SeedOutcome {
  // Every start but the first stops here, without reading and checking the file (a tenth of a second).
  if (getMeta(db, SEEDED_KEY) !== undefined) return 'already-seeded';
  const seed = readSeed(file);
  return db.transaction((): SeedOutcome => {
    if (getMeta(db, SEEDED_KEY) !== undefined) return 'already-seeded';
    const outcome: SeedOutcome = countPledges(db) > 0 ? 'has-data' : 'seeded';
    if (outcome === 'seeded') writeSeed(db, seed);
    setMeta(db, SEEDED_KEY, new Date().toISOString());
    return outcome;
  }).immediate();
}

/** Every row of the seed, into a database without any of them; inside the caller's transaction. */
function writeSeed(db: Db, seed: Seed): void {
  const eventIds = new Map<string, number>();
  for (const { key, event, moreSources } of seed.events) eventIds.set(key, insertEvent(db, event, moreSources));
  const pledgeIds = new Map<string, number>();
  for (const { key, pledge, eventKeys, steps } of seed.pledges) {
    const pledgeId = insertPledge(db, pledge);
    pledgeIds.set(key, pledgeId);
    for (const eventKey of eventKeys) linkPledgeToEvent(db, pledgeId, eventIds.get(eventKey)!);
    for (const step of steps) insertStatusStep(db, pledgeId, step);
  }
  for (const { pledgeKey, otherKey, ...relation } of seed.relations) {
    insertRelation(db, { ...relation, pledge_id: pledgeIds.get(pledgeKey)!, other_id: otherKey === null ? null : pledgeIds.get(otherKey)! });
  }
}
