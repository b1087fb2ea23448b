// Every SQL statement about editors and their API tokens.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../platform/db.ts';
import type { Editor } from '../revisions/revisions.repository.ts';

export interface User {
  id: number;
  username: string;
  display_name: string;
  password_hash: string;
  credential_version: number;
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
export const MAX_DISPLAY_NAME_LENGTH = 80;

/** The editor as the rest of the app sees them, from their row. */
export function editorOf(user: User): Editor {
  return { id: user.id, username: user.username, displayName: user.display_name };
}

export function countUsers(db: Db): number {
  return db.prepare('SELECT count(*) FROM users').pluck().get() as number;
}

export function findUserByName(db: Db, username: string): User | undefined {
  return db.prepare('SELECT * FROM users WHERE username = ? COLLATE NOCASE').get(username) as User | undefined;
}

export function findUserById(db: Db, id: number): User | undefined {
  return db.prepare('SELECT * FROM users WHERE id = ?').get(id) as User | undefined;
}

export function listUsers(db: Db): Pick<User, 'id' | 'username' | 'display_name' | 'created_at'>[] {
  return db.prepare('SELECT id, username, display_name, created_at FROM users ORDER BY username COLLATE NOCASE').all() as User[];
}

/** A new editor; without a display name they are "Editor N", N their id: never their username, which is private. */
export function createUser(db: Db, username: string, passwordHash: string, displayName?: string): number {
  return db.transaction(() => {
    const id = Number(
      db
        .prepare('INSERT INTO users (username, display_name, password_hash) VALUES (?, ?, ?)')
        .run(username, displayName ?? 'Editor', passwordHash).lastInsertRowid,
    );
    if (displayName === undefined) db.prepare("UPDATE users SET display_name = 'Editor ' || id WHERE id = ?").run(id);
    return id;
  })();
}

export function setDisplayName(db: Db, userId: number, displayName: string): void {
  db.prepare('UPDATE users SET display_name = ? WHERE id = ?').run(displayName, userId);
}

/**
 * A new password: every session, API token and recognised device made under the old one stops opening the
 * account (the credential version moves, the sessions go, the tokens are marked revoked).
 */
export function setPasswordHash(db: Db, userId: number, passwordHash: string): void {
  db.transaction(() => {
    db.prepare('UPDATE users SET password_hash = ?, credential_version = credential_version + 1 WHERE id = ?').run(passwordHash, userId);
    revokeCredentials(db, userId);
  })();
}

/** The same hash at a higher cost, after a sign-in proved the password: nothing else changes. */
export function upgradePasswordHash(db: Db, userId: number, oldHash: string, newHash: string): void {
  db.prepare('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?').run(newHash, userId, oldHash);
}

function revokeCredentials(db: Db, userId: number): void {
  db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
  db.prepare("UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE user_id = ? AND revoked_at IS NULL").run(userId);
}

/**
 * Deletes the editor; their sessions and tokens go with them (the foreign keys cascade), their revisions stay,
 * by "a former editor".
 */
export function deleteUser(db: Db, userId: number): boolean {
  return db.prepare('DELETE FROM users WHERE id = ?').run(userId).changes > 0;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a token and returns it: the only time it exists outside the caller's hands. */
export function createApiToken(db: Db, userId: number, name: string): string {
  const token = `pt_${randomBytes(32).toString('base64url')}`;
  db.prepare(
    `INSERT INTO api_tokens (user_id, name, token_hash, credential_version)
     SELECT id, ?, ?, credential_version FROM users WHERE id = ?`,
  ).run(name, hashToken(token), userId);
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

/** The editor a live token belongs to, while the token's credential version is theirs; notes when it was last used. */
export function userForApiToken(db: Db, token: string): Editor | undefined {
  const row = db
    .prepare(
      `SELECT t.id AS token_id, u.* FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.credential_version = u.credential_version`,
    )
    .get(hashToken(token)) as (User & { token_id: number }) | undefined;
  if (!row) return undefined;
  db.prepare("UPDATE api_tokens SET last_used_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?").run(row.token_id);
  return editorOf(row);
}
