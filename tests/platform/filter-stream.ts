// Run by memory.test.ts in a child process started with --expose-gc, so that its memory is measured after a
// full garbage collection: the app on a fresh database gets 10,000 distinct filters, one in twenty as a request
// (the dashboard or the summary JSON), the others as the reads of the dashboard that prepare statements by
// their filter, called directly (a request costs ten times more). Prints what it measured as one line of JSON.
import type { AddressInfo } from 'node:net';
import { cachedFacets, cachedSummary, ReadCache } from '../../server/dashboard/dashboard.reads.ts';
import { EMPTY_FILTER, queryString, type PledgeFilter } from '../../server/pledges/pledges.filter.ts';
import { countPledges } from '../../server/pledges/pledges.sql.ts';
import { statementsKept } from '../../server/platform/statements.ts';
import { freshApp } from '../helpers.ts';

const FILTERS = 10_000;
const WARM_UP = 1_000;

const SECTORS = ['AI infrastructure', 'AI data centers', 'Semiconductors', 'Energy'];
const COUNTRIES = ['United States', 'Taiwan', 'Japan'];

/**
 * The i-th distinct filter: sector, country and pledger lists of 1 to 50 values, a different count of each in
 * every filter (each count of values made statements of its own), one filter in eight without one of the
 * lists, and distinct dates and amounts.
 */
function filterShape(i: number): PledgeFilter {
  const counts = [1 + (i % 50), 1 + (Math.floor(i / 50) % 50), 1 + (Math.floor(i / 2500) % 50)];
  const list = (field: number, known: string[]) =>
    i % 8 === field ? [] : Array.from({ length: counts[field]! }, (_, k) => known[k] ?? `value ${i}-${k}`);
  return {
    ...EMPTY_FILTER,
    sector: list(0, SECTORS),
    country: list(1, COUNTRIES),
    pledger: list(2, []),
    from: i % 5 === 0 ? `20${10 + (i % 15)}-0${1 + (i % 9)}` : null,
    to: i % 4 === 0 ? `2030-0${1 + (i % 9)}-1${i % 9}` : null,
    min: i % 2 === 0 ? 1000 + i : null,
    max: i % 3 === 0 ? 1_000_000_000_000 + i : null,
  };
}

function rssMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  // Twice: statements are finalized when their wrappers are collected.
  gc();
  gc();
  return process.memoryUsage().rss / 1024 / 1024;
}

async function main(): Promise<void> {
  const { db, app, cleanup } = freshApp();
  // The direct reads' own aggregates cache, as bounded as the app's.
  const cache = new ReadCache(db);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const started = Date.now();
  let warm = 0;
  for (let i = 0; i < FILTERS; i++) {
    if (i === WARM_UP) warm = rssMb();
    const filter = filterShape(i);
    if (i % 20 === 0) {
      const pathname = i % 40 === 0 ? '/' : '/api/summary';
      const res = await fetch(`${base}${pathname}${queryString(filter)}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${pathname}${queryString(filter)} answered ${res.status}`);
    } else {
      // The summary's statements are the dashboard's slowest to prepare: every other filter.
      if (i % 2 === 1) cachedSummary(cache, db, filter);
      cachedFacets(cache, db, filter);
      countPledges(db, filter);
    }
  }
  const end = rssMb();
  server.close();
  console.log(JSON.stringify({ warm, end, statements: statementsKept(db), seconds: (Date.now() - started) / 1000 }));
  cleanup();
}

await main();
