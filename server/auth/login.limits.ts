// How many sign-ins may be tried: an attacker is slowed down, and cannot turn the limits against the owner.
//
// Per address: tries are checked one at a time, in order of arrival, so a burst of parallel tries cannot slip
// through between the check and the count; five failures are free, then each further try must wait twice as
// long as the last (5 s, 10 s, 20 s … up to 15 minutes). A newsroom behind one address that signs in at
// once is queued, not refused.
//
// Per account: ten failures in 15 minutes from browsers that never signed in to the account, then those
// browsers wait; a browser holding a recognised-device cookie from an earlier sign-in to the account counts
// on its own, so the owner still gets in while someone else hammers the account from many addresses. Each
// try is counted before its password is checked and given back when it proves right, so parallel tries from
// many addresses cannot race past the count either.

export const FREE_FAILURES_PER_ADDRESS = 5;
export const ACCOUNT_FAILURES = 10;
const ACCOUNT_WINDOW_MS = 15 * 60 * 1000;
/** Long enough that an attacker gains little by waiting it out; short enough for an editor who mistyped six times. */
const FIRST_DELAY_MS = 5000;
const MAX_DELAY_MS = 15 * 60 * 1000;
/** An address with no failure for a day starts again from zero. */
const ADDRESS_MEMORY_MS = 24 * 60 * 60 * 1000;
/** Tries one address may have waiting at once; more are refused at once rather than queued. */
export const MAX_WAITING_PER_ADDRESS = 100;
/** Entries kept at most, per table: an attacker with many addresses fills memory up to this and no further. */
const MAX_ENTRIES = 50_000;

interface AddressState {
  failures: number;
  blockedUntil: number;
  lastAt: number;
}

interface AccountState {
  failures: number;
  windowEnds: number;
}

export interface Refusal {
  reason: 'address' | 'account' | 'queue';
  retryAfterSeconds: number;
}

/** Refreshes a key's place in a Map used as a least-recently-used table, dropping the oldest past the cap. */
function put<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
}

export class LoginLimits {
  private readonly addresses = new Map<string, AddressState>();
  private readonly accounts = new Map<string, AccountState>();
  /** Per address: the last try in line, and how many are in line. */
  private readonly queues = new Map<string, { tail: Promise<unknown>; waiting: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Runs `check` (the password check: the editor, or null) when the limits allow it, or says why not.
   * `device` is the id of a recognised-device cookie that belongs to this account, if the browser sent one.
   */
  async attempt<T>(address: string, account: string, device: string | null, check: () => Promise<T | null>): Promise<{ refused: Refusal } | { result: T | null }> {
    const queue = this.queues.get(address) ?? { tail: Promise.resolve(), waiting: 0 };
    if (queue.waiting >= MAX_WAITING_PER_ADDRESS) return { refused: { reason: 'queue', retryAfterSeconds: 5 } };
    queue.waiting++;
    const turn = queue.tail.then(() => this.inTurn(address, account, device, check));
    queue.tail = turn.catch(() => undefined);
    this.queues.set(address, queue);
    try {
      return await turn;
    } finally {
      if (--queue.waiting === 0 && this.queues.get(address) === queue) this.queues.delete(address);
    }
  }

  private async inTurn<T>(address: string, account: string, device: string | null, check: () => Promise<T | null>): Promise<{ refused: Refusal } | { result: T | null }> {
    const now = this.now();
    const byAddress = this.addresses.get(address);
    const current = byAddress && now - byAddress.lastAt < ADDRESS_MEMORY_MS ? byAddress : { failures: 0, blockedUntil: 0, lastAt: now };
    if (now < current.blockedUntil) return { refused: { reason: 'address', retryAfterSeconds: Math.ceil((current.blockedUntil - now) / 1000) } };

    const accountKey = device === null ? `account:${account}` : `device:${account}:${device}`;
    const stored = this.accounts.get(accountKey);
    const byAccount = stored && stored.windowEnds > now ? stored : { failures: 0, windowEnds: now + ACCOUNT_WINDOW_MS };
    if (byAccount.failures >= ACCOUNT_FAILURES) return { refused: { reason: 'account', retryAfterSeconds: Math.ceil((byAccount.windowEnds - now) / 1000) } };
    byAccount.failures++;
    put(this.accounts, accountKey, byAccount);

    let result: T | null = null;
    try {
      result = await check();
    } finally {
      if (result === null) {
        const failures = current.failures + 1;
        const at = this.now();
        put(this.addresses, address, {
          failures,
          blockedUntil: failures >= FREE_FAILURES_PER_ADDRESS ? at + delayAfter(failures) : current.blockedUntil,
          lastAt: at,
        });
      } else {
        // The address was a typing editor's, and the account's owner gets this try back; the account's other
        // failures stand: they may be someone else's.
        this.addresses.delete(address);
        byAccount.failures = Math.max(0, byAccount.failures - 1);
      }
    }
    return { result };
  }
}

/** The wait after the n-th failure from one address (n ≥ the free ones): 5 s, 10 s, 20 s … up to 15 minutes. */
export function delayAfter(failures: number): number {
  const doublings = failures - FREE_FAILURES_PER_ADDRESS;
  return doublings > 20 ? MAX_DELAY_MS : Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** doublings);
}
