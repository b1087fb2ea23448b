import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseVersion } from '../../server/platform/meta.repository.ts';
import { linkPledgeToEvent } from '../../server/events/events.repository.ts';
import { readBatches } from '../../server/import/import.rows.ts';
import { importCsv } from '../../server/import/import.run.ts';
import { importCsvFile } from '../../server/import/import.threads.ts';
import { PRE_GROUPED } from '../../server/platform/bulk-load.ts';
import { addPledge, count, drift, freshApp, searchIndexExact, type TestContext } from '../helpers.ts';
import { root, tsx } from '../process.ts';

const contexts: TestContext[] = [];
afterEach(() => contexts.splice(0).forEach((ctx) => ctx.cleanup()));
function app(seed = true): TestContext {
  const ctx = freshApp({ seed });
  contexts.push(ctx);
  return ctx;
}

const AUTHOR = { id: null, username: 'test (command line)' };

async function importText(ctx: TestContext, text: string | Buffer, filename = 'file.csv') {
  return importCsv(ctx.db, Readable.from([Buffer.from(text)]), { write: { author: AUTHOR, filename } });
}

/** The export without its timestamps, which an import does not carry over (every cell of them is plain text). */
async function exported(ctx: TestContext): Promise<string> {
  const csv = (await request(ctx.app).get('/pledges.csv')).text;
  return csv.replace(/,(?:created_at,updated_at|\d{4}-\d\d-\d\dT[\d:.]+Z,\d{4}-\d\d-\d\dT[\d:.]+Z)(?=,|\r\n)/g, '');
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
      pledger_kind: 'joint_venture',
      commitment_kind: 'mixed',
      horizon_start: '2025-03-15',
      new_money_usd: null,
      sources: [
        { url: 'https://example.com/one', title: '' },
        { url: 'https://example.com/two?a=1&b=2', title: '' },
      ],
    });
    linkPledgeToEvent(a.db, tricky, 2);
    addPledge(a.db, { pledger: 'Plain Co', amount_usd: 123_456_789, pledger_kind: null, commitment_kind: 'purchases_trade', new_money_usd: 23_456_789 });
    const first = await exported(a);
    expect(first).toContain(',pledger_kind,commitment_kind,horizon_start,new_money_usd,first_tranche_by,overdue\r\n');
    expect(first).toContain(',joint_venture,mixed,2025-03-15,,,false\r\n');
    expect(first).toContain(',,purchases_trade,,23456789,,false\r\n');

    const b = app();
    const outcome = await importText(b, (await request(a.app).get('/pledges.csv')).text, 'pledges.csv');
    expect(outcome.problems).toEqual([]);
    expect(outcome).toMatchObject({ created: 2, changed: 0, unchanged: 5, written: true });
    expect(await exported(b)).toBe(first);
    expect(b.db.prepare('SELECT pledger FROM pledges WHERE id = ?').pluck().get(tricky)).toBe('=1+1 "quoted", with commas');
    expect(b.db.prepare('SELECT pledger_kind, commitment_kind, horizon_start, new_money_usd FROM pledges ORDER BY id DESC LIMIT 2').all()).toEqual([
      { pledger_kind: null, commitment_kind: 'purchases_trade', horizon_start: null, new_money_usd: 23_456_789 },
      { pledger_kind: 'joint_venture', commitment_kind: 'mixed', horizon_start: '2025-03-15', new_money_usd: null },
    ]);
  });

  it('re-importing the same file adds and changes nothing; every change has a revision "import FILE"', async () => {
    const ctx = app();
    const file = 'pledger,project,amount,US share,announced date,source URL\r\nAcme,Plant,5 bn,50,2025-03,https://example.com/x\r\n';
    await importText(ctx, file, 'newsroom.csv');
    expect(ctx.db.prepare("SELECT count(*) FROM revisions WHERE reason = 'import newsroom.csv'").pluck().get()).toBe(1);
    const revisions = count(ctx.db, 'revisions');
    expect(await importText(ctx, file, 'newsroom.csv')).toMatchObject({ created: 0, changed: 0, unchanged: 1 });
    expect(count(ctx.db, 'revisions')).toBe(revisions);
    expect(count(ctx.db, 'pledges')).toBe(6);
  });

  it('updates by id, or by pledger + project + date, showing each field’s difference', async () => {
    const ctx = app();
    const plan = await importCsv(
      ctx.db,
      Readable.from([
        'id,pledger,project,amount_usd,announced_on,source_urls\r\n' +
          '3,TSMC,"Additional Arizona fabs (3 fabs, 2 advanced packaging plants, R&D center)",165000000000,2025-03-03,https://evertiq.com/x\r\n',
      ]),
    );
    expect(plan).toMatchObject({ created: 0, changed: 1, written: false });
    expect(plan.sample.changed[0].changes.amount_usd).toEqual({ from: 100e9, to: 165e9 });
    const second = await importCsv(ctx.db, Readable.from(['pledger,project,announced_on,source_urls,amount\r\nMicrosoft,"AI-enabled data centers, fiscal year 2025",2025-01-03,https://x.example/,90B\r\n']));
    expect(second.sample.changed[0]).toMatchObject({ id: 2 });
    expect(second.sample.changed[0].changes.amount_usd).toEqual({ from: 80e9, to: 90e9 });
    expect(ctx.db.prepare('SELECT amount_usd FROM pledges WHERE id = 2').pluck().get()).toBe(80e9);
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

  it('reads who pledges, the kind of commitment, the horizon start and the new money under the names people give them', async () => {
    const ctx = app(false);
    const { problems } = await importText(
      ctx,
      'Pledger,Amount,New money,Pledger kind,Commitment kind,Horizon start,Horizon end,Announced,Source URL\r\n' +
        'Gilead,$32B,11B,company,capital_spending,2025-05-01,2029-12-31,2025-04-29,https://example.com/g\r\n' +
        'Someone,5B,,,,,,2025-03,https://example.com/s\r\n',
    );
    expect(problems).toEqual([]);
    expect(ctx.db.prepare('SELECT pledger, pledger_kind, commitment_kind, horizon_start, new_money_usd FROM pledges ORDER BY id').all()).toEqual([
      { pledger: 'Gilead', pledger_kind: 'company', commitment_kind: 'capital_spending', horizon_start: '2025-05-01', new_money_usd: 11e9 },
      { pledger: 'Someone', pledger_kind: null, commitment_kind: null, horizon_start: null, new_money_usd: null },
    ]);
  });

  it('stores formula-like cells as typed, and the export neutralises them', async () => {
    const ctx = app(false);
    await importText(ctx, 'pledger,announced_on,source_urls\r\n"=HYPERLINK(""http://evil"")",2025-01-01,https://example.com/f\r\n');
    expect(ctx.db.prepare('SELECT pledger FROM pledges').pluck().get()).toBe('=HYPERLINK("http://evil")');
    expect((await request(ctx.app).get('/pledges.csv')).text).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });
});

const REFUSALS: [string, string | Buffer, { line: number; column: string | null; message: RegExp }][] = [
    ['one bad row', 'pledger,announced_on,source_urls\nGood,2025-01-01,https://example.com/g\nBad,2025-02-30,https://example.com/b\n', { line: 3, column: 'announced_on', message: /real date/ }],
    ['an unbalanced quote', 'pledger,announced_on,source_urls\n"Open,2025-01-01,https://example.com/g\n', { line: 2, column: null, message: /quote/ }],
    ['a wrong column count', 'pledger,announced_on,source_urls\nA,2025-01-01,https://example.com/a,extra\n', { line: 2, column: null, message: /number of columns/ }],
    ['a missing required header', 'pledger,project\nA,B\n', { line: 1, column: 'announced_on', message: /no announced_on column/ }],
    ['a UTF-16 file', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('pledger,announced_on\n', 'utf16le')]), { line: 1, column: null, message: /UTF-16/ }],
    ['binary junk', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0xff, 0x00]), { line: 1, column: null, message: /UTF-16|binary/ }],
    ['a 10 MB field', `pledger,announced_on,source_urls\n${'x'.repeat(10 * 1024 * 1024)},2025-01-01,https://example.com/a\n`, { line: 2, column: null, message: /larger than/ }],
    ['the same pledge twice', 'pledger,announced_on,source_urls\nA,2025-01-01,https://example.com/a\nA,2025-01-01,https://example.com/b\n', { line: 3, column: null, message: /same pledge as line 2/ }],
    ['an empty file', '', { line: 1, column: null, message: /empty/ }],
    ['a pledger kind not in the list', 'pledger,announced_on,source_urls,pledger_kind\nA,2025-01-01,https://example.com/a,oligarch\n', { line: 2, column: 'pledger_kind', message: /kind of pledger/ }],
    ['more new money than the amount', 'pledger,announced_on,source_urls,amount_usd,new_money_usd\nA,2025-01-01,https://example.com/a,1000,1001\n', { line: 2, column: 'new_money', message: /more than the amount/ }],
    ['a horizon that starts after it ends', 'pledger,announced_on,source_urls,horizon_start,horizon_end\nA,2025-01-01,https://example.com/a,2026-01-01,2025-12-31\n', { line: 2, column: 'horizon_start', message: /start before it ends/ }],
    ['a source URL a parser accepts and the database does not', 'pledger,announced_on,source_urls\nA,2025-01-01,https:alert(1)\n', { line: 2, column: 'source_urls', message: /web address/ }],
];

describe('import refusals: nothing is written', () => {
  it.each(REFUSALS)('refuses %s with its line, column and message', async (_what, text, expected) => {
    const ctx = app();
    const before = [count(ctx.db, 'pledges'), count(ctx.db, 'revisions')];
    const { problems } = await importText(ctx, text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems).toContainEqual({ line: expected.line, column: expected.column, message: expect.stringMatching(expected.message) });
    expect([count(ctx.db, 'pledges'), count(ctx.db, 'revisions')]).toEqual(before);
  });
});

describe('large imports', () => {
  const version = (ctx: TestContext) => Number(databaseVersion(ctx.db));
  const rowsFile = (rows: number, last = '') =>
    `pledger,project,amount,announced_on,sector,source_urls\n${Array.from({ length: rows }, (_, i) => `Co ${i % 37},Plant ${i},${i + 1} m,2024-0${1 + (i % 9)}-1${i % 10},S${i % 7},https://example.com/${i}`).join('\n')}\n${last}`;

  it('drops the secondary indexes for a bulk load and has every one back, with every row, when it commits', async () => {
    const ctx = app(false);
    const before = indexesOf(ctx);
    const versionBefore = version(ctx);
    let rebuilt = 0;
    // One pledge of $0: the waterfall's ledger reads it one by one (pledge_ledger), so that table is refilled too.
    const outcome = await importCsv(ctx.db, Readable.from([rowsFile(2999, 'Zero Co,Nothing yet,0,2024-05-05,S1,https://example.com/zero\n')]), {
      write: { author: AUTHOR, filename: 'bulk.csv' },
      bulkFrom: 500,
      onIndexing: () => (rebuilt += 1),
    });
    expect(outcome).toMatchObject({ problems: [], created: 3000, written: true });
    expect(rebuilt).toBe(1);
    expect(indexesOf(ctx)).toEqual(before);
    // The data version's triggers are back and work, and the load moved the version (caches see it).
    expect(version(ctx)).toBeGreaterThan(versionBefore);
    const afterLoad = version(ctx);
    ctx.db.prepare("UPDATE pledges SET context_note = 'x' WHERE id = 1").run();
    expect(version(ctx)).toBe(afterLoad + 1);
    expect(count(ctx.db, 'pledges')).toBe(3000);
    // The pre-grouped tables, refilled after the load, hold what their views compute afresh, and are not empty
    // (but the status spans and the announced pledges with completion evidence: both come from status steps, and an
    // import writes none).
    for (const table of PRE_GROUPED.filter((name) => name !== 'status_spans' && name !== 'announced_evidence')) {
      expect([table, drift(ctx.db, table), count(ctx.db, table) > 0]).toEqual([table, 0, true]);
    }
    expect([drift(ctx.db, 'status_spans'), count(ctx.db, 'status_spans')]).toEqual([0, count(ctx.db, 'status_changes')]);
    expect([drift(ctx.db, 'announced_evidence'), count(ctx.db, 'announced_evidence')]).toEqual([0, 0]);
    // The search's trigram index (023), set aside with its triggers and rebuilt from the refilled texts.
    expect(searchIndexExact(ctx.db)).toBe(true);
    expect(ctx.db.prepare("SELECT count(*) FROM revisions WHERE reason = 'import bulk.csv'").pluck().get()).toBe(3000);
    expect(ctx.db.prepare("SELECT count(*) FROM pledges WHERE sector = 'S3'").pluck().get()).toBe(ctx.db.prepare("SELECT count(*) FROM pledges NOT INDEXED WHERE sector = 'S3'").pluck().get());
    expect(ctx.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('a bad row after the indexes were dropped rolls everything back, indexes included', async () => {
    const ctx = app(false);
    const before = indexesOf(ctx);
    const versionTriggers = () => ctx.db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name GLOB '*_data_version'").pluck().get();
    const triggersBefore = versionTriggers();
    const outcome = await importCsv(ctx.db, Readable.from([rowsFile(3000, 'Late,Bad,1 m,2024-13-01,S1,https://example.com/late\n')]), {
      write: { author: AUTHOR, filename: 'bulk.csv' },
      bulkFrom: 500,
    });
    expect(outcome.written).toBe(false);
    expect(outcome.problems).toEqual([{ line: 3002, column: 'announced_on', message: expect.any(String) }]);
    expect(count(ctx.db, 'pledges')).toBe(0);
    expect(count(ctx.db, 'revisions')).toBe(0);
    expect(indexesOf(ctx)).toEqual(before);
    expect(versionTriggers()).toBe(triggersBefore);
    expect(ctx.db.inTransaction).toBe(false);
  });

  it('keeps only the first rows of each kind for the preview, and counts them all', async () => {
    const ctx = app(false);
    const outcome = await importCsv(ctx.db, Readable.from([rowsFile(250)]), { keep: 20 });
    expect(outcome).toMatchObject({ created: 250, written: false });
    expect(outcome.sample.created.map((row) => row.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(count(ctx.db, 'pledges')).toBe(0);
  });
});

describe('the command line reads on a thread of its own', () => {
  const header = 'id,pledger,project,amount,announced_on,source_urls\n';
  const row = (i: number, id: number | '' = '') => `${id},Co ${i % 37},Plant ${i},${i + 1} m,2024-0${1 + (i % 9)}-1${i % 10},https://example.com/${i}`;
  const fileOf = (ctx: TestContext, text: string | Buffer) => {
    const file = path.join(path.dirname(ctx.file), 'import.csv');
    fs.writeFileSync(file, text);
    return file;
  };
  const write = (filename: string) => ({ write: { author: AUTHOR, filename }, bulkFrom: 100 });

  it.each(REFUSALS)('refuses %s as the in-process reader does', async (_what, text) => {
    const ctx = app();
    const inProcess = await importCsv(ctx.db, Readable.from([Buffer.from(text)]));
    expect(await importCsvFile(ctx.db, fileOf(ctx, text))).toEqual(inProcess);
    expect(inProcess.problems.length).toBeGreaterThan(0);
  });

  it('lists the problems of many batches in line order, the writing side’s among the reading side’s', async () => {
    const ctx = app(false);
    const lines = Array.from({ length: 700 }, (_, i) => row(i + 2));
    lines[120 - 2] = lines[120 - 2].replace('2024-0', '2024-1'); // line 120: month 1x, found while reading
    lines[130 - 2] = row(50); // line 130 names the pledge of line 50 again: found by the writing side
    lines[300 - 2] = lines[300 - 2].replace('https://', 'javascript:');
    lines[650 - 2] = row(2); // a repeat in a later batch
    const text = `${header}${lines.join('\n')}\n`;
    const expected = [
      { line: 120, column: 'announced_on', message: expect.stringMatching(/real date/) },
      { line: 130, column: null, message: 'This row is the same pledge as line 50.' },
      { line: 300, column: 'source_urls', message: expect.stringMatching(/web address/) },
      { line: 650, column: null, message: 'This row is the same pledge as line 2.' },
    ];
    const threaded = await importCsvFile(ctx.db, fileOf(ctx, text), write('many.csv'));
    expect(threaded.problems).toEqual(expected);
    expect(threaded.written).toBe(false);
    expect(await importCsv(ctx.db, Readable.from([text]), write('many.csv'))).toEqual(threaded);
    expect([count(ctx.db, 'pledges'), count(ctx.db, 'revisions'), ctx.db.inTransaction]).toEqual([0, 0, false]);
  });

  it('writes what the in-process reader writes, revisions included, and puts every index back', async () => {
    const text = `${header}${Array.from({ length: 600 }, (_, i) => row(i + 2, i % 3 === 0 ? i + 1000 : '')).join('\n')}\n`;
    const [a, b] = [app(false), app(false)];
    const indexes = indexesOf(a);
    const threaded = await importCsvFile(a.db, fileOf(a, text), write('same.csv'));
    const inProcess = await importCsv(b.db, Readable.from([text]), write('same.csv'));
    expect(threaded).toEqual(inProcess);
    expect(threaded).toMatchObject({ problems: [], created: 600, written: true });
    const contents = (ctx: TestContext) => [
      ctx.db.prepare('SELECT id, pledger, project, amount_usd, announced_on FROM pledges ORDER BY id').all(),
      ctx.db.prepare('SELECT pledge_id, position, url FROM pledge_sources ORDER BY pledge_id, position').all(),
      ctx.db.prepare('SELECT entity_id, action, username, changes, reason FROM revisions ORDER BY id').all(),
    ];
    expect(contents(a)).toEqual(contents(b));
    expect(indexesOf(a)).toEqual(indexes);
    expect(a.db.prepare("SELECT count(*) FROM revisions WHERE reason = 'import same.csv'").pluck().get()).toBe(600);
  });

  it("sets the indexes aside before a large file's first batch is written, not once it has created bulkFrom pledges", async () => {
    const ctx = app(false);
    const text = `${header}${Array.from({ length: 1200 }, (_, i) => row(i + 2)).join('\n')}\n`;
    const all = indexesOf(ctx).length;
    const dataVersion = () => Number(ctx.db.prepare("SELECT value FROM app_meta WHERE key = 'data_version'").pluck().get());
    const versionBefore = dataVersion();
    const heldAfterBatch: number[] = [];
    const outcome = await importCsvFile(ctx.db, fileOf(ctx, text), {
      ...write('large.csv'),
      bulkFrom: 1000,
      // The same connection, inside the import's transaction: the indexes it holds after each batch.
      onProgress: () => heldAfterBatch.push(indexesOf(ctx).length),
    });
    expect(outcome).toMatchObject({ problems: [], created: 1200, written: true });
    // 250 rows a batch: without the file's size, the load would begin within the fourth batch (row 1,000).
    expect(heldAfterBatch[0]).toBeLessThan(all);
    // Not a row of the first batch was written with the per-row triggers: the data version moved once, at the end.
    expect(dataVersion()).toBe(versionBefore + 1);
    expect(indexesOf(ctx).length).toBe(all);
    expect(count(ctx.db, 'pledges')).toBe(1200);
    expect(drift(ctx.db, 'search_texts')).toBe(0);
  });

  it('imports the same large file again without a bulk load: nothing changes, not even the data version', async () => {
    const ctx = app(false);
    const text = `${header}${Array.from({ length: 1200 }, (_, i) => row(i + 2)).join('\n')}\n`;
    await importCsvFile(ctx.db, fileOf(ctx, text), { ...write('first.csv'), bulkFrom: 1000 });
    const version = databaseVersion(ctx.db);
    let rebuilt = 0;
    const again = await importCsvFile(ctx.db, fileOf(ctx, text), { ...write('again.csv'), bulkFrom: 1000, onIndexing: () => (rebuilt += 1) });
    expect(again).toMatchObject({ problems: [], created: 0, changed: 0, unchanged: 1200 });
    expect([rebuilt, databaseVersion(ctx.db)]).toEqual([0, version]);
  });

  it('into an empty table, finds again a pledge it created, by id and by pledger + project + date', async () => {
    const ctx = app(false);
    // Line 3 names line 2's pledge without its id; line 5 names, by id, the pledge line 4 created without one.
    const text =
      'id,pledger,project,amount,announced_on,source_urls\n' +
      '7,Acme,Plant,1 bn,2025-01,https://example.com/a\n' +
      ',Acme,Plant,2 bn,2025-01,https://example.com/a\n' +
      ',Beta,Mill,3 bn,2025-02,https://example.com/b\n' +
      '8,Beta,Mill,4 bn,2025-02,https://example.com/b\n';
    const outcome = await importCsvFile(ctx.db, fileOf(ctx, text), { write: { author: AUTHOR, filename: 'again.csv' }, bulkFrom: 1 });
    expect(outcome).toMatchObject({ problems: [], created: 2, changed: 2, written: true });
    expect(ctx.db.prepare('SELECT id, amount_usd FROM pledges ORDER BY id').all()).toEqual([
      { id: 7, amount_usd: 2e9 },
      { id: 8, amount_usd: 4e9 },
    ]);
    expect(indexesOf(ctx).map((index) => index.name)).toContain('pledges_identity_idx');
  });

  it('hands rows over in batches of at most 250 rows and about a megabyte of the file', async () => {
    const batchesOf = async (text: string) => {
      const batches: { rows: number; bytes: number }[] = [];
      for await (const batch of readBatches(Readable.from([text]), new Set())) batches.push({ rows: batch.rows.length, bytes: batch.bytes });
      return batches;
    };
    const small = await batchesOf(`${header}${Array.from({ length: 600 }, (_, i) => row(i + 2)).join('\n')}\n`);
    expect(small.map((batch) => batch.rows)).toEqual([250, 250, 100]);
    // Rows at their largest (20 sources of 1,900 characters each: about 40 kB a row).
    const fat = (i: number) => `,Co ${i},Plant ${i},1 bn,2024-01-01,${Array.from({ length: 20 }, (_, j) => `https://example.com/${i}/${j}/${'x'.repeat(1900)}`).join(' ')}`;
    const large = await batchesOf(`${header}${Array.from({ length: 60 }, (_, i) => fat(i)).join('\n')}\n`);
    expect(large.reduce((total, batch) => total + batch.rows, 0)).toBe(60);
    expect(large.length).toBeGreaterThanOrEqual(3);
    large.forEach((batch, i) => expect(batch.bytes - (large[i - 1]?.bytes ?? 0)).toBeLessThan(1024 * 1024 + 50_000));
  });

  it('a reader that fails writes nothing and says why', async () => {
    const ctx = app();
    const before = count(ctx.db, 'pledges');
    await expect(importCsvFile(ctx.db, path.dirname(ctx.file), write('dir'))).rejects.toThrow(/EISDIR/);
    expect([count(ctx.db, 'pledges'), ctx.db.inTransaction]).toEqual([before, false]);
  });
});

function indexesOf(ctx: TestContext) {
  return ctx.db.prepare("SELECT name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger') AND tbl_name = 'pledges' ORDER BY name").all() as { name: string }[];
}

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
    // Four commands, each a process that compiles the importer afresh: about a second each on an idle machine.
  }, 30_000);
});
