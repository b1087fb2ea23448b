// Who may write: sessions for the forms, bearer tokens for the API, CSRF tokens and origin checks.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { csrfSync } from 'csrf-sync';
import { rateLimit, type RateLimitRequestHandler } from 'express-rate-limit';
import type { Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { HttpError } from '../platform/errors.ts';
import { getMeta, setMeta } from '../platform/meta.repository.ts';
import type { Editor } from '../revisions/revisions.repository.ts';
import { SqliteSessionStore } from './sessions.store.ts';
import { editorOf, findUserById, userForApiToken, type User } from './users.repository.ts';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    /** The editor's credential version at sign-in: a later password change ends the session. */
    credentialVersion?: number;
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

export function sessions(db: Db, config: Pick<Config, 'trustProxy'>, secret: string) {
  const store = new SqliteSessionStore(db);
  const middleware = session({
    name: SESSION_COOKIE,
    store,
    secret,
    resave: false,
    saveUninitialized: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      // Behind a proxy that says the request came over HTTPS, the cookie is Secure.
      secure: cookieSecure(config),
      maxAge: SESSION_DAYS * 24 * 60 * 60 * 1000,
    },
  });
  return { store, middleware };
}

function cookieSecure(config: Pick<Config, 'trustProxy'>): boolean | 'auto' {
  return config.trustProxy === false ? false : 'auto';
}

/**
 * Puts the signed-in editor and any one-time message where routes and templates can see them. A session
 * made before the editor's password changed (or the editor was deleted) signs no one in any more.
 */
export function loadEditor(db: Db): RequestHandler {
  return (req, res, next) => {
    const userId = req.session?.userId;
    const user = userId === undefined ? undefined : findUserById(db, userId);
    if (user && user.credential_version === req.session.credentialVersion) req.editor = editorOf(user);
    else if (userId !== undefined) {
      delete req.session.userId;
      delete req.session.credentialVersion;
    }
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

export function accountKey(username: unknown): string {
  return typeof username === 'string' ? username.trim().toLowerCase().slice(0, 64) : '';
}

function mac(secret: string, purpose: string, text: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}\n${text}`).digest();
}

function sameMac(expected: Buffer, given: string): boolean {
  const received = Buffer.from(given, 'base64url');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

function readCookie(req: Request, name: string): string | null {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}

export const DEVICE_COOKIE = 'pledge_tracker.device';
const DEVICE_DAYS = 365;

/**
 * A browser that has signed in to an account before is recognised by a cookie signed with the session secret,
 * naming the editor, their credential version and a random device id: the account's limit on failures then
 * counts that browser on its own. A password change retires every such cookie.
 */
export function rememberDevice(req: Request, res: Response, secret: string, user: Pick<User, 'id' | 'credential_version'>): void {
  const body = `${user.id}.${user.credential_version}.${randomBytes(16).toString('base64url')}`;
  res.cookie(DEVICE_COOKIE, `${body}.${mac(secret, 'device', body).toString('base64url')}`, {
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
    path: '/login',
    maxAge: DEVICE_DAYS * 24 * 60 * 60 * 1000,
  });
}

/** The device id of a recognised-device cookie that belongs to this editor as they are now, or null. */
export function recognisedDevice(req: Request, secret: string, user: Pick<User, 'id' | 'credential_version'> | undefined): string | null {
  const value = readCookie(req, DEVICE_COOKIE);
  if (!value || !user || value.length > 200) return null;
  const parts = value.split('.');
  if (parts.length !== 4) return null;
  const [id, version, device, signature] = parts;
  if (!sameMac(mac(secret, 'device', `${id}.${version}.${device}`), signature)) return null;
  return Number(id) === user.id && Number(version) === user.credential_version ? device : null;
}

export const LOGIN_COOKIE = 'pledge_tracker.login';
const LOGIN_FORM_MS = 60 * 60 * 1000;

/**
 * The sign-in form's CSRF token, without a session: a random nonce in a short-lived cookie and, in the form,
 * the time it was issued with a MAC of both. A crawler opening /login leaves no row in the database.
 */
export function loginFormToken(req: Request, res: Response, secret: string): string {
  let nonce = readCookie(req, LOGIN_COOKIE);
  if (!nonce || !/^[\w-]{22}$/.test(nonce)) {
    nonce = randomBytes(16).toString('base64url');
    res.cookie(LOGIN_COOKIE, nonce, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/login',
      maxAge: LOGIN_FORM_MS,
    });
  }
  const issued = String(Date.now());
  return `${issued}.${mac(secret, 'login', `${issued}.${nonce}`).toString('base64url')}`;
}

/** Refuses a sign-in whose form token is missing, forged, from another browser or more than an hour old. */
export function checkLoginFormToken(req: Request, secret: string): void {
  const nonce = readCookie(req, LOGIN_COOKIE);
  const token = typeof req.body?._csrf === 'string' ? req.body._csrf : '';
  const [issued, signature] = token.split('.');
  const age = Date.now() - Number(issued);
  if (!nonce || !signature || !(age >= 0 && age < LOGIN_FORM_MS) || !sameMac(mac(secret, 'login', `${issued}.${nonce}`), signature)) {
    throw new HttpError(403, 'This form has expired or did not come from this site. Go back, reload the page and try again.');
  }
}
