import { afterEach, describe, expect, it } from 'vitest';
import { closeSnapshot, openSnapshot } from '../../server/platform/db.ts';
import { EMPTY_FILTER } from '../../server/pledges/pledges.filter.ts';
import { countPledges, searchMatchIds, searchMatches } from '../../server/pledges/pledges.sql.ts';
import { HELD_IDS_MAX, heldIdKeys, holdIds, releaseHeldIds } from '../../server/platform/kept-ids.ts';
import { deletePledge, listPledges } from '../../server/pledges/pledges.repository.ts';
import { whereClause } from '../../server/pledges/pledges.sql.ts';
import type { Db } from '../../server/platform/db.ts';
import { addPledge, drift, freshApp, searchIndexExact, type TestContext } from '../helpers.ts';

const contexts: TestContext[] = [];
afterEach(() => contexts.splice(0).forEach((ctx) => ctx.cleanup()));
function app(): TestContext {
  const ctx = freshApp();
  contexts.push(ctx);
  return ctx;
}

const search = (db: Db, q: string) => listPledges(db, { filter: { ...EMPTY_FILTER, q } }).map((pledge) => pledge.id);
const kept = (db: Db) =>
  db.prepare("SELECT 1 FROM sqlite_temp_master WHERE name = 'search_runs'").get() === undefined
    ? []
    : (db.prepare('SELECT version, key AS q FROM temp.search_runs ORDER BY rowid').all() as { version: string; q: string }[]);

describe('a search’s matches, kept per connection', () => {
  it('follow every write: a pledge added, edited, given a source or deleted is found, or not, at once', () => {
    const ctx = app();
    expect(search(ctx.db, 'Zeta')).toEqual([]);
    const id = addPledge(ctx.db, { pledger: 'Zeta Corp' });
    expect(search(ctx.db, 'Zeta')).toEqual([id]);
    ctx.db.prepare("UPDATE pledges SET pledger = 'Omega Corp' WHERE id = ?").run(id);
    expect(search(ctx.db, 'Zeta')).toEqual([]);
    ctx.db.prepare("INSERT INTO pledge_sources (pledge_id, position, url) VALUES (?, 9, 'https://zeta.example/report')").run(id);
    expect(search(ctx.db, 'Zeta')).toEqual([id]);
    ctx.db.prepare('DELETE FROM pledges WHERE id = ?').run(id);
    expect(search(ctx.db, 'Zeta')).toEqual([]);
  });

  it('are kept for at most eight searches, all of the current data version', () => {
    const ctx = app();
    const words = ['TSMC', 'Apple', 'fab', 'data', 'Arizona', 'AI', 'chip', 'plant', 'Nvidia', 'Micron'];
    for (const word of words) search(ctx.db, word);
    expect(kept(ctx.db).map((run) => run.q)).toEqual(words.slice(-8));
    // The last eight are answered from what was kept: no new pass, nothing dropped.
    search(ctx.db, 'Micron');
    expect(kept(ctx.db).map((run) => run.q)).toEqual(words.slice(-8));
    addPledge(ctx.db, { pledger: 'Anyone' });
    search(ctx.db, 'TSMC');
    expect(kept(ctx.db)).toEqual([{ version: expect.any(String), q: 'TSMC' }]);
    // Only that run's matches are kept: none of the runs dropped is left behind.
    expect(ctx.db.prepare('SELECT count(DISTINCT run) FROM temp.search_hits').pluck().get()).toBe(1);
    expect(ctx.db.prepare('SELECT count(*) FROM temp.search_hits WHERE run NOT IN (SELECT run FROM temp.search_runs)').pluck().get()).toBe(0);
  });

  it('on a snapshot connection (the export’s) are its own, as of its snapshot', () => {
    const ctx = app();
    addPledge(ctx.db, { pledger: 'Zeta One' });
    const snapshot = openSnapshot(ctx.db);
    try {
      const filter = { ...EMPTY_FILTER, q: 'Zeta' };
      expect(countPledges(snapshot, filter)).toBe(1);
      addPledge(ctx.db, { pledger: 'Zeta Two' });
      expect(countPledges(ctx.db, filter)).toBe(2);
      expect(countPledges(snapshot, filter)).toBe(1);
    } finally {
      closeSnapshot(snapshot);
    }
  });

  // Found through search_texts (each pledge's fields and sources one to a line) or, with a line break in the
  // text, field by field: either way the pledges the in-statement match of each field gives, and no pledge
  // matched across two of its fields.
  it.each(['fab', 'TSMC', 'example.com/', '%', '_', '\\', "'", 'Co\nWidget', 'fab\nManufacturing', 'two\nthree', 'nothing-matches-this'])(
    'give the pledges that matching the text in the statement gives, for %j',
    (q) => {
      const ctx = app();
      addPledge(ctx.db, { pledger: "50% owned_by O'Brien \\ Co", context_note: 'tsmc fab' });
      addPledge(ctx.db, { pledger: 'Lines', context_note: 'one two\nthree four' });
      const filter = { ...EMPTY_FILTER, q };
      const inStatement = whereClause(filter);
      const matched = ctx.db.prepare(`SELECT p.id FROM pledges p ${inStatement.sql} ORDER BY p.id`).pluck().all(...inStatement.params);
      const kept = whereClause(filter, ctx.db);
      expect(kept.sql).toContain('temp.search_hits');
      expect(ctx.db.prepare(`SELECT p.id FROM pledges p ${kept.sql} ORDER BY p.id`).pluck().all(...kept.params)).toEqual(matched);
      // Held in memory: the ids themselves, and each pledge looked up among them (a probe).
      expect(searchMatchIds(ctx.db, q)).toEqual(matched);
      const probe = whereClause(filter, ctx.db, true);
      expect(probe.sql).toContain('held_id(');
      expect(ctx.db.prepare(`SELECT p.id FROM pledges p ${probe.sql} ORDER BY p.id`).pluck().all(...probe.params)).toEqual(matched);
      const crossesFields = q === 'Co\nWidget' || q === 'fab\nManufacturing';
      expect(matched.length > 0).toBe(q !== 'nothing-matches-this' && !crossesFields);
    },
  );

  it('read a search text kept exact by every write to a pledge or its sources', () => {
    const ctx = app();
    const editor = { id: null, username: 'test' };
    const [a, b] = [addPledge(ctx.db, { pledger: 'Alpha' }), addPledge(ctx.db, { pledger: 'Beta' })];
    const sql = (text: string, ...params: unknown[]) => ctx.db.prepare(text).run(...params);
    sql("INSERT INTO pledge_sources (pledge_id, position, url, title) VALUES (?, 5, 'https://kappa.example/x', 'Kappa report')", a);
    expect(search(ctx.db, 'kappa REPORT')).toEqual([a]);
    sql("UPDATE pledge_sources SET pledge_id = ? WHERE url = 'https://kappa.example/x'", b);
    expect(search(ctx.db, 'Kappa')).toEqual([b]);
    sql("UPDATE pledge_sources SET title = 'Lambda' WHERE url = 'https://kappa.example/x'");
    expect(search(ctx.db, 'Kappa report')).toEqual([]);
    expect(search(ctx.db, 'lambda')).toEqual([b]);
    sql("UPDATE pledges SET country = 'Mu-land', context_note = 'Xiphos' WHERE id = ?", a);
    expect([search(ctx.db, 'mu-land'), search(ctx.db, 'XIPHOS')]).toEqual([[a], [a]]);
    sql("DELETE FROM pledge_sources WHERE url = 'https://kappa.example/x'");
    expect(search(ctx.db, 'lambda')).toEqual([]);
    expect(deletePledge(ctx.db, b, editor, 'test')).toBe(true);
    expect(search(ctx.db, 'Beta')).toEqual([]);
    expect(ctx.db.prepare('SELECT count(*) FROM search_texts').pluck().get()).toBe(ctx.db.prepare('SELECT count(*) FROM pledges').pluck().get());
    expect(drift(ctx.db, 'search_texts')).toBe(0);
    expect(searchIndexExact(ctx.db)).toBe(true);
  });
});

describe('a search’s matches, held in memory per connection', () => {
  const SEARCHES = { name: 'search', kept: 8 };

  it('are found once, held for at most eight searches of the current data version, and a write drops them', () => {
    const ctx = app();
    const words = ['TSMC', 'Apple', 'fab', 'data', 'Arizona', 'AI', 'chip', 'plant', 'Nvidia', 'Micron'];
    for (const word of words) searchMatches(ctx.db, word);
    expect(heldIdKeys(ctx.db, SEARCHES)).toEqual(words.slice(-8));
    // Asked again, the same array: not found again.
    expect(searchMatchIds(ctx.db, 'Micron')).toBe(searchMatchIds(ctx.db, 'Micron'));
    const id = addPledge(ctx.db, { pledger: 'Micron Two' });
    expect(heldIdKeys(ctx.db, SEARCHES)).toEqual([]);
    expect(searchMatchIds(ctx.db, 'Micron')).toContain(id);
    expect(heldIdKeys(ctx.db, SEARCHES)).toEqual(['Micron']);
  });

  it('are no statement’s reads alone: a search that only probes keeps no table, one that reads every match does', () => {
    const ctx = app();
    const filter = { ...EMPTY_FILTER, q: 'fab' };
    const probe = whereClause(filter, ctx.db, true);
    ctx.db.prepare(`SELECT count(*) FROM pledges p WHERE ${probe.sql.replace(/^WHERE /, '')}`).pluck().get(...probe.params);
    expect(kept(ctx.db)).toEqual([]);
    countPledges(ctx.db, { ...filter, sector: ['Semiconductors'] });
    expect(kept(ctx.db).map((run) => run.q)).toEqual(['fab']);
  });

  it('past two million ids, let the oldest keys go, and all go before long work', () => {
    const ctx = app();
    const ids = (n: number) => ({ sql: `WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n WHERE id < ${n}) SELECT id FROM n`, params: [] });
    const set = { name: 'numbers', kept: 8 };
    const small = holdIds(ctx.db, set, 'small', ids(10));
    const large = holdIds(ctx.db, set, 'large', ids(HELD_IDS_MAX - 5));
    expect(large.ids).toHaveLength(HELD_IDS_MAX - 5);
    expect(heldIdKeys(ctx.db, set)).toEqual(['large']);
    expect(small.ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // A statement naming a key that has gone fails plainly rather than matching nothing.
    expect(() => ctx.db.prepare('SELECT held_id(?, 1)').get(small.handle)).toThrow(/No ids are held/);
    expect(ctx.db.prepare('SELECT held_id(?, ?), held_id(?, ?)').raw().get(large.handle, HELD_IDS_MAX - 5, large.handle, HELD_IDS_MAX - 4)).toEqual([1, 0]);
    releaseHeldIds(ctx.db);
    expect(heldIdKeys(ctx.db, set)).toEqual([]);
    expect(holdIds(ctx.db, set, 'small', ids(3)).ids).toEqual([1, 2, 3]);
  });
});
