// The waterfall's ledger worked out on a thread of its own (waterfall.worker.ts, a read-only connection of its own)
// while the server's thread adds up the rest of the view: the ledger reads the view's related pledges one by one in
// SQL (80-110 ms of a search or a step at a million pledges), the rest is the packed pass and the page, and the
// two need nothing of each other but the data version, which the helper reports with its sums (and, for a step's
// view, the step lists the server's thread already keeps, handed over rather than worked out again). The server's thread
// waits for them when it reaches the waterfall (Atomics.wait, then receiveMessageOnPort: a request is worked out
// without leaving its call stack), and works them out itself whenever the helper is not there, busy, failed, slow,
// or read another version. The helper ends after a quiet spell and starts again with the next view.
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import type { Db } from '../platform/db.ts';
import { databaseVersion } from '../platform/meta.repository.ts';
import { startWorker } from '../platform/threads.ts';
import type { PledgeFilter } from '../pledges/pledges.filter.ts';
import type { LedgerSums } from './dashboard.waterfall.ts';
import type { ConcessionRow } from '../events/event.model.ts';
import type { StepLists } from '../pledges/pledges.waterfall.sql.ts';

/** What the helper thread is given: the database file, its end of the channel, and the word it bumps on a reply. */
export interface HelperInput {
  file: string;
  port: MessagePort;
  /** Two words: the helper bumps the first after each reply, the server's thread the second after sending a half. */
  signal: Int32Array;
}

/**
 * A view's ledger to work out, under the key the server's thread keeps it by; concessions: its concessions for the
 * charts too (a search's: the server's thread would read them after its summary, 20-30 ms of a broad one); steps: a
 * step view's lists of the view without its step, when the server's thread keeps them (the front page's, from
 * start), which the helper keeps as given rather than run the ledger of every related pledge for them again.
 */
export interface HelperJob {
  key: string;
  filter: PledgeFilter;
  concessions: boolean;
  steps: StepLists | null;
  /**
   * For a search: the id from which the helper finds the matches first and sends them at once, while the server's
   * thread finds those below it (takeSearchHalf); null for none.
   */
  split: number | null;
  /**
   * For a step view whose lists the server's thread does not keep (steps null): the helper works them out first
   * and sends them at once (a 'lists' reply), while the server's thread adds up the pledges they do not decide
   * (packedStepPass), then works out the step view's ledger.
   */
  lists: boolean;
}

/** The server's thread's half of a search (below the split), sent to the helper for its own statements. */
export interface HelperHalf {
  type: 'below';
  key: string;
  version: string;
  /** null: the server's thread will not send it (the helper finds it itself). */
  ids: string | null;
}

export type HelperReply =
  | { type: 'ready' }
  | { type: 'search'; key: string; version: string; ids: string }
  | { type: 'lists'; key: string; version: string; lists: StepLists }
  | { type: 'ledger'; key: string; version: string; ledger: LedgerSums; concessions: ConcessionRow[] | null; stepsKept: boolean }
  | { type: 'failed'; key: string; message: string };

export interface HelperOptions {
  /** How long the helper stays without a view before it ends (its thread and connection hold 13-14 MB). */
  idleMs?: number;
  /** The longest the server's thread waits for a ledger; past it, it works the ledger out itself. */
  waitMs?: number;
  /** How long after its thread failed the helper is not started again (the views work their ledgers out meanwhile). */
  retryMs?: number;
  /** Told why the helper's thread failed. */
  onError?: (error: Error) => void;
}

/** The replies the helper sends ahead of a view's ledger, by type. */
interface SentAhead {
  search: Extract<HelperReply, { type: 'search' }> | null;
  lists: Extract<HelperReply, { type: 'lists' }> | null;
}

export class WaterfallHelper {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private readonly signal = new Int32Array(new SharedArrayBuffer(8));
  private ready = false;
  /** The key of the ledger the helper is working out, until its reply is read. */
  private working: string | null = null;
  private reply: Exclude<HelperReply, { type: 'ready' | 'search' | 'lists' }> | null = null;
  /**
   * What the helper sent ahead of the ledger for the view being worked out, until it is taken: the search's half it
   * found (HelperJob.split), the step lists it worked out (HelperJob.lists).
   */
  private sent: SentAhead = { search: null, lists: null };
  /** Whether the view being worked out asked for its step lists (HelperJob.lists). */
  private listsAsked = false;
  /** The split asked with the view being worked out, and whether its lower half was sent (giveSearchHalf). */
  private split: number | null = null;
  private given = false;
  private idle: NodeJS.Timeout | null = null;
  private readonly options: Required<HelperOptions>;
  /** When the helper's thread last failed (performance.now()). */
  private failedAt = -Infinity;
  /**
   * Ledgers asked of the helper, those the server's thread used, concessions it used, steps' lists the helper kept as
   * given, the helper's threads started, search halves it found, and step lists it worked out for the server's thread.
   */
  readonly counts = { asked: 0, used: 0, concessions: 0, stepLists: 0, started: 0, halves: 0, listsGiven: 0 };

  constructor(
    private readonly file: string,
    { idleMs = 2_000, waitMs = 1_000, retryMs = 60_000, onError = () => {} }: HelperOptions = {},
  ) {
    this.options = { idleMs, waitMs, retryMs, onError };
  }

  /**
   * Asks the helper for the ledger of the view under key, when it is running, ready and free (returns true); else
   * starts it for the views to come, if it is not running. steps, split, lists: as HelperJob says.
   */
  ask(key: string, filter: PledgeFilter, concessions = false, steps: StepLists | null = null, split: number | null = null, lists = false): boolean {
    this.readReplies();
    this.keepAwake();
    if (this.worker === null && performance.now() - this.failedAt >= this.options.retryMs) this.start();
    if (!this.ready || this.working !== null) return false;
    this.working = key;
    this.reply = null;
    this.sent = { search: null, lists: null };
    this.listsAsked = lists;
    this.split = split;
    this.given = false;
    this.counts.asked++;
    this.port!.postMessage({ key, filter, concessions, steps, split, lists } satisfies HelperJob);
    return true;
  }

  /** The id from which the helper finds the search's matches of the view under key, if it was asked to. */
  splitOf(key: string): number | null {
    return this.working === key || this.reply?.key === key ? this.split : null;
  }

  /**
   * Sends the helper the search's matches below the split (a JSON array) of the view under key, found at db's data
   * version, which it waits for rather than find them again.
   */
  giveSearchHalf(db: Db, key: string, ids: string | null): void {
    if (this.splitOf(key) === null || this.given || this.port === null) return;
    this.given = true;
    this.port.postMessage({ type: 'below', key, version: databaseVersion(db), ids } satisfies HelperHalf);
    Atomics.add(this.signal, 1, 1);
    Atomics.notify(this.signal, 1);
  }

  /**
   * The search's matches from the split on (splitOf) of the view under key, as the helper found them at db's current
   * data version (ascending), waited for; null when it failed, took longer than waitMs or read another version.
   */
  takeSearchHalf(db: Db, key: string): number[] | null {
    if (this.splitOf(key) === null) return null;
    const half = this.takeSent(db, key, 'search');
    if (half === null) return null;
    this.counts.halves++;
    return JSON.parse(half.ids) as number[];
  }

  /** Whether the helper was asked for the step lists of the view under key (HelperJob.lists). */
  listsComing(key: string): boolean {
    return (this.working === key || this.reply?.key === key) && this.listsAsked;
  }

  /**
   * The step lists of the view under key (listsComing), as the helper worked them out at db's current data version,
   * waited for; null when it failed, took longer than waitMs or read another version.
   */
  takeStepLists(db: Db, key: string): StepLists | null {
    if (!this.listsComing(key)) return null;
    const sent = this.takeSent(db, key, 'lists');
    if (sent === null) return null;
    this.counts.listsGiven++;
    return sent.lists;
  }

  /**
   * What the helper sends ahead of the ledger (type) for the view under key, waited for and taken; null when it
   * failed, took longer than waitMs or read another data version than db's current one.
   */
  private takeSent<T extends keyof SentAhead>(db: Db, key: string, type: T): NonNullable<SentAhead[T]> | null {
    return this.waitFor(key, () => {
      const sent = this.sent[type];
      if (sent === null || sent.key !== key) return undefined;
      this.sent[type] = null as SentAhead[T];
      return sent.version === databaseVersion(db) ? (sent as NonNullable<SentAhead[T]>) : null;
    });
  }

  /**
   * The ledger of the view under key, as the helper worked it out at db's current data version, waited for; null
   * when the helper was not asked for it, failed, took longer than waitMs, or read another version.
   */
  take(db: Db, key: string): LedgerSums | null {
    const reply = this.settled(db, key);
    if (reply !== null) this.counts.used++;
    return reply?.ledger ?? null;
  }

  /** The concessions of the view under key, as take() gives its ledger; null also when they were not asked for. */
  takeConcessions(db: Db, key: string): ConcessionRow[] | null {
    const concessions = this.settled(db, key)?.concessions ?? null;
    if (concessions !== null) this.counts.concessions++;
    return concessions;
  }

  /** The reply for key (kept until the next view is asked for), waited for, if it is usable at db's data version. */
  private settled(db: Db, key: string): Extract<HelperReply, { type: 'ledger' }> | null {
    if (this.working !== key && this.reply?.key !== key) return null;
    // A view that found its search without the helper's half (its matches were held already): the helper, waiting
    // for this thread's half, finds it itself.
    this.giveSearchHalf(db, key, null);
    return this.waitFor(key, () => {
      const reply = this.reply;
      if (reply === null || reply.key !== key) return undefined;
      return reply.type === 'failed' || reply.version !== databaseVersion(db) ? null : reply;
    });
  }

  /**
   * What found() gives once the helper's replies for the view under key are read (undefined: not come yet), waited
   * for; null when found() says so, the helper ended (an error, or close) or moved on before it came, or waitMs
   * passed (too slow: its reply is read and dropped later; the helper takes no other view until then).
   */
  private waitFor<T>(key: string, found: () => T | null | undefined): T | null {
    const deadline = performance.now() + this.options.waitMs;
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      this.readReplies();
      const value = found();
      if (value !== undefined) return value;
      if (this.working !== key) return null;
      const left = deadline - performance.now();
      if (left <= 0) return null;
      Atomics.wait(this.signal, 0, seen, left);
    }
  }

  /** Ends the helper (the server's stop, the tests). */
  close(): void {
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    const worker = this.worker;
    this.forget();
    void worker?.terminate();
  }

  /** Whether the helper's thread is running. */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Whether the helper is working a view's ledger out (its reply not yet come). */
  get busy(): boolean {
    this.readReplies();
    return this.working !== null;
  }

  private start(): void {
    const { port1, port2 } = new MessageChannel();
    const input: HelperInput = { file: this.file, port: port2, signal: this.signal };
    const worker = startWorker(import.meta.url, 'waterfall.worker', { workerData: input, transferList: [port2] });
    worker.unref();
    // An error ends the thread: the views work their ledgers out themselves, and retryMs later one starts again.
    const ended = () => {
      if (this.worker === worker) this.forget();
    };
    worker.on('error', (error) => {
      this.failedAt = performance.now();
      this.options.onError(error);
      ended();
    });
    worker.on('exit', ended);
    this.worker = worker;
    this.port = port1;
    this.counts.started++;
  }

  private forget(): void {
    this.port?.close();
    this.worker = null;
    this.port = null;
    this.ready = false;
    this.working = null;
    this.reply = null;
    this.sent = { search: null, lists: null };
  }

  /** Reads the replies that came: the ready word, and the last view's ledger (a late one, no longer waited for, dropped). */
  private readReplies(): void {
    if (this.port === null) return;
    for (let received = receiveMessageOnPort(this.port); received !== undefined; received = receiveMessageOnPort(this.port)) {
      const reply = received.message as HelperReply;
      if (reply.type === 'ready') {
        this.ready = true;
        continue;
      }
      // The reply of the view being worked out frees the helper; take() finds it by its key, unless it no longer waits.
      if (reply.key !== this.working) continue;
      if (reply.type === 'search' || reply.type === 'lists') {
        this.sent = { ...this.sent, [reply.type]: reply };
        continue;
      }
      this.working = null;
      this.reply = reply;
      if (reply.type === 'ledger' && reply.stepsKept) this.counts.stepLists++;
    }
  }

  /** Ends the helper after idleMs without a view (later, if it is still working one out). */
  private keepAwake(): void {
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      this.idle = null;
      this.readReplies();
      if (this.working !== null) this.keepAwake();
      else this.close();
    }, this.options.idleMs);
    this.idle.unref();
  }
}
