// A long CSV export made in parts side by side (pledges.export-thread.ts): the server's thread makes every other run of
// 1,024 ids, a thread of its own the rest, and the answer is the same bytes as the export made whole.
import http from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { createApp } from '../../server/app.ts';
import { generatePledges } from '../../server/import/generate.ts';
import { closeSnapshot, openSnapshot } from '../../server/platform/db.ts';
import { databaseVersion } from '../../server/platform/meta.repository.ts';
import { CSV_COLUMNS } from '../../server/pledges/pledge.model.ts';
import { csvChunks, tableCsv, type CsvCell } from '../../server/pledges/pledges.csv.ts';
import { exportLines, exportSql, lastPledgeId } from '../../server/pledges/pledges.export.ts';
import { exportThreadsRunning, partedChunks, partsFree } from '../../server/pledges/pledges.export-thread.ts';
import { EMPTY_FILTER, parseFilter, type PledgeFilter } from '../../server/pledges/pledges.filter.ts';
import { addPledge, binary, freshApp, TEST_TODAY, type TestContext } from '../helpers.ts';

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs fn with the app listening on a port of its own, closed afterwards. */
async function withServer(app: Express, fn: (base: string) => Promise<void>): Promise<void> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as { port: number };
    await fn(`http://127.0.0.1:${port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

let ctx: TestContext;
/** The same database, its exports made whole on the server's thread. */
let whole: Express;

beforeAll(() => {
  ctx = freshApp({ seed: false, exportThreadRows: 0 });
  generatePledges(ctx.db, { rows: 6_000, seed: 11 });
  ctx.db.transaction(() => {
    // Records that are not their SQL's text (written cell by cell), one longer than a chunk, and text of every width.
    const texts = ['Zürich Straße', '北京 半导体', 'Ünïcödé, "quoted"', '=cmd|€', 'emoji 🚀🏭', 'line\r\nbreak'];
    for (let i = 0; i < 60; i++) addPledge(ctx.db, { pledger: `${texts[i % texts.length]} ${i}`, context_note: `${texts[(i + 1) % texts.length]} `.repeat(1 + (i % 40)) });
    addPledge(ctx.db, { pledger: 'Long', context_note: '€🏭'.repeat(60_000) });
  })();
  // A run of 1,024 ids with no pledge left (ids 2,048 to 3,071), and gaps in others.
  ctx.db.prepare('DELETE FROM pledges WHERE (id >= 2048 AND id < 3072) OR id % 97 = 0').run();
  whole = createApp({ db: ctx.db, today: () => TEST_TODAY, config: { env: 'test', sessionSecret: 'test-secret-test-secret-test-secret!', trustProxy: false }, exportThreadRows: null });
});
afterAll(() => ctx?.cleanup());

/** The export's chunks made on this thread from a snapshot, as the server makes it whole. */
function wholeChunks(filter: PledgeFilter): Buffer {
  const snapshot = openSnapshot(ctx.db);
  try {
    return Buffer.concat([...csvChunks(exportLines(snapshot, filter), CSV_COLUMNS)]);
  } finally {
    closeSnapshot(snapshot);
  }
}

/** The export made in parts by partedChunks itself (parts: threads of their own besides this one), and why it fell back. */
async function parted(
  filter: PledgeFilter,
  { parts = 3, version, file = ctx.file, threadFilter = filter }: { parts?: number; version?: string; file?: string; threadFilter?: PledgeFilter } = {},
): Promise<{ bytes: Buffer; fellBack: Error[] }> {
  const snapshot = openSnapshot(ctx.db);
  const fellBack: Error[] = [];
  try {
    const stream = partedChunks({
      file,
      filter: threadFilter,
      version: version ?? databaseVersion(snapshot),
      lastId: lastPledgeId(snapshot),
      parts,
      lines: (part) => exportLines(snapshot, filter, part),
      whole: () => csvChunks(exportLines(snapshot, filter), CSV_COLUMNS),
      onWhole: (reason) => fellBack.push(reason),
    });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { bytes: Buffer.concat(chunks), fellBack };
  } finally {
    closeSnapshot(snapshot);
  }
}

const filterOf = (query: string): PledgeFilter => parseFilter(Object.fromEntries(new URLSearchParams(query)), TEST_TODAY);

describe('GET /pledges.csv made in parts side by side', () => {
  // About 66 MB: more than the chunks made ahead and the socket's buffers (a reading side may take 32 MB here), so
  // that a client that stops reading holds the thread.
  describe('over 60 MB, a client that stops reading holds the thread', () => {
    let big: TestContext;
    beforeAll(() => {
      big = freshApp({ seed: false, exportThreadRows: 0 });
      big.db.transaction(() => {
        for (let i = 0; i < 3_000; i++) addPledge(big.db, { pledger: `Pledger ${i}`, context_note: `${i} `.repeat(4_500) });
      })();
    });
    afterAll(() => big?.cleanup());

    /** The whole export as csv-stringify writes the rows of one statement. */
    const expected = () => {
      const query = exportSql('', { ...EMPTY_FILTER, on: TEST_TODAY }, big.db);
      return Buffer.from(tableCsv([[...CSV_COLUMNS], ...(big.db.prepare(query.sql).raw().all(...query.params) as CsvCell[][])]));
    };

    /**
     * An export's answer, its first chunk read and the rest left unread (the socket paused, so that the server's
     * writes wait); rest() reads it to its end.
     */
    const started = (url: string): Promise<{ rest: () => Promise<Buffer> }> =>
      new Promise((resolve, reject) => {
        http
          .get(url, (res) => {
            const chunks: Buffer[] = [];
            res.once('data', (chunk: Buffer) => {
              chunks.push(chunk);
              res.pause();
              resolve({
                rest: () =>
                  new Promise((done) => {
                    res.on('data', (more: Buffer) => chunks.push(more));
                    res.once('end', () => done(Buffer.concat(chunks)));
                    res.resume();
                  }),
              });
            });
          })
          .once('error', reject);
      });

    it('sends every pledge as the rows written at once, its thread running beside the server while the client reads', async () => {
      await withServer(big.app, async (base) => {
        const answer = await started(`${base}/pledges.csv`);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(exportThreadsRunning()).toBe(1);
        expect(partsFree()).toBe(false);
        const sent = await answer.rest();
        expect(sent.length).toBeGreaterThan(60_000_000);
        expect(sent.equals(expected())).toBe(true);
        await until(() => exportThreadsRunning() === 0);
        expect(big.errors).toEqual([]);
      });
    });

    it('makes one export at a time in parts: another meanwhile is made whole, with no thread of its own', async () => {
      await withServer(big.app, async (base) => {
        const first = await started(`${base}/pledges.csv`);
        const second = await started(`${base}/pledges.csv`);
        // Both are being sent, neither read on: the second started no thread.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(exportThreadsRunning()).toBe(1);
        const [one, two] = await Promise.all([first.rest(), second.rest()]);
        const whole = expected();
        expect(one.equals(whole)).toBe(true);
        expect(two.equals(whole)).toBe(true);
        await until(() => exportThreadsRunning() === 0);
        // Once the first is sent, the next is made in parts again.
        expect(partsFree()).toBe(true);
        const third = await started(`${base}/pledges.csv`);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(exportThreadsRunning()).toBe(1);
        expect((await third.rest()).equals(whole)).toBe(true);
        expect(big.errors).toEqual([]);
      });
    });
  });

  it.each(['sector=Semiconductors', 'status=announced&from=2021', 'min=1B&max=100B', 'overdue=1', 'as_of=2023-06-30', 'lever=none&pledger_kind=company', 'step=not_new'])(
    'sends the same bytes as the export made whole for %s',
    async (query) => {
      const [inParts, made] = await Promise.all([request(ctx.app).get(`/pledges.csv?${query}`).buffer(true).parse(binary), request(whole).get(`/pledges.csv?${query}`).buffer(true).parse(binary)]);
      expect(inParts.status).toBe(200);
      expect((inParts.body as Buffer).length).toBeGreaterThan(200);
      expect((inParts.body as Buffer).equals(made.body as Buffer)).toBe(true);
      expect(ctx.errors).toEqual([]);
    },
  );

  it('gives the export as it was when asked for, whatever is written while it is sent, and ends its thread when the client walks away', async () => {
    const expected = wholeChunks({ ...EMPTY_FILTER, on: TEST_TODAY });
    await withServer(ctx.app, async (base) => {
      const res = await fetch(`${base}/pledges.csv`);
      const reader = res.body!.getReader();
      const chunks: Buffer[] = [Buffer.from((await reader.read()).value!)];
      const added = addPledge(ctx.db, { pledger: 'Written meanwhile' });
      ctx.db.prepare('DELETE FROM pledges WHERE id = 5000').run();
      for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(Buffer.from(next.value));
      expect(Buffer.concat(chunks).equals(expected)).toBe(true);

      const abandoned = new AbortController();
      const partial = await fetch(`${base}/pledges.csv`, { signal: abandoned.signal });
      await partial.body!.getReader().read();
      abandoned.abort();
      // The thread ends, and neither part's snapshot is held: the WAL folds back in whole.
      await until(() => exportThreadsRunning() === 0);
      await until(() => (ctx.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]!.busy === 0);
      const after = await request(ctx.app).get('/pledges.csv').buffer(true).parse(binary);
      expect((after.body as Buffer).toString()).toContain(`\r\n${added},Written meanwhile,`);
      expect(ctx.errors).toEqual([]);
    });
  });
});

describe('GET /pledges.csv that fails before its first byte', () => {
  it('answers 500 and leaves no snapshot open, made in parts or whole', async () => {
    for (const exportThreadRows of [0, null]) {
      const broken = freshApp({ exportThreadRows });
      try {
        // The export's statements cannot be prepared.
        broken.db.exec('ALTER TABLE pledge_events RENAME TO pledge_events_gone');
        const res = await request(broken.app).get('/pledges.csv');
        expect(res.status).toBe(500);
        // No reader holds the WAL: it folds back in whole.
        expect((broken.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]!.busy).toBe(0);
        expect(partsFree()).toBe(true);
      } finally {
        broken.cleanup();
      }
    }
  });
});

describe('partedChunks', () => {
  it.each(['', 'q=semiconductor', 'sector=Energy&to=2022'])('puts three parts in order, two of them made by threads, for %s', async (query) => {
    const filter = { ...filterOf(query), on: TEST_TODAY };
    const { bytes, fellBack } = await parted(filter);
    expect(fellBack).toEqual([]);
    expect(bytes.length).toBeGreaterThan(10_000);
    expect(bytes.equals(wholeChunks(filter))).toBe(true);
  });

  it('makes the export whole on the server\'s thread when a write came in before its threads read the data', async () => {
    const filter = { ...EMPTY_FILTER, on: TEST_TODAY };
    const { bytes, fellBack } = await parted(filter, { version: 'another' });
    expect(fellBack.map((error) => error.message)).toEqual([expect.stringContaining('A write came in before an export\'s thread read the data')]);
    expect(bytes.equals(wholeChunks(filter))).toBe(true);
  });

  it('makes the export whole on the server\'s thread when its thread cannot be started', async () => {
    const filter = { ...EMPTY_FILTER, on: TEST_TODAY };
    // What a thread cannot be given (a function) makes starting it throw, as a process out of threads would.
    const { bytes, fellBack } = await parted(filter, { parts: 2, threadFilter: { ...filter, on: (() => TEST_TODAY) as unknown as string } });
    expect(fellBack).toHaveLength(1);
    expect(fellBack[0]!.name).toBe('DataCloneError');
    expect(bytes.equals(wholeChunks(filter))).toBe(true);
    expect(partsFree()).toBe(true);
  });

  it('makes the export whole on the server\'s thread when its threads cannot read the database', async () => {
    const filter = { ...EMPTY_FILTER, on: TEST_TODAY };
    const { bytes, fellBack } = await parted(filter, { parts: 2, file: `${ctx.file}.missing` });
    expect(fellBack).toHaveLength(1);
    expect(bytes.equals(wholeChunks(filter))).toBe(true);
  });
});
