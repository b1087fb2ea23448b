// Who may write: sessions for the forms, bearer tokens for the API, CSRF tokens and origin checks.
import { randomBytes } from 'node:crypto';
import { csrfSync } from 'csrf-sync';
import { rateLimit, type RateLimitRequestHandler } from 'express-rate-limit';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import type { Config } from './config.ts';
import type { Db } from './db.ts';
import { HttpError } from './errors.ts';
import { getMeta, setMeta } from './meta.repository.ts';
import type { Editor } from './revisions.repository.ts';
import { SqliteSessionStore } from './sessions.store.ts';
import { findUserById, userForApiToken } from './users.repository.ts';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    flash?: Flash;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    editor?: Editor;
  }
}

export interface Flash {
  message: string;
  /** A secret shown once, such as a new API token. */
  secret?: string;
}

const SESSION_DAYS = 7;
export const SESSION_COOKIE = 'pledge_tracker.sid';

/** SESSION_SECRET, or one generated on first start and kept in the database so sessions survive restarts. */
export function sessionSecret(db: Db, configured: string | undefined): string {
  if (configured) return configured;
  const stored = getMeta(db, 'session_secret');
  if (stored) return stored;
  const secret = randomBytes(32).toString('base64url');
  setMeta(db, 'session_secret', secret);
  return secret;
}

export function sessions(db: Db, config: Pick<Config, 'sessionSecret' | 'trustProxy'>) {
  const store = new SqliteSessionStore(db);
  const middleware = session({
    name: SESSION_COOKIE,
    store,
    secret: sessionSecret(db, config.sessionSecret),
    resave: false,
    saveUninitialized: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      // Behind a proxy that says the request came over HTTPS, the cookie is Secure.
      secure: config.trustProxy === false ? false : 'auto',
      maxAge: SESSION_DAYS * 24 * 60 * 60 * 1000,
    },
  });
  return { store, middleware };
}

/** Puts the signed-in editor and any one-time message where routes and templates can see them. */
export function loadEditor(db: Db): RequestHandler {
  return (req, res, next) => {
    const userId = req.session?.userId;
    const user = userId === undefined ? undefined : findUserById(db, userId);
    if (user) req.editor = { id: user.id, username: user.username };
    res.locals.editor = req.editor ?? null;
    res.locals.flash = req.session?.flash ?? null;
    if (req.session?.flash) delete req.session.flash;
    next();
  };
}

export function flash(req: Request, message: string, secret?: string): void {
  req.session.flash = secret === undefined ? { message } : { message, secret };
}

/** A local path to return to after signing in; anything else (another host, //evil) becomes "/". */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length < 2000 ? value : '/';
}

/** HTML write routes: without a signed-in editor, go and sign in, then come back. */
export const requireEditor: RequestHandler = (req, res, next) => {
  if (req.editor) return next();
  const back = req.method === 'GET' ? req.originalUrl : (req.get('referer') && safeReferer(req)) || '/';
  res.redirect(303, `/login?next=${encodeURIComponent(back)}`);
};

function safeReferer(req: Request): string | null {
  try {
    const url = new URL(req.get('referer')!);
    return url.host === req.get('host') ? safeNext(url.pathname + url.search) : null;
  } catch {
    return null;
  }
}

/** JSON write routes: a live bearer token, or 401. */
export function requireToken(db: Db): RequestHandler {
  return (req, res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    const editor = match ? userForApiToken(db, match[1]) : undefined;
    if (!editor) {
      res.set('WWW-Authenticate', 'Bearer realm="pledge-tracker"');
      throw new HttpError(401, 'Send a valid API token as "Authorization: Bearer TOKEN". Editors create tokens on their account page.');
    }
    req.editor = editor;
    next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Refuses state-changing requests that a browser says come from another site. */
export const sameOrigin: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method)) return next();
  if (req.get('sec-fetch-site') === 'cross-site') throw new HttpError(403, 'Requests from other sites may not change anything here.');
  const origin = req.get('origin');
  if (origin !== undefined && hostOf(origin) !== req.get('host')) {
    throw new HttpError(403, 'Requests from other sites may not change anything here.');
  }
  next();
};

/** The host of an Origin header; null for "null" and anything unparseable. */
function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host || null;
  } catch {
    return null;
  }
}

const csrf = csrfSync({
  getTokenFromRequest: (req) => (typeof req.body?._csrf === 'string' ? req.body._csrf : undefined),
  errorConfig: {
    statusCode: 403,
    message: 'This form has expired or did not come from this site. Go back, reload the page and try again.',
    code: 'EBADCSRFTOKEN',
  },
});

export const csrfProtection = csrf.csrfSynchronisedProtection;

/** Templates call csrfToken() inside a form; readers who never see a form never get a session. */
export const exposeCsrfToken: RequestHandler = (req, res, next) => {
  res.locals.csrfToken = () => csrf.generateToken(req);
  next();
};

const MINUTE_MS = 60 * 1000;
export const WRITES_PER_MINUTE = 120;

function tooMany(message: string): RequestHandler {
  return (_req, _res, next) => next(new HttpError(429, message));
}

/** Writes per session (or per API token's editor): a runaway script or a stolen session cannot flood the log. */
export const writeLimiter: RateLimitRequestHandler = rateLimit({
  windowMs: MINUTE_MS,
  // WRITES_PER_MINUTE, as configured for this app.
  limit: (req) => (req.app.locals.writesPerMinute as number | undefined) ?? WRITES_PER_MINUTE,
  standardHeaders: 'draft-7',
  legacyHeaders: false,
  keyGenerator: (req) => (req.sessionID && req.session?.userId ? `session:${req.sessionID}` : `editor:${req.editor?.id ?? 'none'}`),
  handler: tooMany('Too many changes in a minute: wait a moment, then try again.'),
});

/** Every HTML write route: a signed-in editor, a valid CSRF token, and a sane pace. */
export const editorWrite: RequestHandler[] = [requireEditor, csrfProtection, writeLimiter];

export const LOGIN_FAILURES = 10;
const LOGIN_WINDOW_SECONDS = 15 * 60;

/**
 * Sign-in limits: 10 failures in 15 minutes per address, and per account whatever the address, then 429
 * with Retry-After. Only failures count (a newsroom behind one address may sign in together), and a
 * successful sign-in clears the account's count.
 */
export class LoginLimiter {
  private readonly byAddress = new RateLimiterMemory({ points: LOGIN_FAILURES, duration: LOGIN_WINDOW_SECONDS });
  private readonly byAccount = new RateLimiterMemory({ points: LOGIN_FAILURES, duration: LOGIN_WINDOW_SECONDS });

  /** Seconds to wait before another try, or 0 when one is allowed. */
  async retryAfter(address: string, account: string): Promise<number> {
    const states = await Promise.all([this.byAddress.get(address), this.byAccount.get(account)]);
    const blocked = states.filter((state) => state !== null && state.consumedPoints >= LOGIN_FAILURES);
    return blocked.length === 0 ? 0 : Math.ceil(Math.max(...blocked.map((state) => state!.msBeforeNext)) / 1000);
  }

  async failed(address: string, account: string): Promise<void> {
    // consume() rejects once the points are spent; the count is what matters here, not the rejection.
    await Promise.allSettled([this.byAddress.consume(address), this.byAccount.consume(account)]);
  }

  async succeeded(account: string): Promise<void> {
    await this.byAccount.delete(account);
  }
}

export function accountKey(username: unknown): string {
  return typeof username === 'string' ? username.trim().toLowerCase().slice(0, 64) : '';
}
