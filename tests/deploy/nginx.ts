// Debian's nginx, run by a test in front of the app with deploy/nginx.conf itself: the site file is read from the
// repository and only its addresses and folders are replaced, in a temporary prefix, on a free port.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { root } from '../process.ts';

export const NGINX = [process.env.NGINX_PATH, '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find(
  (file): file is string => file !== undefined && fs.existsSync(file),
);

/**
 * Under CI the nginx tests must run: a missing nginx fails them. On a developer's machine without nginx they are
 * skipped, and vitest says so.
 */
export const nginxAvailable = NGINX !== undefined;
if (!nginxAvailable && process.env.CI) {
  throw new Error('nginx is missing (looked in /usr/sbin, /usr/local/sbin, /usr/bin and NGINX_PATH); CI must install it (apt-get install -y nginx).');
}

/**
 * wrk, the load generator of the spike's rate (tests/deploy/spike.test.ts): written in C, it reads answers faster
 * than autocannon's one JavaScript thread, which on this machine tops out at about 4,000 brotli dashboards a second
 * whoever answers. Required under CI as nginx is.
 */
export const WRK = [process.env.WRK_PATH, '/usr/bin/wrk', '/usr/local/bin/wrk'].find((file): file is string => file !== undefined && fs.existsSync(file));
export const wrkAvailable = WRK !== undefined;
if (!wrkAvailable && process.env.CI) {
  throw new Error('wrk is missing (looked in /usr/bin, /usr/local/bin and WRK_PATH); CI must install it (apt-get install -y wrk).');
}

export interface WrkRun {
  rate: number;
  requests: number;
  /** Answers other than 2xx (wrk counts 3xx with them). */
  other: number;
  /** Connections refused, reads and writes that failed, requests timed out. */
  socketErrors: number;
}

/**
 * wrk against url with a browser's headers: one thread, as the server side gets the other core of this machine.
 */
export function wrkLoad(url: string, connections: number, seconds: number): WrkRun {
  const headers = ['-H', 'accept-encoding: gzip, deflate, br', '-H', 'accept: text/html'];
  const out = execFileSync(WRK!, ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', ...headers, url], { encoding: 'utf8' });
  const number = (pattern: RegExp) => Number(pattern.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rate: number(/Requests\/sec:\s+([\d.]+)/),
    requests: number(/(\d+) requests in/),
    other: number(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: errors ? errors.slice(1).reduce((sum, count) => sum + Number(count), 0) : 0,
  };
}

export const SITE_FILE = path.join(root, 'deploy', 'nginx.conf');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

/** Replaces what an operator would change, each exactly as often as the file says it: a changed file fails loudly. */
export function siteConfig(site: string, { port, upstream, cacheDir }: { port: number; upstream: string; cacheDir: string }): string {
  const replacements: [RegExp, string, number][] = [
    [/^(\s*)server 127\.0\.0\.1:3000;$/gm, `$1server ${upstream};`, 1],
    // IPv6 may be missing where the tests run; the IPv4 lines carry the test.
    [/^\s*listen \[::\]:80( default_server)?;\n/gm, '', 2],
    [/^(\s*)listen 80( default_server)?;$/gm, `$1listen 127.0.0.1:${port}$2;`, 2],
    [/^(\s*)server_name tracker\.example;$/gm, '$1server_name 127.0.0.1;', 1],
    [/\/var\/cache\/nginx\/pledge-tracker /g, `${cacheDir} `, 1],
    [/\/srv\/pledge-tracker\/deploy\//g, `${path.join(root, 'deploy')}/`, 1],
  ];
  let text = site;
  for (const [pattern, replacement, expected] of replacements) {
    const found = text.match(pattern)?.length ?? 0;
    if (found !== expected) throw new Error(`deploy/nginx.conf: expected ${expected} match(es) of ${pattern}, found ${found}`);
    text = text.replace(pattern, replacement);
  }
  return text;
}

export interface RunningApp {
  url: string;
  /** Everything the app printed so far. */
  readonly output: string;
  signal: (signal: NodeJS.Signals) => void;
  stop: (signal: NodeJS.Signals) => Promise<void>;
}

async function waitFor(what: string, ready: () => Promise<boolean>, failed: () => string | null, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ready())) {
    const failure = failed();
    if (failure !== null) throw new Error(failure);
    if (Date.now() > until) throw new Error(`${what} was not ready within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The server as a user starts it, with node's arguments given (a preload, say), on a free port: ready once /healthz
 * answers, for it may log no line at all (LOG_LEVEL=warn). A server that never becomes ready is stopped.
 */
export async function startApp(env: Record<string, string>, args: string[]): Promise<RunningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), PASSWORD_SCRYPT_N: '16384', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const app: RunningApp = {
    url,
    get output() {
      return output;
    },
    signal: (signal) => child.kill(signal),
    stop: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  try {
    await waitFor(
      'the app',
      () => fetch(`${url}/healthz`).then((res) => res.ok, () => false),
      () => (child.exitCode !== null ? `the app exited at start:\n${output}` : null),
      60_000,
    );
  } catch (error) {
    await app.stop('SIGKILL');
    throw error;
  }
  return app;
}

export interface RunningNginx {
  url: string;
  dir: string;
  stop: () => Promise<void>;
}

/**
 * nginx in the foreground with a prefix of its own: the main file holds what a distribution's nginx.conf would
 * (pid, logs, temporary folders, types), then includes the site file. As root, its workers run as root, so that
 * they can write the cache folder made here.
 */
export async function startNginx(upstream: string): Promise<RunningNginx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-tracker-nginx-'));
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'site.conf'), siteConfig(fs.readFileSync(SITE_FILE, 'utf8'), { port, upstream, cacheDir: path.join(dir, 'cache') }));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${path.join(dir, `${kind}_temp`)};`);
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      process.getuid?.() === 0 ? 'user root;' : '',
      'worker_processes auto;',
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${path.join(dir, 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      // As Debian's /etc/nginx/nginx.conf has them.
      '    sendfile on;',
      '    tcp_nopush on;',
      '    types { text/html html; }',
      '    default_type application/octet-stream;',
      '    access_log off;',
      ...temp,
      `    include ${path.join(dir, 'site.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const args = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')];
  const check = spawnSync(NGINX!, [...args, '-t'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t refused the configuration:\n${check.stderr}`);
  const child: ChildProcess = spawn(NGINX!, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const nginx: RunningNginx = {
    url: `http://127.0.0.1:${port}`,
    dir,
    stop: async () => {
      // SIGTERM: the master stops its workers and exits ("fast shutdown").
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const listening = () =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  try {
    await waitFor('nginx', listening, () => (child.exitCode !== null ? `nginx exited at start:\n${output}${fs.readFileSync(path.join(dir, 'error.log'), 'utf8')}` : null), 10_000);
  } catch (error) {
    await nginx.stop();
    throw error;
  }
  return nginx;
}

/** How many requests for each URL the app itself has received (tests/deploy/count-requests.ts, preloaded). */
export async function appCounts(server: RunningApp): Promise<Record<string, number>> {
  const from = server.output.length;
  server.signal('SIGUSR2');
  for (let tries = 0; tries < 100; tries++) {
    const match = /request counts (\{.*\})\n/.exec(server.output.slice(from));
    if (match) return JSON.parse(match[1]) as Record<string, number>;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the app did not report its request counts');
}

/** The app as in production with nginx in front (startDeployment); stop ends both and removes the database. */
export interface Deployment {
  app: RunningApp;
  nginx: RunningNginx;
  stop: () => Promise<void>;
}

/**
 * The server as in production (`NODE_ENV=production`, `LOG_LEVEL=warn`, `TRUST_PROXY=1`) on a database of its own in
 * a temporary folder (the 2025 dataset, seeded at start), public reads cacheable for maxAgeS, request lines not
 * logged but counted by a preload (count-requests.ts, appCounts); deploy/nginx.conf's nginx in front of it.
 */
export async function startDeployment({ adminPassword, maxAgeS }: { adminPassword: string; maxAgeS: number }): Promise<Deployment> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-tracker-deploy-'));
  let app: RunningApp | undefined;
  let nginx: RunningNginx | undefined;
  const stop = async () => {
    await nginx?.stop();
    await app?.stop('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    app = await startApp(
      { DATABASE_PATH: path.join(dir, 'pledges.db'), ADMIN_PASSWORD: adminPassword, NODE_ENV: 'production', LOG_LEVEL: 'warn', TRUST_PROXY: '1', CACHE_MAX_AGE: String(maxAgeS), CACHE_STALE: '60' },
      ['--import', 'tsx', '--import', './tests/deploy/count-requests.ts', 'server/server.ts'],
    );
    nginx = await startNginx(new URL(app.url).host);
  } catch (error) {
    await stop();
    throw error;
  }
  return { app, nginx, stop };
}
