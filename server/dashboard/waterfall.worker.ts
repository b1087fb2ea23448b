// The waterfall helper's thread (dashboard.waterfall-helper.ts): works out the ledger of each view it is given (and a
// search's concessions) on a read-only connection of its own, in one read transaction with the data version it read,
// and bumps the first shared word after each reply so that the server's thread, waiting on it, wakes. For a search
// split between the two threads it waits on the second word for the server's thread's half (belowFor): no job comes
// meanwhile, since the server's thread asks for the next view only once this one's ledger has come.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { openReader } from '../platform/db.ts';
import { databaseVersion } from '../platform/meta.repository.ts';
import { waterfallLedger } from './dashboard.waterfall.ts';
import { MAX_CONCESSION_JOINS } from './dashboard.charts.ts';
import { listConcessions } from '../events/concessions.repository.ts';
import { holdSearchMatches, searchHeld, searchMatches, searchMatchesJson, searchMatchIds, stepLedgerMatches, stepListsKey } from '../pledges/pledges.sql.ts';
import { keepStepLists, keptStepLists } from '../pledges/pledges.waterfall.sql.ts';
import type { HelperHalf, HelperInput, HelperJob, HelperReply } from './dashboard.waterfall-helper.ts';

const { file, port, signal } = workerData as HelperInput;
const db = openReader(file);

const answer = (reply: HelperReply) => {
  port.postMessage(reply);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
};

/** The most a search's lower half is waited for (ms): the server's thread sends it as soon as it has found it. */
const BELOW_WAIT_MS = 1_000;

/**
 * The server's thread's half of the search of the view under key (HelperHalf), waited for; null when it does not
 * come within BELOW_WAIT_MS or was found at another data version. A half of another view, come late, is dropped.
 */
function belowFor(key: string, version: string): string | null {
  const deadline = performance.now() + BELOW_WAIT_MS;
  for (;;) {
    const seen = Atomics.load(signal, 1);
    for (let received = receiveMessageOnPort(port); received !== undefined; received = receiveMessageOnPort(port)) {
      const half = received.message as HelperHalf;
      if (half.type === 'below' && half.key === key) return half.version === version ? half.ids : null;
    }
    const left = deadline - performance.now();
    if (left <= 0) return null;
    Atomics.wait(signal, 1, seen, left);
  }
}

port.on('message', (message: HelperJob | HelperHalf) => {
  // A half of a search no longer waited for (belowFor) is dropped.
  if ('type' in message) return;
  const { key, filter, concessions, steps, split, lists } = message;
  try {
    const read = db.transaction(() => {
      const version = databaseVersion(db);
      if (split !== null && filter.q !== null && searchHeld(db, filter.q)) {
        answer({ type: 'search', key, version, ids: JSON.stringify(searchMatchIds(db, filter.q).filter((id) => id >= split)) });
      } else if (split !== null && filter.q !== null) {
        // The search's matches from the split on, sent at once to the server's thread, which finds those below it
        // meanwhile and sends them here; found here too if they do not come in time or come of another version.
        const above = searchMatchesJson(db, filter.q, { from: split });
        answer({ type: 'search', key, version, ids: above });
        const given = belowFor(key, version);
        const below = JSON.parse(given ?? searchMatchesJson(db, filter.q, { below: split })) as number[];
        holdSearchMatches(db, filter.q, below.concat(JSON.parse(above) as number[]));
      }
      // A step view's lists as the server's thread handed them, kept before the ledger's step condition looks for
      // them (handed at another data version: not kept, and the ledger works them out).
      const stepsKept = steps !== null && keepStepLists(db, stepListsKey(filter), steps);
      // The step lists the server's thread waits for (HelperJob.lists): worked out (kept) here first, sent at once.
      if (lists && filter.step !== null && !stepsKept) {
        stepLedgerMatches(db, { ...filter, step: filter.step });
        const worked = keptStepLists(db, stepListsKey(filter));
        if (worked !== null) answer({ type: 'lists', key, version, lists: worked });
      }
      const ledger = waterfallLedger(db, filter);
      // A search's concessions as the charts read them: a view of a search reads its every match whatever it selects
      // besides (pledgesRead), so the count it is given is the search's own.
      const listed =
        concessions && filter.q !== null
          ? listConcessions(db, { filter: { pledges: filter, types: [] }, limit: MAX_CONCESSION_JOINS, viewPledges: searchMatches(db, filter.q) })
          : null;
      return { version, stepsKept, ledger, concessions: listed };
    });
    answer({ type: 'ledger', key, ...read() });
  } catch (error) {
    answer({ type: 'failed', key, message: (error as Error).message });
  }
});
answer({ type: 'ready' });
