// The packed pass (dashboard.packed.ts) run at start over a few thousand pledges for each kind of view, so that V8
// has seen every branch of its loop before a reader's view makes it compile the loop.
import type { Db } from '../platform/db.ts';
import { statement } from '../platform/statements.ts';
import { EMPTY_FILTER } from '../pledges/pledges.filter.ts';
import type { WaterfallStep } from '../pledges/pledge.model.ts';
import { packedPass, packedStepPass, warmGroupsThen } from './dashboard.packed.ts';
import type { PackedStep, PackedView } from './dashboard.packed-pass.ts';
import { BLOCK_SHIFT, codesOf } from './dashboard.packing.ts';
import { rank, type Ranking } from './dashboard.packed-blocks.ts';
import { MAX_BARS } from './dashboard.summary.ts';

/** The pledges the pass runs over at start for each kind of view (warmPackedPass): its first two blocks' at most. */
const WARM_PLEDGES = 2 << BLOCK_SHIFT;

/**
 * Runs the pass over a few thousand pledges twice for each kind of view (an amount range; dates with a selection; the
 * overdue pledges; pledgers; a search's matches; a day in the past, with and without a selection; each way a step
 * lists pledges, with its marks; a step whose ledger's pledges come after the rest, packedStepPass), so that every
 * branch of its loop has been taken before a reader's view makes V8 compile it. Without, the first view of each kind ran the loop compiled for the kinds before it, which V8 threw
 * away at its first new branch, then compiled again: 60-120 ms of a step's or a day's first view at a million pledges
 * (docs/performance.md). Before the server listens, on the facts warmReads has just packed.
 */
export function warmPackedPass(db: Db, on: string): void {
  const ids = statement(db, 'SELECT id FROM pledges ORDER BY id LIMIT ?').pluck().all(WARM_PLEDGES) as number[];
  if (ids.length === 0) return;
  const known = codesOf(db);
  // Nothing packed yet (a read-only file whose blocks are stale): the views read in SQL, and there is nothing to warm.
  const sector = known.groups[0]?.sector;
  const pledger = known.values.pledger[0];
  if (sector === undefined || pledger === undefined) return;
  const every = (n: number) => ids.filter((_, i) => i % n === 0);
  // A day with the pledges' status steps on either side: the middle one of theirs dated to the day (else today).
  const steps = statement(db, 'SELECT changed_on FROM status_changes WHERE pledge_id <= ? AND length(changed_on) = 10 ORDER BY changed_on').pluck().all(ids.at(-1)) as string[];
  const asOf = steps.length > 0 ? steps[steps.length >> 1]! : on;
  const stepOf = (step: WaterfallStep): PackedStep => ({ step, listed: every(5), listedUnchosen: every(3), listedOverdue: every(7), ledger: every(2) });
  const views: [PackedView, PackedStep | null, string][] = [
    [{ ...EMPTY_FILTER, min: 1, max: Number.MAX_SAFE_INTEGER }, null, on],
    [{ ...EMPTY_FILTER, from: '1000', sector: [sector] }, null, on],
    [{ ...EMPTY_FILTER, overdue: true }, null, on],
    [{ ...EMPTY_FILTER, pledger: [pledger] }, null, on],
    [EMPTY_FILTER, null, on],
    [{ ...EMPTY_FILTER, as_of: asOf, min: 1 }, null, asOf],
    [{ ...EMPTY_FILTER, as_of: asOf, sector: [sector], overdue: true }, null, asOf],
    [EMPTY_FILTER, stepOf('not_new'), on],
    [{ ...EMPTY_FILTER, sector: [sector] }, stepOf('outside_us'), on],
    [{ ...EMPTY_FILTER, pledger: [pledger] }, stepOf('not_investment'), on],
    [EMPTY_FILTER, stepOf('superseded'), on],
  ];
  // A tie at a ranking's last place (a value equal to the last one kept, told apart by id), which the first blocks may
  // not hold and a million pledges do (round amounts): rank, inlined in the loop, had never compared two ids there,
  // so the first view to meet one threw the loop's compiled code away and ran on in the interpreter while V8
  // compiled it again (node --trace-deopt: /?max=1000000000&from=2019). Ranked before the loop is compiled.
  const tied: Ranking = { values: [], ids: [] };
  for (let id = MAX_BARS + 1; id > 0; id--) rank(tied, 1, id);
  // A day's groups of then that no pledge has today, which these pledges do not meet. Then every view twice: V8
  // compiles the loop while the first round still takes branches new to it, and throws that code away at each; the
  // second round, every branch seen, leaves it compiled for good. With one round and this last, the loop was left
  // thrown away, compiled again on another thread (40-60 ms) while the first reader's view ran it in the interpreter
  // (node --trace-opt --trace-deopt).
  warmGroupsThen(db, ids, asOf);
  for (let round = 0; round < 2; round++) {
    for (const [view, step, day] of views) packedPass(db, ids, day, view, step);
    packedStepPass(db, ids, on, { ...EMPTY_FILTER, min: 1 }, 'not_new', every(2), () => stepOf('not_new'));
  }
}
