import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { importCsv } from '../../server/import/import.run.ts';
import { importCsvFile } from '../../server/import/import.threads.ts';
import { addPledge, count, csrfFrom, freshApp, signedIn, type TestContext } from '../helpers.ts';
import { root, tsx } from '../process.ts';

const contexts: TestContext[] = [];
afterEach(() => contexts.splice(0).forEach((ctx) => ctx.cleanup()));
function app(): TestContext {
  const ctx = freshApp({ seed: false });
  contexts.push(ctx);
  return ctx;
}

const AUTHOR = { id: null, username: 'test (command line)' };

function importText(ctx: TestContext, text: string, filename = 'relations.csv', write = true) {
  return importCsv(ctx.db, Readable.from([Buffer.from(text)]), write ? { write: { author: AUTHOR, filename } } : {});
}

/** Pledges 1 ($600B), 2 ($500B), 3 ($200B), 4 ($50B). */
function withPledges(ctx: TestContext) {
  for (const [pledger, amount] of [['Apple', 600e9], ['Apple', 500e9], ['Switzerland', 200e9], ['Roche', 50e9]] as const) {
    addPledge(ctx.db, { pledger, project: `${pledger} ${amount / 1e9}B`, amount_usd: amount });
  }
}

/** An export without its timestamps, which an import does not carry over. */
async function withoutTimestamps(ctx: TestContext, url: string): Promise<string> {
  const csv = (await request(ctx.app).get(url)).text;
  return csv
    .split('\r\n')
    .map((line) => line.replace(/,[^,]*,[^,]*$/, ''))
    .join('\r\n');
}

const HEADER = 'pledge_id,kind,other_id,amount_usd,note,source_url,source_title\r\n';

describe('importing a relations CSV', () => {
  it('round trip: export relations.csv → import into a fresh database with the pledges → export gives the same rows', async () => {
    const a = app();
    withPledges(a);
    const add = a.db.prepare('INSERT INTO pledge_relations (pledge_id, kind, other_id, amount_usd, note, source_url, source_title) VALUES (?, ?, ?, ?, ?, ?, ?)');
    add.run(1, 'supersedes', 2, null, 'Raised, "again", in August', 'https://example.com/a?x=1,2', '=title');
    add.run(3, 'contains', 4, 50e9, 'line one\nline two', null, '');
    add.run(2, 'repeats', null, 430e9, '-2021 plan', null, '');
    add.run(1, 'overlaps', 3, null, '', null, '');
    a.db.prepare('DELETE FROM pledge_relations WHERE id = 1').run();
    add.run(1, 'supersedes', 2, 1, '@note', null, '');
    const pledgesCsv = (await request(a.app).get('/pledges.csv')).text;
    const relationsCsv = (await request(a.app).get('/relations.csv')).text;

    const b = app();
    expect((await importText(b, pledgesCsv, 'pledges.csv')).problems).toEqual([]);
    const outcome = await importText(b, relationsCsv, 'relations.csv');
    expect(outcome.problems).toEqual([]);
    expect(outcome).toMatchObject({ created: 4, changed: 0, unchanged: 0, written: true });
    expect(await withoutTimestamps(b, '/relations.csv')).toBe(await withoutTimestamps(a, '/relations.csv'));
    expect(b.db.prepare('SELECT id, note, source_title FROM pledge_relations WHERE id = 5').get()).toEqual({ id: 5, note: '@note', source_title: '' });
    // Each relation's revision, "import relations.csv", is on both of its pledges.
    const reasons = b.db.prepare("SELECT entity_id, count(*) AS n FROM revisions WHERE reason = 'import relations.csv' GROUP BY entity_id ORDER BY entity_id").all();
    expect(reasons).toEqual([
      { entity_id: 1, n: 2 },
      { entity_id: 2, n: 2 },
      { entity_id: 3, n: 2 },
      { entity_id: 4, n: 1 },
    ]);
    // Importing the same file again changes nothing.
    const revisions = count(b.db, 'revisions');
    expect(await importText(b, relationsCsv, 'relations.csv')).toMatchObject({ created: 0, changed: 0, unchanged: 4, problems: [] });
    expect(count(b.db, 'revisions')).toBe(revisions);
  });

  it('updates a relation by id, or by pledge + kind + other pledge, showing each field’s difference', async () => {
    const ctx = app();
    withPledges(ctx);
    await importText(ctx, `${HEADER}3,contains,4,40B,,,\r\n1,overlaps,3,,,,\r\n`);
    const plan = await importText(ctx, `id,${HEADER}1,3,contains,4,50B,Confirmed,,\r\n,1,overlaps,3,10B,,,\r\n`, 'again.csv', false);
    expect(plan).toMatchObject({ created: 0, changed: 2, written: false, problems: [] });
    expect(plan.relations!.changed).toEqual([
      { line: 2, id: 1, changes: { amount_usd: { from: 40e9, to: 50e9 }, note: { from: '', to: 'Confirmed' } } },
      { line: 3, id: 2, changes: { amount_usd: { from: null, to: 10e9 } } },
    ]);
    expect(ctx.db.prepare('SELECT amount_usd FROM pledge_relations ORDER BY id').pluck().all()).toEqual([40e9, null]);
  });

  const REFUSALS: [string, string, { line: number; column: string | null; message: RegExp }][] = [
    ['a pledge that does not exist', `${HEADER}1,supersedes,9,,,,\r\n`, { line: 2, column: 'other_id', message: /no pledge with id 9/ }],
    ['a relation to itself', `${HEADER}1,overlaps,1,,,,\r\n`, { line: 2, column: 'other_id', message: /itself/ }],
    ['a circle made by the file’s own rows', `${HEADER}1,supersedes,2,,,,\r\n2,supersedes,3,,,,\r\n3,supersedes,1,,,,\r\n`, { line: 4, column: 'other_id', message: /circle of "supersedes": #3 \(Switzerland\) → #1 \(Apple\) → #2 \(Apple\) → #3/ }],
    ['an overlap larger than either pledge', `${HEADER}1,overlaps,4,51B,,,\r\n`, { line: 2, column: 'amount_usd', message: /larger than either pledge/ }],
    ['a contained part larger than the contained pledge', `${HEADER}3,contains,4,60B,,,\r\n`, { line: 2, column: 'amount_usd', message: /contained pledge/ }],
    ['a repeated part larger than the pledge', `${HEADER}4,repeats,,60B,,,\r\n`, { line: 2, column: 'amount_usd', message: /repeats it/ }],
    ['the same relation twice', `${HEADER}1,supersedes,2,,,,\r\n1,supersedes,2,5B,,,\r\n`, { line: 3, column: null, message: /same relation as line 2/ }],
    ['an overlap the other way round', `${HEADER}1,overlaps,2,,,,\r\n2,overlaps,1,,,,\r\n`, { line: 3, column: 'other_id', message: /recorded already/ }],
    ['an unknown kind', `${HEADER}1,replaces,2,,,,\r\n`, { line: 2, column: 'kind', message: /Choose a kind/ }],
    ['a missing other pledge', `${HEADER}1,contains,,,,,\r\n`, { line: 2, column: 'other_id', message: /only "repeats"/ }],
    ['a source that is not a web address', `${HEADER}1,contains,2,,,javascript:x,\r\n`, { line: 2, column: 'source_url', message: /web address/ }],
    ['an id that is not a number', `id,${HEADER}x,1,contains,2,,,,\r\n`, { line: 2, column: 'id', message: /whole number/ }],
    ['a wrong column count', `${HEADER}1,contains,2\r\n`, { line: 2, column: null, message: /number of columns/ }],
  ];

  it.each(REFUSALS)('refuses %s with its line, column and message, and writes nothing', async (_what, text, expected) => {
    const ctx = app();
    withPledges(ctx);
    const before = [count(ctx.db, 'pledge_relations'), count(ctx.db, 'revisions')];
    const outcome = await importText(ctx, text);
    expect(outcome.problems).toContainEqual({ line: expected.line, column: expected.column, message: expect.stringMatching(expected.message) });
    expect(outcome.written).toBe(false);
    expect([count(ctx.db, 'pledge_relations'), count(ctx.db, 'revisions'), ctx.db.inTransaction]).toEqual([...before, false]);
  });

  it('is told apart from a pledges file by its header alone: kind, pledge_id and other_id, written any way', async () => {
    const ctx = app();
    withPledges(ctx);
    // A pledges file with a "kind" column is still a pledges file.
    const pledges = await importText(ctx, 'pledger,kind,announced_on,source_urls\r\nAcme,x,2025-01-01,https://example.com/a\r\n', 'p.csv', false);
    expect(pledges).toMatchObject({ created: 1, problems: [] });
    expect(pledges.relations).toBeUndefined();
    const semicolons = await importText(ctx, '\uFEFFPledge ID;Kind;Other ID;Amount\r\n1;overlaps;2;5 bn\r\n', 'r.csv', false);
    expect(semicolons).toMatchObject({ created: 1, problems: [] });
    expect(semicolons.relations!.created[0].relation).toMatchObject({ pledge_id: 1, kind: 'overlaps', other_id: 2, amount_usd: 5e9 });
    expect(count(ctx.db, 'pledge_relations')).toBe(0);
  });

  it('reads a file on disk (the command line’s and the page’s way) as it reads a stream', async () => {
    const ctx = app();
    withPledges(ctx);
    const file = path.join(path.dirname(ctx.file), 'relations.csv');
    fs.writeFileSync(file, `${HEADER}3,contains,4,,,,\r\n1,supersedes,9,,,,\r\n`);
    const fromFile = await importCsvFile(ctx.db, file, { write: { author: AUTHOR, filename: 'relations.csv' } });
    expect(fromFile).toEqual(await importText(ctx, fs.readFileSync(file, 'utf8')));
    expect(fromFile.problems).toEqual([{ line: 3, column: 'other_id', message: 'There is no pledge with id 9.' }]);
    expect(count(ctx.db, 'pledge_relations')).toBe(0);
  });
});

describe('npm run import with a relations file', () => {
  it('prints each problem with its line and column and writes nothing; a good file is imported', async () => {
    const ctx = app();
    withPledges(ctx);
    const dir = path.dirname(ctx.file);
    const bad = path.join(dir, 'bad-relations.csv');
    fs.writeFileSync(bad, `${HEADER}1,overlaps,4,51B,,,\r\n2,contains,2,,,,\r\n`);
    const refused = await cli([bad], ctx.file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('line 2, column amount_usd: An overlap cannot be larger than either pledge: pledge 4 (Roche) is $50B.');
    expect(refused.stderr).toContain('line 3, column other_id: A pledge cannot be related to itself');
    expect(refused.stderr).toContain('Nothing was imported: 2 problems in bad-relations.csv.');
    const good = path.join(dir, 'relations.csv');
    fs.writeFileSync(good, `${HEADER}3,contains,4,,,,\r\n`);
    const imported = await cli([good], ctx.file);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('Imported relations.csv: 1 new, 0 changed, 0 unchanged');
    expect(count(ctx.db, 'pledge_relations')).toBe(1);
  });
});

describe('the import page with a relations file', () => {
  it('previews the relations, writes nothing until confirmed, then imports them with revisions', async () => {
    const ctx = app();
    withPledges(ctx);
    const { agent, csrf } = await signedIn(ctx);
    const preview = await agent.post('/pledges/import').field('_csrf', csrf).attach('file', Buffer.from(`${HEADER}3,contains,4,40B,Roche,,\r\n`), 'swiss.csv');
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('<strong>swiss.csv</strong>: 1 new, 0 changed, 0 unchanged.');
    expect(preview.text).toContain('Import 1 relation</button>');
    expect(preview.text).toMatch(/<td>2<\/td><td><a href="\/pledges\/3">3<\/a><\/td><td>contains<\/td>/);
    expect(count(ctx.db, 'pledge_relations')).toBe(0);
    const token = /name="token" value="([0-9a-f]{32})"/.exec(preview.text)![1];
    const confirmed = await agent.post('/pledges/import/confirm').type('form').send({ _csrf: csrfFrom(preview.text), token });
    expect(confirmed.status).toBe(303);
    expect(ctx.db.prepare('SELECT pledge_id, kind, other_id, amount_usd FROM pledge_relations').all()).toEqual([{ pledge_id: 3, kind: 'contains', other_id: 4, amount_usd: 40e9 }]);
    expect(ctx.db.prepare("SELECT entity_id FROM revisions WHERE reason = 'import swiss.csv' ORDER BY entity_id").pluck().all()).toEqual([3, 4]);
  });
});

function cli(args: string[], databasePath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(tsx, ['server/cli/import.cli.ts', ...args], { cwd: root, env: { ...process.env, DATABASE_PATH: databasePath } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
