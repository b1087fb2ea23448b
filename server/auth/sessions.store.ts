// An express-session store in the application's own SQLite file: sessions survive a restart.
// (The published better-sqlite3 stores are unmaintained; this is the few lines the Store contract needs.)
// Rows are found by a SHA-256 of the session id: the id lives only in the editor's cookie, so the database
// file, a backup or a stolen copy holds nothing that opens an account.
import { createHash } from 'node:crypto';
import session from 'express-session';
import { isBusy, isFull, type Db } from '../platform/db.ts';

const HOUR_MS = 60 * 60 * 1000;
/** A session that has signed no one in (a flash message, say) is kept an hour, not as long as its cookie. */
export const ANONYMOUS_SESSION_MS = HOUR_MS;

export function sessionIdHash(sid: string): string {
  return createHash('sha256').update(sid).digest('base64url');
}

export class SqliteSessionStore extends session.Store {
  constructor(private readonly db: Db) {
    super();
  }

  private expiry(data: session.SessionData): number {
    const expires = data.cookie?.expires;
    const cookie = expires ? new Date(expires).getTime() : Date.now() + HOUR_MS;
    return data.userId === undefined ? Math.min(cookie, Date.now() + ANONYMOUS_SESSION_MS) : cookie;
  }

  override get(sid: string, callback: (error: unknown, data?: session.SessionData | null) => void): void {
    try {
      const row = this.db.prepare('SELECT data FROM sessions WHERE sid_hash = ? AND expires_at > ?').get(sessionIdHash(sid), Date.now()) as
        | { data: string }
        | undefined;
      callback(null, row ? (JSON.parse(row.data) as session.SessionData) : null);
    } catch (error) {
      callback(error);
    }
  }

  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
    try {
      this.db
        .prepare(
          `INSERT INTO sessions (sid_hash, user_id, data, expires_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (sid_hash) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at`,
        )
        .run(sessionIdHash(sid), data.userId ?? null, JSON.stringify(data), this.expiry(data));
      callback?.();
    } catch (error) {
      callback?.(error);
    }
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    try {
      this.db.prepare('DELETE FROM sessions WHERE sid_hash = ?').run(sessionIdHash(sid));
      callback?.();
    } catch (error) {
      callback?.(error);
    }
  }

  override touch(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
    // Every page a signed-in editor opens moves the expiry: only when the write lock is free at once. Waiting
    // for another connection's transaction (an import's) would hold the server's thread, every reader's, for
    // up to the busy timeout; the expiry stays as it was instead, not worth failing the answer for. Anything
    // else is an error. (Thrown, it escaped express-session's end of the response and left the request hanging.)
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.prepare('UPDATE sessions SET expires_at = ? WHERE sid_hash = ?').run(this.expiry(data), sessionIdHash(sid));
    } catch (error) {
      if (!isBusy(error) && !isFull(error)) return callback?.(error);
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
    callback?.();
  }

  /** Deletes expired sessions; returns how many. */
  purgeExpired(now = Date.now()): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes;
  }
}
