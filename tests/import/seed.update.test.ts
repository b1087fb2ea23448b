// A newsroom's database, seeded by the first release (five pledges) and edited since, brought up to db/seed.json.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../../server/auth/users.repository.ts';
import { readSeed, type Seed } from '../../server/import/seed.file.ts';
import { SEED_FILE } from '../../server/import/seed.ts';
import { updateFromSeed } from '../../server/import/seed.update.ts';
import { deletePledge, eventIdsOf, findPledge, findPledgeByIdentity, sourcesOf, updatePledge } from '../../server/pledges/pledges.repository.ts';
import type { NewPledge } from '../../server/pledges/pledge.model.ts';
import { createRelation, deleteRelation } from '../../server/relations/relations.repository.ts';
import { revisionsOf, type Author } from '../../server/revisions/revisions.repository.ts';
import { count, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
let maria: Author;
let seed: Seed;
beforeEach(() => {
  ctx = freshApp(); // the first release's seed: Stargate, Microsoft, TSMC and two Nvidia pledges
  maria = { id: createUser(ctx.db, 'maria', 'not-a-real-hash', 'Maria K.'), username: 'maria' };
  seed = readSeed(SEED_FILE);
});
afterEach(() => ctx.cleanup());

const idOf = (pledger: string, project: string, announcedOn: string) => findPledgeByIdentity(ctx.db, pledger, project, announcedOn)!;
const microsoftId = () => idOf('Microsoft', 'AI-enabled data centers, fiscal year 2025', '2025-01-03');
const nprNvidiaId = () => idOf('Nvidia', 'Investment in new US AI data centers (pledge reported by NPR)', '2025-04-09');

/** An editor's edit through the same repository call as the form's. */
function edit(id: number, change: Partial<NewPledge>): void {
  const { id: _id, created_at: _c, updated_at: _u, per_year_usd: _p, us_amount_usd: _a, source_urls: _s, event_ids: _e, ...fields } = findPledge(ctx.db, id)!;
  const write = { pledge: { ...fields, ...change, sources: sourcesOf(ctx.db, id) }, eventIds: eventIdsOf(ctx.db, id), reason: 'checked the blog', statusChange: null };
  expect(updatePledge(ctx.db, id, write, maria)).toBe(true);
}

const seedRevisions = () =>
  ctx.db.prepare("SELECT count(*) FROM revisions WHERE username = 'Seed update' AND user_id IS NULL AND reason = 'seed update'").pluck().get() as number;

describe('updating a seeded database from db/seed.json', () => {
  it('adds the pledges, events, steps and relations it lacks, and leaves the pledge an editor changed as the editor left it', () => {
    edit(microsoftId(), { us_share_pct: 55, amount_note: 'More than half in the US, says the blog.' });
    const report = updateFromSeed(ctx.db, seed);

    expect(report.added.pledges).toHaveLength(seed.pledges.length - 5);
    expect(report.added.events).toHaveLength(seed.events.length - 6);
    expect(report.added.relations).toHaveLength(seed.relations.length);
    expect(count(ctx.db, 'pledges')).toBe(seed.pledges.length);
    expect(count(ctx.db, 'events')).toBe(seed.events.length);
    expect(count(ctx.db, 'pledge_relations')).toBe(seed.relations.length);
    const stepsOfAdded = seed.pledges.filter((p) => report.added.pledges.some((a) => a.key === p.key)).reduce((n, p) => n + p.steps.length, 0);
    expect(count(ctx.db, 'status_changes')).toBe(stepsOfAdded);
    expect(report.added.statusSteps).toBe(stepsOfAdded);

    // The editor's pledge keeps the editor's values, and the seed's new fields stay unset on it: nothing overwritten.
    expect(findPledge(ctx.db, microsoftId())).toMatchObject({ us_share_pct: 55, amount_note: 'More than half in the US, says the blog.', horizon_start: null });
    const microsoft = report.leftAlone.pledges.find((p) => p.key === 'P03')!;
    expect(microsoft.differs).toEqual(expect.arrayContaining(['us_share_pct', 'amount_note', 'horizon_start']));
    expect(report.leftAlone.pledges.map((p) => p.key)).toEqual(['P03', 'P05', 'P08', 'P13', 'P15']);

    // A pledge added gets its status from its last step; an event added links to the pledges that were there.
    const stargateSteps = ctx.db.prepare('SELECT count(*) FROM status_changes WHERE pledge_id = ?').pluck().get(idOf('OpenAI, SoftBank, Oracle, MGX', 'Stargate Project', '2025-01-21'));
    expect(stargateSteps).toBe(0);
    const intel = report.added.pledges.find((p) => p.key === 'S01')!;
    expect(findPledge(ctx.db, intel.id)!.status).toBe(seed.pledges.find((p) => p.key === 'S01')!.steps.at(-1)!.status);
    const disclosure = report.added.events.find((e) => e.key === 'E10')!;
    expect(ctx.db.prepare('SELECT count(*) FROM pledge_events WHERE event_id = ? AND pledge_id = ?').pluck().get(disclosure.id, nprNvidiaId())).toBe(1);
  });

  it('writes a revision by "Seed update" for every row it adds, and the pages show it', async () => {
    const report = updateFromSeed(ctx.db, seed);
    // A relation is told in the history of each of its pledges, as an editor's is.
    const relationRevisions = seed.relations.reduce((n, r) => n + (r.otherKey === null ? 1 : 2), 0);
    expect(seedRevisions()).toBe(report.added.pledges.length + report.added.events.length + relationRevisions);
    const apple = report.added.pledges.find((p) => p.key === 'P40')!;
    const history = revisionsOf(ctx.db, 'pledge', apple.id);
    expect(history.at(-1)).toMatchObject({ action: 'create', author: 'Seed update', reason: 'seed update' });
    // Its relations come after it: the pledges they name may be added later in the same run.
    const supersedes = history.find((r) => String(r.changes.relations?.to).includes(': supersedes pledge'));
    expect(supersedes).toMatchObject({ action: 'update', author: 'Seed update', changes: { relations: { from: null, to: expect.stringMatching(/^relation \d+: supersedes pledge \d+ \(Apple: US spending over four years/) } } });
    // Relations of a pledge that was there are an edit of it, by the seed update.
    const [related] = revisionsOf(ctx.db, 'pledge', idOf('Nvidia', 'US-made AI supercomputers with TSMC, Foxconn, Wistron, Amkor and SPIL', '2025-04-14'));
    expect(related).toMatchObject({ action: 'update', author: 'Seed update' });
    expect(String(related.changes.relations.to)).toContain('overlaps pledge');

    const page = await request(ctx.app).get(`/pledges/${apple.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('by Seed update');
  });

  it('adds nothing the second time', () => {
    updateFromSeed(ctx.db, seed);
    const before = { pledges: count(ctx.db, 'pledges'), revisions: count(ctx.db, 'revisions'), steps: count(ctx.db, 'status_changes') };
    const again = updateFromSeed(ctx.db, seed);
    expect(again.added).toEqual({ events: [], pledges: [], relations: [], statusSteps: 0 });
    expect(again.leftAlone.pledges).toHaveLength(seed.pledges.length);
    expect(again.leftAlone.relations).toHaveLength(seed.relations.length);
    expect({ pledges: count(ctx.db, 'pledges'), revisions: count(ctx.db, 'revisions'), steps: count(ctx.db, 'status_changes') }).toEqual(before);
  });

  it('adds the concessions to a database seeded before them, with their types, sources and links, and only once', () => {
    const report = updateFromSeed(ctx.db, seed);
    const concessions = seed.events.filter((e) => e.event.kind === 'concession');
    expect(concessions.length).toBeGreaterThanOrEqual(9);
    expect(report.added.events.map((e) => e.key)).toEqual(expect.arrayContaining(concessions.map((c) => c.key)));
    const stored = () => ctx.db.prepare("SELECT count(*) FROM events WHERE kind = 'concession' AND concession_type IS NOT NULL").pluck().get();
    expect(stored()).toBe(concessions.length);
    expect(count(ctx.db, 'event_sources')).toBe(seed.events.reduce((n, e) => n + e.moreSources.length, 0));
    // The H20 concession reported with the pledge links to the NPR pledge, which the database already had.
    const shelved = report.added.events.find((e) => e.key === 'h20-controls-shelved')!;
    expect(ctx.db.prepare('SELECT pledge_id FROM pledge_events WHERE event_id = ?').pluck().all(shelved.id)).toEqual([nprNvidiaId()]);
    expect(revisionsOf(ctx.db, 'event', shelved.id)[0].changes).toMatchObject({ concession_type: { from: null, to: 'export_relief' } });

    const again = updateFromSeed(ctx.db, seed);
    expect(again.added.events).toEqual([]);
    expect(again.leftAlone.events.filter((e) => concessions.some((c) => c.key === e.key)).every((e) => e.differs.length === 0)).toBe(true);
    expect(stored()).toBe(concessions.length);
    expect(count(ctx.db, 'event_sources')).toBe(seed.events.reduce((n, e) => n + e.moreSources.length, 0));
  });

  it('leaves an event the seed now calls a concession as the database has it, and says which fields differ', () => {
    // The release before concessions had the licence assurance (E16) as an export-controls event.
    const before = { ...seed, events: seed.events.map((e) => (e.key === 'E16' ? { ...e, event: { ...e.event, kind: 'export_controls' as const, concession_type: null }, moreSources: [] } : e)) };
    updateFromSeed(ctx.db, before);
    const row = () => ctx.db.prepare("SELECT id, kind, concession_type, updated_at FROM events WHERE occurred_on = '2025-07-14'").get() as { id: number; kind: string; updated_at: string };
    const then = row();
    const report = updateFromSeed(ctx.db, seed);
    expect(report.leftAlone.events.find((e) => e.key === 'E16')!.differs).toEqual(expect.arrayContaining(['kind', 'concession_type', 'more_sources']));
    expect(row()).toEqual(then);
    expect(ctx.db.prepare('SELECT count(*) FROM event_sources WHERE event_id = ?').pluck().get(then.id)).toBe(0);
  });

  it('does not bring back a pledge an editor deleted, and leaves out the relations to it', () => {
    const deletedId = nprNvidiaId();
    expect(deletePledge(ctx.db, deletedId, maria, 'only a report')).toBe(true);
    const report = updateFromSeed(ctx.db, seed);
    expect(report.deletedByEditor.pledges).toEqual([{ key: 'P13', id: deletedId, label: expect.stringContaining('NPR') }]);
    expect(ctx.db.prepare("SELECT count(*) FROM pledges WHERE project LIKE '%NPR%'").pluck().get()).toBe(0);
    expect(report.relationsLeftOut.map((r) => r.key)).toEqual(['P15 supersedes P13']);
    expect(count(ctx.db, 'pledges')).toBe(seed.pledges.length - 1);
  });

  it('finds a pledge an editor renamed under its new name, and does not add it twice', () => {
    const tsmc = idOf('TSMC', 'Additional Arizona fabs (3 fabs, 2 advanced packaging plants, R&D center)', '2025-03-03');
    edit(tsmc, { project: 'Arizona fabs 4 to 6' });
    const report = updateFromSeed(ctx.db, seed);
    expect(ctx.db.prepare("SELECT count(*) FROM pledges WHERE pledger = 'TSMC'").pluck().get()).toBe(1);
    expect(report.leftAlone.pledges.find((p) => p.key === 'P08')).toMatchObject({ id: tsmc, differs: expect.arrayContaining(['project']) });
    // Its relations go to it, under its new name.
    expect(ctx.db.prepare("SELECT count(*) FROM pledge_relations WHERE other_id = ? AND kind = 'overlaps'").pluck().get(tsmc)).toBe(2);
  });

  it('does not add again a relation an editor removed', () => {
    const first = updateFromSeed(ctx.db, seed);
    const appleSupersedes = first.added.relations.find((r) => r.key === 'P40 supersedes P06')!;
    expect(deleteRelation(ctx.db, appleSupersedes.id, maria, 'the $100B is new, the rest is counted in P06')).toBe(true);
    const again = updateFromSeed(ctx.db, seed);
    expect(again.added.relations).toEqual([]);
    expect(again.relationsLeftOut).toEqual([{ key: 'P40 supersedes P06', id: 0, label: 'an editor removed or changed it' }]);
    expect(count(ctx.db, 'pledge_relations')).toBe(seed.relations.length - 1);
  });

  it("checks each relation against the editors' own: one that would close a circle is refused, a mirrored overlap is there", () => {
    const nvidia500 = idOf('Nvidia', 'US-made AI supercomputers with TSMC, Foxconn, Wistron, Amkor and SPIL', '2025-04-14');
    const tsmc = idOf('TSMC', 'Additional Arizona fabs (3 fabs, 2 advanced packaging plants, R&D center)', '2025-03-03');
    const editors = (pledgeId: number, kind: 'supersedes' | 'overlaps', otherId: number) =>
      createRelation(ctx.db, { relation: { pledge_id: pledgeId, kind, other_id: otherId, amount_usd: null, note: '', source_url: null, source_title: '' }, reason: '' }, maria);
    editors(nprNvidiaId(), 'supersedes', nvidia500);
    const mirrored = editors(tsmc, 'overlaps', nvidia500);
    const report = updateFromSeed(ctx.db, seed);
    expect(report.relationsLeftOut).toEqual([{ key: 'P15 supersedes P13', id: 0, label: expect.stringMatching(/^refused: That would make a circle of "supersedes"/) }]);
    expect(report.leftAlone.relations).toEqual([{ key: 'P15 overlaps P08', id: mirrored, label: `pledge ${nvidia500} overlaps pledge ${tsmc}` }]);
    expect(ctx.db.prepare("SELECT count(*) FROM pledge_relations WHERE kind = 'overlaps' AND ? IN (pledge_id, other_id) AND ? IN (pledge_id, other_id)").pluck().get(tsmc, nvidia500)).toBe(1);
  });

  it('on a dry run, reports the same and writes nothing', () => {
    const before = { pledges: count(ctx.db, 'pledges'), events: count(ctx.db, 'events'), revisions: count(ctx.db, 'revisions'), relations: count(ctx.db, 'pledge_relations') };
    const dry = updateFromSeed(ctx.db, seed, { dryRun: true });
    expect({ pledges: count(ctx.db, 'pledges'), events: count(ctx.db, 'events'), revisions: count(ctx.db, 'revisions'), relations: count(ctx.db, 'pledge_relations') }).toEqual(before);
    const real = updateFromSeed(ctx.db, seed);
    expect(dry).toEqual(real);
  });
});
