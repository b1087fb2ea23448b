import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { linkPledgeToEvent } from '../server/events.repository.ts';
import { applyImport, planImport, readImport } from '../server/pledges.import.ts';
import { addPledge, count, freshApp, type TestContext } from './helpers.ts';
import { root, tsx } from './process.ts';

const contexts: TestContext[] = [];
afterEach(() => contexts.splice(0).forEach((ctx) => ctx.cleanup()));
function app(seed = true): TestContext {
  const ctx = freshApp({ seed });
  contexts.push(ctx);
  return ctx;
}

const AUTHOR = { id: null, username: 'test (command line)' };

async function importText(ctx: TestContext, text: string | Buffer, filename = 'file.csv') {
  const { rows, problems } = await readImport(ctx.db, Readable.from([Buffer.from(text)]));
  if (problems.length > 0) return { problems, plan: null };
  const plan = planImport(ctx.db, rows);
  applyImport(ctx.db, plan, AUTHOR, filename);
  return { problems, plan };
}

/** The export without its timestamps, which an import does not carry over. */
async function exported(ctx: TestContext): Promise<string> {
  const csv = (await request(ctx.app).get('/pledges.csv')).text;
  return csv
    .split('\r\n')
    .map((line) => line.replace(/,[^,]*,[^,]*$/, ''))
    .join('\r\n');
}

describe('import round trip', () => {
  it('export → import into a fresh database → export gives the same rows and values', async () => {
    const a = app();
    const tricky = addPledge(a.db, {
      pledger: '=1+1 "quoted", with commas',
      project: 'Project, with "quotes"',
      context_note: 'line one\nline two',
      amount_usd: null,
      announced_on: '2025-02',
      us_share_pct: 12.5,
      us_share_basis: 'inferred',
      horizon_years: null,
      horizon_end: '2027-12-31',
      sector: '＠sector',
      lever: null,
      status: 'stalled',
      sources: [
        { url: 'https://example.com/one', title: '' },
        { url: 'https://example.com/two?a=1&b=2', title: '' },
      ],
    });
    linkPledgeToEvent(a.db, tricky, 2);
    addPledge(a.db, { pledger: 'Plain Co', amount_usd: 123_456_789 });
    const first = await exported(a);

    const b = app();
    const { problems, plan } = await importText(b, (await request(a.app).get('/pledges.csv')).text, 'pledges.csv');
    expect(problems).toEqual([]);
    expect(plan!.created).toHaveLength(2);
    expect(plan!.unchanged).toHaveLength(5);
    expect(await exported(b)).toBe(first);
    expect(b.db.prepare('SELECT pledger FROM pledges WHERE id = ?').pluck().get(tricky)).toBe('=1+1 "quoted", with commas');
  });

  it('re-importing the same file adds and changes nothing; every change has a revision "import FILE"', async () => {
    const ctx = app();
    const file = 'pledger,project,amount,US share,announced date,source URL\r\nAcme,Plant,5 bn,50,2025-03,https://example.com/x\r\n';
    await importText(ctx, file, 'newsroom.csv');
    expect(ctx.db.prepare("SELECT count(*) FROM revisions WHERE reason = 'import newsroom.csv'").pluck().get()).toBe(1);
    const revisions = count(ctx.db, 'revisions');
    const { plan } = await importText(ctx, file, 'newsroom.csv');
    expect(plan).toMatchObject({ created: [], changed: [] });
    expect(plan!.unchanged).toHaveLength(1);
    expect(count(ctx.db, 'revisions')).toBe(revisions);
    expect(count(ctx.db, 'pledges')).toBe(6);
  });

  it('updates by id, or by pledger + project + date, showing each field’s difference', async () => {
    const ctx = app();
    const { rows } = await readImport(
      ctx.db,
      Readable.from([
        'id,pledger,project,amount_usd,announced_on,source_urls\r\n' +
          '3,TSMC,"Additional Arizona fabs (3 fabs, 2 advanced packaging plants, R&D center)",165000000000,2025-03-03,https://evertiq.com/x\r\n',
      ]),
    );
    const plan = planImport(ctx.db, rows);
    expect(plan.changed).toHaveLength(1);
    expect(plan.changed[0].changes.amount_usd).toEqual({ from: 100e9, to: 165e9 });
    const byIdentity = await readImport(ctx.db, Readable.from(['pledger,project,announced_on,source_urls,amount\r\nMicrosoft,"AI-enabled data centers, fiscal year 2025",2025-01-03,https://x.example/,90B\r\n']));
    const second = planImport(ctx.db, byIdentity.rows);
    expect(second.changed[0]).toMatchObject({ id: 2 });
    expect(second.changed[0].changes.amount_usd).toEqual({ from: 80e9, to: 90e9 });
  });
});

describe('import formats', () => {
  it.each([
    ['semicolons', 'Pledger;Project;Amount;US share;Announced date;Source URL\r\nAcme;Plant, north;5 bn;50;2025-03;https://example.com/x\r\n'],
    ['a BOM', '\uFEFFpledger,project,amount,us share,announced date,source url\nAcme,"Plant, north",5 bn,50,2025-03,https://example.com/x\n'],
    ['headers in any case and spacing', 'PLEDGER,Project, Amount ,US_Share,Announced-Date,Source url\nAcme,"Plant, north",$5B,50%,2025-03,https://example.com/x\n'],
  ])('reads a file with %s', async (_what, text) => {
    const ctx = app(false);
    const { problems } = await importText(ctx, text);
    expect(problems).toEqual([]);
    expect(ctx.db.prepare('SELECT pledger, project, amount_usd, us_share_pct, announced_on FROM pledges').get()).toEqual({
      pledger: 'Acme',
      project: 'Plant, north',
      amount_usd: 5e9,
      us_share_pct: 50,
      announced_on: '2025-03',
    });
  });

  it('stores formula-like cells as typed, and the export neutralises them', async () => {
    const ctx = app(false);
    await importText(ctx, 'pledger,announced_on,source_urls\r\n"=HYPERLINK(""http://evil"")",2025-01-01,https://example.com/f\r\n');
    expect(ctx.db.prepare('SELECT pledger FROM pledges').pluck().get()).toBe('=HYPERLINK("http://evil")');
    expect((await request(ctx.app).get('/pledges.csv')).text).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });
});

describe('import refusals: nothing is written', () => {
  it.each([
    ['one bad row', 'pledger,announced_on,source_urls\nGood,2025-01-01,https://example.com/g\nBad,2025-02-30,https://example.com/b\n', { line: 3, column: 'announced_on', message: /real date/ }],
    ['an unbalanced quote', 'pledger,announced_on,source_urls\n"Open,2025-01-01,https://example.com/g\n', { line: 2, column: null, message: /quote/ }],
    ['a wrong column count', 'pledger,announced_on,source_urls\nA,2025-01-01,https://example.com/a,extra\n', { line: 2, column: null, message: /number of columns/ }],
    ['a missing required header', 'pledger,project\nA,B\n', { line: 1, column: 'announced_on', message: /no announced_on column/ }],
    ['a UTF-16 file', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('pledger,announced_on\n', 'utf16le')]), { line: 1, column: null, message: /UTF-16/ }],
    ['binary junk', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0xff, 0x00]), { line: 1, column: null, message: /UTF-16|binary/ }],
    ['a 10 MB field', `pledger,announced_on,source_urls\n${'x'.repeat(10 * 1024 * 1024)},2025-01-01,https://example.com/a\n`, { line: 2, column: null, message: /larger than/ }],
    ['the same pledge twice', 'pledger,announced_on,source_urls\nA,2025-01-01,https://example.com/a\nA,2025-01-01,https://example.com/b\n', { line: 3, column: null, message: /same pledge as line 2/ }],
  ])('refuses %s with its line, column and message', async (_what, text, expected) => {
    const ctx = app();
    const before = [count(ctx.db, 'pledges'), count(ctx.db, 'revisions')];
    const { problems } = await importText(ctx, text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems).toContainEqual({ line: expected.line, column: expected.column, message: expect.stringMatching(expected.message) });
    expect([count(ctx.db, 'pledges'), count(ctx.db, 'revisions')]).toEqual(before);
  });
});

function cli(args: string[], databasePath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(tsx, ['server/import.cli.ts', ...args], { cwd: root, env: { ...process.env, DATABASE_PATH: databasePath } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run import', () => {
  it('prints each problem with line and column, exits 1, writes nothing; a dry run writes nothing and exits 0', async () => {
    const ctx = app();
    const dir = path.dirname(ctx.file);
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'pledger,amount,announced_on,source_urls\nA,lots,2025-01-01,https://example.com/a\nB,5B,2025-01-01,javascript:x\n');
    const refused = await cli([bad], ctx.file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('line 2, column amount: Write the amount in digits');
    expect(refused.stderr).toContain('line 3, column source_urls: Use a full web address');
    expect(refused.stderr).toContain('Nothing was imported: 2 problems in bad.csv.');

    const good = path.join(dir, 'good.csv');
    fs.writeFileSync(good, 'pledger,amount,announced_on,source_urls\nA,1B,2025-01-01,https://example.com/a\n');
    const dry = await cli([good, '--dry-run'], ctx.file);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Dry run, nothing written: 1 new, 0 changed, 0 unchanged.');
    expect(count(ctx.db, 'pledges')).toBe(5);

    const real = await cli([good], ctx.file);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toContain('Imported good.csv: 1 new, 0 changed, 0 unchanged');
    expect(count(ctx.db, 'pledges')).toBe(6);
    expect((await cli([], ctx.file)).code).toBe(2);
  });
});
