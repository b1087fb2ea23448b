// The server as a user starts it: a child process on a fresh path, by the same entry point as `npm start`.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WARM_UP_PAGES } from '../server/app.ts';
import { openDatabase } from '../server/platform/db.ts';
import { Client, root, startServer as start, tsx } from './process.ts';

const PASSWORD = 'a long admin password for the build test';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pledge-tracker-server-'));
  dirs.push(dir);
  return dir;
}

describe('npm start', () => {
  it('on SIGTERM stops accepting, finishes the request in flight, checkpoints, closes and exits 0', async () => {
    const databasePath = path.join(tempDir(), 'pledges.db');
    const server = await start(databasePath);
    const { hostname, port } = new URL(server.url!);
    // A request in flight: headers sent, body not finished.
    const socket = net.connect(Number(port), hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk) => (response += chunk));
    socket.write(`POST /login HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 16\r\nConnection: close\r\n\r\nusername=`);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const exited = server.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

    socket.write('someone');
    await new Promise((resolve) => socket.once('close', resolve));
    expect(response).toMatch(/^HTTP\/1.1 403/);
    expect(await exited).toBe(0);
    const wal = `${databasePath}-wal`;
    expect(!fs.existsSync(wal) || fs.statSync(wal).size === 0).toBe(true);
  });

  it('runs the build `npm start` makes: dashboard, every script it names (Chart.js from node_modules), the import page’s threads, a clean stop', async () => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root });
    const databasePath = path.join(tempDir(), 'pledges.db');
    const server = await start(databasePath, { ADMIN_PASSWORD: PASSWORD }, ['dist/server.js']);
    expect(server.url, server.output).toBeDefined();
    const html = await (await fetch(`${server.url}/`)).text();
    expect(html).toContain('Stargate Project');
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]);
    expect(scripts.some((src) => src.includes('chart.umd'))).toBe(true);
    for (const src of scripts) expect((await fetch(`${server.url}${src}`)).status, src).toBe(200);

    // An upload previewed and confirmed on the import page is read and written by the compiled threads
    // (dist/*.worker.js), and waits for its confirmation in the private folder beside the database.
    const editor = new Client(server.url!);
    const csrf = await editor.signIn('admin', PASSWORD);
    const upload = new FormData();
    upload.set('_csrf', csrf);
    upload.set('file', new Blob(['pledger,project,amount,us share,announced,source url\r\nBuilt Co,Plant,5 bn,50,2025-03,https://example.com/built\r\n']), 'built.csv');
    const preview = await (await editor.request('/pledges/import', { multipart: upload })).text();
    expect(preview).toContain('<strong>built.csv</strong>: 1 new');
    const uploads = path.join(path.dirname(databasePath), 'uploads');
    expect([fs.statSync(uploads).mode & 0o777, fs.readdirSync(uploads).length]).toEqual([0o700, 1]);
    const token = /name="token" value="([0-9a-f]{32})"/.exec(preview)![1];
    const confirmed = await editor.request('/pledges/import/confirm', { form: { _csrf: /name="_csrf" value="([^"]+)"/.exec(preview)![1], token } });
    expect(confirmed.status, server.output).toBe(303);
    expect(await server.stop()).toBe(0);
    const db = openDatabase(databasePath);
    expect(db.prepare("SELECT count(*) FROM pledges WHERE pledger = 'Built Co'").pluck().get()).toBe(1);
    db.close();
  });

  it('creates the database folder, seeds it, serves the dashboard, and stops cleanly on SIGTERM', async () => {
    const databasePath = path.join(tempDir(), 'nested', 'folder', 'pledges.db');
    const server = await start(databasePath);
    expect(server.url, server.output).toBeDefined();
    expect(server.output).toContain('Seeded');
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Stargate Project');
    expect(await server.stop()).toBe(0);
    expect(fs.existsSync(databasePath)).toBe(true);

    const again = await start(databasePath);
    expect(again.output).not.toContain('Seeded');
    await again.stop();
  }, 60_000);

  it('has the front page and a filtered view rendered before it listens: with PUBLIC_URL, their first readers get them from the cache', async () => {
    const server = await start(path.join(tempDir(), 'pledges.db'), { PUBLIC_URL: 'https://tracker.example' });
    expect(server.url, server.output).toBeDefined();
    expect(server.output).toContain('Front page and a filtered view rendered once');
    const first = await fetch(`${server.url}/`);
    expect(first.headers.get('x-cache')).toBe('hit');
    expect(await first.text()).toContain('Stargate Project');
    // The filtered view went through a filter's code paths (and is a real page: its filter is shown).
    const [, filtered] = WARM_UP_PAGES;
    const warm = await fetch(`${server.url}${filtered}`);
    expect(warm.status).toBe(200);
    expect(warm.headers.get('x-cache')).toBe('hit');
    expect(await warm.text()).toMatch(/stalled/i);
    // Any other page is computed for its first reader.
    expect((await fetch(`${server.url}/pledges`)).headers.get('x-cache')).toBe('miss');
    expect(await server.stop()).toBe(0);
  }, 60_000);

  it('refuses to start, naming the migration, when the database knows one the code does not', async () => {
    const databasePath = path.join(tempDir(), 'pledges.db');
    const first = await start(databasePath);
    await first.stop();
    const db = openDatabase(databasePath);
    db.prepare("INSERT INTO schema_migrations (version, name) VALUES (42, '042-added-by-a-newer-version')").run();
    db.close();

    const refused = await start(databasePath);
    expect(refused.url).toBeUndefined();
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('042-added-by-a-newer-version');
  });

  it('refuses to start, naming the migration and saying what to do, when a migration changed after it was applied', async () => {
    const databasePath = path.join(tempDir(), 'pledges.db');
    const first = await start(databasePath);
    await first.stop();
    // The server reads its own db/migrations: stand for an edited file by changing what the database recorded.
    const recorded = 'f'.repeat(64);
    const db = openDatabase(databasePath);
    db.prepare("UPDATE schema_migrations SET checksum = ? WHERE name = '007-amount-bands'").run(recorded);
    db.close();

    const refused = await start(databasePath);
    expect(refused.url).toBeUndefined();
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('Pledge Tracker could not start');
    expect(refused.output).toContain('007-amount-bands');
    expect(refused.output).toContain(recorded);
    expect(refused.output).toContain('git checkout db/migrations/007-amount-bands.sql');
  });

  it('drops a client that trickles its headers, and an idle keep-alive connection, after the configured times', async () => {
    const server = await start(path.join(tempDir(), 'pledges.db'), { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000', KEEP_ALIVE_TIMEOUT_MS: '1000' });
    const { hostname, port } = new URL(server.url!);
    const connect = async () => {
      const socket = net.connect(Number(port), hostname);
      await new Promise((resolve) => socket.once('connect', resolve));
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      // The server answers 408 and closes while the client may still be writing: the
      // reset that follows is expected, and without a listener it would be thrown.
      socket.on('error', () => {});
      const closed = new Promise<number>((resolve) => {
        const opened = Date.now();
        socket.once('close', () => resolve(Date.now() - opened));
      });
      return { socket, closed, text: () => text };
    };
    try {
      // Slowloris: a header line now and then, never the blank line that ends them.
      const slow = await connect();
      slow.socket.write(`GET / HTTP/1.1\r\nHost: ${hostname}\r\n`);
      const drip = setInterval(() => {
        // Stop once the answer came: writing into a closing socket is what resets it.
        if (slow.text() === '' && slow.socket.writable) slow.socket.write('X-Drip: 1\r\n');
      }, 200);
      const slowFor = await slow.closed;
      clearInterval(drip);
      expect(slowFor).toBeLessThan(5_000);
      expect(slow.text()).toMatch(/^HTTP\/1.1 408/);

      // Keep-alive: one answered request, then silence.
      const idle = await connect();
      idle.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
      const idleFor = await idle.closed;
      expect(idle.text()).toMatch(/^HTTP\/1.1 200/);
      // Node's own default is 5 s: this closes in about 2.
      expect(idleFor).toBeLessThan(4_500);
    } finally {
      await server.stop();
    }
  }, 20_000);

  it('refuses to start with a message naming a bad variable', async () => {
    const child = spawn(tsx, ['server/server.ts'], { cwd: root, env: { ...process.env, PORT: 'abc' } });
    let output = '';
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain('PORT');
  });
});
