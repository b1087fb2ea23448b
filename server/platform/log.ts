// Structured logs: one JSON line per request (method, path, status, duration), never a secret.
import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger };

/** json: one object a line, for files, journald and log collectors; pretty: a readable line, for a terminal. */
export type LogFormat = 'json' | 'pretty';

export function createLogger(level: string, destination?: DestinationStream, format: LogFormat = 'json'): Logger {
  return pino(
    {
      level,
      // Belt and braces: the serializers below never copy headers or bodies, but nothing secret may slip in.
      redact: { paths: ['password', '*.password', 'token', '*.token', 'cookie', '*.cookie', 'authorization', '*.authorization'], censor: '[redacted]' },
    },
    format === 'pretty' ? prettyStream(destination ?? process.stdout) : destination,
  );
}

// What pino-pretty strips from a message it formats itself: nothing logged may move the cursor or recolour a terminal.
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/**
 * Formats each JSON line as it is written, in the same call: no worker thread or async pipe, so a fatal line
 * written just before the process exits still reaches the terminal. Colours follow the terminal (and NO_COLOR).
 */
function prettyStream(destination: DestinationStream): DestinationStream {
  const prettify = prettyFactory({
    translateTime: 'SYS:HH:MM:ss.l',
    // Fields their message already says: a request line's method, path, status and duration; the migrations applied.
    ignore: 'pid,hostname,req,res,duration_ms,migrations',
    // The 500 page tells the user a request id: an error line keeps it so that it can be found.
    messageFormat: (log, messageKey) => {
      const message = String(log[messageKey] ?? '').replace(TERMINAL_CONTROLS, '');
      const id = (log.req as { id?: unknown } | undefined)?.id;
      return Number(log.level) >= 50 && typeof id === 'string' ? `${message} (request ${id})` : message;
    },
  });
  return { write: (line: string) => destination.write(prettify(line)) };
}

declare module 'http' {
  interface IncomingMessage {
    /** The request's id: in the X-Request-Id header, the request line, and the 500 page. */
    id: string;
    /** The logger, bound to this request's id and path. */
    log: Logger;
  }
}

/** What a request's logger is bound from, kept on the request by requestLogger. */
interface Binding {
  logger: Logger;
  id: string;
  /** The request's address as it came (the query string is cut off only when it is logged). */
  url: string;
  bound?: Logger;
}

const BINDING = Symbol('request logger');

type LoggedRequest = IncomingMessage & { [BINDING]?: Binding };

const pathOf = (url: string): string => url.split('?')[0]!;

const fieldsOf = (req: LoggedRequest, binding: Binding) => ({ req: { id: binding.id, method: req.method, path: pathOf(binding.url) } });

// req.log is bound when something first logs through it. The getter is defined once, on the prototype: one defined
// on each request would give every request a shape of its own, and make each later use of it slower.
Object.defineProperty(IncomingMessage.prototype, 'log', {
  configurable: true,
  get(this: LoggedRequest): Logger | undefined {
    const binding = this[BINDING];
    if (!binding) return undefined;
    return (binding.bound ??= binding.logger.child(fieldsOf(this, binding)));
  },
});

/**
 * One line per request when it finishes: info for success, warn for 4xx, error for 5xx, with method, path (no
 * query string), status and duration; nothing else of the request (no headers, cookies or body). Cheap when the
 * level leaves request lines out: the bound logger is made only when something logs through it.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const id = randomUUID();
    const binding: Binding = { logger, id, url: req.originalUrl ?? req.url };
    req.id = id;
    (req as LoggedRequest)[BINDING] = binding;
    res.setHeader('X-Request-Id', id);
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const duration = Math.round(performance.now() - started);
      logger[level]({ ...fieldsOf(req, binding), res: { status }, duration_ms: duration }, `${req.method} ${pathOf(binding.url)} ${status} ${duration}ms`);
    });
    next();
  };
}
