// Seeds a new database with the sourced pledges and events of db/seed.json, exactly once.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../platform/paths.ts';
import type { Db } from '../platform/db.ts';
import { insertEvent, linkPledgeToEvent } from '../events/events.repository.ts';
import { type PoliticalEvent } from '../events/event.model.ts';
import { getMeta, setMeta } from '../platform/meta.repository.ts';
import { countPledges } from '../pledges/pledges.sql.ts';
import { insertPledge } from '../pledges/pledges.repository.ts';
import { type NewPledge } from '../pledges/pledge.model.ts';

const SEED_FILE = path.join(ROOT, 'db', 'seed.json');
const SEEDED_KEY = 'seeded_at';

interface SeedFile {
  events: (Omit<PoliticalEvent, 'id'> & { key: string })[];
  /** Fields added after a seed file was written may be missing from it: unknown. */
  pledges: (Partial<NewPledge> & Omit<NewPledge, 'pledger_kind' | 'commitment_kind' | 'horizon_start' | 'new_money_usd'> & { events: string[] })[];
}

export type SeedOutcome = 'seeded' | 'already-seeded' | 'has-data';

/**
 * Seeds only a database that has never been seeded. The mark is written in the same transaction as the
 * rows, so deleting seeded pledges later never brings them back, and a database that already holds pledges
 * (from an import, say) is marked and left alone.
 */
export function seedOnce(db: Db, file: URL | string = SEED_FILE): SeedOutcome {
  const seed = JSON.parse(fs.readFileSync(file, 'utf8')) as SeedFile;
  return db.transaction((): SeedOutcome => {
    if (getMeta(db, SEEDED_KEY) !== undefined) return 'already-seeded';
    const outcome: SeedOutcome = countPledges(db) > 0 ? 'has-data' : 'seeded';
    if (outcome === 'seeded') {
      const eventIds = new Map<string, number>();
      for (const { key, ...event } of seed.events) eventIds.set(key, insertEvent(db, event));
      for (const { events, ...pledge } of seed.pledges) {
        // Fields added after a seed file was written are unknown in it.
        const pledgeId = insertPledge(db, { pledger_kind: null, commitment_kind: null, horizon_start: null, new_money_usd: null, ...pledge });
        for (const key of events) {
          const eventId = eventIds.get(key);
          if (eventId === undefined) throw new Error(`Seed pledge "${pledge.project}" names unknown event "${key}"`);
          linkPledgeToEvent(db, pledgeId, eventId);
        }
      }
    }
    setMeta(db, SEEDED_KEY, new Date().toISOString());
    return outcome;
  }).immediate();
}
