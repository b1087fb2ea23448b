// Bulk loads (a large import, npm run generate): the pledges' secondary indexes and the triggers that fire on
// every row written are set aside while the rows go in, then put back, with the pre-grouped tables refilled in
// one grouped pass each: one sorted pass per index instead of a million scattered inserts, and no per-row work
// that costs more than the row itself.
//
// What was set aside is written down in app_meta (key 'bulk_load') in the same transaction. An import does its
// whole load in one transaction, so no other connection ever sees the tables without them. `npm run generate`
// commits batch by batch; if it is killed before it puts them back, the next process to open the database
// (migrate) finishes the load, once the process that started it is gone.
import type { Db } from './db.ts';

interface SchemaObject {
  name: string;
  sql: string;
}

/** What beginBulkLoad set aside, for endBulkLoad to put back. */
export interface BulkLoad {
  indexes: SchemaObject[];
  triggers: SchemaObject[];
  /** The process that started the load. */
  pid: number;
}

/**
 * The tables that triggers keep from the pledges, each with a view computing it afresh: sums over them (007,
 * 008), the text a search reads (009), the pledges the waterfall's ledger reads (013) and the bands added up
 * (014: after pledge_bands, which it is computed from), the statuses each pledge held before its status steps
 * (021), the edges of each pledge's history with their sums per period (022: after status_spans, then the edges, then their sums per field),
 * the announced pledges with completion evidence (025), the pledger facet by group (026) and the bands per value of
 * each grouped field (027: after pledge_bands), the pledger facet per value and band (028) and the grouped sums per
 * year (030).
 */
export const PRE_GROUPED = ['pledge_bands', 'pledger_months', 'search_texts', 'pledge_ledger', 'pledge_groups', 'status_spans', 'status_edges', 'status_margins', 'announced_evidence', 'pledger_groups', 'band_margins', 'pledger_margins', 'pledge_years'] as const;

/**
 * The FTS5 indexes over a pre-grouped table (023: the search texts' trigrams), rebuilt from it once it is refilled:
 * one sorted build instead of an entry written for each row.
 */
export const REBUILT_INDEXES = ['search_fts'] as const;

/**
 * The triggers a bulk load sets aside, by name: those that move the data version (006), and those that keep each
 * pre-grouped table and rebuilt index, named after it (`pledges_insert_pledge_years`), but for the first tables'
 * (007, 008, 022), named otherwise, and those marking the packed facts' blocks stale (031), which the load marks
 * all stale instead. A new pre-grouped table named in PRE_GROUPED has its triggers found here.
 */
const SET_ASIDE_TRIGGERS = [
  '*_data_version',
  'pledges_bands_*',
  'pledges_months_*',
  'status_edges_*_margins',
  '*_pledge_facts_stale',
  ...[...PRE_GROUPED, ...REBUILT_INDEXES].map((table) => `*_${table}`),
];

/**
 * Sets aside, inside the caller's transaction, the pledges' secondary indexes (all but those named in
 * keepIndexes) and the triggers of SET_ASIDE_TRIGGERS.
 */
export function beginBulkLoad(db: Db, keepIndexes: readonly string[] = []): BulkLoad {
  const objects = (where: string) => db.prepare(`SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND ${where} ORDER BY name`).all() as SchemaObject[];
  const load: BulkLoad = {
    indexes: objects("type = 'index' AND tbl_name = 'pledges'").filter(({ name }) => !keepIndexes.includes(name)),
    triggers: objects(`type = 'trigger' AND (${SET_ASIDE_TRIGGERS.map((pattern) => `name GLOB '${pattern}'`).join(' OR ')})`),
    pid: process.pid,
  };
  for (const { name } of load.triggers) db.exec(`DROP TRIGGER ${quote(name)}`);
  for (const { name } of load.indexes) db.exec(`DROP INDEX ${quote(name)}`);
  db.prepare("INSERT INTO app_meta (key, value) VALUES ('bulk_load', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(JSON.stringify(load));
  return load;
}

/**
 * Builds the indexes again, refills the pre-grouped tables from their views, re-creates the triggers and moves
 * the data version once for the whole load, inside the caller's transaction. Whatever is already back is left.
 */
export function endBulkLoad(db: Db, load: Pick<BulkLoad, 'indexes' | 'triggers'>): void {
  const exists = db.prepare('SELECT 1 FROM sqlite_schema WHERE name = ?').pluck();
  // SQLite sorts each index's entries on the helper threads the connection allows (openDatabase: one a core), but
  // the pre-grouped tables' refills and the search index's rebuild on the connection's thread alone: with helpers
  // too, a 100,000-row import's peak memory went from 163–171 MB to 190–204 MB (line: 200). Then back.
  const threads = db.pragma('threads', { simple: true }) as number;
  try {
    for (const { name, sql } of load.indexes) if (!exists.get(name)) db.exec(sql);
    db.pragma('threads = 0');
    for (const table of PRE_GROUPED) db.exec(`DELETE FROM ${table}; INSERT INTO ${table} SELECT * FROM ${table}_computed;`);
    for (const index of REBUILT_INDEXES) db.exec(`INSERT INTO ${index} (${index}) VALUES ('rebuild')`);
    // The packed facts (031): every block with a blob or a pledge is packed again by the next read that needs them.
    db.exec('INSERT OR IGNORE INTO pledge_facts_stale (block) SELECT block FROM pledge_facts UNION SELECT id >> 12 FROM pledges');
  } finally {
    db.pragma(`threads = ${threads}`);
  }
  for (const { name, sql } of load.triggers) if (!exists.get(name)) db.exec(sql);
  db.prepare("UPDATE app_meta SET value = value + 1 WHERE key = 'data_version'").run();
  db.prepare("DELETE FROM app_meta WHERE key = 'bulk_load'").run();
}

/**
 * Finishes a bulk load whose process ended before putting everything back (killed, out of memory). Returns
 * true when there was one. A load whose process still runs is left to it.
 */
export function finishInterruptedBulkLoad(db: Db): boolean {
  if (!db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'app_meta'").get()) return false;
  const value = db.prepare("SELECT value FROM app_meta WHERE key = 'bulk_load'").pluck().get() as string | undefined;
  if (value === undefined) return false;
  const load = JSON.parse(value) as BulkLoad;
  if (load.pid !== process.pid && running(load.pid)) return false;
  db.transaction(() => endBulkLoad(db, load)).immediate();
  return true;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
