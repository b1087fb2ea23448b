// Sets of pledge ids worked out once per connection and data version (a search's matches, the pledges each
// waterfall step lists), kept in a temporary table of that connection (never shared, gone with it) that every
// later statement reads by id: a dashboard's dozen statements do not each work the set out again. A write moves
// the data version, which drops what was kept; past `kept` keys of one set, the oldest go.
import type { Db } from './db.ts';
import { databaseVersion } from './meta.repository.ts';
import { statement } from './statements.ts';

export interface KeptSet {
  /** Names the set's tables, temp.NAME_runs and temp.NAME_hits (a literal of the code, never input). */
  name: string;
  /** Keys of the set kept at once. */
  kept: number;
}

const tempSized = new WeakSet<Db>();
/** The sets whose tables each connection has made. */
const keptTables = new WeakMap<Db, Set<string>>();

/**
 * Gives the connection's temporary database the main database's small page cache, not SQLite's 16 MB default:
 * the server's memory must not grow with the searches and views it has answered.
 */
export function smallTempCache(db: Db): void {
  if (tempSized.has(db)) return;
  db.pragma(`temp.cache_size = ${db.pragma('cache_size', { simple: true }) as number}`);
  tempSized.add(db);
}

/**
 * Makes sure the ids of set under key are kept for the current data version: the first time, fill(version) runs
 * in a transaction and inserts them as rows (version, key, part, id) of temp.NAME_hits (part: a subset of the
 * key's ids, '' when there is one). Returns the version to read them with (keptIdsIn).
 */
export function keepIds(db: Db, set: KeptSet, key: string, fill: (version: string) => void): string {
  const made = keptTables.get(db) ?? keptTables.set(db, new Set()).get(db)!;
  const runs = `temp.${set.name}_runs`;
  const hits = `temp.${set.name}_hits`;
  if (!made.has(set.name)) {
    smallTempCache(db);
    db.exec(`CREATE TABLE IF NOT EXISTS ${runs} (version TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (version, key));
             CREATE TABLE IF NOT EXISTS ${hits} (version TEXT NOT NULL, key TEXT NOT NULL, part TEXT NOT NULL, id INTEGER NOT NULL,
                                                 PRIMARY KEY (version, key, part, id)) WITHOUT ROWID;`);
    made.add(set.name);
  }
  const version = databaseVersion(db);
  if (!statement(db, `SELECT 1 FROM ${runs} WHERE version = ? AND key = ?`).get(version, key)) {
    db.transaction(() => {
      statement(db, `DELETE FROM ${hits} WHERE version <> ?`).run(version);
      statement(db, `DELETE FROM ${runs} WHERE version <> ?`).run(version);
      const oldest = statement(db, `SELECT key FROM ${runs} ORDER BY rowid DESC LIMIT -1 OFFSET ?`).pluck().all(set.kept - 1);
      for (const old of oldest) {
        statement(db, `DELETE FROM ${hits} WHERE version = ? AND key = ?`).run(version, old);
        statement(db, `DELETE FROM ${runs} WHERE version = ? AND key = ?`).run(version, old);
      }
      fill(version);
      statement(db, `INSERT INTO ${runs} (version, key) VALUES (?, ?)`).run(version, key);
    })();
  }
  return version;
}

/** The condition on pledges p for the kept ids of set, version and key (and part). */
export function keptIdsIn(set: KeptSet, version: string, key: string, part = ''): { sql: string; params: unknown[] } {
  return { sql: `p.id IN (SELECT h.id FROM temp.${set.name}_hits h WHERE h.version = ? AND h.key = ? AND h.part = ?)`, params: [version, key, part] };
}

/** How many ids of set under key (and part) are kept for version: a statement's text and parameters. */
export function keptIdsCount(set: KeptSet, version: string, key: string, part = ''): { sql: string; params: unknown[] } {
  return { sql: `SELECT count(*) FROM temp.${set.name}_hits h WHERE h.version = ? AND h.key = ? AND h.part = ?`, params: [version, key, part] };
}
