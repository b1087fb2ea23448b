// The only module that reads process.env: every setting, its default, and a clear failure at start.
import path from 'node:path';
import { z } from 'zod';

export interface Config {
  host: string;
  port: number;
  databasePath: string;
  /** The most the database may grow to, in bytes; a write past it answers 507 as on a full disk. Unset: the disk's room. */
  databaseMaxBytes: number | undefined;
  env: 'development' | 'production' | 'test';
  /** The first editor's password; when unset a random one is printed once. */
  adminPassword: string | undefined;
  /** Signs session cookies; when unset one is generated and kept in the database. */
  sessionSecret: string | undefined;
  /** Express's "trust proxy": false, true, a hop count, or addresses. Set, cookies turn Secure over HTTPS. */
  trustProxy: boolean | number | string;
  /** The largest CSV an editor may upload to /pledges/import, in bytes. */
  importMaxBytes: number;
  /** Writes one session (or API token) may make per minute before 429. */
  writesPerMinute: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** json or pretty; unset: pretty when the server writes to a terminal, JSON otherwise. */
  logFormat: 'json' | 'pretty' | undefined;
  /** For `npm run user` only: the password to set instead of asking for it (USER_PASSWORD). */
  userPassword: string | undefined;
  /** scrypt's cost for new password hashes (a power of two); older hashes are re-made at sign-in. */
  passwordScryptN: number;
  /** How long a client may take to send a request's headers, and the whole request (an upload included). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open: above a proxy's own idle timeout when one keeps them. */
  keepAliveTimeoutMs: number;
  /**
   * The site's public address, its origin without a trailing slash ("https://tracker.example"): what the link cards
   * and embed codes name. Unset: the origin each request names (behind a proxy, as TRUST_PROXY lets it say).
   */
  publicUrl: string | undefined;
  /**
   * Seconds a public read (a reader without a session) may be answered from a browser's or a shared cache: the
   * longest an edit takes to reach readers behind one. Then, for cacheStaleSeconds more, a cache may answer with
   * the old copy while it fetches the new one.
   */
  cacheMaxAge: number;
  cacheStaleSeconds: number;
}

/** The origin of an http(s) address that names nothing more (a trailing slash allowed), or null. */
function publicOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  // new URL drops an empty "?" or "#": the text itself must not hold one.
  return (url.protocol === 'http:' || url.protocol === 'https:') && bare && !/[?#]/.test(value) ? url.origin : null;
}

const EnvSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_PATH: z.string().min(1).default('./data/pledges.db'),
  DATABASE_MAX_MB: z.coerce.number().positive().optional(),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').max(200).optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  IMPORT_MAX_MB: z.coerce.number().positive().max(1024).default(20),
  WRITES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  PASSWORD_SCRYPT_N: z.coerce
    .number()
    .int()
    .refine((n) => Number.isInteger(Math.log2(n)) && n >= 2 ** 14 && n <= 2 ** 20, 'must be a power of two from 16384 to 1048576')
    .default(2 ** 17),
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(20_000),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(300_000),
  KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  USER_PASSWORD: z.string().optional(),
  PUBLIC_URL: z
    .string()
    .refine((value) => publicOrigin(value) !== null, "must be the site's address as readers reach it: http:// or https:// and a host, such as https://tracker.example, with no path, query or fragment")
    .transform((value) => publicOrigin(value)!)
    .optional(),
  CACHE_MAX_AGE: z.coerce.number().int().min(0).max(86_400).default(60),
  CACHE_STALE: z.coerce.number().int().min(0).max(604_800).default(600),
  TRUST_PROXY: z
    .string()
    .regex(/^[\w.:/, -]+$/, 'must be true, false, a number of hops, or addresses such as loopback')
    .default('false')
    .transform((value) => (value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value)),
});

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as it does in most shells and .env files.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const { HOST, PORT, DATABASE_PATH, NODE_ENV, ADMIN_PASSWORD, SESSION_SECRET, TRUST_PROXY, LOG_LEVEL, WRITES_PER_MINUTE, IMPORT_MAX_MB } = parsed.data;
  const { PASSWORD_SCRYPT_N, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS } = parsed.data;
  if (HEADERS_TIMEOUT_MS > REQUEST_TIMEOUT_MS) throw new ConfigError('Invalid configuration: HEADERS_TIMEOUT_MS must not be more than REQUEST_TIMEOUT_MS');
  return {
    host: HOST,
    port: PORT,
    databasePath: path.resolve(DATABASE_PATH),
    databaseMaxBytes: parsed.data.DATABASE_MAX_MB === undefined ? undefined : Math.round(parsed.data.DATABASE_MAX_MB * 1024 * 1024),
    env: NODE_ENV,
    adminPassword: ADMIN_PASSWORD,
    sessionSecret: SESSION_SECRET,
    trustProxy: TRUST_PROXY,
    logLevel: LOG_LEVEL,
    logFormat: parsed.data.LOG_FORMAT,
    userPassword: parsed.data.USER_PASSWORD,
    writesPerMinute: WRITES_PER_MINUTE,
    importMaxBytes: Math.round(IMPORT_MAX_MB * 1024 * 1024),
    passwordScryptN: PASSWORD_SCRYPT_N,
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
    publicUrl: parsed.data.PUBLIC_URL,
    cacheMaxAge: parsed.data.CACHE_MAX_AGE,
    cacheStaleSeconds: parsed.data.CACHE_STALE,
  };
}
