// Errors carry their status; one handler, registered last, renders them as HTML or JSON.
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { isBusy } from './db.ts';

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

function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.path === '/healthz';
}

/**
 * The last middleware. A 4xx says what was wrong; a 5xx says only that it was our fault and which request
 * it was (its id is in the log line), never a stack trace, SQL or a file path.
 */
export function errorHandler(): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    // body-parser and friends mark client errors with a status of their own.
    const candidate = (error as { status?: unknown; statusCode?: unknown }) ?? {};
    const reported = Number(candidate.status ?? candidate.statusCode);
    // Another connection (an import from the command line, a backup) held the write lock past the busy timeout:
    // not a fault, and what was being written was rolled back.
    const busy = isBusy(error);
    const status = error instanceof HttpError ? error.status : busy ? 503 : reported >= 400 && reported < 500 ? reported : 500;
    const requestId = String(req.id ?? '');
    if (busy) req.log?.warn({ err: error }, 'database busy');
    else if (status >= 500) req.log?.error({ err: error }, 'request failed');
    const message = busy
      ? 'The database is busy with another write (a large import, perhaps). Nothing was saved by this request: try again in a few seconds.'
      : status >= 500
        ? `Something went wrong on our side. Please try again; if it keeps happening, tell us request ${requestId}.`
        : (error as Error).message;
    if (busy) res.set('Retry-After', '5');
    res.status(status);
    if (wantsJson(req)) {
      const fields = (error as { fields?: unknown }).fields;
      res.json({ error: fields ? { status, message, fields } : { status, message } });
    } else {
      const titles: Record<number, string> = { 401: 'Sign in needed', 403: 'Refused', 404: 'Not found', 410: 'Gone', 413: 'Too large', 429: 'Too many requests', 503: 'Busy' };
      res.render('errors/error', { title: titles[status] ?? 'Error', status, message });
    }
  };
}

/** A positive integer id from a route parameter, or a 404: a malformed id names nothing. */
export function parseId(value: unknown, what: string): number {
  const text = String(value);
  const id = /^[1-9]\d{0,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id)) throw new HttpError(404, `There is no ${what} with id "${text}".`);
  return id;
}
