// The Dockerfile against the code it packs (docs/deploying.md, "A container", says how the image was built and run;
// building it takes minutes and tools CI does not have). What the image must hold follows from the code: every file
// or folder the server reads from the project's root, the bundles, the production dependencies; and it must run
// the server as `npm start` does, as a user other than root, with its database on the volume.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../process.ts';

interface Stage {
  from: string;
  name: string | null;
  lines: { instruction: string; args: string }[];
}

/** The Dockerfile's stages, each with its instructions (continuation lines joined, comments left out). */
function stages(text: string): Stage[] {
  const joined = text.replace(/\\\n/g, ' ').split('\n');
  const result: Stage[] = [];
  for (const raw of joined) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [, instruction, args] = /^(\w+)\s+(.*)$/.exec(line)!;
    if (instruction!.toUpperCase() === 'FROM') {
      const [, from, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args!)!;
      result.push({ from: from!, name: name ?? null, lines: [] });
    } else if (result.length > 0) result.at(-1)!.lines.push({ instruction: instruction!.toUpperCase(), args: args!.trim() });
  }
  return result;
}

/** Every path the server's code reads from the project's root: path.join(ROOT, 'x/y', …) gives x. */
function rootReads(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts')) for (const match of fs.readFileSync(file, 'utf8').matchAll(/path\.join\(ROOT, '([^'/]+)/g)) found.add(match[1]!);
    }
  };
  walk(path.join(root, 'server'));
  return [...found].sort();
}

const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const all = stages(dockerfile);
const final = all.at(-1)!;
const of = (stage: Stage, instruction: string) => stage.lines.filter((line) => line.instruction === instruction).map((line) => line.args);
const env = Object.fromEntries(of(final, 'ENV').flatMap((args) => [...args.matchAll(/(\w+)=(\S+)/g)].map((match) => [match[1]!, match[2]!])));
const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('the Dockerfile', () => {
  it('builds in a stage of its own and copies only what runs into the image', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    const build = all.find((stage) => stage.name !== null)!;
    expect(of(build, 'RUN').join('\n')).toMatch(/npm ci[\s\S]*npm run --silent build && npm prune --omit=dev/);
    const copied = of(final, 'COPY').map((args) => /^--from=(\S+)\s+\/app\/(\S+)\s/.exec(args));
    expect(copied.every((match) => match !== null && match[1] === build.name)).toBe(true);
    const paths = copied.map((match) => match![2]!);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'node_modules', 'dist']));
    // The code reads these from the project's root at run time (migrations, the seed, views, locales, public/,
    // the chart configurations, package.json's version): each is in the image, and in the build stage before it.
    const reads = rootReads();
    expect(reads).toEqual(expect.arrayContaining(['db', 'public', 'views']));
    for (const read of reads) {
      expect(paths, `the image lacks ${read}, which the server reads`).toContain(read);
      expect(of(build, 'COPY').some((args) => args.startsWith(`${read} `) || args.startsWith(`${read}/`) || args.split(/\s+/).includes(read)), `the build stage lacks ${read}`).toBe(true);
    }
  });

  it('sends the builder nothing the build does not copy, and every folder it does', () => {
    const ignore = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((line) => line.startsWith('!')).map((line) => line.slice(1));
    const build = all.find((stage) => stage.name !== null)!;
    for (const args of of(build, 'COPY')) {
      const sources = args.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(allowed, `.dockerignore leaves out ${source}`).toContain(source);
    }
  });

  it('runs the server as npm start does, as a user of its own, its database on the volume, its health checked', () => {
    const start = packageJson.scripts.start!;
    const [, startEnv, startFlags] = /&& ((?:\w+=\S+ )+)node (.*) dist\/server\.js$/.exec(start)!;
    for (const setting of startEnv!.trim().split(' ')) expect(dockerfile).toContain(setting);
    expect(of(final, 'CMD').map((args) => JSON.parse(args) as string[])).toEqual([['node', ...startFlags!.split(' '), 'dist/server.js']]);
    const user = of(final, 'USER');
    expect(user).toHaveLength(1);
    expect(['root', '0']).not.toContain(user[0]);
    expect(env.NODE_ENV).toBe('production');
    expect(of(final, 'VOLUME')).toEqual([path.dirname(env.DATABASE_PATH!)]);
    expect(of(final, 'HEALTHCHECK').join(' ')).toMatch(/CMD .*\/healthz/);
    expect(of(final, 'EXPOSE')).toEqual([env.PORT]);
  });
});
