// Every SQL statement that reads or writes pledges and their sources, links and status changes, with bound
// parameters.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import { EMPTY_FILTER, isDatedBy, isEmptyFilter, type PledgeFilter } from './pledges.filter.ts';
import { deepPageIds, DISCLOSED, DISCLOSED_ORDER } from './pledges.deep-pages.ts';
import { diff, nextIdSql, recordRevision, type Author, type Changes } from '../revisions/revisions.repository.ts';
import { DEFAULT_SORT, isDefaultSort, orderBy, overdueCondition, pageIndex, PER_YEAR, statusAsOf, whereClause, type Sort } from './pledges.sql.ts';
import { usPart } from './pledges.waterfall.sql.ts';
import type { ConcessionType, EventSource, PoliticalEvent } from '../events/event.model.ts';
import { daysBetween } from '../lib/dates.ts';
import { recordRelationsGone } from '../relations/relations.repository.ts';
import type { NewPledge, Pledge, PledgeListRow, PledgeWrite, Source, StatusStep } from './pledge.model.ts';

// A pledge's source URLs in order, and its event ids, each space-separated: as the table and the CSV show them.
export const SOURCE_URLS = `coalesce((SELECT group_concat(s.url, ' ' ORDER BY s.position) FROM pledge_sources s WHERE s.pledge_id = p.id), '')`;

export const EVENT_IDS = `coalesce((SELECT group_concat(pe.event_id, ' ' ORDER BY pe.event_id) FROM pledge_events pe WHERE pe.pledge_id = p.id), '')`;

/**
 * A pledge's status and whether it is overdue ('true' or 'false', the CSV's and the JSON's words) on the filter's
 * date, with their parameters: today's status, or in an as-of view the status on its date (statusAsOf).
 */
export function statusColumns(filter: Pick<PledgeFilter, 'on' | 'as_of'>, db?: Db): { status: string; overdue: string; params: unknown[] } {
  const overdue = overdueCondition(filter.on, filter.as_of !== null, db);
  const status = filter.as_of === null ? { sql: 'p.status', params: [] } : statusAsOf(filter.as_of, db);
  return { status: status.sql, overdue: `CASE WHEN ${overdue.sql} THEN 'true' ELSE 'false' END`, params: [...status.params, ...overdue.params] };
}

/** The columns a list, a page and the API read of a pledge, on the filter's date, with their parameters. */
function listColumns(filter: Pick<PledgeFilter, 'on' | 'as_of'>): { sql: string; params: unknown[] } {
  const { status, overdue, params } = statusColumns(filter);
  return {
    sql: `
  p.*,
  ${status} AS status_on,
  ${PER_YEAR} AS per_year_usd,
  ${usPart('p.amount_usd', 'p.us_share_pct')} AS us_amount_usd,
  ${SOURCE_URLS} AS source_urls,
  ${EVENT_IDS} AS event_ids,
  ${overdue} AS overdue`,
    params,
  };
}

type ListedRow = Omit<PledgeListRow, 'overdue'> & { overdue: 'true' | 'false'; status_on: PledgeListRow['status'] };

function listed({ status_on: status, ...row }: ListedRow): PledgeListRow {
  return { ...row, status, overdue: row.overdue === 'true' };
}

export function listPledges(
  db: Db,
  {
    filter = EMPTY_FILTER,
    sort = DEFAULT_SORT,
    limit = -1,
    offset = 0,
    matches,
  }: { filter?: PledgeFilter; sort?: Sort; limit?: number; offset?: number; /** How many pledges the filter matches, when known (pageIndex). */ matches?: number } = {},
): PledgeListRow[] {
  // The page's pledges are chosen first, by what the order reads; only those few are then read whole, with
  // their sources and events: in one statement SQLite would compute every column of every matching row before
  // sorting and skipping.
  const order = orderBy(sort);
  // The per-year amount is computed for every matching row only when the order reads it.
  const chosen = sort.key === 'per_year' ? `p.id, ${PER_YEAR} AS per_year_usd` : 'p.id';
  const columns = listColumns(filter);
  // A deep page of the whole table in its default order starts from its nearest mark (pledges.deep-pages.ts).
  const deep = isEmptyFilter(filter) && isDefaultSort(sort) ? deepPageIds(db, offset, limit) : null;
  if (deep !== null) {
    const rows = statement(db, `SELECT ${columns.sql} FROM json_each(?) AS page CROSS JOIN pledges p ON p.id = page.value ORDER BY ${order}`)
      .all(...columns.params, JSON.stringify(deep)) as ListedRow[];
    return rows.map(listed);
  }
  const index = pageIndex(db, filter, sort, limit < 0 ? -1 : offset + limit, matches);
  // An index walked in the page's order leads: each pledge it reads is looked up among a search's matches.
  const chosenWhere = whereClause(filter, db, index !== null);
  // An amount range holds no undisclosed amount: in the default order it is one seek in the order's index, read in
  // place (DISCLOSED_ORDER; max=1000000000 with a date at a million pledges: 25-48 ms scanned, 0.1-0.4 sought).
  const ranged = isDefaultSort(sort) && (filter.min !== null || filter.max !== null);
  const chosenOrder = ranged ? DISCLOSED_ORDER : order;
  const known = ranged ? `${chosenWhere.sql} AND ${DISCLOSED}` : chosenWhere.sql;
  const rows = db
    .prepare(
      `SELECT ${columns.sql}
         FROM (SELECT ${chosen} FROM pledges p ${index ? `INDEXED BY ${index}` : ''} ${known} ORDER BY ${chosenOrder} LIMIT ? OFFSET ?) AS page
         CROSS JOIN pledges p ON p.id = page.id
        ORDER BY ${order}`,
    )
    .all(...columns.params, ...chosenWhere.params, limit, offset) as ListedRow[];
  return rows.map(listed);
}

/**
 * One pledge, with `overdue` computed against the date `on` (YYYY-MM-DD; '' computes none overdue), and in an
 * as-of view (asOf: `on` is its date) its status on that date.
 */
export function findPledge(db: Db, id: number, on = '', asOf = false): PledgeListRow | undefined {
  const columns = listColumns({ on, as_of: asOf ? on : null });
  const row = statement(db, `SELECT ${columns.sql} FROM pledges p WHERE p.id = ?`).get(...columns.params, id) as ListedRow | undefined;
  return row && listed(row);
}

export function sourcesOf(db: Db, pledgeId: number): Source[] {
  return statement(db, 'SELECT url, title FROM pledge_sources WHERE pledge_id = ? ORDER BY position').all(pledgeId) as Source[];
}

/**
 * Inserts a pledge with its sources; the caller wraps it in a transaction with whatever goes with it.
 * An id is given only by an import that restores exported rows.
 */
export function insertPledge(db: Db, pledge: NewPledge, requestedId: number | null = null): number {
  const { sources } = pledge;
  // Positional parameters: binding twenty by name cost a fifth of the insert in a large import.
  const { lastInsertRowid } = statement(
    db,
    `INSERT INTO pledges (id, pledger, project, amount_usd, amount_note, us_share_pct, us_share_basis, announced_on,
       horizon_years, horizon_end, horizon_note, sector, country, status, lever, context_note, pledger_kind, commitment_kind,
       horizon_start, new_money_usd, first_tranche_by)
     VALUES (coalesce(?, ${nextIdSql('pledges', 'pledge')}), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    requestedId,
    pledge.pledger,
    pledge.project,
    pledge.amount_usd,
    pledge.amount_note,
    pledge.us_share_pct,
    pledge.us_share_basis,
    pledge.announced_on,
    pledge.horizon_years,
    pledge.horizon_end,
    pledge.horizon_note,
    pledge.sector,
    pledge.country,
    pledge.status,
    pledge.lever,
    pledge.context_note,
    pledge.pledger_kind,
    pledge.commitment_kind,
    pledge.horizon_start,
    pledge.new_money_usd,
    pledge.first_tranche_by,
  );
  const id = Number(lastInsertRowid);
  addSources(db, id, sources);
  return id;
}

/** A new pledge's sources, in their order. */
export function addSources(db: Db, pledgeId: number, sources: Source[]): void {
  const addSource = statement(db, 'INSERT INTO pledge_sources (pledge_id, position, url, title) VALUES (?, ?, ?, ?)');
  sources.forEach((source, position) => addSource.run(pledgeId, position, source.url, source.title));
}

/** The announcement, then every recorded status change, oldest first. */
export function statusTimeline(db: Db, pledge: Pick<Pledge, 'id' | 'announced_on'>): StatusStep[] {
  const first = statement(db, 'SELECT url FROM pledge_sources WHERE pledge_id = ? ORDER BY position LIMIT 1').pluck().get(pledge.id) as
    | string
    | undefined;
  const changes = db
    .prepare('SELECT status, changed_on, evidence_url, note FROM status_changes WHERE pledge_id = ? ORDER BY changed_on, id')
    .all(pledge.id) as StatusStep[];
  return [{ status: 'announced', changed_on: pledge.announced_on, evidence_url: first ?? null, note: '' }, ...changes];
}

export function eventIdsOf(db: Db, pledgeId: number): number[] {
  return statement(db, 'SELECT event_id FROM pledge_events WHERE pledge_id = ? ORDER BY event_id').pluck().all(pledgeId) as number[];
}

/** What the revision log compares: every editable field, the sources and the linked events. */
/** What an edit would change, without writing: for an import's preview. Null when the pledge is gone. */
export function pendingChanges(db: Db, id: number, write: PledgeWrite): Changes | null {
  const before = snapshot(db, id);
  return before && diff(before, asSnapshot(write));
}

/** The pledge an import row without an id means: same pledger, project and announcement date. */
export function findPledgeByIdentity(db: Db, pledger: string, project: string, announcedOn: string): number | undefined {
  return statement(db, 'SELECT id FROM pledges WHERE pledger = ? AND project = ? AND announced_on = ? ORDER BY id LIMIT 1')
    .pluck()
    .get(pledger, project, announcedOn) as number | undefined;
}

function snapshot(db: Db, id: number): Record<string, unknown> | null {
  const row = statement(db, 'SELECT * FROM pledges WHERE id = ?').get(id) as Pledge | undefined;
  if (!row) return null;
  const { id: _id, created_at: _createdAt, updated_at: _updatedAt, ...fields } = row;
  return { ...fields, sources: sourcesOf(db, id), event_ids: eventIdsOf(db, id) };
}

function fieldsOf(pledge: NewPledge): Omit<NewPledge, 'sources'> {
  const { sources: _sources, ...fields } = pledge;
  return fields;
}

function asSnapshot(write: PledgeWrite): Record<string, unknown> {
  return { ...fieldsOf(write.pledge), sources: write.pledge.sources, event_ids: write.eventIds };
}

/** Writes a pledge's sources, event links and status step; `created`: it has none yet, nothing to delete. */
function replaceLinks(db: Db, id: number, write: PledgeWrite, created = false): void {
  if (!created) statement(db, 'DELETE FROM pledge_sources WHERE pledge_id = ?').run(id);
  const addSource = statement(db, 'INSERT INTO pledge_sources (pledge_id, position, url, title) VALUES (?, ?, ?, ?)');
  write.pledge.sources.forEach((source, position) => addSource.run(id, position, source.url, source.title));
  if (!created) statement(db, 'DELETE FROM pledge_events WHERE pledge_id = ?').run(id);
  const link = statement(db, 'INSERT INTO pledge_events (pledge_id, event_id) VALUES (?, ?)');
  for (const eventId of write.eventIds) link.run(id, eventId);
  if (write.statusChange) {
    statement(db, 'INSERT INTO status_changes (pledge_id, status, changed_on, evidence_url, note) VALUES (?, ?, ?, ?, ?)').run(
      id,
      write.pledge.status,
      write.statusChange.changed_on,
      write.statusChange.evidence_url,
      write.statusChange.note,
    );
  }
}

/** Adds a pledge with its sources, events, status step and revision, all or nothing. */
export function createPledge(db: Db, write: PledgeWrite, editor: Author, id: number | null = null): number {
  return db.transaction(() => addPledgeWithRevision(db, write, editor, id)).immediate();
}

/** Applies an edit; returns false when the pledge does not exist. An edit that changes nothing writes nothing. */
export function updatePledge(db: Db, id: number, write: PledgeWrite, editor: Author): boolean {
  return db.transaction(() => {
    const before = snapshot(db, id);
    if (!before) return false;
    changePledgeWithRevision(db, id, write, editor, diff(before, asSnapshot(write)));
    return true;
  }).immediate();
}

/** Pure: the changes a pledge's creation revision records (every field with a value), from the write itself. */
export function creationChanges(write: PledgeWrite): Changes {
  return diff(null, asSnapshot(write));
}

/**
 * Pure: JSON.stringify(creationChanges(write)), the same text, written without building the object first: an
 * import writes one a row (100,000 rows: 0.45–0.58 s against 1.2–1.5 s; 2.1 kB of garbage a row against 4.8).
 */
export function creationChangesJson(write: PledgeWrite): string {
  let json = '{';
  const add = (key: string, value: unknown) => {
    // What diff leaves out of a creation: no value, or a number JSON cannot hold.
    if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return;
    json += `${json.length === 1 ? '' : ','}${creationKey(key)}${JSON.stringify(value)}}`;
  };
  const { pledge } = write;
  for (const key of Object.keys(pledge)) if (key !== 'sources') add(key, pledge[key as keyof NewPledge]);
  add('sources', pledge.sources);
  add('event_ids', write.eventIds);
  return `${json}}`;
}

const creationKeys = new Map<string, string>();

/** `"key":{"from":null,"to":`, once per key. */
function creationKey(key: string): string {
  let text = creationKeys.get(key);
  if (text === undefined) {
    text = `${JSON.stringify(key)}:{"from":null,"to":`;
    creationKeys.set(key, text);
  }
  return text;
}

/** The body of createPledge, for a caller that already holds a transaction (an import of many rows). */
export function addPledgeWithRevision(db: Db, write: PledgeWrite, editor: Author, id: number | null = null): number {
  const created = insertPledge(db, { ...write.pledge, sources: [] }, id);
  replaceLinks(db, created, write, true);
  recordRevision(db, { entity: 'pledge', entityId: created, action: 'create', editor, changes: creationChangesJson(write), reason: write.reason });
  return created;
}

/** The body of updatePledge, given the changes already computed; inside the caller's transaction. */
export function changePledgeWithRevision(db: Db, id: number, write: PledgeWrite, editor: Author, changes: Changes): void {
  if (Object.keys(changes).length === 0) return;
  statement(
    db,
    `UPDATE pledges SET pledger = @pledger, project = @project, amount_usd = @amount_usd, amount_note = @amount_note,
       us_share_pct = @us_share_pct, us_share_basis = @us_share_basis, announced_on = @announced_on,
       horizon_years = @horizon_years, horizon_end = @horizon_end, horizon_note = @horizon_note, sector = @sector,
       country = @country, status = @status, lever = @lever, context_note = @context_note,
       pledger_kind = @pledger_kind, commitment_kind = @commitment_kind, horizon_start = @horizon_start,
       new_money_usd = @new_money_usd, first_tranche_by = @first_tranche_by, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
     WHERE id = @id`,
  ).run({ ...fieldsOf(write.pledge), id });
  replaceLinks(db, id, write);
  recordRevision(db, { entity: 'pledge', entityId: id, action: 'update', editor, changes, reason: write.reason });
}

/** Deletes a pledge; its revision keeps every value it had. Returns false when there was nothing to delete. */
export function deletePledge(db: Db, id: number, editor: Author, reason: string): boolean {
  return db.transaction(() => {
    const before = snapshot(db, id);
    if (!before) return false;
    // Its relations go with it (ON DELETE CASCADE); the pledges at their other ends say so in their histories.
    recordRelationsGone(db, id, editor, reason);
    statement(db, 'DELETE FROM pledges WHERE id = ?').run(id);
    recordRevision(db, { entity: 'pledge', entityId: id, action: 'delete', editor, changes: diff(before, null), reason });
    return true;
  }).immediate();
}

/** The earliest announcement date (YYYY-MM-DD, YYYY-MM or YYYY), from the date index; null with no pledge. */
export function firstAnnouncedOn(db: Db): string | null {
  return statement(db, 'SELECT min(announced_on) FROM pledges').pluck().get() as string | null;
}

export function pledgeExists(db: Db, id: number): boolean {
  return statement(db, 'SELECT 1 FROM pledges WHERE id = ?').get(id) !== undefined;
}

/** The index the import looks rows up by (pledger + project + date): kept through a bulk load. */
export const IDENTITY_INDEX = 'pledges_identity_idx';

/** The political events a pledge bears on, oldest first. */
export function eventsOfPledge(db: Db, pledgeId: number): PoliticalEvent[] {
  return db
    .prepare(
      `SELECT e.id, e.occurred_on, e.title, e.kind, e.concession_type, e.note, e.source_url, e.source_title
         FROM events e JOIN pledge_events pe ON pe.event_id = e.id
        WHERE pe.pledge_id = ? ORDER BY e.occurred_on, e.id`,
    )
    .all(pledgeId) as PoliticalEvent[];
}

/** Every political event, oldest first, as a pledge's form and the API offer them to link. */
export function eventOptions(db: Db): Pick<PoliticalEvent, 'id' | 'occurred_on' | 'title'>[] {
  return statement(db, 'SELECT id, occurred_on, title FROM events ORDER BY occurred_on, id').all() as Pick<PoliticalEvent, 'id' | 'occurred_on' | 'title'>[];
}

/** A concession a pledge answered, with all its sources and the days from the pledge to it. */
export interface PledgeConcession {
  id: number;
  occurred_on: string;
  title: string;
  concession_type: ConcessionType;
  note: string;
  sources: EventSource[];
  /** Negative when the concession came first; null unless both dates have a day. */
  days_between: number | null;
}

/**
 * A pledge's political events, what it got (concessions) and its status steps, oldest first: in an as-of view
 * (asOf, YYYY-MM-DD) only those dated by then.
 */
export function pledgeStory(
  db: Db,
  pledge: Pick<Pledge, 'id' | 'announced_on'>,
  asOf: string | null,
): { events: PoliticalEvent[]; concessions: PledgeConcession[]; statusSteps: StatusStep[] } {
  const by = (date: string) => asOf === null || isDatedBy(date, asOf);
  return {
    events: eventsOfPledge(db, pledge.id).filter((event) => by(event.occurred_on)),
    concessions: concessionsOfPledge(db, pledge).filter((concession) => by(concession.occurred_on)),
    statusSteps: statusTimeline(db, pledge).filter((step) => by(step.changed_on)),
  };
}

/** What the pledger got: the concessions linked to a pledge, oldest first. */
export function concessionsOfPledge(db: Db, pledge: Pick<Pledge, 'id' | 'announced_on'>): PledgeConcession[] {
  const rows = statement(
    db,
    `SELECT e.id, e.occurred_on, e.title, e.concession_type, e.note, e.source_url, e.source_title,
            (SELECT json_group_array(json_object('url', s.url, 'title', s.title))
               FROM (SELECT url, title FROM event_sources WHERE event_id = e.id ORDER BY position) s) AS more_sources
       FROM pledge_events pe CROSS JOIN events e ON e.id = pe.event_id
      WHERE pe.pledge_id = ? AND e.kind = 'concession' ORDER BY e.occurred_on, e.id`,
  ).all(pledge.id) as (Omit<PledgeConcession, 'sources' | 'days_between'> & { source_url: string | null; source_title: string; more_sources: string })[];
  return rows.map(({ source_url: url, source_title: title, more_sources: more, ...concession }) => ({
    ...concession,
    sources: [...(url ? [{ url, title }] : []), ...(JSON.parse(more) as EventSource[])],
    days_between: daysBetween(pledge.announced_on, concession.occurred_on),
  }));
}
