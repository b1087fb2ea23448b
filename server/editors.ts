// Editor accounts: the first one, adding, changing passwords, signing in.
import type { Db } from './db.ts';
import { DECOY_HASH, hashPassword, passwordProblem, randomPassword, verifyPassword } from './passwords.ts';
import type { Editor } from './revisions.repository.ts';
import { countUsers, createUser, findUserByName, setPasswordHash, USERNAME_PATTERN } from './users.repository.ts';

export class AccountError extends Error {}

/**
 * With no editor yet, creates "admin" with ADMIN_PASSWORD, or with a random password that is returned so
 * the caller prints it once. Returns null when editors exist or the password came from the environment.
 */
export async function ensureFirstEditor(db: Db, adminPassword: string | undefined): Promise<string | null> {
  if (countUsers(db) > 0) return null;
  const password = adminPassword ?? randomPassword();
  const hash = await hashPassword(password);
  // Another process may have created it meanwhile: check again inside the write.
  const created = db.transaction(() => (countUsers(db) === 0 ? createUser(db, 'admin', hash) : null)).immediate();
  return created !== null && adminPassword === undefined ? password : null;
}

export async function addEditor(db: Db, username: string, password: string): Promise<number> {
  if (!USERNAME_PATTERN.test(username)) throw new AccountError('A username is 1 to 64 letters, digits, dots, dashes or underscores.');
  const problem = passwordProblem(password);
  if (problem) throw new AccountError(`Password: ${problem}`);
  if (findUserByName(db, username)) throw new AccountError(`There is already an editor called ${username}.`);
  return createUser(db, username, await hashPassword(password));
}

export async function changePassword(db: Db, username: string, password: string): Promise<void> {
  const user = findUserByName(db, username);
  if (!user) throw new AccountError(`There is no editor called ${username}.`);
  const problem = passwordProblem(password);
  if (problem) throw new AccountError(`Password: ${problem}`);
  setPasswordHash(db, user.id, await hashPassword(password));
}

/** The editor, or null: one answer whether the username or the password was wrong, in the same time. */
export async function authenticate(db: Db, username: string, password: string): Promise<Editor | null> {
  const user = username.length <= 64 ? findUserByName(db, username) : undefined;
  const ok = await verifyPassword(password.slice(0, 1000), user?.password_hash ?? DECOY_HASH);
  return ok && user ? { id: user.id, username: user.username } : null;
}
