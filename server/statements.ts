// Prepared statements, prepared once per connection: preparing costs more than running a small query.
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.ts';

const caches = new WeakMap<Db, Map<string, Statement>>();

export function statement(db: Db, sql: string): Statement {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let prepared = cache.get(sql);
  if (!prepared) cache.set(sql, (prepared = db.prepare(sql)));
  return prepared;
}

/** How many statements the connection keeps: for tests. */
export function statementsKept(db: Db): number {
  return caches.get(db)?.size ?? 0;
}
