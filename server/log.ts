// Structured logs: one JSON line per request (method, path, status, duration), never a secret.
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      // Belt and braces: the serializers below never copy headers or bodies, but nothing secret may slip in.
      redact: { paths: ['password', '*.password', 'token', '*.token', 'cookie', '*.cookie', 'authorization', '*.authorization'], censor: '[redacted]' },
    },
    destination,
  );
}

declare module 'http' {
  interface IncomingMessage {
    /** The request's id: in the X-Request-Id header, the request line, and the 500 page. */
    id: string;
    /** The logger, bound to this request's id and path. */
    log: Logger;
  }
}

/**
 * One line per request when it finishes: info for success, warn for 4xx, error for 5xx, with method, path (no
 * query string), status and duration; nothing else of the request (no headers, cookies or body). Cheap when the
 * level leaves request lines out: the bound logger is made only when something logs through it.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const id = randomUUID();
    const path = (req.originalUrl ?? req.url).split('?')[0];
    const fields = () => ({ req: { id, method: req.method, path } });
    let bound: Logger | undefined;
    req.id = id;
    Object.defineProperty(req, 'log', { configurable: true, get: () => (bound ??= logger.child(fields())) });
    res.setHeader('X-Request-Id', id);
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const duration = Math.round(performance.now() - started);
      logger[level]({ ...fields(), res: { status }, duration_ms: duration }, `${req.method} ${path} ${status} ${duration}ms`);
    });
    next();
  };
}
