// Every SQL statement about editors and their API tokens.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.ts';
import type { Editor } from './revisions.repository.ts';

export interface User extends Editor {
  password_hash: string;
  created_at: string;
}

export interface ApiToken {
  id: number;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function countUsers(db: Db): number {
  return db.prepare('SELECT count(*) FROM users').pluck().get() as number;
}

export function findUserByName(db: Db, username: string): User | undefined {
  return db.prepare('SELECT * FROM users WHERE username = ? COLLATE NOCASE').get(username) as User | undefined;
}

export function findUserById(db: Db, id: number): User | undefined {
  return db.prepare('SELECT * FROM users WHERE id = ?').get(id) as User | undefined;
}

export function listUsers(db: Db): Pick<User, 'id' | 'username' | 'created_at'>[] {
  return db.prepare('SELECT id, username, created_at FROM users ORDER BY username COLLATE NOCASE').all() as User[];
}

export function createUser(db: Db, username: string, passwordHash: string): number {
  return Number(db.prepare('INSERT INTO users (username, password_hash) VALUES (?, ?)').run(username, passwordHash).lastInsertRowid);
}

export function setPasswordHash(db: Db, userId: number, passwordHash: string): void {
  db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a token and returns it: the only time it exists outside the caller's hands. */
export function createApiToken(db: Db, userId: number, name: string): string {
  const token = `pt_${randomBytes(32).toString('base64url')}`;
  db.prepare('INSERT INTO api_tokens (user_id, name, token_hash) VALUES (?, ?, ?)').run(userId, name, hashToken(token));
  return token;
}

export function listApiTokens(db: Db, userId: number): ApiToken[] {
  return db
    .prepare('SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC')
    .all(userId) as ApiToken[];
}

export function revokeApiToken(db: Db, userId: number, tokenId: number): boolean {
  return (
    db
      .prepare(
        "UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
      )
      .run(tokenId, userId).changes > 0
  );
}

/** The editor a live token belongs to; notes when it was last used. */
export function userForApiToken(db: Db, token: string): Editor | undefined {
  const row = db
    .prepare(
      `SELECT t.id AS token_id, u.id, u.username FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = ? AND t.revoked_at IS NULL`,
    )
    .get(hashToken(token)) as (Editor & { token_id: number }) | undefined;
  if (!row) return undefined;
  db.prepare("UPDATE api_tokens SET last_used_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?").run(row.token_id);
  return { id: row.id, username: row.username };
}
