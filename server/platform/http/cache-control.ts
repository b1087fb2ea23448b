// What a browser's or a shared cache (nginx, a CDN) may keep of each answer, decided as its headers go out: only
// then are the status and any cookie known, whichever route, error or cached answer it came from.
import type { Request, RequestHandler, Response } from 'express';
import onHeaders from 'on-headers';
import { isSharedPage } from './shared-pages.ts';

export const PRIVATE_NO_STORE = 'private, no-store';

export interface CachePolicy {
  /** Seconds a public answer is fresh: how long an edit may take to reach readers behind a cache. */
  maxAge: number;
  /** Seconds after that a cache may still answer with it while it fetches a new one in the background. */
  staleWhileRevalidate: number;
  /** The session cookie's name: a request that carries it may get a page made for one editor. */
  sessionCookie: string;
}

/** The statuses that say the same to every reader: a page, its revalidation, and what is not (or no longer) there. */
const PUBLIC_STATUSES = new Set([200, 206, 304, 404, 410]);

/** Pages that are never the same for two visitors, or must never be answered from a cache (the health check). */
const PRIVATE_PATHS = new Set(['/login', '/logout', '/account', '/healthz']);

/** A request whose answer may be meant for one person: a session (but on the shared pages, where none is read), a token. */
function personal(req: Request, sessionCookie: string): boolean {
  if (req.headers.authorization !== undefined) return true;
  return !isSharedPage(req.path) && (req.headers.cookie?.includes(`${sessionCookie}=`) ?? false);
}

function decide(req: Request, res: Response, policy: CachePolicy, publicValue: string): void {
  const shared =
    (req.method === 'GET' || req.method === 'HEAD') &&
    PUBLIC_STATUSES.has(res.statusCode) &&
    !res.getHeader('Set-Cookie') &&
    !PRIVATE_PATHS.has(req.path) &&
    !personal(req, policy.sessionCookie);
  if (!shared) {
    res.setHeader('Cache-Control', PRIVATE_NO_STORE);
    return;
  }
  // A route that chose its own caching (the year-long assets) keeps it.
  if (!res.getHeader('Cache-Control')) res.setHeader('Cache-Control', publicValue);
  // Appended to, never replaced: other parts of the app add what else an answer varies with.
  res.vary('Accept-Encoding');
}

/**
 * Registered first, so that it runs after every other header is set (the session's cookie, compression's Vary):
 * public reads get `public, max-age, stale-while-revalidate`; anything for a session or a token, a form, a
 * write, a redirect, an error other than 404/410, and any answer that sets a cookie get `private, no-store`.
 */
export function cacheControl(policy: CachePolicy): RequestHandler {
  const publicValue = `public, max-age=${policy.maxAge}, stale-while-revalidate=${policy.staleWhileRevalidate}`;
  return (req, res, next) => {
    onHeaders(res, () => decide(req, res, policy, publicValue));
    next();
  };
}
