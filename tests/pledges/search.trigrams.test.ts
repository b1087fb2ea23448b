// A search of three characters or more reads the trigram index (migration 023) and finds exactly the pledges a
// LIKE over each field finds; the index stays exact through every write and after a bulk load.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePledges } from '../../server/import/generate.ts';
import { EMPTY_FILTER } from '../../server/pledges/pledges.filter.ts';
import { countPledges, DEFAULT_SORT, pageIndex, whereClause } from '../../server/pledges/pledges.sql.ts';
import { deletePledge, listPledges } from '../../server/pledges/pledges.repository.ts';
import type { Db } from '../../server/platform/db.ts';
import { addPledge, count, drift, freshApp, searchIndexExact, type TestContext } from '../helpers.ts';

/** The ids a search finds the way the app reads it (through the index), and the way each field's LIKE finds them. */
function bothWays(db: Db, q: string): { indexed: number[]; like: number[] } {
  const filter = { ...EMPTY_FILTER, q };
  const ids = (where: { sql: string; params: unknown[] }) => db.prepare(`SELECT p.id FROM pledges p ${where.sql} ORDER BY p.id`).pluck().all(...where.params) as number[];
  return { indexed: ids(whereClause(filter, db)), like: ids(whereClause(filter)) };
}

describe('a search through the trigram index, on generated pledges', () => {
  let ctx: TestContext;
  beforeAll(() => {
    ctx = freshApp({ seed: false });
    // 3,000 generated pledges in a bulk load (which rebuilds the index), then a few written one by one.
    generatePledges(ctx.db, { rows: 3_000, seed: 4, batch: 1_000, bulkFrom: 1_000 });
    addPledge(ctx.db, { pledger: 'Société Générale', project: 'Ünïcode “quotes” plant', context_note: 'abc bcd' });
    addPledge(ctx.db, { pledger: "50% owned_by O'Brien \\ Co", project: 'Straße', sources: [{ url: 'https://news.example/a%20b?x=1_2', title: 'ÉNERGIE' }] });
    addPledge(ctx.db, { pledger: 'SOCIÉTÉ', project: 'energie', context_note: 'AbCd' });
    // The Kelvin sign and the long s, which the index folds into k and s (LIKE does not).
    addPledge(ctx.db, { pledger: '\u212Aelvin Systems', project: 'Mi\u017F\u017Fion plant' });
  });
  afterAll(() => ctx.cleanup());

  it('holds the trigrams of every text after the bulk load and the writes', () => {
    expect(count(ctx.db, 'search_texts')).toBe(3_004);
    expect(drift(ctx.db, 'search_texts')).toBe(0);
    expect(searchIndexExact(ctx.db)).toBe(true);
  });

  it.each([
    // Generated words, in any ASCII case, and text across two words.
    ['energy', true],
    ['ENERGY', true],
    ['nViDiA', true],
    ['center 1', true],
    ['ing', true],
    ['Source 2', true],
    // A piece of a source's URL, and of its title.
    ['example.com/pledges/12', true],
    ['/pledges/2999/', true],
    // Accents: LIKE folds ASCII alone, so "société" does not find "SOCIÉTÉ" (the index names it; the LIKE leaves it out).
    ['Société', true],
    ['société', true],
    ['SOCIÉTÉ', true],
    ['énergie', false],
    ['ÉNERGIE', true],
    ['Straße', true],
    ['“quotes”', true],
    // % and _ are the characters themselves, not wildcards; quotes and backslashes too.
    ['50% ', true],
    ['0%o', false],
    ['d_b', true],
    ['x=1_2', true],
    ['a%20b', true],
    ["O'Brien \\ Co", true],
    ['"quo', false],
    // A NUL ends an FTS5 query's text (and LIKE's pattern: "\0\0\0" is "%%", every pledge): such a term is matched
    // by the LIKE alone, as before.
    ['Soc\0iété', false],
    ['\0\0\0', true],
    // Three ASCII characters: the index alone finds them, but a term with a k or an s, which the index also makes
    // of the Kelvin sign and the long s: "kel" and "Mis" must not find "\u212Aelvin" and "Mi\u017F\u017Fion".
    ['AbC', true],
    ['elv', true],
    ['ION', true],
    ['kel', false],
    ['KEL', false],
    ['Mis', false],
    ['i\u017F\u017F', true],
    ['0%o', false],
    ['d_b', true],
    // Every trigram of "abcd" is in "abc bcd", but not the term.
    ['abcd', true],
    ['abc bcd', true],
    ['bc b', true],
    ['nothing matches this', false],
  ])('%j finds the pledges each field’s LIKE finds', (q, found) => {
    const { indexed, like } = bothWays(ctx.db, q);
    expect(indexed).toEqual(like);
    expect(indexed.length > 0).toBe(found);
    // The table's total, counted from the kept matches without reading a pledge.
    expect(countPledges(ctx.db, { ...EMPTY_FILTER, q })).toBe(like.length);
  });

  it.each([
    ['ing', 0],
    ['ing', 100],
    ['energy', 0],
    ['nvidia', 50],
    ['center 1', 0],
  ])('lists page %j at offset %i in the table’s order, whether it walks the order’s index or reads the matches', (q, offset) => {
    const filter = { ...EMPTY_FILTER, q };
    const { like } = bothWays(ctx.db, q);
    const inOrder = ctx.db
      .prepare(`SELECT id FROM pledges WHERE id IN (SELECT value FROM json_each(?)) ORDER BY amount_usd IS NULL, amount_usd DESC, id LIMIT 50 OFFSET ?`)
      .pluck()
      .all(JSON.stringify(like), offset);
    expect(listPledges(ctx.db, { filter, limit: 50, offset }).map((row) => row.id)).toEqual(inOrder);
    expect(inOrder.length).toBeGreaterThan(0);
  });

  it('walks the order’s index for a term many pledges hold, and reads the few matches of a rare one', () => {
    expect(pageIndex(ctx.db, { ...EMPTY_FILTER, q: 'ing' }, DEFAULT_SORT, 50)).toBe('pledges_default_order_idx');
    expect(pageIndex(ctx.db, { ...EMPTY_FILTER, q: 'abcd' }, DEFAULT_SORT, 50)).toBeNull();
    expect(pageIndex(ctx.db, { ...EMPTY_FILTER, q: 'ing' }, { key: 'pledger', descending: false }, 50)).toBeNull();
    expect(pageIndex(ctx.db, { ...EMPTY_FILTER, q: 'ing', sector: ['Energy'] }, DEFAULT_SORT, 50)).toBeNull();
  });

  it('finds "abcd" in the pledge that holds it, not in the one holding its trigrams apart', () => {
    const { indexed } = bothWays(ctx.db, 'abcd');
    expect(indexed).toEqual([3_003]);
  });
});

describe('the trigram index through writes', () => {
  it('stays exact as pledges and their sources are added, edited, moved and deleted', () => {
    const ctx = freshApp();
    try {
      const editor = { id: null, username: 'test' };
      const sql = (text: string, ...params: unknown[]) => ctx.db.prepare(text).run(...params);
      const exact = () => [drift(ctx.db, 'search_texts'), searchIndexExact(ctx.db)];
      const found = (q: string) => bothWays(ctx.db, q);
      const a = addPledge(ctx.db, { pledger: 'Zetaworks' });
      const b = addPledge(ctx.db, { pledger: 'Omicron' });
      expect([exact(), found('zetaworks').indexed]).toEqual([[0, true], [a]]);
      // A source added, edited, moved to another pledge and removed: each rewrites its pledge's text (REPLACE).
      sql("INSERT INTO pledge_sources (pledge_id, position, url, title) VALUES (?, 5, 'https://kappa.example/x', 'Kappa report')", a);
      expect([exact(), found('kappa rep').indexed]).toEqual([[0, true], [a]]);
      sql("UPDATE pledge_sources SET title = 'Lambda brief' WHERE url = 'https://kappa.example/x'");
      expect([exact(), found('kappa rep').indexed, found('lambda')]).toEqual([[0, true], [], { indexed: [a], like: [a] }]);
      sql("UPDATE pledge_sources SET pledge_id = ? WHERE url = 'https://kappa.example/x'", b);
      expect([exact(), found('lambda').indexed]).toEqual([[0, true], [b]]);
      sql("DELETE FROM pledge_sources WHERE url = 'https://kappa.example/x'");
      expect([exact(), found('lambda').indexed]).toEqual([[0, true], []]);
      expect(countPledges(ctx.db, { ...EMPTY_FILTER, q: 'lambda' })).toBe(0);
      // A pledge's own fields edited, then the pledge deleted.
      sql("UPDATE pledges SET pledger = 'Sigmaworks', country = 'Mu-land' WHERE id = ?", a);
      expect([exact(), found('zetaworks').indexed, found('sigmaworks').indexed, found('MU-LAND').indexed]).toEqual([[0, true], [], [a], [a]]);
      expect(deletePledge(ctx.db, a, editor, 'test')).toBe(true);
      expect([exact(), found('sigmaworks').indexed]).toEqual([[0, true], []]);
      expect(count(ctx.db, 'search_texts')).toBe(count(ctx.db, 'pledges'));
    } finally {
      ctx.cleanup();
    }
  });
});

describe('a search of one or two characters', () => {
  it.each(['/', '/pledges', '/pledges.csv', '/api/pledges', '/api/summary', '/concessions'])('%s answers 400, saying why', async (path) => {
    const ctx = freshApp();
    try {
      for (const q of ['a', 'GE', ' %_ ']) {
        const res = await request(ctx.app).get(path).query({ q });
        expect(res.status).toBe(400);
        const message = path.startsWith('/api') ? (res.body as { error: { message: string } }).error.message : res.text;
        expect(message).toContain('The filter parameter q is wrong');
        expect(message).toContain('search for at least 3 characters (one or two are found in most pledges)');
      }
      // Three characters are enough, whatever they are.
      expect((await request(ctx.app).get(path).query({ q: 'fab' })).status).toBe(200);
      expect((await request(ctx.app).get(`${path}?q=ab%00cd`)).status).toBe(200);
    } finally {
      ctx.cleanup();
    }
  });

  it('is refused in the search field itself before the form is sent', async () => {
    const ctx = freshApp();
    try {
      for (const path of ['/', '/pledges', '/concessions']) {
        const html = (await request(ctx.app).get(path)).text;
        expect(html).toMatch(/<input id="filter-q" name="q" type="search" value="" minlength="3" title="At least 3 characters"/);
      }
    } finally {
      ctx.cleanup();
    }
  });
});
