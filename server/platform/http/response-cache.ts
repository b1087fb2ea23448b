// Whole responses for readers without a session (the dashboard, the table, the summary JSON, the link cards' images),
// kept already compressed until the database changes: a reader's request then costs a lookup, not a render and a gzip.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import Negotiator from 'negotiator';
import type { Db } from '../db.ts';
import { connectionChanges, databaseVersion } from '../meta.repository.ts';
import { utcToday } from '../../lib/dates.ts';
import { todayOf } from './today.ts';
import { isSharedPage } from './shared-pages.ts';
import { languageOf } from './language.ts';
import { originOf } from './public-url.ts';

/** The pages whose answer depends only on the URL and the data, never on who asks. */
const CACHEABLE = new Set(['/', '/pledges', '/levers', '/events', '/concessions', '/changes', '/api/summary', '/api/concessions', '/api/changes', '/api/openapi.json']);

/**
 * The pages that print the origin their addresses are built from (the dashboard's embed codes, the link card tags of
 * the dashboard and the embeds). Without PUBLIC_URL that is the origin the request named: such a page is kept apart
 * for each origin, so that a forged Host header cannot put its origin into the page other readers get.
 */
function printsOrigin(path: string): boolean {
  return path === '/' || path.startsWith('/embed/');
}

interface Entry {
  key: string;
  /** The headers the first answer carried (security policy, type), replayed on every hit. */
  headers: [string, string | number | string[]][];
  etag: string;
  identity: Buffer;
  /** False for what is compressed already (a PNG): sent as it is. */
  compressible: boolean;
  /** Made when a reader first takes it (null until then). */
  gzip: Buffer | null;
  /** Brotli at quality 5 when made (null until a reader first takes it); at its best quality (smaller) once asked for again. */
  br: Buffer | null;
  bytes: number;
  hits: number;
}

/** The answers kept: pages and JSON, compressed ahead; link cards' images, as they are. */
const KEPT_TYPES = /^(text\/html|application\/json|image\/png)/;
const COMPRESSED_ALREADY = /^image\/png/;

export class ResponseCache {
  private seen = '';
  private version = '';
  private changesAtRead = -1;
  private readThisTurn = false;
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /** Answers waiting for their best brotli, compressed one at a time off the main thread. */
  private readonly toRecompress: Entry[] = [];
  private recompressing = false;
  hits = 0;
  misses = 0;

  /**
   * maxBytes bounds the memory held, compressed forms included; the oldest entries go first. An answer holds
   * until the data changes or the day does (today: the clock's UTC date), for what is overdue moves with the date
   * alone.
   */
  constructor(
    private readonly db: Db,
    private readonly maxBytes = 16 * 1024 * 1024,
    private readonly today: () => string = utcToday,
  ) {}

  /**
   * The data's version, read from the database at most once a turn of the event loop (a read takes SQLite's locks;
   * under load several requests arrive in one turn), and again whenever this connection has written since. Another
   * connection's write is seen from the next turn: the requests of one turn had all arrived before they were
   * answered, as if just before it.
   */
  private dataVersion(): string {
    const changes = connectionChanges(this.db);
    if (!this.readThisTurn || changes !== this.changesAtRead) {
      this.version = databaseVersion(this.db);
      this.changesAtRead = changes;
      if (!this.readThisTurn) {
        this.readThisTurn = true;
        setImmediate(() => (this.readThisTurn = false));
      }
    }
    return this.version;
  }

  private current(): void {
    const version = `${this.dataVersion()}@${this.today()}`;
    if (version !== this.seen) {
      this.entries.clear();
      this.bytes = 0;
      this.seen = version;
    }
  }

  get(key: string): Entry | undefined {
    this.current();
    const entry = this.entries.get(key);
    if (entry) {
      // Most recently used last: eviction takes from the front.
      this.entries.delete(key);
      this.entries.set(key, entry);
      entry.hits += 1;
      if (entry.hits === RECOMPRESS_AT_HIT && entry.compressible) this.recompress(entry);
    }
    return entry;
  }

  /**
   * Compresses an answer asked for again with brotli's best quality, on libuv's threads: about 15 % smaller than
   * quality 5 for the dashboard (19.5 against 23 kB), at about 200 ms of a core, too long to make a reader wait but
   * paid once per answer and version of the data. Only answers asked for again pay it: a view read once does not.
   * One at a time, so that a burst of new answers takes one core at most from the server's own thread.
   */
  private recompress(entry: Entry): void {
    this.toRecompress.push(entry);
    if (this.recompressing) return;
    this.recompressing = true;
    const next = (): void => {
      const entry = this.toRecompress.shift();
      if (!entry) {
        this.recompressing = false;
        return;
      }
      if (!this.holds(entry)) return next();
      zlib.brotliCompress(entry.identity, { params: bestBrotli(entry.identity.length) }, (error, best) => {
        // Kept only while the answer is still the one kept for its key (the data may have changed meanwhile).
        if (!error && this.holds(entry) && (entry.br === null || best.length < entry.br.length)) {
          const added = best.length - (entry.br?.length ?? 0);
          entry.br = best;
          entry.bytes += added;
          this.grown(added);
        }
        next();
      });
    };
    next();
  }

  /** Resolves once no answer waits for its best brotli: for tests. */
  async recompressed(): Promise<void> {
    while (this.recompressing) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /**
   * Keeps an answer (compress: false for what is compressed already). It is compressed in an encoding when a reader
   * first takes that encoding (body): an answer made for a browser, which takes brotli, is not also gzipped while
   * its reader waits (2-3 ms of a dashboard at a million pledges).
   */
  set(key: string, headers: Entry['headers'], body: string | Buffer, compress = true): Entry | undefined {
    this.current();
    const identity = Buffer.isBuffer(body) ? body : Buffer.from(body);
    if (identity.length > this.maxBytes / 4) return undefined;
    const etag = `W/"${crypto.createHash('sha1').update(identity).digest('base64url').slice(0, 27)}"`;
    const entry = { key, headers, etag, identity, compressible: compress, gzip: null, br: null, bytes: identity.length, hits: 0 };
    // An answer made again for a key it holds (two readers missed it at once) replaces the old one, bytes and all.
    const replaced = this.entries.get(key);
    if (replaced) {
      this.entries.delete(key);
      this.bytes -= replaced.bytes;
    }
    this.entries.set(key, entry);
    this.grown(identity.length);
    return entry;
  }

  /** The answer's body in the encoding (identity: as it is), compressed now if no reader took that encoding before. */
  body(entry: Entry, encoding: Encoding): Buffer {
    if (encoding === 'identity' || !entry.compressible) return entry.identity;
    let body = entry[encoding];
    if (body === null) {
      body = encoding === 'gzip' ? zlib.gzipSync(entry.identity, { level: 6 }) : zlib.brotliCompressSync(entry.identity, { params: firstBrotli(entry.identity.length) });
      entry[encoding] = body;
      entry.bytes += body.length;
      // Counted only while the answer is kept.
      if (this.holds(entry)) this.grown(body.length);
    }
    return body;
  }

  /** Whether the answer is still the one kept for its key (the data may have changed since it was made). */
  private holds(entry: Entry): boolean {
    return this.entries.get(entry.key) === entry;
  }

  /** Counts bytes added to the kept answers, the oldest answers dropped past maxBytes. */
  private grown(bytes: number): void {
    this.bytes += bytes;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.bytes;
    }
  }
}

/** The hit that has an answer compressed again at brotli's best quality: the first one asked for again. */
const RECOMPRESS_AT_HIT = 1;

/**
 * Brotli at quality 5, not its best: answers are compressed while readers wait, and the best quality's few kB cost
 * a core long enough to slow the uncached pages behind it.
 */
function firstBrotli(length: number): Record<number, number> {
  return { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: length };
}

function bestBrotli(length: number): Record<number, number> {
  return { [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: length };
}

// Per response, or about the body's encoding (Vary: the page's own is kept, Accept-Encoding added at each send) or how it arrived (HSTS only over HTTPS): never replayed from the first answer.
const OWN_HEADERS = new Set([
  'x-request-id',
  'content-length',
  'content-encoding',
  'etag',
  'set-cookie',
  'date',
  'x-cache',
  'strict-transport-security',
]);

const ENCODINGS = ['br', 'gzip', 'identity'];

type Encoding = 'br' | 'gzip' | 'identity';

/**
 * The encoding chosen for each Accept-Encoding header seen, which alone decides it: browsers send a handful of
 * values, and negotiating parses and sorts the header for every answer. Forgotten all at once past CHOSEN_KEPT.
 */
const chosenEncodings = new Map<string | undefined, Encoding>();
const CHOSEN_KEPT = 100;

/**
 * The encoding to send an answer compressed ahead in: brotli whenever the client takes it (smaller than
 * gzip), for browsers list gzip first and the order of equally weighted encodings is
 * not a preference; else gzip, else none (also when the client refuses every encoding: the body as it is).
 */
export function compressedEncoding(req: Request): Encoding {
  const accepted = req.headers['accept-encoding'];
  let encoding = chosenEncodings.get(accepted);
  if (encoding === undefined) {
    encoding = (new Negotiator(req).encoding(ENCODINGS, { preferred: ENCODINGS }) ?? 'identity') as Encoding;
    if (chosenEncodings.size >= CHOSEN_KEPT) chosenEncodings.clear();
    chosenEncodings.set(accepted, encoding);
  }
  return encoding;
}

function send(cache: ResponseCache, req: Request, res: Response, entry: Entry): void {
  for (const [name, value] of entry.headers) res.setHeader(name, value);
  res.setHeader('ETag', entry.etag);
  // Added to what the page varies on (its language's Accept-Language and Cookie: http/language.ts), never in its place.
  res.vary('Accept-Encoding');
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  const encoding = entry.compressible ? compressedEncoding(req) : 'identity';
  const body = cache.body(entry, encoding);
  if (encoding === 'br' || encoding === 'gzip') res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The shared pages (the embeds) are the same whatever cookie comes; the others, for readers without a session. */
function cacheable(req: Request, sessionCookie: string): boolean {
  if (isSharedPage(req.path)) return true;
  return CACHEABLE.has(req.path) && !req.headers.cookie?.includes(`${sessionCookie}=`);
}

/**
 * Serves a cached answer to a GET from a reader without a session cookie, or caches the answer the routes
 * give. An editor (or anyone with a session: a flash message, a CSRF token) always gets a fresh page, but for the
 * shared pages, where no session is read.
 */
export function pageCache(cache: ResponseCache, sessionCookie: string, publicUrl?: string): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !cacheable(req, sessionCookie)) {
      next();
      return;
    }
    // The request's own day too: an answer made just before midnight is not kept as the next day's.
    // Without PUBLIC_URL, the request's origin, as http/public-url.ts (which runs first) worked it out.
    const origin = publicUrl === undefined && printsOrigin(req.path) ? originOf(res) : '';
    // Its language too (http/language.ts, which runs first): ?lang, the switch's cookie or Accept-Language choose it.
    const key = `${todayOf(res)} ${languageOf(res)} ${origin}${req.originalUrl}`;
    const hit = cache.get(key);
    if (hit) {
      cache.hits++;
      res.setHeader('X-Cache', 'hit');
      send(cache, req, res, hit);
      return;
    }
    cache.misses++;
    const original = res.send.bind(res);
    res.send = (body?: unknown) => {
      res.send = original;
      // res.render hands res.send a string before any type is set: res.send would call it HTML.
      const type = String(res.getHeader('Content-Type') ?? (typeof body === 'string' ? 'text/html; charset=utf-8' : ''));
      const cacheable = res.statusCode === 200 && !res.getHeader('Set-Cookie') && (typeof body === 'string' || Buffer.isBuffer(body));
      if (!res.getHeader('Content-Type')) res.setHeader('Content-Type', type);
      const headers = Object.entries(res.getHeaders()).filter(
        (header): header is [string, string | number | string[]] => header[1] !== undefined && !OWN_HEADERS.has(header[0]),
      );
      const entry = cacheable && KEPT_TYPES.test(type) ? cache.set(key, headers, body as string | Buffer, !COMPRESSED_ALREADY.test(type)) : undefined;
      if (!entry) return original(body);
      res.setHeader('X-Cache', 'miss');
      send(cache, req, res, entry);
      return res;
    };
    next();
  };
}
