// What a pledge's dates decide, as SQL over pledges p: the first day it is overdue, whether it is overdue on a
// date, and its status on an as-of date (docs/methodology.md, "Overdue" and "As of a date").
import type { Db } from '../platform/db.ts';
import { databaseVersion } from '../platform/meta.repository.ts';
import { smallTempCache } from '../platform/kept-ids.ts';
import { statement } from '../platform/statements.ts';
import { datedBy } from '../lib/dates.ts';
import type { PledgeFilter } from './pledges.filter.ts';

// The first day an announced pledge is overdue (docs/methodology.md, "Overdue"): the day after its horizon ends
// (its end date; else its start, or the last day its announcement can mean, plus its years), or the day after the
// end of its first-tranche date, whichever comes first; '9999-12-31' when it has neither. A partial date counts
// from its last day, so that a pledge is overdue only once it certainly is. The same text as pledges_overdue_idx
// (migration 018).
const LATEST_START = `coalesce(p.horizon_start, CASE length(p.announced_on)
      WHEN 4 THEN p.announced_on || '-12-31'
      WHEN 7 THEN date(p.announced_on || '-01', '+1 month', '-1 day')
      ELSE p.announced_on END)`;
export const DUE_ON = `min(
  coalesce(CASE
    WHEN p.horizon_end IS NOT NULL THEN date(p.horizon_end, '+1 day')
    WHEN p.horizon_years IS NOT NULL THEN date(${LATEST_START}, '+' || p.horizon_years || ' years')
  END, '9999-12-31'),
  coalesce(CASE length(p.first_tranche_by)
    WHEN 4 THEN (p.first_tranche_by + 1) || '-01-01'
    WHEN 7 THEN date(p.first_tranche_by || '-01', '+1 month')
    ELSE date(p.first_tranche_by, '+1 day')
  END, '9999-12-31'))`;

/**
 * Pledge p's status on the as-of date (YYYY-MM-DD), with its parameters: the status of its latest status step
 * dated on or before that day, or announced when every step comes later. A pledge with no step after the date
 * has its current status (its last step's, or, with no step at all, the one recorded without a date). A step dated
 * to the month or the year only counts from the first day of it (as completion evidence does for overdue).
 *
 * Given the connection the statement will run on, the pledges with a step after the date are worked out once per
 * data version (keptStatuses) and each pledge looks its status up there by id, only when announced on or after the
 * earliest of them: a view of a million pledges looks up a fraction. Without, each pledge asks its own steps.
 */
export function statusAsOf(asOf: string, db?: Db): { sql: string; params: unknown[] } {
  if (db) {
    const kept = keptStatuses(db, asOf);
    if (kept.earliest === null) return { sql: 'p.status', params: [] };
    return {
      sql: `(CASE WHEN p.announced_on >= ?
        THEN coalesce((SELECT t.status FROM temp.status_then t WHERE t.version = ? AND t.as_of = ? AND t.id = p.id), p.status)
        ELSE p.status END)`,
      params: [kept.earliest, kept.version, asOf],
    };
  }
  return {
    sql: `(CASE WHEN EXISTS (SELECT 1 FROM status_changes c WHERE c.pledge_id = p.id AND c.changed_on > ?)
      THEN coalesce((SELECT c.status FROM status_changes c WHERE c.pledge_id = p.id AND c.changed_on <= ?
                      ORDER BY c.changed_on DESC, c.id DESC LIMIT 1), 'announced')
      ELSE p.status END)`,
    params: [asOf, asOf],
  };
}

/** As-of dates whose statuses a connection keeps at once, per data version. */
const KEPT_DATES = 4;

const madeTables = new WeakSet<Db>();

/**
 * The status spans (migration 021) of the pledges whose status changed after the as-of date, announced by then: the
 * first step after the date of each, whose status_then is the pledge's status on the date. A condition on
 * status_spans aliased p, with its parameters (the date twice).
 */
export function spansAt(asOf: string): { sql: string; params: unknown[] } {
  return { sql: 'p.held_until > ? AND (p.held_from IS NULL OR p.held_from <= ?)', params: [asOf, asOf] };
}

/**
 * The pledges announced by the as-of date with a status step after it, each with its status then and its first
 * due day, kept in a temporary table of the connection (temp.status_then) for the current data version; and the
 * earliest announcement among them (null: none), before which every pledge has today's status. Read from one range
 * of status_spans (spansAt).
 */
export function keptStatuses(db: Db, asOf: string): { version: string; earliest: string | null } {
  if (!madeTables.has(db)) {
    smallTempCache(db);
    db.exec(`CREATE TABLE IF NOT EXISTS temp.status_then_runs (version TEXT NOT NULL, as_of TEXT NOT NULL, earliest TEXT, PRIMARY KEY (version, as_of));
             CREATE TABLE IF NOT EXISTS temp.status_then (version TEXT NOT NULL, as_of TEXT NOT NULL, id INTEGER NOT NULL, status TEXT NOT NULL,
                                                          due_on TEXT NOT NULL, announced_on TEXT NOT NULL, PRIMARY KEY (version, as_of, id)) WITHOUT ROWID;`);
    madeTables.add(db);
  }
  const version = databaseVersion(db);
  const run = statement(db, 'SELECT earliest FROM temp.status_then_runs WHERE version = ? AND as_of = ?').get(version, asOf) as { earliest: string | null } | undefined;
  if (run) return { version, earliest: run.earliest };
  return db.transaction(() => {
    statement(db, 'DELETE FROM temp.status_then WHERE version <> ?').run(version);
    statement(db, 'DELETE FROM temp.status_then_runs WHERE version <> ?').run(version);
    for (const old of statement(db, 'SELECT as_of FROM temp.status_then_runs ORDER BY rowid DESC LIMIT -1 OFFSET ?').pluck().all(KEPT_DATES - 1)) {
      statement(db, 'DELETE FROM temp.status_then WHERE version = ? AND as_of = ?').run(version, old);
      statement(db, 'DELETE FROM temp.status_then_runs WHERE version = ? AND as_of = ?').run(version, old);
    }
    const spans = spansAt(asOf);
    statement(
      db,
      `INSERT INTO temp.status_then (version, as_of, id, status, due_on, announced_on)
       SELECT ?, ?, p.id, p.status_then, ${DUE_ON}, p.announced_on
         FROM status_spans p WHERE ${spans.sql} AND p.announced_on < ? ORDER BY +p.id`,
    ).run(version, asOf, ...spans.params, datedBy(asOf));
    const earliest = statement(db, 'SELECT min(announced_on) FROM temp.status_then WHERE version = ? AND as_of = ?').pluck().get(version, asOf) as string | null;
    statement(db, 'INSERT INTO temp.status_then_runs (version, as_of, earliest) VALUES (?, ?, ?)').run(version, asOf, earliest);
    return { version, earliest };
  })();
}

/** No completion evidence for pledge p on or before a date (its one parameter): no step to under way or completed. */
export const NO_EVIDENCE = `NOT EXISTS (SELECT 1 FROM status_changes c
             WHERE c.pledge_id = p.id AND c.status IN ('under_way', 'completed') AND c.changed_on <= ?)`;

/**
 * NO_EVIDENCE for a pledge announced today (its stored status): not among the few such pledges with evidence
 * (migration 025), a list read once per statement instead of a lookup per pledge.
 */
const NO_EVIDENCE_TODAY = 'p.id NOT IN (SELECT e.id FROM announced_evidence e WHERE e.evidence_on <= ?)';

/**
 * Whether pledge p is overdue on the reference date `on` (YYYY-MM-DD), with its parameters: still announced, due
 * on or before that date, and no status step to under way or completed dated on or before it (completion
 * evidence). A pledge is overdue from its due day on.
 *
 * In an as-of view (asOf: `on` is its date), "still announced" is its status on that date. Given the connection,
 * the pledges whose status changed after the date are those kept by keptStatuses, with their due day: the others
 * are matched as today, through the overdue index.
 */
export function overdueCondition(on: string, asOf = false, db?: Db): { sql: string; params: unknown[] } {
  const evidence = NO_EVIDENCE;
  if (asOf && db) {
    const kept = keptStatuses(db, on);
    if (kept.earliest !== null) {
      const keptIds = 'SELECT t.id FROM temp.status_then t WHERE t.version = ? AND t.as_of = ?';
      return {
        sql: `((p.id IN (${keptIds} AND t.status = 'announced' AND t.due_on <= ?)
                OR (p.status = 'announced' AND ${DUE_ON} <= ? AND p.id NOT IN (${keptIds}))) AND ${evidence})`,
        params: [kept.version, on, on, on, kept.version, on, on],
      };
    }
  }
  if (!asOf) return { sql: `(p.status = 'announced' AND ${DUE_ON} <= ? AND ${NO_EVIDENCE_TODAY})`, params: [on, on] };
  const status = statusAsOf(on, db);
  return {
    sql: `(${status.sql} = 'announced' AND ${DUE_ON} <= ? AND ${evidence})`,
    params: [...status.params, on, on],
  };
}

/**
 * Whether a read of the overdue pledges may go through OVERDUE_INDEX, which holds the pledges announced today: not
 * in an as-of view, where a pledge under way today may have been announced (and overdue) on the date.
 */
export function overdueByIndex(filter: PledgeFilter): boolean {
  return filter.overdue === true && filter.as_of === null;
}
