// An express-session store in the application's own SQLite file: sessions survive a restart.
// (The published better-sqlite3 stores are unmaintained; this is the few lines the Store contract needs.)
import session from 'express-session';
import { isBusy, isFull, type Db } from './db.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export class SqliteSessionStore extends session.Store {
  constructor(private readonly db: Db) {
    super();
  }

  private expiry(data: session.SessionData): number {
    const expires = data.cookie?.expires;
    return expires ? new Date(expires).getTime() : Date.now() + DAY_MS;
  }

  override get(sid: string, callback: (error: unknown, data?: session.SessionData | null) => void): void {
    try {
      const row = this.db.prepare('SELECT data FROM sessions WHERE sid = ? AND expires_at > ?').get(sid, Date.now()) as
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
          `INSERT INTO sessions (sid, data, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (sid) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
        )
        .run(sid, JSON.stringify(data), this.expiry(data));
      callback?.();
    } catch (error) {
      callback?.(error);
    }
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    try {
      this.db.prepare('DELETE FROM sessions WHERE sid = ?').run(sid);
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
      this.db.prepare('UPDATE sessions SET expires_at = ? WHERE sid = ?').run(this.expiry(data), sid);
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
