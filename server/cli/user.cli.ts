// npm run user -- add NAME [PUBLIC NAME] | passwd NAME | rename NAME PUBLIC NAME | delete NAME | list
// The password is asked for twice without echo, or read from USER_PASSWORD for scripts.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db.ts';
import { AccountError, addEditor, changePassword, removeEditor, renameEditor } from '../auth/editors.ts';
import { migrate } from '../platform/migrate.ts';
import { setPasswordCost } from '../auth/passwords.ts';
import { listUsers } from '../auth/users.repository.ts';

const USAGE = [
  'Usage: npm run user -- COMMAND',
  '  add NAME [PUBLIC NAME]     a new editor; PUBLIC NAME is shown beside their edits (default "Editor N")',
  '  passwd NAME                a new password: signs NAME out everywhere and revokes their API tokens',
  '  rename NAME PUBLIC NAME    the name shown beside their edits',
  '  delete NAME                removes the editor, their sessions and tokens (their edits stay, by "a former editor")',
  '  list',
  'USER_PASSWORD=… skips the password prompt.',
].join('\n');

/** Asks a question on the terminal without echoing the answer. */
function askHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

async function newPassword(fromEnv: string | undefined): Promise<string> {
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new AccountError('No terminal to ask for a password: set USER_PASSWORD.');
  const first = await askHidden('New password: ');
  const second = await askHidden('Again: ');
  if (first !== second) throw new AccountError('The two passwords differ.');
  return first;
}

async function main(args: string[]): Promise<number> {
  const [command, name, ...rest] = args;
  const publicName = rest.length > 0 ? rest.join(' ') : undefined;
  const config = loadConfig();
  setPasswordCost(config.passwordScryptN);
  const db = openDatabase(config.databasePath);
  try {
    migrate(db);
    if (command === 'list' && !name) {
      const users = listUsers(db);
      if (users.length === 0) console.log('No editors yet: the server creates "admin" on first start.');
      for (const user of users) console.log(`${user.username}\t${user.display_name}\t(since ${user.created_at.slice(0, 10)})`);
      return 0;
    }
    if (command === 'add' && name) {
      await addEditor(db, name, await newPassword(config.userPassword), publicName);
      console.log(`Added editor ${name}.`);
      return 0;
    }
    if (command === 'passwd' && name && !publicName) {
      await changePassword(db, name, await newPassword(config.userPassword));
      console.log(`Changed the password of ${name}: their sessions and API tokens no longer work.`);
      return 0;
    }
    if (command === 'rename' && name && publicName) {
      renameEditor(db, name, publicName);
      console.log(`${name}'s edits now show as by ${publicName.trim()}.`);
      return 0;
    }
    if (command === 'delete' && name && !publicName) {
      removeEditor(db, name);
      console.log(`Deleted editor ${name}, their sessions and API tokens.`);
      return 0;
    }
    console.error(USAGE);
    return 2;
  } finally {
    db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof AccountError ? error.message : `Failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
