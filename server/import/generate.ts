// Realistic synthetic pledges for tests and benchmarks, from a seeded generator: the same seed, the same data.
import type { Db } from '../platform/db.ts';
import { insertEvent, linkPledgeToEvent } from '../events/events.repository.ts';
import { addSources, creationChangesJson, insertPledge } from '../pledges/pledges.repository.ts';
import type { EventKind } from '../events/event.model.ts';
import { beginBulkLoad, endBulkLoad } from '../platform/bulk-load.ts';
import { concessionFor, insertConcessions, statusSteps } from './generate.history.ts';
import { insertStatusStep } from './seed.repository.ts';
import { countPledges } from '../pledges/pledges.sql.ts';
import { insertRelation } from '../relations/relations.repository.ts';
import { LEVERS, STATUSES, type CommitmentKind, type NewPledge } from '../pledges/pledge.model.ts';
import { GENERATOR_AUTHOR, recordRevision } from '../revisions/revisions.repository.ts';

/** The reason on each generated pledge's creation revision. */
export const GENERATED_REASON = 'synthetic data (npm run generate)';

/** mulberry32: a small, fast, seedable PRNG. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PLEDGERS = ['Apple', 'Nvidia', 'TSMC', 'Samsung', 'Microsoft', 'Alphabet', 'Amazon', 'Meta', 'Oracle', 'SoftBank',
  'Intel', 'Micron', 'GlobalFoundries', 'Hyundai', 'Toyota', 'Honda', 'Johnson & Johnson', 'Eli Lilly', 'Novartis',
  'Roche', 'AstraZeneca', 'Sanofi', 'IBM', 'Texas Instruments', 'GE Aerospace', 'Siemens', 'Saudi Arabia PIF',
  'UAE (MGX)', 'Japan', 'South Korea', 'European Union', 'Qatar', 'Foxconn', 'Wistron', 'Merck', 'Pfizer'];
const SECTORS = ['Semiconductors', 'AI data centers', 'AI infrastructure', 'Pharmaceuticals', 'Automotive', 'Energy',
  'Manufacturing', 'Aerospace', 'Steel', 'Shipbuilding'];
const COUNTRIES = ['United States', 'Taiwan', 'South Korea', 'Japan', 'Germany', 'Switzerland', 'United Kingdom',
  'France', 'Saudi Arabia', 'United Arab Emirates', 'Qatar', 'China', 'Ireland'];
const PROJECTS = ['new fab', 'data center campus', 'R&D center', 'assembly plant', 'packaging plant', 'expansion',
  'supply-chain build-out', 'AI supercomputers', 'manufacturing hub', 'research campus'];
const EVENT_KINDS: EventKind[] = ['export_controls', 'tariffs', 'subsidies', 'white_house_event', 'administration', 'market'];

// The kinds follow from the pledger (no random number is drawn, so a seed still gives the same pledges as before).
const GOVERNMENTS: Record<string, CommitmentKind> = {
  'Saudi Arabia PIF': 'mixed',
  'UAE (MGX)': 'fund',
  Japan: 'fund',
  'South Korea': 'fund',
  'European Union': 'mixed',
  Qatar: 'purchases_trade',
};

function kindsOf(pledger: string): Pick<NewPledge, 'pledger_kind' | 'commitment_kind'> {
  if (pledger in GOVERNMENTS) return { pledger_kind: 'government', commitment_kind: GOVERNMENTS[pledger]! };
  if (pledger === 'SoftBank') return { pledger_kind: 'joint_venture', commitment_kind: 'fund' };
  return { pledger_kind: 'company', commitment_kind: 'capital_spending' };
}

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

function isoDate(rand: () => number, fromYear: number, years: number): string {
  const start = Date.UTC(fromYear, 0, 1);
  const day = Math.floor(rand() * years * 365.25);
  return new Date(start + day * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A tenth of the pledges name a date for their first tranche, up to two years after the announcement (a fifth of
 * those to the month only); drawn from a stream of their own, so that a seed gives the same pledges as before.
 */
function firstTrancheBy(rand: () => number, announced: string): string | null {
  if (rand() >= 0.1) return null;
  const due = new Date(Date.parse(announced) + Math.floor(rand() * 730) * 86_400_000).toISOString().slice(0, 10);
  return rand() < 0.2 ? due.slice(0, 7) : due;
}

/** How often a pledge starts a group of related pledges: groups of two on average put about 5% in a relation. */
const GROUP_START = 0.026;

/** [from, kind, to, how often its amount is known]: indexes into a group of consecutive pledges (null: none). */
type Link = [number, 'supersedes' | 'contains' | 'overlaps' | 'repeats', number | null, number];

/** The groups of related pledges, each with its share of the groups: chains of supersedes and contains included. */
const GROUPS: { share: number; links: Link[] }[] = [
  { share: 0.15, links: [[0, 'repeats', null, 1]] },
  { share: 0.25, links: [[1, 'supersedes', 0, 0]] },
  { share: 0.1, links: [[1, 'supersedes', 0, 0], [2, 'supersedes', 1, 0]] },
  { share: 0.15, links: [[0, 'contains', 1, 0.4]] },
  { share: 0.05, links: [[0, 'contains', 1, 0.4], [1, 'contains', 2, 0.4]] },
  { share: 0.2, links: [[0, 'overlaps', 1, 0.75]] },
  { share: 0.1, links: [[1, 'repeats', 0, 0.8]] },
];

interface Drawn {
  id: number;
  amount: number | null;
}

/**
 * Relations among a batch's pledges, drawn from a random stream of their own (a seed gives the same pledges as
 * before relations were generated). Links run one way within a group, so that no chain runs in a circle;
 * amounts, where known, are a part of the smaller pledge, in millions.
 */
function relateBatch(db: Db, rand: () => number, batch: Drawn[]): void {
  for (let i = 0; i < batch.length; i++) {
    if (rand() >= GROUP_START) continue;
    let pick = rand();
    const group = GROUPS.find((candidate) => (pick -= candidate.share) < 0) ?? GROUPS[0]!;
    const size = 1 + Math.max(...group.links.map(([from, , to]) => Math.max(from, to ?? 0)));
    if (i + size > batch.length) break;
    for (const [from, kind, to, known] of group.links) {
      const pledges = [batch[i + from]!, ...(to === null ? [] : [batch[i + to]!])];
      const amounts = pledges.map((pledge) => pledge.amount).filter((amount) => amount !== null);
      const amount = amounts.length === 0 || rand() >= known ? null : Math.round((Math.min(...amounts) * (0.1 + 0.8 * rand())) / 1e6) * 1e6;
      insertRelation(db, { pledge_id: pledges[0]!.id, kind, other_id: pledges[1]?.id ?? null, amount_usd: amount, note: 'Synthetic relation', source_url: null, source_title: '' });
    }
    i += size - 1;
  }
}

export interface GenerateOptions {
  rows: number;
  seed?: number;
  batch?: number;
  onProgress?: (done: number) => void;
  /** Called when the rows are in and the indexes are being built again (large runs only). */
  onIndexing?: () => void;
  /** Asked before each batch: true stops early (an interrupted run still gets its indexes back). */
  shouldStop?: () => boolean;
  /** From this many rows the secondary indexes are dropped for the load and built again after it. */
  bulkFrom?: number;
}

/**
 * Adds `rows` pledges (and a few dozen events to link them to, relations among about 5% of them, chains included,
 * dated status steps for every pledge not merely announced, and concessions answering about 2% of them), each
 * with its creation revision by "Synthetic data", in transactions of `batch` rows.
 */
export function generatePledges(db: Db, { rows, seed = 1, batch = 10_000, onProgress, onIndexing, shouldStop, bulkFrom = BULK_ROWS }: GenerateOptions): void {
  const rand = random(seed);
  const relationRand = random(seed ^ 0x52454c53);
  const trancheRand = random(seed ^ 0x46545259);
  const stepRand = random(seed ^ 0x53544550);
  const concessionRand = random(seed ^ 0x434f4e43);
  const { eventIds, concessions } = db.transaction(() => ({
    eventIds: Array.from({ length: 40 }, (_, i) =>
      insertEvent(db, {
        occurred_on: isoDate(rand, 2016, 10),
        title: `Synthetic event ${i + 1}`,
        kind: pick(rand, EVENT_KINDS),
        concession_type: null,
        note: '',
        source_url: `https://example.com/events/${i + 1}`,
        source_title: `Event source ${i + 1}`,
      }),
    ),
    concessions: insertConcessions(db, concessionRand),
  }))();
  const insertBatch = db.transaction((count: number) => {
    const batch: Drawn[] = [];
    for (let i = 0; i < count; i++) {
      const pledger = pick(rand, PLEDGERS);
      // Log-uniform from $10M to $1T, one in twelve undisclosed.
      const amount = rand() < 1 / 12 ? null : Math.round(10 ** (7 + rand() * 5) / 1e6) * 1e6;
      const share = rand() < 0.1 ? null : Math.round(rand() * 20) * 5;
      const announced = isoDate(rand, 2016, 10);
      const horizon = rand();
      // The fields in the order the random numbers were always drawn, so that a seed gives the same pledges.
      const pledge: NewPledge = {
        pledger,
        project: `${pick(rand, PROJECTS)} ${Math.floor(rand() * 1000)}`,
        amount_usd: amount,
        amount_note: '',
        us_share_pct: share,
        us_share_basis: share === null ? null : rand() < 0.8 ? 'stated' : 'inferred',
        announced_on: rand() < 0.05 ? announced.slice(0, 7) : announced,
        horizon_years: horizon < 0.5 ? 1 + Math.floor(rand() * 10) : null,
        horizon_end: horizon >= 0.5 && horizon < 0.7 ? `${Number(announced.slice(0, 4)) + 1 + Math.floor(rand() * 5)}-12-31` : null,
        horizon_note: '',
        sector: pick(rand, SECTORS),
        country: pick(rand, COUNTRIES),
        status: pick(rand, STATUSES),
        lever: rand() < 0.1 ? null : pick(rand, LEVERS),
        context_note: '',
        ...kindsOf(pledger),
        horizon_start: null,
        new_money_usd: null,
        first_tranche_by: firstTrancheBy(trancheRand, announced),
        sources: [],
      };
      const id = insertPledge(db, pledge);
      batch.push({ id, amount });
      const sourceCount = 1 + Math.floor(rand() * 3);
      const sources = Array.from({ length: sourceCount }, (_, position) => ({ url: `https://example.com/pledges/${id}/${position}`, title: `Source ${position + 1}` }));
      addSources(db, id, sources);
      const linked = rand() < 0.2 ? [pick(rand, eventIds)] : [];
      const concession = concessionFor(concessionRand, concessions, pledge.announced_on);
      if (concession !== null) linked.push(concession);
      for (const eventId of linked) linkPledgeToEvent(db, id, eventId);
      const steps = statusSteps(stepRand, id, pledge.announced_on, pledge.status);
      for (const step of steps) insertStatusStep(db, id, step);
      // A creation revision, as an import writes one for each pledge: the change log has a realistic length. Like
      // the seed's update (seed.update.ts), it records the pledge's fields, its current status among them; its
      // steps are rows of their own.
      const changes = creationChangesJson({ pledge: { ...pledge, sources }, eventIds: linked, reason: GENERATED_REASON, statusChange: null });
      recordRevision(db, { entity: 'pledge', entityId: id, action: 'create', editor: GENERATOR_AUTHOR, changes, reason: GENERATED_REASON });
    }
    relateBatch(db, relationRand, batch);
  });
  // A bulk load writes faster without the secondary indexes (built once at the end, in order) and the per-row
  // triggers (the pre-grouped tables are refilled at the end in one pass each): worth it from a few thousand rows,
  // as long as they are at least as many as the table holds (the refills and index builds read the whole table).
  const held = countPledges(db);
  const load = rows >= bulkFrom && rows >= held ? db.transaction(() => beginBulkLoad(db))() : null;
  try {
    for (let done = 0; done < rows && !shouldStop?.(); ) {
      const count = Math.min(batch, rows - done);
      insertBatch(count);
      done += count;
      onProgress?.(done);
    }
  } finally {
    if (load) {
      onIndexing?.();
      db.transaction(() => endBulkLoad(db, load))();
    }
  }
}

/**
 * From this many rows (and at least as many as the table holds), generate drops the pledges' secondary indexes and
 * the per-row triggers, and builds them again at the end, as an import does (import.write.ts). One by one, a pledge
 * with its status steps costs about a millisecond of trigger work (the as-of edges of migration 022 among it).
 */
export const BULK_ROWS = 2_000;
