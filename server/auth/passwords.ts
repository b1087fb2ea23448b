// Password hashing with scrypt from node:crypto: a salt per user, constant-time comparison.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** OWASP's recommendation for scrypt (Password Storage Cheat Sheet): N = 2^17, r = 8, p = 1, 128 MiB a hash. */
export const DEFAULT_SCRYPT_N = 2 ** 17;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;

let costN = DEFAULT_SCRYPT_N;

/** The cost new hashes get (PASSWORD_SCRYPT_N); hashes made at another cost are re-made at the next sign-in. */
export function setPasswordCost(n: number): void {
  if (!Number.isInteger(Math.log2(n)) || n < 2 ** 14 || n > 2 ** 20) throw new RangeError('scrypt N is a power of two from 2^14 to 2^20');
  costN = n;
}

function derive(password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  // scrypt needs 128 · N · r bytes; room for the largest cost allowed above.
  const maxmem = 128 * (options.N ?? costN) * (options.r ?? R) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, { ...options, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** "scrypt$N$r$p$salt$hash", with salt and hash in base64. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N: costN, r: R, p: P }, KEY_LENGTH);
  return ['scrypt', costN, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

function parse(stored: string): { N: number; r: number; p: number; salt: Buffer; hash: Buffer } | null {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  const [N, rr, pp] = [Number(n), Number(r), Number(p)];
  // Only costs this code would make: a tampered hash cannot ask for gigabytes.
  if (scheme !== 'scrypt' || !salt || !hash || !Number.isInteger(Math.log2(N)) || N > 2 ** 20 || rr < 1 || rr > 32 || pp < 1 || pp > 16) {
    return null;
  }
  return { N, r: rr, p: pp, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, { N: parsed.N, r: parsed.r, p: parsed.p }, parsed.hash.length);
  return timingSafeEqual(key, parsed.hash);
}

/** True when the hash was made at another cost than new hashes get now. */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return parsed === null || parsed.N !== costN || parsed.r !== R || parsed.p !== P;
}

/**
 * A hash of nothing anyone knows, at the current cost, checked when the username is unknown, so that a wrong
 * username takes as long to refuse as a wrong password.
 */
const DECOY_SALT = randomBytes(16).toString('base64');
const DECOY_KEY = randomBytes(KEY_LENGTH).toString('base64');
export function decoyHash(): string {
  return `scrypt$${costN}$${R}$${P}$${DECOY_SALT}$${DECOY_KEY}`;
}

export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  return null;
}

export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}
