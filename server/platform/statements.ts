// Prepared statements, kept per connection: preparing costs more than running a small query.
import type { Db, Statement } from './db.ts';

/**
 * Statements kept per connection, the least recently used dropped first: a statement that reads a filter has a
 * text for each combination of the filter's conditions, so a stream of new filters would otherwise keep one
 * statement after another, for good. 300: the app's fixed statements (43 call sites) plus the five or so each
 * filter makes for its dashboard, for the last fifty filters; the busiest connection of the test suite held
 * 100. The largest statement (every list of 50 values, every condition) takes about 65 kB: 20 MB at the very
 * most. A statement dropped and asked for again is prepared again, in under a millisecond.
 */
export const STATEMENTS_KEPT = 300;

const caches = new WeakMap<Db, Map<string, Statement>>();

export function statement(db: Db, sql: string): Statement {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let prepared = cache.get(sql);
  if (prepared) {
    // A Map iterates in insertion order: re-inserted, the statement becomes the most recently used.
    cache.delete(sql);
  } else {
    prepared = db.prepare(sql);
    if (cache.size >= STATEMENTS_KEPT) cache.delete(cache.keys().next().value!);
  }
  cache.set(sql, prepared);
  return prepared;
}

/** How many statements the connection keeps: for tests. */
export function statementsKept(db: Db): number {
  return caches.get(db)?.size ?? 0;
}
