// Each pledge's facts a search's dashboard adds up (dashboard.packed.ts), packed in blobs (migration 031) and kept
// exact: the blocks the triggers mark stale are packed again before they are read.
//
// A block holds the pledges whose id >> BLOCK_SHIFT is its number, in id order, as columns:
//   amount (Float64, NaN when unknown), US part (Float64, NaN when unknown), amount per year (Float64, NaN when
//   unknown), id within the block (Uint16),
//   codes (Uint32) of the group, the announced day, the pledger, the due day and the evidence day (NONE: none),
//   flags (Uint8: FLAG_*).
// Beside it, in pledge_status_facts (migration 034), the same pledges' status steps (historyColumns): each pledge's
// due day and evidence day whatever its status today, and its steps' days and statuses in order.
// Codes name values in pledge_fact_codes, shared by every block and only ever added to.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import { DUE_ON, NO_HORIZON, PER_YEAR, US_AMOUNT } from '../pledges/pledges.sql.ts';
import { CUBE_FIELDS, GROUP_ROW, groupKey, interned, type CubeGroup } from './dashboard.groups.ts';
import { STATUSES } from '../pledges/pledge.model.ts';
// A full block's facts blob is 4,096 × 47 + 8 = 192,520 bytes: under the MALLOC_MMAP_THRESHOLD_ `npm start` sets
// (262144), so glibc serves the driver's copy of each from its heap rather than mapping fresh pages for every read
// (docs/performance.md, "The blobs under malloc's mmap threshold"). A larger block needs a larger threshold.
export const BLOCK_SHIFT = 12;
const BLOCK_SIZE = 1 << BLOCK_SHIFT;
/** A code for no value: a pledge not announced has no due day, one without evidence no evidence day. */
export const NONE = 0xffffffff;
export const FLAG_SHARE_KNOWN = 1;
export const FLAG_NO_HORIZON = 2;
export const FLAG_OUTSIDE_US = 4;
export const FLAG_US_BOUND_POSITIVE = 8;
/** The blob's layout: its first word, so that a change of layout is refused rather than misread. */
const LAYOUT = 2;
/** The status steps' blob's layout (historyColumns), its first word likewise. */
const HISTORY_LAYOUT = 1;

type Kind = 'group' | 'day' | 'pledger';
const KINDS: readonly Kind[] = ['group', 'day', 'pledger'];

/** The codes' values a connection has read (each code's value never changes), and the codes of each value. */
export interface Codes {
  values: Record<Kind, string[]>;
  codes: Record<Kind, Map<string, number>>;
  /** The group codes' six fields, parsed when first read. */
  groups: CubeGroupFields[];
  /** The group codes in the order SQL's GROUP BY gives their groups (field by field), sorted when codes are added. */
  groupOrder: Uint32Array;
  /** The groups' twins of each status (statusTwins), worked out when an as-of view first needs them. */
  statusTwins: Int32Array;
}

export type CubeGroupFields = Pick<CubeGroup, 'sector' | 'status' | 'country' | 'lever' | 'pledger_kind' | 'commitment_kind'>;

const connectionCodes = new WeakMap<Db, Codes>();

/** The connection's codes, with any another connection (or an earlier pack) added since. */
export function codesOf(db: Db): Codes {
  let known = connectionCodes.get(db);
  if (!known) {
    known = { values: { group: [], day: [], pledger: [] }, codes: { group: new Map(), day: new Map(), pledger: new Map() }, groups: [], groupOrder: new Uint32Array(0), statusTwins: new Int32Array(0) };
    connectionCodes.set(db, known);
  }
  for (const kind of KINDS) {
    const values = known.values[kind];
    const added = statement(db, 'SELECT code, value FROM pledge_fact_codes WHERE kind = ? AND code >= ? ORDER BY code')
      .raw(true)
      .all(kind, values.length) as [number, string][];
    for (const [code, value] of added) {
      if (code !== values.length) throw new Error(`pledge_fact_codes: ${kind} code ${code} follows ${values.length - 1}`);
      values.push(value);
      known.codes[kind].set(value, code);
      if (kind === 'group') known.groups.push(groupFields(value));
    }
  }
  return known;
}

/** The group codes in GROUP BY's order, sorted again only when codes were added since. */
export function groupOrder(known: Codes): Uint32Array {
  if (known.groupOrder.length !== known.groups.length) {
    const codes = Array.from(known.groups.keys());
    codes.sort((a, b) => byGroupFields(known.groups[a]!, known.groups[b]!));
    known.groupOrder = Uint32Array.from(codes);
  }
  return known.groupOrder;
}

/**
 * For each group code and status (an index of STATUSES, at code * STATUSES.length + status), the code of the group
 * with the same other five fields and that status, -1 when no pledge's group today has it: where an as-of view moves
 * a pledge whose status changed since the day (dashboard.packed-pass.ts). Worked out again only when codes were
 * added since (35-65 ms for a million pledges' 19,478 groups, at start by the warm-up); 0.4 MB.
 */
export function statusTwins(known: Codes): Int32Array {
  const width = STATUSES.length;
  if (known.statusTwins.length === known.groups.length * width) return known.statusTwins;
  const twins = new Int32Array(known.groups.length * width).fill(-1);
  const alike = new Map<string, number[]>();
  known.groups.forEach((fields, code) => {
    // Its key with no status: the same for the group's twins of every status.
    const others = groupKey({ ...fields, status: '' });
    const codes = alike.get(others);
    if (codes) codes.push(code);
    else alike.set(others, [code]);
  });
  for (const codes of alike.values()) {
    for (const twin of codes) {
      const status = STATUS_INDEX.get(known.groups[twin]!.status);
      if (status === undefined) continue;
      for (const code of codes) twins[code * width + status] = twin;
    }
  }
  known.statusTwins = twins;
  return twins;
}

function groupFields(value: string): CubeGroupFields {
  const [sector, status, country, lever, pledger_kind, commitment_kind] = (JSON.parse(value) as string[]).map(interned);
  return { sector: sector!, status: status!, country: country!, lever: lever!, pledger_kind: pledger_kind!, commitment_kind: commitment_kind! };
}

/** The code of value, added (in the pack's transaction) when it has none yet. */
function codeOf(db: Db, known: Codes, kind: Kind, value: string | null): number {
  if (value === null) return NONE;
  const code = known.codes[kind].get(value);
  if (code !== undefined) return code;
  const added = known.values[kind].length;
  statement(db, 'INSERT INTO pledge_fact_codes (kind, code, value) VALUES (?, ?, ?)').run(kind, added, value);
  known.values[kind].push(value);
  known.codes[kind].set(value, added);
  if (kind === 'group') known.groups.push(groupFields(value));
  return added;
}

/** A block's pledges, as the blob packs them: the same expressions the SQL passes group and sum. */
const BLOCK_ROWS = `SELECT p.id,
    json_array(p.sector, p.status, p.country, coalesce(p.lever, 'none'), coalesce(p.pledger_kind, 'unknown'), coalesce(p.commitment_kind, 'unknown')),
    p.amount_usd, ${US_AMOUNT}, ${PER_YEAR},
    (CASE WHEN p.amount_usd IS NOT NULL AND p.us_share_pct IS NOT NULL THEN ${FLAG_SHARE_KNOWN} ELSE 0 END)
      | (CASE WHEN p.amount_usd IS NOT NULL AND ${NO_HORIZON} THEN ${FLAG_NO_HORIZON} ELSE 0 END)
      | (CASE WHEN ${GROUP_ROW.outsideUs} THEN ${FLAG_OUTSIDE_US} ELSE 0 END)
      | (CASE WHEN ${GROUP_ROW.usBoundPositive} THEN ${FLAG_US_BOUND_POSITIVE} ELSE 0 END),
    p.announced_on, p.pledger, ${DUE_ON}, p.status = 'announced',
    e.evidence_on
  FROM pledges p LEFT JOIN announced_evidence e ON e.id = p.id
 WHERE p.id >= ? AND p.id < ?
 ORDER BY p.id`;

type BlockRow = [number, string, number | null, number | null, number | null, number, string, string, string, 0 | 1, string | null];

/** A block's status steps, in each pledge's order (status_spans' order: by day, then as written). */
const BLOCK_STEPS = `SELECT c.pledge_id, c.changed_on, c.status FROM status_changes c
 WHERE c.pledge_id >= ? AND c.pledge_id < ?
 ORDER BY c.pledge_id, c.changed_on, c.id`;

type StepRow = [number, string, string];

/** Offsets of the columns in a blob of n pledges, each 8-byte aligned after the header's two words. */
function layout(n: number) {
  const align = (offset: number) => (offset + 7) & ~7;
  const amount = 8;
  const us = amount + n * 8;
  const perYear = us + n * 8;
  const offset = perYear + n * 8;
  const group = align(offset + n * 2);
  const day = group + n * 4;
  const pledger = day + n * 4;
  const due = pledger + n * 4;
  const evidence = due + n * 4;
  const flags = evidence + n * 4;
  return { amount, us, perYear, offset, group, day, pledger, due, evidence, flags, bytes: flags + n };
}

function packBlock(db: Db, known: Codes, rows: BlockRow[]): Buffer {
  const n = rows.length;
  const at = layout(n);
  const data = new ArrayBuffer(at.bytes);
  const header = new Uint32Array(data, 0, 2);
  header[0] = LAYOUT;
  header[1] = n;
  const amount = new Float64Array(data, at.amount, n);
  const us = new Float64Array(data, at.us, n);
  const perYear = new Float64Array(data, at.perYear, n);
  const offset = new Uint16Array(data, at.offset, n);
  const group = new Uint32Array(data, at.group, n);
  const day = new Uint32Array(data, at.day, n);
  const pledger = new Uint32Array(data, at.pledger, n);
  const due = new Uint32Array(data, at.due, n);
  const evidence = new Uint32Array(data, at.evidence, n);
  const flags = new Uint8Array(data, at.flags, n);
  rows.forEach(([id, groupValue, amountValue, usValue, perYearValue, flagValue, announced, pledgerValue, dueOn, announcedToday, evidenceOn], i) => {
    offset[i] = id & (BLOCK_SIZE - 1);
    amount[i] = amountValue ?? NaN;
    us[i] = usValue ?? NaN;
    perYear[i] = perYearValue ?? NaN;
    flags[i] = flagValue;
    group[i] = codeOf(db, known, 'group', groupValue);
    day[i] = codeOf(db, known, 'day', announced);
    pledger[i] = codeOf(db, known, 'pledger', pledgerValue);
    due[i] = announcedToday ? codeOf(db, known, 'day', dueOn) : NONE;
    evidence[i] = codeOf(db, known, 'day', evidenceOn);
  });
  return Buffer.from(data);
}

/** Offsets of the columns in a status steps' blob of n pledges and m steps, after its header's three words. */
function historyLayout(n: number, m: number) {
  const due = 12;
  const evidence = due + n * 4;
  const first = evidence + n * 4;
  const stepDay = first + (n + 1) * 4;
  const stepStatus = stepDay + m * 4;
  return { due, evidence, first, stepDay, stepStatus, bytes: stepStatus + m };
}

/** The statuses a step can name, as indexes of STATUSES. */
const STATUS_INDEX = new Map<string, number>(STATUSES.map((status, index) => [status, index]));
/** The steps that are completion evidence (overdueCondition's NO_EVIDENCE). */
const EVIDENCE = new Set(['under_way', 'completed']);

/** The status steps' blob of a block's pledges (rows, as packBlock packs them) and their steps (in BLOCK_STEPS' order). */
function packHistory(db: Db, known: Codes, rows: BlockRow[], steps: StepRow[]): Buffer {
  const n = rows.length;
  const m = steps.length;
  const at = historyLayout(n, m);
  const data = new ArrayBuffer(at.bytes);
  const header = new Uint32Array(data, 0, 3);
  header[0] = HISTORY_LAYOUT;
  header[1] = n;
  header[2] = m;
  const due = new Uint32Array(data, at.due, n);
  const evidence = new Uint32Array(data, at.evidence, n);
  const first = new Uint32Array(data, at.first, n + 1);
  const stepDay = new Uint32Array(data, at.stepDay, m);
  const stepStatus = new Uint8Array(data, at.stepStatus, m);
  let step = 0;
  rows.forEach(([id, , , , , , , , dueOn], i) => {
    due[i] = codeOf(db, known, 'day', dueOn);
    evidence[i] = NONE;
    first[i] = step;
    // A step of a pledge not in the block's rows cannot be: status_changes' foreign key.
    for (; step < m && steps[step]![0] === id; step++) {
      const [, changedOn, status] = steps[step]!;
      stepDay[step] = codeOf(db, known, 'day', changedOn);
      stepStatus[step] = STATUS_INDEX.get(status)!;
      // The first evidence: the steps come by day, so the earliest is met first.
      if (evidence[i] === NONE && EVIDENCE.has(status)) evidence[i] = stepDay[step]!;
    }
  });
  if (step !== m) throw new Error(`pledge_status_facts: a status step of pledge ${steps[step]![0]}, not in its block`);
  first[n] = m;
  return Buffer.from(data);
}

/** The errors that leave the blocks stale: another connection holds the write lock, the disk is full, read-only. */
const CANNOT_WRITE = /^SQLITE_(BUSY|FULL|READONLY)/;

/** How many blocks are marked stale. */
export function staleFactBlocks(db: Db): number {
  return statement(db, 'SELECT count(*) FROM pledge_facts_stale').pluck().get() as number;
}

/**
 * Packs the blocks marked stale (at most `most` of them, lowest first), in one transaction. Returns whether no
 * block is left stale: false too on a read-only connection, when another connection holds the write lock (a long
 * import) or the disk is full, where the blocks stay stale and the caller reads in SQL rather than wait.
 */
export function packStaleFacts(db: Db, most = -1): boolean {
  const anyStale = () => statement(db, 'SELECT 1 FROM pledge_facts_stale LIMIT 1').pluck().get() !== undefined;
  if (!anyStale()) return true;
  if (db.readonly) return false;
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.transaction(() => {
      const known = codesOf(db);
      const blocks = statement(db, 'SELECT block FROM pledge_facts_stale ORDER BY block LIMIT ?').pluck().all(most) as number[];
      for (const block of blocks) {
        const ids = [block << BLOCK_SHIFT, (block + 1) << BLOCK_SHIFT];
        const rows = statement(db, BLOCK_ROWS).raw(true).all(...ids) as BlockRow[];
        if (rows.length === 0) {
          statement(db, 'DELETE FROM pledge_facts WHERE block = ?').run(block);
          statement(db, 'DELETE FROM pledge_status_facts WHERE block = ?').run(block);
        } else {
          statement(db, 'INSERT OR REPLACE INTO pledge_facts (block, data) VALUES (?, ?)').run(block, packBlock(db, known, rows));
          const steps = statement(db, BLOCK_STEPS).raw(true).all(...ids) as StepRow[];
          statement(db, 'INSERT OR REPLACE INTO pledge_status_facts (block, data) VALUES (?, ?)').run(block, packHistory(db, known, rows, steps));
        }
        statement(db, 'DELETE FROM pledge_facts_stale WHERE block = ?').run(block);
      }
    }).immediate();
    return !anyStale();
  } catch (error) {
    // Codes added in the rolled-back transaction are not in the file: read them all again next time.
    connectionCodes.delete(db);
    if (CANNOT_WRITE.test((error as { code?: string }).code ?? '')) return false;
    throw error;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

/**
 * Packs the stale blocks between other work: every `every` ms it looks for stale blocks (another process's writes,
 * an import's bulk load) and packs them `blocks` at a time (about 21 ms a block at a million pledges), one turn
 * of the event loop each, so that requests go on being answered meanwhile. Returns a function that stops it.
 */
export function packInBackground(db: Db, onError: (error: unknown) => void, { every = 1_000, blocks = 4 } = {}): () => void {
  let stopped = false;
  let pending: NodeJS.Immediate | null = null;
  const turn = () => {
    pending = null;
    if (stopped) return;
    try {
      const before = staleFactBlocks(db);
      if (before === 0) return;
      // Another turn at once while this one made progress; else (the write lock is held) at the next look.
      if (!packStaleFacts(db, blocks) && staleFactBlocks(db) < before) pending = setImmediate(turn);
    } catch (error) {
      onError(error);
    }
  };
  const timer = setInterval(() => pending ?? turn(), every).unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    if (pending) clearImmediate(pending);
  };
}

/** Views of a blob's columns: in place when the blob's bytes are aligned, else on a copy. */
export function columns(blob: Buffer) {
  const bytes = blob.byteOffset % 8 === 0 ? blob : Buffer.from(blob);
  const buffer = bytes.buffer;
  const base = bytes.byteOffset;
  const [layoutWord, n] = new Uint32Array(buffer, base, 2) as unknown as [number, number];
  if (layoutWord !== LAYOUT) throw new Error(`pledge_facts: a block of layout ${layoutWord}, not ${LAYOUT}`);
  const at = layout(n);
  return {
    n,
    amount: new Float64Array(buffer, base + at.amount, n),
    us: new Float64Array(buffer, base + at.us, n),
    perYear: new Float64Array(buffer, base + at.perYear, n),
    offset: new Uint16Array(buffer, base + at.offset, n),
    group: new Uint32Array(buffer, base + at.group, n),
    day: new Uint32Array(buffer, base + at.day, n),
    pledger: new Uint32Array(buffer, base + at.pledger, n),
    due: new Uint32Array(buffer, base + at.due, n),
    evidence: new Uint32Array(buffer, base + at.evidence, n),
    flags: new Uint8Array(buffer, base + at.flags, n),
  };
}

/**
 * GROUP BY's order: field by field, where SQL groups by the stored lever and kinds, whose NULL (spelled 'none' and
 * 'unknown', which no stored value is) comes first. Totals add the groups up in this order, which decides how a sum
 * past 2^53 rounds.
 */
function byGroupFields(a: CubeGroupFields, b: CubeGroupFields): number {
  for (const field of CUBE_FIELDS) {
    const x = stored(field, a[field]);
    const y = stored(field, b[field]);
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

const UNSTORED: Partial<Record<(typeof CUBE_FIELDS)[number], string>> = { lever: 'none', pledger_kind: 'unknown', commitment_kind: 'unknown' };

/** The value as it sorts in SQL: a NULL's spelling as the empty text, which sorts before any other. */
function stored(field: (typeof CUBE_FIELDS)[number], value: string): string {
  return UNSTORED[field] === value ? '' : value;
}

/**
 * Views of a status steps' blob's columns (packHistory): each pledge's first due day and first evidence day (codes
 * of days, NONE: none), whatever its status today; its steps, from first[i] to first[i + 1], each one's day (a code)
 * and status (an index of STATUSES), by day.
 */
export function historyColumns(blob: Buffer) {
  const bytes = blob.byteOffset % 4 === 0 ? blob : Buffer.from(blob);
  const buffer = bytes.buffer;
  const base = bytes.byteOffset;
  const [layoutWord, n, m] = new Uint32Array(buffer, base, 3) as unknown as [number, number, number];
  if (layoutWord !== HISTORY_LAYOUT) throw new Error(`pledge_status_facts: a block of layout ${layoutWord}, not ${HISTORY_LAYOUT}`);
  const at = historyLayout(n, m);
  return {
    n,
    due: new Uint32Array(buffer, base + at.due, n),
    evidence: new Uint32Array(buffer, base + at.evidence, n),
    first: new Uint32Array(buffer, base + at.first, n + 1),
    stepDay: new Uint32Array(buffer, base + at.stepDay, m),
    stepStatus: new Uint8Array(buffer, base + at.stepStatus, m),
  };
}
