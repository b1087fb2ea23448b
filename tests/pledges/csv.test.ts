import fs from 'node:fs';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { insertEvent, linkPledgeToEvent } from '../../server/events/events.repository.ts';
import { csvLine, neutraliseFormula, tableCsv, unneutraliseFormula, type CsvCell } from '../../server/pledges/pledges.csv.ts';
import { CSV_COLUMNS } from '../../server/pledges/pledge.model.ts';
import { EMPTY_FILTER } from '../../server/pledges/pledges.filter.ts';
import { exportSql } from '../../server/pledges/pledges.export.ts';
import { addPledge, binary, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const EXPECTED = fs.readFileSync(new URL('../fixtures/pledges-expected.csv', import.meta.url));

function arrangeTrickyRows() {
  ctx = freshApp({ seed: false });
  const { db } = ctx;
  addPledge(db, {
    pledger: 'Comma, Inc.',
    project: 'Say "hi"',
    amount_usd: 1_500_000_000,
    amount_note: 'line1\nline2',
    us_share_pct: 50,
    us_share_basis: 'inferred',
    announced_on: '2025-02',
    horizon_years: 2.5,
    sector: 'Chips',
    country: 'Taiwan',
    status: 'under_way',
    lever: null,
    pledger_kind: 'government',
    commitment_kind: 'fund',
    horizon_start: '2025-01-01',
    new_money_usd: 500_000_000,
    first_tranche_by: '2025-06',
    sources: [
      { url: 'https://example.com/a', title: 'A' },
      { url: 'https://example.com/b?x=1&y=2', title: 'B' },
    ],
  });
  const formulas = addPledge(db, {
    pledger: '=1+1',
    project: '+SUM(A1)',
    amount_usd: null,
    amount_note: '-2+3',
    us_share_pct: null,
    us_share_basis: null,
    announced_on: '2025-03-04',
    horizon_years: null,
    horizon_end: '2026-01-31',
    horizon_note: '@cmd',
    sector: '\tTab',
    country: '\rCR',
    lever: 'export_controls',
    context_note: '\nLF',
    pledger_kind: null,
    commitment_kind: null,
    sources: [{ url: 'https://example.com/c', title: '' }],
  });
  addPledge(db, {
    pledger: '＝Fullwidth',
    project: '＋plus',
    amount_usd: 0,
    amount_note: '－minus',
    us_share_pct: 0,
    announced_on: '2024',
    horizon_years: 1,
    horizon_note: '＠at',
    sector: '\0nul',
    country: 'Germany',
    status: 'withdrawn',
    lever: 'other',
    context_note: 'a",=1+1',
    pledger_kind: 'joint_venture',
    commitment_kind: 'purchases_trade',
    new_money_usd: 0,
    sources: [{ url: 'https://example.com/d', title: '' }],
  });
  const event = insertEvent(db, {
    occurred_on: '2025-03',
    title: 'Tariff threat',
    kind: 'tariffs',
    concession_type: null,
    note: '',
    source_url: null,
    source_title: '',
  });
  linkPledgeToEvent(db, formulas, event);
  db.prepare("UPDATE pledges SET created_at = '2025-01-01T00:00:00.000Z', updated_at = '2025-01-02T00:00:00.000Z'").run();
}

describe('GET /pledges.csv', () => {
  it('matches the expected file byte for byte: quoting, formula neutralising, empty undisclosed amounts and unknown kinds', async () => {
    arrangeTrickyRows();
    const res = await request(ctx.app).get('/pledges.csv').buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(JSON.stringify((res.body as Buffer).toString('utf8'))).toBe(JSON.stringify(EXPECTED.toString('utf8')));
    expect((res.body as Buffer).equals(EXPECTED)).toBe(true);
  });

  it('is served as a UTF-8 CSV attachment named with the date', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/pledges.csv');
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const today = new Date().toISOString().slice(0, 10);
    expect(res.headers['content-disposition']).toBe(`attachment; filename=pledges-${today}.csv`);
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^id,pledger,project,amount_usd,/);
  });

  it('when there are no pledges, then it is the header row alone', async () => {
    ctx = freshApp({ seed: false });
    const res = await request(ctx.app).get('/pledges.csv');
    expect(res.text.split('\r\n')).toEqual([expect.stringMatching(/^id,pledger,/), '']);
  });

  it('streams a large export in many chunks, and keeps serving after a client walks away', async () => {
    ctx = freshApp({ seed: false });
    const insertMany = ctx.db.transaction(() => {
      for (let i = 0; i < 3000; i++) addPledge(ctx.db, { pledger: `Pledger ${i}`, context_note: 'x'.repeat(200) });
    });
    insertMany();
    const server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      const abandoned = new AbortController();
      const partial = await fetch(`http://127.0.0.1:${port}/pledges.csv`, { signal: abandoned.signal });
      const reader = partial.body!.getReader();
      await reader.read();
      abandoned.abort();

      const full = await fetch(`http://127.0.0.1:${port}/pledges.csv`);
      const reader2 = full.body!.getReader();
      let chunks = 0;
      let text = '';
      for (;;) {
        const { done, value } = await reader2.read();
        if (done) break;
        chunks++;
        text += Buffer.from(value).toString('utf8');
      }
      expect(chunks).toBeGreaterThan(1);
      expect(text.trimEnd().split('\r\n')).toHaveLength(3001);
      expect(ctx.errors).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('GET /pledges.csv, many chunks of text in every script', () => {
  it('is the same bytes as the rows written at once, whatever a chunk boundary cuts and however long a record', async () => {
    ctx = freshApp({ seed: false });
    const texts = ['Zürich Straße', '北京 半导体', 'Ünïcödé, "quoted"', '=cmd|€', 'emoji 🚀🏭', 'plain'];
    ctx.db.transaction(() => {
      for (let i = 0; i < 1500; i++) addPledge(ctx.db, { pledger: `${texts[i % texts.length]} ${i}`, context_note: `${texts[(i + 1) % texts.length]} `.repeat(1 + (i % 40)) });
      // Records of fewer characters than a chunk's bytes but more bytes than are left in it, and one record longer
      // than a chunk: characters of three and four bytes.
      for (let i = 0; i < 3; i++) {
        addPledge(ctx.db, { pledger: `Narrow ${i}`, context_note: 'x'.repeat(50_000) });
        addPledge(ctx.db, { pledger: `Wide ${i}`, context_note: '€'.repeat(30_000) });
      }
      addPledge(ctx.db, { pledger: 'Long', context_note: '€🏭'.repeat(60_000) });
    })();
    const res = await request(ctx.app).get('/pledges.csv').buffer(true).parse(binary);
    // The export's 26 columns as one statement reads them, each written by csv-stringify.
    const query = exportSql('', { ...EMPTY_FILTER, on: new Date().toISOString().slice(0, 10) }, ctx.db);
    const rows = ctx.db.prepare(query.sql).raw().all(...query.params) as CsvCell[][];
    expect(rows).toHaveLength(1507);
    expect((res.body as Buffer).length).toBeGreaterThan(500_000);
    expect((res.body as Buffer).equals(Buffer.from(tableCsv([[...CSV_COLUMNS], ...rows])))).toBe(true);
  });
});

describe('GET /pledges.csv, records joined in SQL and records written cell by cell', () => {
  it('writes a comma, quote, line break or formula in any text column among plain records as csv-stringify does, filtered or not', async () => {
    ctx = freshApp({ seed: false });
    const texts = ['a, b', 'say "hi"', 'one\ntwo', 'cr\rhere', '=SUM(A1)', '-1', '@x', '＝1', '\tx', 'plain'];
    const columns = ['pledger', 'project', 'amount_note', 'horizon_note', 'sector', 'country', 'context_note'] as const;
    let i = 0;
    ctx.db.transaction(() => {
      for (const column of columns) {
        for (const text of texts) {
          // REAL columns SQLite would write otherwise (10.0, 33.3333333333333) between the runs.
          const reals = { us_share_pct: [10, 12.5, 100 / 3][i % 3], horizon_years: [null, 2.5, 7][i % 3] };
          addPledge(ctx.db, { pledger: `Plain ${i}`, sector: i % 2 ? 'Energy' : 'Chips', ...reals });
          addPledge(ctx.db, { sector: i % 3 ? 'Energy' : 'Chips', ...reals, [column]: text });
          i++;
        }
      }
      // Two unwritten records in a row, then plain ones to the end.
      addPledge(ctx.db, { pledger: 'x, y', sector: 'Energy' });
      addPledge(ctx.db, { project: '+1', sector: 'Energy' });
      for (let k = 0; k < 5; k++) addPledge(ctx.db, { pledger: `Tail ${k}`, sector: 'Energy', us_share_pct: 99.9 });
    })();
    const query = exportSql('', { ...EMPTY_FILTER, on: new Date().toISOString().slice(0, 10) }, ctx.db);
    const rows = ctx.db.prepare(query.sql).raw().all(...query.params) as CsvCell[][];
    expect(rows).toHaveLength(2 * columns.length * texts.length + 7);
    const sector = CSV_COLUMNS.indexOf('sector');
    const views = [
      { url: '/pledges.csv', rows },
      { url: '/pledges.csv?sector=Energy', rows: rows.filter((row) => row[sector] === 'Energy') },
      { url: '/pledges.csv?q=plain%201', rows: rows.filter((row) => String(row[CSV_COLUMNS.indexOf('pledger')]).startsWith('Plain 1')) },
    ];
    for (const view of views) {
      const res = await request(ctx.app).get(view.url).buffer(true).parse(binary);
      expect(res.status).toBe(200);
      expect(view.rows.length).toBeGreaterThan(10);
      expect((res.body as Buffer).toString('utf8')).toBe(tableCsv([[...CSV_COLUMNS], ...view.rows]));
    }
  });
});

describe('neutraliseFormula', () => {
  it.each(['=', '+', '-', '@', '\t', '\r', '\n', '\0', '＝', '＋', '－', '＠'])('prefixes a cell starting with %j', (trigger) => {
    expect(neutraliseFormula(`${trigger}1+1`)).toBe(`'${trigger}1+1`);
    expect(unneutraliseFormula(neutraliseFormula(`${trigger}1+1`))).toBe(`${trigger}1+1`);
  });

  it.each(['plain', 'a=1', ' =1', '1-2', ''])('leaves %j alone', (text) => {
    expect(neutraliseFormula(text)).toBe(text);
    expect(unneutraliseFormula(`'${text}`)).toBe(`'${text}`);
  });
});

describe('the export writer', () => {
  it('writes every cell of the hostile corpus byte for byte as csv-stringify does', () => {
    const corpus = JSON.parse(fs.readFileSync(new URL('../fixtures/hostile.json', import.meta.url), 'utf8')) as { body: unknown }[];
    const texts = corpus.flatMap(({ body }) => (body && typeof body === 'object' ? Object.values(body) : [body])).filter((value): value is string => typeof value === 'string');
    expect(texts.length).toBeGreaterThan(1000);
    const cells: CsvCell[] = [...texts, '', ' ', '"', ',', '\r', '\n', '\r\n', "'=1", 0, -1.5, 12.5, 1e21, 2 ** 53, null];
    for (let i = 0; i < cells.length; i += 7) {
      const row = cells.slice(i, i + 7);
      expect(csvLine(row)).toBe(tableCsv([row]));
    }
  });
});
