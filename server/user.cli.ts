// npm run user -- add NAME | passwd NAME | list
// The password is asked for twice without echo, or read from USER_PASSWORD for scripts.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { loadConfig } from './config.ts';
import { openDatabase } from './db.ts';
import { AccountError, addEditor, changePassword } from './editors.ts';
import { migrate } from './migrate.ts';
import { listUsers } from './users.repository.ts';

const USAGE = 'Usage: npm run user -- add NAME | passwd NAME | list   (USER_PASSWORD=… to skip the prompt)';

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

async function newPassword(): Promise<string> {
  const fromEnv = process.env.USER_PASSWORD;
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new AccountError('No terminal to ask for a password: set USER_PASSWORD.');
  const first = await askHidden('New password: ');
  const second = await askHidden('Again: ');
  if (first !== second) throw new AccountError('The two passwords differ.');
  return first;
}

async function main(args: string[]): Promise<number> {
  const [command, name] = args;
  const config = loadConfig();
  const db = openDatabase(config.databasePath);
  try {
    migrate(db);
    if (command === 'list' && !name) {
      const users = listUsers(db);
      if (users.length === 0) console.log('No editors yet: the server creates "admin" on first start.');
      for (const user of users) console.log(`${user.username}\t(since ${user.created_at.slice(0, 10)})`);
      return 0;
    }
    if ((command === 'add' || command === 'passwd') && name) {
      const password = await newPassword();
      if (command === 'add') {
        await addEditor(db, name, password);
        console.log(`Added editor ${name}.`);
      } else {
        await changePassword(db, name, password);
        console.log(`Changed the password of ${name}.`);
      }
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
