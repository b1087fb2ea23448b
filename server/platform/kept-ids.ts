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
 * Makes sure the ids of set under key are kept for the current data version: the first time, the key gets a run
 * number in temp.NAME_runs, and fill(run) runs in a transaction and inserts the ids as rows (run, part, id) of
 * temp.NAME_hits (part: a subset of the key's ids, '' when there is one). Returns the run to read them with
 * (keptIdsIn). The hits are keyed by the run's number, not by its version and key: 409,113 matches of a search at
 * a million pledges were kept in 207–226 ms against 244–303 ms, each read again faster (docs/performance.md).
 */
export function keepIds(db: Db, set: KeptSet, key: string, fill: (run: number) => void): number {
  const made = keptTables.get(db) ?? keptTables.set(db, new Set()).get(db)!;
  const runs = `temp.${set.name}_runs`;
  const hits = `temp.${set.name}_hits`;
  if (!made.has(set.name)) {
    smallTempCache(db);
    db.exec(`CREATE TABLE IF NOT EXISTS ${runs} (run INTEGER PRIMARY KEY, version TEXT NOT NULL, key TEXT NOT NULL, UNIQUE (version, key));
             CREATE TABLE IF NOT EXISTS ${hits} (run INTEGER NOT NULL, part TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (run, part, id)) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS temp.${set.name}_counts (run INTEGER NOT NULL, part TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (run, part)) WITHOUT ROWID;`);
    made.add(set.name);
  }
  const version = databaseVersion(db);
  const known = statement(db, `SELECT run FROM ${runs} WHERE version = ? AND key = ?`).pluck().get(version, key) as number | undefined;
  if (known !== undefined) return known;
  return db.transaction(() => {
    // Another version's runs, then past the last `kept` of this one, the oldest.
    const gone = statement(db, `SELECT run FROM ${runs} WHERE version <> ? UNION ALL SELECT run FROM (SELECT run FROM ${runs} WHERE version = ? ORDER BY run DESC LIMIT -1 OFFSET ?)`)
      .pluck()
      .all(version, version, set.kept - 1) as number[];
    for (const old of gone) {
      statement(db, `DELETE FROM ${hits} WHERE run = ?`).run(old);
      statement(db, `DELETE FROM temp.${set.name}_counts WHERE run = ?`).run(old);
      statement(db, `DELETE FROM ${runs} WHERE run = ?`).run(old);
    }
    const run = Number(statement(db, `INSERT INTO ${runs} (version, key) VALUES (?, ?)`).run(version, key).lastInsertRowid);
    fill(run);
    return run;
  })();
}

/**
 * The ids kept for key at the connection's data version, by part, each part's as a JSON array (ascending), with that
 * version; null when none are kept. For another connection to keep the same ids without working them out
 * (keepGivenIds): SQLite writes each part's array (46,000 ids of a million pledges' step lists in a few ms, against
 * 43-46 ms read one row an id), and the other connection reads it as it is.
 */
export function keptIdParts(db: Db, set: KeptSet, key: string): { version: string; parts: Record<string, string> } | null {
  if (!keptTables.get(db)?.has(set.name)) return null;
  const version = databaseVersion(db);
  const run = statement(db, `SELECT run FROM temp.${set.name}_runs WHERE version = ? AND key = ?`).pluck().get(version, key) as number | undefined;
  if (run === undefined) return null;
  const rows = statement(db, `SELECT part, json_group_array(id) FROM (SELECT part, id FROM temp.${set.name}_hits WHERE run = ? ORDER BY part, id) GROUP BY part`)
    .raw(true)
    .all(run) as [string, string][];
  return { version, parts: Object.fromEntries(rows) };
}

/**
 * Keeps the ids another connection kept for key (keptIdParts) as this connection's own, when both read the same
 * data version and none are kept yet; returns whether they were kept. Each part goes in as its JSON array
 * (json_each), one statement a part.
 */
export function keepGivenIds(db: Db, set: KeptSet, key: string, given: { version: string; parts: Record<string, string> }): boolean {
  if (given.version !== databaseVersion(db)) return false;
  let kept = false;
  keepIds(db, set, key, (run) => {
    const insert = statement(db, `INSERT INTO temp.${set.name}_hits (run, part, id) SELECT ?, ?, value FROM json_each(?)`);
    for (const [part, ids] of Object.entries(given.parts)) insert.run(run, part, ids);
    kept = true;
  });
  return kept;
}

/**
 * The condition on pledges p for the kept ids of a run (and part). As a list (IN), SQLite reads the pledges by id
 * from the kept ids, or, where another table leads, copies the ids into an index of its own first (409,113 of a
 * search: about 100 ms). probe: as a lookup of each row of p among the kept ids (EXISTS), for a statement led by a
 * few rows (the waterfall's related pledges, the concessions' links); given as the column of the leading table
 * that holds the pledge's id (`alias.column`), the lookup is made before the pledge's row is read, and only the
 * pledges found are.
 */
export function keptIdsIn(set: KeptSet, run: number, part = '', probe: boolean | ProbeColumn = false): { sql: string; params: unknown[] } {
  const hits = `temp.${set.name}_hits h WHERE h.run = ? AND h.part = ?`;
  const id = typeof probe === 'string' ? probe : 'p.id';
  return { sql: probe ? `EXISTS (SELECT 1 FROM ${hits} AND h.id = ${id})` : `p.id IN (SELECT h.id FROM ${hits})`, params: [run, part] };
}

/**
 * A column of a leading table holding a pledge's id, which a probe may look up by (keptIdsIn), as `alias.column`:
 * written in the code that builds the statement, never taken from input.
 */
export type ProbeColumn = `${string}.${string}`;

/**
 * How many ids of a run (and part) are kept (a run of keepIds on this connection): counted the first time it is
 * asked, then read from temp.NAME_counts, which goes with the run. A view with a search and a selection asks twice
 * (the table's page and its concessions: pledgesRead), and 409,113 kept ids take 10-15 ms to count.
 */
export function keptIdsCount(db: Db, set: KeptSet, run: number, part = ''): number {
  const counts = `temp.${set.name}_counts`;
  const known = statement(db, `SELECT n FROM ${counts} WHERE run = ? AND part = ?`).pluck().get(run, part) as number | undefined;
  if (known !== undefined) return known;
  const n = statement(db, `SELECT count(*) FROM temp.${set.name}_hits h WHERE h.run = ? AND h.part = ?`).pluck().get(run, part) as number;
  statement(db, `INSERT INTO ${counts} (run, part, n) VALUES (?, ?, ?)`).run(run, part, n);
  return n;
}

/** The kept ids of a run (and part), ascending: a statement's text and parameters. */
export function keptIdsList(set: KeptSet, run: number, part = ''): { sql: string; params: unknown[] } {
  return { sql: `SELECT h.id FROM temp.${set.name}_hits h WHERE h.run = ? AND h.part = ? ORDER BY h.id`, params: [run, part] };
}

/** Ids held in memory (holdIds): the ids, ascending, and the handle a statement looks them up by (heldIdsIn). */
export interface HeldIds {
  readonly ids: readonly number[];
  readonly handle: number;
}

interface Held extends HeldIds {
  readonly version: string;
  readonly key: string;
}

/**
 * The most ids a connection holds in memory for one set (8 bytes each: 16 MB), past which the oldest keys go, as
 * they do past the set's `kept`; one set's key is held whatever its size.
 */
export const HELD_IDS_MAX = 2_000_000;

/** What each connection holds, by set name, oldest first; and every held key by handle, for heldIdsIn's function. */
const heldSets = new WeakMap<Db, Map<string, Held[]>>();
const heldByHandle = new WeakMap<Db, Map<number, readonly number[]>>();
let lastHandle = 0;

/**
 * Holds in memory the ids select gives (a statement giving one column, `id`) for key of set, at the connection's
 * data version, the first time it is asked; returns them with their handle. For a set whose statements mostly hand
 * the ids to JavaScript or look a few pledges up among them (heldIdsIn): SQLite hands 409,113 ids over as one JSON
 * array in about 30 ms beyond finding them, where inserting them into a temporary table took 155-160 ms and reading
 * them back one row each 30-120 ms. keepHeldIds keeps them as a temporary table too, for the statements that read
 * every id of the set (docs/performance.md).
 */
export function holdIds(db: Db, set: KeptSet, key: string, select: { sql: string; params: unknown[] }): HeldIds {
  return heldIds(db, set, key) ?? holdGivenIds(db, set, key, JSON.parse(idsJson(db, select)) as number[]);
}

/** The ids held for key of set at the connection's data version, if they are (holdIds). */
export function heldIds(db: Db, set: KeptSet, key: string): HeldIds | undefined {
  const version = databaseVersion(db);
  return heldSets.get(db)?.get(set.name)?.find((entry) => entry.version === version && entry.key === key);
}

/** The ids select gives (a statement giving one column, `id`) as SQLite writes them: a JSON array (holdIds). */
export function idsJson(db: Db, select: { sql: string; params: unknown[] }): string {
  return statement(db, `SELECT json_group_array(id) FROM (${select.sql})`).pluck().get(...select.params) as string;
}

/**
 * Holds ids worked out elsewhere (the search's halves: dashboard.reads.ts) as holdIds would hold the same ids, for
 * key of set at the connection's data version; they are sorted if they are not ascending.
 */
export function holdGivenIds(db: Db, set: KeptSet, key: string, ids: number[]): HeldIds {
  const version = databaseVersion(db);
  const sets = heldSets.get(db) ?? heldSets.set(db, new Map()).get(db)!;
  const held = sets.get(set.name) ?? [];
  if (!ascending(ids)) ids.sort((a, b) => a - b);
  const entry: Held = { version, key, ids, handle: ++lastHandle };
  // Another version's keys go, and this key's, then the oldest past `kept` keys or past HELD_IDS_MAX ids.
  const kept = [...held.filter((other) => other.version === version && other.key !== key), entry];
  let total = kept.reduce((sum, other) => sum + other.ids.length, 0);
  while (kept.length > 1 && (kept.length > set.kept || total > HELD_IDS_MAX)) total -= kept.shift()!.ids.length;
  sets.set(set.name, kept);
  const byHandle = heldByHandle.get(db) ?? heldByHandle.set(db, new Map()).get(db)!;
  for (const gone of held) if (!kept.includes(gone)) byHandle.delete(gone.handle);
  if (!heldFunctions.has(db)) defineHeldFunction(db);
  byHandle.set(entry.handle, ids);
  return entry;
}

/** The keys a connection holds for a set at its data version, oldest first (holdIds). */
export function heldIdKeys(db: Db, set: KeptSet): string[] {
  const version = databaseVersion(db);
  return (heldSets.get(db)?.get(set.name) ?? []).filter((entry) => entry.version === version).map((entry) => entry.key);
}

/** Lets go of every id a connection holds (before long work that needs the memory: platform/memory.ts). */
export function releaseHeldIds(db: Db): void {
  heldSets.delete(db);
  heldByHandle.delete(db);
}

/**
 * The condition that the pledge id in column (`p.id`, or a leading table's `alias.column`) is among held ids: a
 * function of the connection that looks it up in the held array (binary search), about 0.3 µs a row against 0.6
 * for a lookup in a temporary table's B-tree. Only for a statement that runs while the ids are held: run at once,
 * as every statement of a request is, since a handle names nothing once its key has gone.
 */
export function heldIdsIn(held: HeldIds, column: ProbeColumn | 'p.id' = 'p.id'): { sql: string; params: unknown[] } {
  return { sql: `held_id(?, ${column})`, params: [held.handle] };
}

/**
 * Keeps held ids as the set's temporary table too (keepIds), for the statements that read every id (keptIdsIn
 * without a probe): SQLite reads them from the JSON array SQLite gave (json_each) rather than finding them again.
 * held: asked only when the table does not keep them yet (the two are let go of apart).
 */
export function keepHeldIds(db: Db, set: KeptSet, key: string, held: () => HeldIds): number {
  return keepIds(db, set, key, (run) => {
    statement(db, `INSERT INTO temp.${set.name}_hits (run, part, id) SELECT ?, '', value FROM json_each(?)`).run(run, JSON.stringify(held().ids));
  });
}

const heldFunctions = new WeakSet<Db>();

function defineHeldFunction(db: Db): void {
  db.function('held_id', { deterministic: false, directOnly: true }, (handle, id) => {
    const ids = heldByHandle.get(db)?.get(handle as number);
    if (ids === undefined) throw new Error(`No ids are held under handle ${String(handle)}`);
    return includes(ids, id as number) ? 1 : 0;
  });
  heldFunctions.add(db);
}

function ascending(ids: readonly number[]): boolean {
  for (let index = 1; index < ids.length; index++) if (ids[index - 1]! >= ids[index]!) return false;
  return true;
}

/** Whether the ascending ids include id (binary search). */
function includes(ids: readonly number[], id: number): boolean {
  let low = 0;
  let high = ids.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = ids[middle]!;
    if (value === id) return true;
    if (value < id) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}
