// Results of expensive reads (summaries, facets), kept until the database changes.
import type { Db } from '../platform/db.ts';
import { EMPTY_FILTER, isEmptyFilter, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { cubeKey, cubeOf } from './dashboard.cube.ts';
import { selectedOf, type CubeGroup } from './dashboard.groups.ts';
import { facets, overdueTotals, pledgerValues, sortedFacetValues, type OverdueTotals } from './dashboard.facets.ts';
import { type Facet, type FacetValue } from '../pledges/pledge.model.ts';
import { summarize, timelineBetween, timelineByDate, timelineUpTo, type Summary, type TimelineRow } from './dashboard.summary.ts';
import { databaseVersion } from '../platform/meta.repository.ts';
import { computeWaterfall, type Waterfall } from './dashboard.waterfall.ts';
import type { WaterfallHelper } from './dashboard.waterfall-helper.ts';
import { listConcessions } from '../events/concessions.repository.ts';
import type { ConcessionRow } from '../events/event.model.ts';
import { utcToday } from '../lib/dates.ts';
import { onePass, onePassServes, readsOnePass, type OnePass } from './dashboard.one-pass.ts';
import { countPledges, holdSearchMatches, lastPledgeId, searchHeld, searchMatchesJson, searchMatchIds, searchReadsTexts, stepLedgerMatches, stepListsKey } from '../pledges/pledges.sql.ts';
import { keepStepLists, keptStepLists, ledgerIds, ROW_STEPS, type StepLists } from '../pledges/pledges.waterfall.sql.ts';
import { packedPass, packedServes, packedStepPass, sparseIn } from './dashboard.packed.ts';
import type { PackedStep } from './dashboard.packed-pass.ts';
import { packStaleFacts, staleFactBlocks } from './dashboard.packing.ts';
import { asOfMargins, marginGroups, marginOverdue, readsMargins, type AsOfMargins } from './dashboard.as-of.ts';

const MAX_ENTRIES = 500;

/**
 * Grouped passes kept besides the one without a filter: each is up to about 20,000 groups at a million pledges (a
 * few MB), and serves the few reads of the view being computed (summary, facets, waterfall), which are kept
 * themselves; a hundred kept passes would hold the server's memory for nothing.
 */
const PASSES_KEPT = 2;

export class ReadCache {
  private seen = '';
  private readonly entries = new Map<string, unknown>();
  /** Large intermediate results, the least recently used dropped first (see PASSES_KEPT). */
  private readonly recent = new Map<string, unknown>();
  hits = 0;
  misses = 0;

  /**
   * today: the clock's UTC date. What is overdue moves with the date alone, so a new day empties the cache too.
   * waterfalls: the thread that works out the views' waterfall ledgers beside this one (the server's; none in tests
   * that do not ask for it, nor for a database in memory).
   */
  constructor(
    private readonly db: Db,
    private readonly today: () => string = utcToday,
    readonly waterfalls: WaterfallHelper | null = null,
  ) {}

  /** The cached value for key, computed afresh after any write and on a new day. */
  get<T>(key: string, compute: () => T): T {
    this.forgetIfChanged();
    if (this.entries.has(key)) {
      this.hits++;
      return this.entries.get(key) as T;
    }
    this.misses++;
    const value = compute();
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
    return value;
  }

  /** The cached value for key, if there is one for the current data. */
  peek<T>(key: string): T | undefined {
    this.forgetIfChanged();
    return (this.entries.get(key) ?? this.recent.get(key)) as T | undefined;
  }

  /** As get, for a large value only kept among the few most recently used (PASSES_KEPT). */
  getRecent<T>(key: string, compute: () => T): T {
    this.forgetIfChanged();
    if (this.recent.has(key)) {
      this.hits++;
      const value = this.recent.get(key) as T;
      this.recent.delete(key);
      this.recent.set(key, value);
      return value;
    }
    this.misses++;
    const value = compute();
    if (this.recent.size >= PASSES_KEPT) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(key, value);
    return value;
  }

  private forgetIfChanged(): void {
    const current = `${databaseVersion(this.db)}@${this.today()}`;
    if (current !== this.seen) {
      this.entries.clear();
      this.recent.clear();
      this.seen = current;
    }
  }
}

/**
 * The grouped pass behind totals, levers and facets depends only on the filter's dates, amounts, search and
 * pledgers: every selection of the grouped fields under them shares it, once computed without one (the
 * dashboard without a filter is computed at start). Otherwise a selection gets a pass of its own, narrowed to
 * what it reads, much smaller.
 */
export function cachedCube(cache: ReadCache, db: Db, filter: PledgeFilter): CubeGroup[] {
  const key = cubeKey(filter);
  const whole = `cube:${JSON.stringify(key)}`;
  // As of a day without a selection: groups made from the day's per-field sums, a few thousand rows.
  if (readsMargins(filter)) return cache.get(whole, () => marginGroups(cachedMargins(cache, db, key.as_of!), key));
  // A view the packed facts serve (packedServes), or a search, the overdue pledges or a step without a selection:
  // the pass is read with the rest of the dashboard (dashboard.packed.ts, dashboard.one-pass.ts); another
  // selection under the same view shares its groups.
  const pass = onePassOf(cache, db, filter);
  if (pass) return cache.getRecent(whole, () => pass.cube);
  // The pass without a filter serves the most views: kept until a write.
  if (isEmptyFilter(key)) return cache.get(whole, () => cubeOf(db, filter));
  const selected = selectedOf(filter);
  if (selected.length === 0) return cache.getRecent(whole, () => cubeOf(db, filter));
  return cache.peek<CubeGroup[]>(whole) ?? cache.getRecent(`${whole}:${JSON.stringify(selected)}`, () => cubeOf(db, filter, selected));
}

/** The view's overdue pledges: the summary's count and the facet's share them (the date is in the key). */
function cachedOverdue(cache: ReadCache, db: Db, filter: PledgeFilter): OverdueTotals {
  if (readsMargins(filter)) return marginOverdue(cachedMargins(cache, db, filter.as_of!));
  return cache.get(`overdue:${JSON.stringify({ ...filter, overdue: true })}`, () => onePassOf(cache, db, filter)?.overdue ?? overdueTotals(db, filter));
}

export function cachedSummary(cache: ReadCache, db: Db, filter: PledgeFilter): Summary {
  return cache.get(summaryKey(filter), () =>
    summarize(
      db,
      filter,
      cachedCube(cache, db, filter),
      cachedOverdue(cache, db, filter),
      cachedTimeline(cache, db, filter),
      onePassOf(cache, db, filter)?.ranked,
    ),
  );
}

/**
 * The timeline's points of a view: those of every pledge are kept (the dashboard without a filter reads them at
 * start); a view of dates alone takes those of its range, and a view of every pledge as of a day those up to the
 * day; any other view groups its own pledges.
 */
function cachedTimeline(cache: ReadCache, db: Db, filter: PledgeFilter): TimelineRow[] {
  const everyDate = () => cache.get('timeline', () => timelineByDate(db, EMPTY_FILTER));
  if (isEmptyFilter(filter)) return everyDate();
  if (isEmptyFilter({ ...filter, from: null, to: null })) return timelineBetween(everyDate(), filter.from, filter.to);
  if (readsMargins(filter) && !filter.overdue) return timelineUpTo(everyDate(), filter.as_of!);
  return onePassOf(cache, db, filter)?.timeline ?? timelineByDate(db, filter);
}

export function cachedWaterfall(cache: ReadCache, db: Db, filter: PledgeFilter): Waterfall {
  const key = waterfallKey(filter);
  return cache.get(key, () => {
    const groups = cachedCube(cache, db, filter);
    return computeWaterfall(db, filter, groups, cache.waterfalls?.take(db, key) ?? undefined);
  });
}

function waterfallKey(filter: PledgeFilter): string {
  return `waterfall:${JSON.stringify(filter)}`;
}

function summaryKey(filter: PledgeFilter): string {
  return `summary:${JSON.stringify(filter)}`;
}

/**
 * Before a view's summary, when its waterfall will be read after it: asks the waterfall helper for the view's
 * ledger, to work out while this thread adds up the summary (dashboard.waterfall-helper.ts). Not for a view whose
 * summary is kept or quickly made (a day's per-field sums: readsMargins), whose ledger is then worked out here
 * sooner than waited for (the helper works out a day's statuses then afresh), nor for the view without a filter
 * (kept from start). concessions: the page reads the view's concessions too (its charts), which the helper reads for
 * a search besides.
 */
export function waterfallAhead(cache: ReadCache, db: Db, filter: PledgeFilter, concessions = false): void {
  if (cache.waterfalls === null || isEmptyFilter(filter) || readsMargins(filter)) return;
  const key = waterfallKey(filter);
  if (cache.peek(key) !== undefined || cache.peek(summaryKey(filter)) !== undefined) return;
  const split = filter.q === null || searchHeld(db, filter.q) ? null : searchSplit(db, filter.q);
  const steps = filter.step === null ? null : stepListsToHand(cache, db, filter);
  // A step whose pass can begin without its lists (packedStepPass) has the helper work them out, when none are kept.
  const lists = filter.step !== null && steps === null && ROW_STEPS.includes(filter.step) && packedServes(filter);
  cache.waterfalls.ask(key, filter, concessions && filter.q !== null, steps, split, lists);
}

/**
 * Where a search is split between the server's thread and the waterfall helper (the id from which the helper finds
 * the matches): each finds the matches of its half, most of a term's time reading the candidates' texts for its LIKE
 * (searchIdsOf). At a million pledges, alternated three times (`/work/perf/split.ts`): `data` 137-155 → 80-106 ms,
 * `energy` 97-120 → 70-79, `Semiconductors` 155-245 → 104-145. A term that is its one trigram reads no text, and
 * halves gained nothing (`ing`, 47-63 ms): the server's thread finds every match, and the helper takes them rather
 * than find them again beside it, which slowed the server's thread (`/?q=ing` on a fresh built server, alternated
 * six times: 348-501 → 266-388 ms, docs/performance.md).
 */
function searchSplit(db: Db, q: string): number {
  return searchReadsTexts(q) ? Math.floor(lastPledgeId(db) / 2) + 1 : lastPledgeId(db) + 1;
}

/**
 * A search's matches for the view's pass: when the waterfall helper was asked to find those from the split on
 * (waterfallAhead), this thread finds those below it meanwhile and sends them to the helper (for the ledger it works
 * out next), then holds both halves as the search's matches (the half the helper could not give, it finds itself);
 * else all of them here (searchMatchIds).
 */
function searchIdsOf(cache: ReadCache, db: Db, q: string, key: string): readonly number[] {
  const split = searchHeld(db, q) ? null : (cache.waterfalls?.splitOf(key) ?? null);
  if (split === null) return searchMatchIds(db, q);
  const version = databaseVersion(db);
  const found = searchMatchesJson(db, q, { below: split });
  cache.waterfalls!.giveSearchHalf(db, key, found);
  const below = JSON.parse(found) as number[];
  const above = cache.waterfalls!.takeSearchHalf(db, key) ?? (JSON.parse(searchMatchesJson(db, q, { from: split })) as number[]);
  // Another connection's write between the halves: both are found again.
  if (databaseVersion(db) !== version) return searchMatchIds(db, q);
  return holdSearchMatches(db, q, below.concat(above));
}

/**
 * A step view's lists of the view without its step, when this connection keeps them (the front page's, from start:
 * warmReads), for the helper: it would otherwise run the ledger of every related pledge for them again, 280-310 ms
 * of its thread at a million pledges, while the view waited. Read from their table once (7-12 ms for the front
 * page's, at start), then kept until a write.
 */
export function stepListsToHand(cache: ReadCache, db: Db, filter: PledgeFilter): StepLists | null {
  const key = stepListsKey(filter);
  const memo = `step-lists:${key}`;
  const known = cache.peek<StepLists>(memo);
  if (known !== undefined) return known;
  const lists = keptStepLists(db, key);
  return lists === null ? null : cache.get(memo, () => lists);
}

/**
 * The concessions the charts join to the view's pledges (at most limit): as the waterfall helper read them for a
 * search (waterfallAhead) at this data version, else read here. viewPledges: how many pledges the view has.
 */
export function viewConcessions(cache: ReadCache, db: Db, filter: PledgeFilter, limit: number, viewPledges: number): ConcessionRow[] {
  return cache.waterfalls?.takeConcessions(db, waterfallKey(filter)) ?? listConcessions(db, { filter: { pledges: filter, types: [] }, limit, viewPledges });
}

/**
 * How many pledges a view lists. Every pledge is in one group of the grouped pass without a filter, which is kept
 * until a write (computed at start): the table without a filter adds its groups up instead of counting a million
 * index entries again (16 ms at 1M pledges, more from a cold file cache). Any other view counts its own.
 */
export function cachedCount(cache: ReadCache, db: Db, filter: PledgeFilter): number {
  if (!isEmptyFilter(filter)) return countPledges(db, filter);
  return cache.get('count', () => cachedCube(cache, db, filter).reduce((sum, group) => sum + group.pledge_count, 0));
}

export function cachedFacets(cache: ReadCache, db: Db, filter: PledgeFilter): Facet[] {
  return cache.get(`facets:${JSON.stringify(filter)}`, () =>
    facets(db, filter, 10, cachedCube(cache, db, filter), cachedPledgers(cache, db, filter), cachedOverdue(cache, db, filter)),
  );
}

/** The pledger facet ignores the pledger selection: every pledger choice under the same filter shares it. */
function cachedPledgers(cache: ReadCache, db: Db, filter: PledgeFilter): FacetValue[] {
  return cache.get(`pledgers:${JSON.stringify({ ...filter, pledger: [] })}`, () => {
    const pass = onePassOf(cache, db, filter);
    return pass ? sortedFacetValues(pass.pledgers) : pledgerValues(db, filter);
  });
}

/**
 * The view's grouped pass, overdue count, timeline, pledger facet (and rankings) read together, or null when it has
 * none. A view the packed facts serve (packedServes: a search, an amount range, the overdue pledges, dates with a
 * selection or a waterfall step, with any selections besides, and views as of a day) adds them up from them
 * (dashboard.packed.ts). When its blocks cannot be packed now (too many stale, another connection's write lock), or
 * its search matches few pledges of the blocks they are in (packedPassOf: sparseIn), a search or the overdue pledges
 * without a selection, and a waterfall step, read them in one statement (dashboard.one-pass.ts) if readsOnePass; the
 * rest then read each in its own statements (null). Only a view of
 * the pass's shape asks the cache: the rest would each hold one of its entries for a null.
 */
function onePassOf(cache: ReadCache, db: Db, filter: PledgeFilter): OnePass | null {
  const packs = packedServes(filter);
  if (!packs && !onePassServes(filter)) return null;
  return cache.getRecent(`one-pass:${JSON.stringify(filter)}`, () => {
    const packed = packs && staleFactBlocks(db) <= PACKED_IN_REQUEST && packStaleFacts(db);
    const pass = packed ? packedPassOf(cache, db, filter) : null;
    return pass ?? (onePassServes(filter) && readsOnePass(db, filter) ? onePass(db, filter) : null);
  });
}

/**
 * packedPass for the view: a search's matches, or every pledge; a step's pledges of the ledger (stepLedgerMatches)
 * with the pledges its own columns list, or, for a step that lists only the ledger's, those alone. A step whose lists
 * the helper works out (waterfallAhead) adds up the rest while they come (packedStepPass). Null, for the caller to read
 * in SQL, when a block is not packed, or when a search's matches are few of their blocks' pledges (sparseIn).
 */
function packedPassOf(cache: ReadCache, db: Db, filter: PledgeFilter): OnePass | null {
  const key = waterfallKey(filter);
  const matches = filter.q === null ? null : searchIdsOf(cache, db, filter.q, key);
  // A search matching few pledges of the blocks they are in is read in SQL, by id (onePass: the caller's).
  if (matches !== null && filter.step === null && sparseIn(matches) && readsOnePass(db, filter)) return null;
  if (filter.step === null) return packedPass(db, matches, filter.on, filter);
  const stepped = { ...filter, step: filter.step };
  const ledger = ledgerIds(db);
  const stepOf = (): Required<PackedStep> => {
    const listed = stepLedgerMatches(db, stepped);
    const listedUnchosen = filter.pledger.length === 0 ? listed : stepLedgerMatches(db, { ...stepped, pledger: [] });
    const listedOverdue = filter.overdue ? listed : stepLedgerMatches(db, { ...stepped, overdue: true });
    return { step: filter.step!, listed, listedUnchosen, listedOverdue, ledger };
  };
  // The helper works the lists out (waterfallAhead) while this thread adds up the pledges they do not decide; the
  // lists it sends are kept here as this connection's own, which every later statement of the view reads.
  if (cache.waterfalls?.listsComing(key)) {
    const version = databaseVersion(db);
    const pass = packedStepPass(db, matches, filter.on, filter, filter.step, ledger, () => {
      const given = cache.waterfalls!.takeStepLists(db, key);
      if (given !== null) keepStepLists(db, stepListsKey(filter), given);
      return stepOf();
    });
    // Another connection's write while the pass ran: the pass is added up again, whole, at the new version.
    if (databaseVersion(db) === version) return pass;
  }
  const step = stepOf();
  // A step that lists only the ledger's pledges reads those alone (every list's).
  const { listed, listedUnchosen, listedOverdue } = step;
  const ids = matches ?? (ROW_STEPS.includes(filter.step) ? null : [...new Set([...listed, ...listedUnchosen, ...listedOverdue])].sort((a, b) => a - b));
  return packedPass(db, ids, filter.on, filter, step);
}

/**
 * The most stale blocks a view packs itself (about 21 ms each at a million pledges with their status steps, 250 ms
 * in all). Past that (a bulk load marks every block stale) it reads in SQL, and leaves them to the packer in the
 * background (server.ts).
 */
export const PACKED_IN_REQUEST = 12;

/** The per-field sums of a day, which every as-of view of that day without a selection reads (asOfMargins). */
function cachedMargins(cache: ReadCache, db: Db, asOf: string): AsOfMargins {
  return cache.get(`margins:${asOf}`, () => asOfMargins(db, asOf));
}
