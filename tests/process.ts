// The server as a user runs it: a child process started by the same entry point as `npm start`.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..');
export const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

export interface RunningServer {
  url?: string;
  code?: number | null;
  output: string;
  child: ChildProcess;
  /** Sends a signal and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Starts the server and resolves once it listens, or once it exits. `through` runs it through a command that
 * executes node in its own place (prlimit, say): a signal still reaches the server itself.
 */
export function startServer(databasePath: string, env: Record<string, string> = {}, entry = ['--import', 'tsx', 'server/server.ts'], through: string[] = []): Promise<RunningServer> {
  // Without a shell wrapper around node: a signal sent to the child reaches the server itself.
  const [command, ...args] = [...through, process.execPath, ...entry];
  const child = spawn(command, args, {
    cwd: root,
    // The lowest scrypt cost the server accepts: tests sign in often; the default's cost is tested on its own.
    env: { ...process.env, DATABASE_PATH: databasePath, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', PASSWORD_SCRYPT_N: '16384', ...env },
  });
  let output = '';
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (exitCode === undefined) child.kill(signal);
    return exited;
  };
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match) resolve({ url: match[1], get output() { return output; }, child, stop });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => resolve({ code, get output() { return output; }, child, stop }));
  });
}

/** A browser-like client for a running server: keeps its cookies (whatever their path), never follows redirects. */
export class Client {
  private readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  /** GET, or POST of a form (urlencoded) or of a multipart body (a file upload). */
  async request(pathname: string, init: { method?: string; form?: Record<string, string>; multipart?: FormData } = {}): Promise<Response> {
    const res = await fetch(`${this.base}${pathname}`, {
      method: init.method ?? (init.form || init.multipart ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        ...(this.cookies.size > 0 ? { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.multipart ?? (init.form ? new URLSearchParams(init.form).toString() : undefined),
    });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  }

  /** Signs in and returns a CSRF token for the forms. */
  async signIn(username: string, password: string): Promise<string> {
    const page = await (await this.request('/login')).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(page)![1];
    const res = await this.request('/login', { form: { _csrf: token, username, password } });
    if (res.status !== 303) throw new Error(`sign-in failed with ${res.status}`);
    const form = await (await this.request('/pledges/new')).text();
    return /name="_csrf" value="([^"]+)"/.exec(form)![1];
  }
}
