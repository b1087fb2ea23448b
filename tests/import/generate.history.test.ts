// npm run generate's pledges after their announcement: dated status steps by the seed's rule, and concessions.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { CONCESSION_TYPES } from '../../server/events/event.model.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { CONCESSION_COUNT, LAST_STEP_ON, statusSteps } from '../../server/import/generate.history.ts';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { migrate } from '../../server/platform/migrate.ts';
import { freshApp, tempDbPath, type TestContext } from '../helpers.ts';

const opened: Db[] = [];
let ctx: TestContext | undefined;
afterEach(() => {
  opened.splice(0).forEach((db) => db.close());
  ctx?.cleanup();
  ctx = undefined;
});

function generated(rows: number, seed: number): Db {
  const db = openDatabase(tempDbPath());
  opened.push(db);
  migrate(db);
  generatePledges(db, { rows, seed, batch: 1_000 });
  return db;
}

const count = (db: Db, sql: string): number => db.prepare(sql).pluck().get() as number;

// A month-only announcement counts from its first day.
const ANNOUNCED_DAY = "substr(p.announced_on || '-01', 1, 10)";

describe('generatePledges: status steps', () => {
  it('gives every pledge not merely announced dated steps ending at its status, as the seed does', () => {
    const db = generated(4_000, 3);
    const notAnnounced = count(db, "SELECT count(*) FROM pledges WHERE status <> 'announced'");
    expect(count(db, "SELECT count(*) FROM pledges p WHERE status <> 'announced' AND NOT EXISTS (SELECT 1 FROM status_changes c WHERE c.pledge_id = p.id)")).toBe(0);
    // The last step, in the order the pledge's page reads them, is at the pledge's status.
    expect(
      count(
        db,
        `SELECT count(*) FROM pledges p
          WHERE EXISTS (SELECT 1 FROM status_changes c WHERE c.pledge_id = p.id)
            AND p.status <> (SELECT c.status FROM status_changes c WHERE c.pledge_id = p.id ORDER BY c.changed_on DESC, c.id DESC LIMIT 1)`,
      ),
    ).toBe(0);
    // Dates strictly in the order the steps were written, from the announcement, within two years, never past the last day.
    expect(count(db, 'SELECT count(*) FROM status_changes a JOIN status_changes b ON b.pledge_id = a.pledge_id AND b.id > a.id WHERE b.changed_on <= a.changed_on')).toBe(0);
    const outside = `SELECT count(*) FROM status_changes c JOIN pledges p ON p.id = c.pledge_id
                      WHERE c.changed_on < ${ANNOUNCED_DAY} OR c.changed_on > ? OR julianday(c.changed_on) - julianday(${ANNOUNCED_DAY}) > 730`;
    expect(db.prepare(outside).pluck().get(LAST_STEP_ON)).toBe(0);
    expect(count(db, "SELECT count(*) FROM status_changes c JOIN pledges p ON p.id = c.pledge_id WHERE length(p.announced_on) = 7")).toBeGreaterThan(20);
    expect(count(db, "SELECT count(*) FROM status_changes WHERE changed_on > '2026-01-01'")).toBeGreaterThan(0);
    // A quarter took two steps, through an intermediate status; a few announced pledges were reaffirmed.
    const twoSteps = count(db, "SELECT count(*) FROM (SELECT pledge_id FROM status_changes c JOIN pledges p ON p.id = c.pledge_id WHERE p.status <> 'announced' GROUP BY pledge_id HAVING count(*) = 2)");
    expect(twoSteps / notAnnounced).toBeGreaterThan(0.2);
    expect(twoSteps / notAnnounced).toBeLessThan(0.3);
    expect(count(db, 'SELECT max(n) FROM (SELECT count(*) AS n FROM status_changes GROUP BY pledge_id)')).toBe(2);
    const paths = db
      .prepare("SELECT DISTINCT a.status || ' > ' || b.status FROM status_changes a JOIN status_changes b ON b.pledge_id = a.pledge_id AND b.id = a.id + 1")
      .pluck()
      .all();
    expect(paths).toEqual(expect.arrayContaining(['stalled > under_way', 'under_way > completed', 'stalled > withdrawn']));
    const reaffirmed = count(db, "SELECT count(DISTINCT pledge_id) FROM status_changes c JOIN pledges p ON p.id = c.pledge_id WHERE p.status = 'announced'");
    const announced = 4_000 - notAnnounced;
    expect(reaffirmed / announced).toBeGreaterThan(0.01);
    expect(reaffirmed / announced).toBeLessThan(0.06);
    expect(count(db, "SELECT count(*) FROM status_changes c JOIN pledges p ON p.id = c.pledge_id WHERE p.status = 'announced' AND c.status <> 'announced'")).toBe(0);
    const step = db.prepare('SELECT pledge_id, evidence_url, note FROM status_changes ORDER BY id LIMIT 1').get() as { pledge_id: number; evidence_url: string; note: string };
    expect(step).toEqual({ pledge_id: step.pledge_id, evidence_url: `https://example.com/pledges/${step.pledge_id}/status/1`, note: 'Synthetic status step' });
  });

  it('dates a month-only announcement’s steps from its first day, and none past the last day', () => {
    expect(statusSteps(() => 0, 7, '2025-03', 'under_way').map(({ status, changed_on }) => [status, changed_on])).toEqual([
      ['stalled', '2025-03-01'],
      ['under_way', '2025-03-02'],
    ]);
    expect(statusSteps(() => 0.999_999, 7, '2025-12-31', 'completed')).toEqual([
      { status: 'completed', changed_on: LAST_STEP_ON, evidence_url: 'https://example.com/pledges/7/status/1', note: 'Synthetic status step' },
    ]);
  });

  it('gives the same steps and concession links for the same seed', () => {
    const steps = (db: Db) => db.prepare('SELECT pledge_id, status, changed_on, evidence_url, note FROM status_changes ORDER BY id').all();
    const links = (db: Db) => db.prepare('SELECT pledge_id, event_id FROM pledge_events ORDER BY pledge_id, event_id').all();
    const [a, b] = [generated(1_500, 9), generated(1_500, 9)];
    expect(steps(a).length).toBeGreaterThan(1_000);
    expect(steps(a)).toEqual(steps(b));
    expect(links(a)).toEqual(links(b));
    // Twice 1,500 pledges, under the bulk load's threshold: each written with every trigger, about 1.7 s a run
    // here, more while other test files run (5.1-5.2 s seen once against vitest's default of 5 s).
  }, 30_000);

  it('shows a generated pledge’s steps on its JSON, oldest first after the announcement', async () => {
    ctx = freshApp({ seed: false });
    generatePledges(ctx.db, { rows: 300, seed: 4 });
    const id = ctx.db.prepare('SELECT pledge_id FROM status_changes GROUP BY pledge_id HAVING count(*) = 2 ORDER BY pledge_id LIMIT 1').pluck().get() as number;
    const response = await request(ctx.app).get(`/api/pledges/${id}`);
    expect(response.status).toBe(200);
    const steps = response.body.status_steps as { status: string; changed_on: string }[];
    expect(steps.map((step) => step.status)).toEqual(['announced', expect.any(String), response.body.status]);
    expect(steps.map((step) => step.changed_on)).toEqual([...steps.map((step) => step.changed_on)].sort());
  });
});

describe('generatePledges: concessions', () => {
  it('adds concessions of every type, 2016–2025, and links about 2% of the pledges to one near their date', () => {
    const db = generated(4_000, 3);
    const concessions = db
      .prepare("SELECT id, occurred_on, title, concession_type, source_url FROM events WHERE kind = 'concession' ORDER BY id")
      .all() as { id: number; occurred_on: string; title: string; concession_type: string; source_url: string }[];
    expect(concessions).toHaveLength(CONCESSION_COUNT);
    expect(new Set(concessions.map((concession) => concession.concession_type))).toEqual(new Set(CONCESSION_TYPES));
    concessions.forEach((concession, i) => {
      expect(concession.title).toBe(`Synthetic concession ${i + 1}`);
      expect(concession.source_url).toBe(`https://example.com/concessions/${i + 1}`);
      expect(concession.occurred_on >= '2016-01-01' && concession.occurred_on <= '2025-12-31').toBe(true);
    });
    // The forty other events are still there, none of them a concession.
    expect(count(db, "SELECT count(*) FROM events WHERE kind <> 'concession' AND concession_type IS NULL")).toBe(40);
    expect(count(db, 'SELECT count(*) FROM event_sources')).toBeGreaterThan(0);
    const linked = count(db, "SELECT count(DISTINCT pe.pledge_id) FROM pledge_events pe JOIN events e ON e.id = pe.event_id WHERE e.kind = 'concession'");
    expect(linked / 4_000).toBeGreaterThan(0.01);
    expect(linked / 4_000).toBeLessThan(0.03);
    const far = `SELECT count(*) FROM pledge_events pe JOIN events e ON e.id = pe.event_id JOIN pledges p ON p.id = pe.pledge_id
                  WHERE e.kind = 'concession' AND abs(julianday(e.occurred_on) - julianday(${ANNOUNCED_DAY})) > 365`;
    expect(count(db, far)).toBe(0);
    // Each link is in the pledge's creation revision, as an import records a pledge's events.
    const revision = db
      .prepare(
        `SELECT r.changes, pe.event_id FROM pledge_events pe JOIN events e ON e.id = pe.event_id AND e.kind = 'concession'
           JOIN revisions r ON r.entity = 'pledge' AND r.entity_id = pe.pledge_id ORDER BY pe.pledge_id LIMIT 1`,
      )
      .get() as { changes: string; event_id: number };
    expect((JSON.parse(revision.changes) as { event_ids: { to: number[] } }).event_ids.to).toContain(revision.event_id);
  });

  it('lists the generated concessions on /api/concessions with their pledges and sources', async () => {
    ctx = freshApp({ seed: false });
    generatePledges(ctx.db, { rows: 3_000, seed: 2 });
    const links = count(ctx.db, "SELECT count(*) FROM pledge_events pe JOIN events e ON e.id = pe.event_id WHERE e.kind = 'concession'");
    const response = await request(ctx.app).get('/api/concessions?per_page=1000');
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(links);
    const rows = response.body.concessions as { concession: string; concession_type: string; source_urls: string[] }[];
    expect(rows).toHaveLength(links);
    expect(rows.every((row) => row.concession.startsWith('Synthetic concession ') && (CONCESSION_TYPES as readonly string[]).includes(row.concession_type))).toBe(true);
    // A third of the concessions have a second source, listed after the first.
    expect(rows.some((row) => row.source_urls.length === 2)).toBe(true);
  });
});
