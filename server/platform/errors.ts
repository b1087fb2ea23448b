// Errors carry their status; one handler, registered last, renders them as HTML or JSON.
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { z } from 'zod';
import { isBusy, isDatabaseError, isFull, type Db } from './db.ts';
import type { Logger } from './log.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFound: RequestHandler = (req) => {
  throw new HttpError(404, `Nothing lives at ${req.path}.`);
};

/** What a JSON route answers when it fails: the API's description (/api/openapi.json) is built from this schema. */
export const ERROR_BODY = z
  .strictObject({
    error: z.strictObject({
      status: z.number().int().min(400).max(599).describe('The HTTP status, again.'),
      message: z.string().describe('What was wrong, in a sentence; for a 5xx only that it was the server\'s fault, with the request id.'),
      fields: z
        .record(z.string(), z.string())
        .optional()
        .describe('A refused write (422): one message per wrong field, by the field\'s name (source_url_0 for the first source\'s URL).'),
    }),
  })
  .describe('Every error of the JSON API.');

function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.path === '/healthz';
}

/**
 * The last middleware. A 4xx says what was wrong; a 5xx says only that it was our fault and which request
 * it was (its id is in the log line), never a stack trace, SQL or a file path.
 */
export function errorHandler(): ErrorRequestHandler {
  const logFull = fullDiskLog();
  return (error: unknown, req, res, next) => {
    const full = isFull(error);
    if (res.headersSent) {
      // A session the store could not save on a full disk once the page was written: express-session saves at
      // the end and ends the response itself after telling us. The page goes out; the session stays as it was.
      if (full) return logFull(req, error);
      return next(error);
    }
    // body-parser and friends mark client errors with a status of their own.
    const candidate = (error as { status?: unknown; statusCode?: unknown }) ?? {};
    const reported = Number(candidate.status ?? candidate.statusCode);
    // Another connection (an import from the command line, a backup) held the write lock past the busy timeout:
    // not a fault, and what was being written was rolled back.
    const busy = isBusy(error);
    const status = error instanceof HttpError ? error.status : busy ? 503 : full ? 507 : reported >= 400 && reported < 500 ? reported : 500;
    const requestId = String(req.id ?? '');
    if (busy) req.log?.warn({ err: error }, 'database busy');
    else if (full) logFull(req, error);
    else if (status >= 500) req.log?.error({ err: error }, 'request failed');
    const message = busy
      ? 'The database is busy with another write (a large import, perhaps). Nothing was saved by this request: try again in a few seconds.'
      : full
        ? "The server's disk is full, so nothing was saved. Please try again later."
        : status >= 500
          ? `Something went wrong on our side. Please try again; if it keeps happening, tell us request ${requestId}.`
          : (error as Error).message;
    if (busy) res.set('Retry-After', '5');
    res.status(status);
    if (wantsJson(req)) {
      const fields = (error as { fields?: Record<string, string> }).fields;
      const body: z.infer<typeof ERROR_BODY> = { error: fields ? { status, message, fields } : { status, message } };
      res.json(body);
    } else {
      // In the page's language (http/language.ts): its title by status, the message as the code wrote it, translated.
      const t = res.locals.t as (key: string) => string;
      const translate = res.locals.translated as (message: string) => string;
      const title = [401, 403, 404, 410, 413, 429, 503, 507].includes(status) ? t(`errors.title.${status}`) : t('errors.title.other');
      res.render('errors/error', { title, status, message: translate(message) });
    }
  };
}

/** How often a full disk is logged while it stays full. */
export const FULL_DISK_LOG_INTERVAL_MS = 60_000;

/**
 * A full disk refuses every write until someone makes room: the first refusal is logged, then at most one line
 * a minute with how many were refused since, instead of a stack trace for every request. (Once a minute
 * rather than once until a write succeeds: nothing here sees the writes that succeed, and a disk that
 * stays full for hours is still said to be full.)
 */
function fullDiskLog(): (req: Request, error: unknown) => void {
  let loggedAt = -Infinity;
  let refused = 0;
  return (req, error) => {
    refused += 1;
    const now = Date.now();
    if (now - loggedAt < FULL_DISK_LOG_INTERVAL_MS) return;
    req.log?.error({ err: error, refused }, 'The disk is full (or the database has reached DATABASE_MAX_MB): writes are refused with 507');
    loggedAt = now;
    refused = 0;
  };
}

/**
 * Whether the server may go on after an exception nothing caught (process 'uncaughtException'): only after one
 * of SQLite's. The failed statement changed nothing, and a transaction it left open on the shared connection
 * is rolled back here, or every later write would join it and be lost with it; the rest of the server's state
 * is the requests', and they have ended. Logged either way; anything else leaves the process in a state
 * nobody can vouch for, and it should stop.
 */
export function survivesUncaught(error: unknown, db: Db, logger: Logger): boolean {
  if (!isDatabaseError(error)) return false;
  if (db.inTransaction) db.exec('ROLLBACK');
  logger.error({ err: error }, 'A database error escaped its request, and the server goes on; nothing it was writing was saved');
  return true;
}

/** A positive integer id from a route parameter, or a 404: a malformed id names nothing. */
export function parseId(value: unknown, what: string): number {
  const text = String(value);
  const id = /^[1-9]\d{0,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id)) throw new HttpError(404, `There is no ${what} with id "${text}".`);
  return id;
}
