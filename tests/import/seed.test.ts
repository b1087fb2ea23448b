import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { migrate } from '../../server/platform/migrate.ts';
import { SEED_FILE, seedOnce } from '../../server/import/seed.ts';
import { findPledge, statusTimeline } from '../../server/pledges/pledges.repository.ts';
import { addPledge, FIVE_PLEDGE_SEED, tempDbPath } from '../helpers.ts';

let db: Db;
afterEach(() => db?.close());

function newDb(): Db {
  db = openDatabase(tempDbPath());
  migrate(db);
  return db;
}

const seedJson = JSON.parse(fs.readFileSync(SEED_FILE, 'utf8')) as {
  events: { key: string; title: string }[];
  pledges: { key: string; pledger: string; project: string; announced_on: string; status: string }[];
  relations: unknown[];
};

/** The id of a seeded pledge by its key in db/seed.json. */
function idOf(key: string): number {
  const pledge = seedJson.pledges.find((p) => p.key === key)!;
  return db.prepare('SELECT id FROM pledges WHERE pledger = ? AND project = ? AND announced_on = ?').pluck().get(pledge.pledger, pledge.project, pledge.announced_on) as number;
}

type SeedDoc = { events: Record<string, unknown>[]; pledges: Record<string, unknown>[]; relations: Record<string, unknown>[] };

/** db/seed.json with one change, in a file of its own. */
function seedWith(change: (seed: SeedDoc) => unknown): string {
  const seed = JSON.parse(fs.readFileSync(SEED_FILE, 'utf8')) as SeedDoc;
  change(seed);
  const file = path.join(path.dirname(tempDbPath()), 'seed.json');
  fs.writeFileSync(file, JSON.stringify(seed));
  return file;
}

describe('seeding a new database with db/seed.json', () => {
  it('holds at least 55 pledges and 30 events, every one with a source', () => {
    newDb();
    expect(seedOnce(db)).toBe('seeded');
    expect(db.prepare('SELECT count(*) FROM pledges').pluck().get()).toBeGreaterThanOrEqual(55);
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBeGreaterThanOrEqual(30);
    const unsourced = db
      .prepare('SELECT count(*) FROM pledges p WHERE NOT EXISTS (SELECT 1 FROM pledge_sources s WHERE s.pledge_id = p.id)')
      .pluck()
      .get();
    expect(unsourced).toBe(0);
    expect(db.prepare("SELECT count(*) FROM events WHERE source_url IS NULL OR source_url = ''").pluck().get()).toBe(0);
    const urls = db
      .prepare(
        `SELECT url FROM pledge_sources UNION ALL SELECT source_url FROM events UNION ALL SELECT url FROM event_sources
         UNION ALL SELECT evidence_url FROM status_changes
         UNION ALL SELECT source_url FROM pledge_relations WHERE source_url IS NOT NULL`,
      )
      .pluck()
      .all() as string[];
    expect(urls.length).toBeGreaterThan(200);
    expect(urls.filter((url) => !/^https?:\/\/[^\s/]+\.[^\s]+$/.test(url))).toEqual([]);
  });

  it('holds every dated concession the fact sheet names, each with its type, day, sources and the pledges it answered', () => {
    newDb();
    seedOnce(db);
    const concessions = db
      .prepare(
        `SELECT e.occurred_on, e.concession_type, e.source_url, (SELECT count(*) FROM event_sources s WHERE s.event_id = e.id) AS more_sources,
                (SELECT group_concat(pe.pledge_id) FROM pledge_events pe WHERE pe.event_id = e.id) AS pledge_ids, e.title
           FROM events e WHERE e.kind = 'concession' ORDER BY e.occurred_on, e.id`,
      )
      .all() as { occurred_on: string; concession_type: string; source_url: string; more_sources: number; pledge_ids: string; title: string }[];
    const expected: [string, string, string, string][] = [
      ['2025-04-09', 'export_relief', 'P13', 'NPR reports that the White House shelved planned H20 export controls'],
      ['2025-06-13', 'government_stake', 'P30', "Executive order clears Nippon Steel's takeover of U.S. Steel"],
      ['2025-07-14', 'export_relief', 'P13', 'H20 export licenses will be granted'],
      ['2025-08-06', 'tariff_relief', 'P40', 'spared the ~100% chip tariff'],
      ['2025-08-10', 'government_stake', 'P13', '15% of China revenue from H20 and MI308'],
      ['2025-08-22', 'government_stake', 'S01', '9.9% stake in Intel'],
      ['2025-09-30', 'tariff_relief', 'P47', '3-year tariff grace'],
      ['2025-10-10', 'tariff_relief', 'P36', '3-year delay of Section 232 tariffs'],
      ['2025-10-28', 'government_stake', 'P50', 'Westinghouse cash distributions'],
    ];
    expect(concessions.map((c) => [c.occurred_on, c.concession_type, Number(c.pledge_ids)])).toEqual(expected.map(([on, type, key]) => [on, type, idOf(key)]));
    expected.forEach(([, , , words], i) => expect(concessions[i].title).toContain(words));
    expect(concessions.every((c) => c.source_url.startsWith('https://'))).toBe(true);
    // Most have the fact sheet's second source too.
    expect(concessions.filter((c) => c.more_sources > 0).length).toBeGreaterThanOrEqual(7);
    // What the sheet leaves undated (Sanofi's and Merck's exemptions) is not seeded as a dated concession.
    expect(concessions.some((c) => /Sanofi|Merck/.test(c.title))).toBe(false);
  });

  it('keeps every pledge and event of the seed file, each pledge with all its sources in order', () => {
    newDb();
    seedOnce(db);
    const pledges = db.prepare('SELECT pledger, project, announced_on FROM pledges ORDER BY id').all();
    expect(pledges).toEqual(seedJson.pledges.map(({ pledger, project, announced_on }) => ({ pledger, project, announced_on })));
    expect(db.prepare('SELECT title FROM events ORDER BY id').pluck().all()).toEqual(seedJson.events.map((e) => e.title));
    const apple = idOf('P40');
    const sources = db.prepare('SELECT url FROM pledge_sources WHERE pledge_id = ? ORDER BY position').pluck().all(apple);
    const file = seedJson.pledges.find((p) => p.key === 'P40') as unknown as { sources: { url: string }[] };
    expect(sources).toEqual(file.sources.map((s) => s.url));
  });

  it("gives Microsoft's $80B a fiscal-year horizon, so it is about $80B a year, not twice that", () => {
    newDb();
    seedOnce(db);
    const microsoft = findPledge(db, idOf('P03'))!;
    expect(microsoft).toMatchObject({ amount_usd: 80e9, horizon_start: '2024-07-01', horizon_end: '2025-06-30', us_share_pct: 50 });
    expect(microsoft.per_year_usd).toBe(80e9);
  });

  it('writes the status steps with their notes and evidence; a pledge is where its last step says', () => {
    newDb();
    seedOnce(db);
    const stargate = findPledge(db, idOf('P05'))!;
    const steps = statusTimeline(db, stargate).slice(1);
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(steps.every((step) => step.note.length > 0 && step.evidence_url?.startsWith('http'))).toBe(true);
    expect(stargate.status).toBe(steps.at(-1)!.status);
    const mismatched = db
      .prepare(
        `SELECT p.id FROM pledges p
          WHERE p.status <> coalesce((SELECT s.status FROM status_changes s WHERE s.pledge_id = p.id ORDER BY s.changed_on DESC, s.id DESC LIMIT 1), 'announced')`,
      )
      .all();
    expect(mismatched).toEqual([]);
    expect(db.prepare("SELECT count(*) FROM pledges WHERE status <> 'announced'").pluck().get()).toBeGreaterThan(5);
  });

  it('links pledges to their events, and resolves every relation to the pledges its keys name', () => {
    newDb();
    seedOnce(db);
    const linked = db
      .prepare('SELECT e.title FROM pledge_events pe JOIN events e ON e.id = pe.event_id WHERE pe.pledge_id = ? ORDER BY e.occurred_on')
      .pluck()
      .all(idOf('P13')) as string[];
    expect(linked.some((title) => title.includes('Mar-a-Lago'))).toBe(true);
    expect(db.prepare('SELECT count(*) FROM pledge_relations').pluck().get()).toBe(seedJson.relations.length);
    const relation = (pledge: string, kind: string, other: string | null) =>
      db
        .prepare('SELECT amount_usd FROM pledge_relations WHERE pledge_id = ? AND kind = ? AND other_id IS ?')
        .get(idOf(pledge), kind, other === null ? null : idOf(other));
    expect(relation('P40', 'supersedes', 'P06')).toEqual({ amount_usd: null }); // Apple's $600B replaces its $500B
    expect(relation('P54', 'contains', 'P17')).toEqual({ amount_usd: null }); // Switzerland's $200B holds Roche's $50B
    expect(relation('P05', 'overlaps', 'P02')).toEqual({ amount_usd: 100e9 }); // Stargate's first tranche and SoftBank's $100B
    expect(relation('P49', 'repeats', null)).toEqual({ amount_usd: 8.5e9 }); // Merck's earlier 2025 plants
    expect(findPledge(db, idOf('P18'))).toMatchObject({ amount_usd: 32e9, new_money_usd: 11e9 }); // Gilead
  });

  it('keeps a month-only date at month precision', () => {
    newDb();
    seedOnce(db);
    expect(db.prepare("SELECT occurred_on FROM events WHERE title LIKE 'Senators%'").pluck().get()).toBe('2025-02');
  });
});

describe('a bad seed entry', () => {
  it.each([
    ['an amount that is not a number', (s: SeedDoc) => (s.pledges[6].amount_usd = 'lots'), /pledges\[6\] \(P07\)\.amount_usd/],
    ['a source URL that is not a web address', (s: SeedDoc) => ((s.pledges[6].sources as { url: string }[])[0].url = 'javascript:alert(1)'), /Seed pledge P07 \(Eli Lilly\): source_url_0/],
    ['a status its steps do not end with', (s: SeedDoc) => (s.pledges[6].status = 'completed'), /Seed pledge P07 \(Eli Lilly\): status is "completed"/],
    ['a link to an event that is not there', (s: SeedDoc) => (s.pledges[6].events = ['E99']), /Seed pledge P07 names unknown events: E99/],
    ['a relation to a pledge that is not there', (s: SeedDoc) => (s.relations[0].other = 'P99'), /there is no pledge P99/],
    ['a relation to itself', (s: SeedDoc) => (s.relations[0].other = s.relations[0].pledge), /related to itself/],
    ['a circle of contains', (s: SeedDoc) => s.relations.push({ pledge: 'P45', kind: 'contains', other: 'P07', amount_usd: null, note: '', source_url: null, source_title: '' }), /circle/],
    ['an overlap larger than a pledge', (s: SeedDoc) => s.relations.push({ pledge: 'P01', kind: 'overlaps', other: 'P36', amount_usd: 4e9, note: '', source_url: null, source_title: '' }), /more than pledge P01/],
    ['the same pledge twice', (s: SeedDoc) => s.pledges.push({ ...s.pledges[0], key: 'P99' }), /same pledge \(pledger, project and date\) twice: AstraZeneca/],
  ])('stops the start with a message naming it when it has %s, and writes nothing', (_what, change, message) => {
    newDb();
    expect(() => seedOnce(db, seedWith(change))).toThrow(message);
    expect(db.prepare('SELECT count(*) FROM pledges').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM app_meta WHERE key = ?').pluck().get('seeded_at')).toBe(0);
  });
});

describe('seeding once', () => {
  it('when seeded rows were deleted, then seeding does not bring them back', () => {
    newDb();
    seedOnce(db);
    db.prepare('DELETE FROM pledges').run();
    db.prepare('DELETE FROM events').run();
    expect(seedOnce(db)).toBe('already-seeded');
    expect(db.prepare('SELECT count(*) FROM pledges').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
  });

  it('when the database already holds pledges, then it leaves them alone and adds none', () => {
    newDb();
    addPledge(db, { pledger: 'Imported Co' });
    expect(seedOnce(db)).toBe('has-data');
    expect(db.prepare('SELECT pledger FROM pledges').pluck().all()).toEqual(['Imported Co']);
    expect(seedOnce(db)).toBe('already-seeded');
  });

  it('reads a seed file written before keys, kinds, status steps and relations (the first release’s)', () => {
    newDb();
    expect(seedOnce(db, FIVE_PLEDGE_SEED)).toBe('seeded');
    expect(db.prepare('SELECT count(*) FROM pledges').pluck().get()).toBe(5);
    expect(db.prepare('SELECT count(*) FROM pledges WHERE pledger_kind IS NULL AND new_money_usd IS NULL').pluck().get()).toBe(5);
  });
});
