// Editor accounts: the first one, adding, changing passwords and names, deleting, signing in.
import type { Db } from '../platform/db.ts';
import { decoyHash, hashPassword, needsRehash, passwordProblem, randomPassword, verifyPassword } from './passwords.ts';
import type { Editor } from '../revisions/revisions.repository.ts';
import {
  countUsers,
  createUser,
  deleteUser,
  editorOf,
  findUserByName,
  MAX_DISPLAY_NAME_LENGTH,
  setDisplayName,
  setPasswordHash,
  upgradePasswordHash,
  USERNAME_PATTERN,
} from './users.repository.ts';

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

/** What is wrong with a display name, or null. */
export function displayNameProblem(name: string): string | null {
  if (name.trim() === '') return 'Give a name readers will see beside your edits.';
  if (name.length > MAX_DISPLAY_NAME_LENGTH) return `Use at most ${MAX_DISPLAY_NAME_LENGTH} characters.`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'Use a single line of plain text.';
  return null;
}

export async function addEditor(db: Db, username: string, password: string, displayName?: string): Promise<number> {
  if (!USERNAME_PATTERN.test(username)) throw new AccountError('A username is 1 to 64 letters, digits, dots, dashes or underscores.');
  const problem = passwordProblem(password);
  if (problem) throw new AccountError(`Password: ${problem}`);
  const nameProblem = displayName === undefined ? null : displayNameProblem(displayName);
  if (nameProblem) throw new AccountError(`Display name: ${nameProblem}`);
  if (findUserByName(db, username)) throw new AccountError(`There is already an editor called ${username}.`);
  return createUser(db, username, await hashPassword(password), displayName?.trim());
}

export async function changePassword(db: Db, username: string, password: string): Promise<void> {
  const user = findUserByName(db, username);
  if (!user) throw new AccountError(`There is no editor called ${username}.`);
  const problem = passwordProblem(password);
  if (problem) throw new AccountError(`Password: ${problem}`);
  setPasswordHash(db, user.id, await hashPassword(password));
}

export function renameEditor(db: Db, username: string, displayName: string): void {
  const user = findUserByName(db, username);
  if (!user) throw new AccountError(`There is no editor called ${username}.`);
  const problem = displayNameProblem(displayName);
  if (problem) throw new AccountError(`Display name: ${problem}`);
  setDisplayName(db, user.id, displayName.trim());
}

export function removeEditor(db: Db, username: string): void {
  const user = findUserByName(db, username);
  if (!user) throw new AccountError(`There is no editor called ${username}.`);
  if (countUsers(db) === 1) throw new AccountError(`${username} is the only editor: add another before deleting this one.`);
  deleteUser(db, user.id);
}

/**
 * The editor, or null: one answer whether the username or the password was wrong, in the same time. A hash
 * made at an older cost is re-made at the current one once the password has proved right.
 */
export async function authenticate(db: Db, username: string, password: string): Promise<Editor | null> {
  const user = username.length <= 64 ? findUserByName(db, username) : undefined;
  const candidate = password.slice(0, 1000);
  const ok = await verifyPassword(candidate, user?.password_hash ?? decoyHash());
  if (!ok || !user) return null;
  if (needsRehash(user.password_hash)) upgradePasswordHash(db, user.id, user.password_hash, await hashPassword(candidate));
  return editorOf(user);
}
