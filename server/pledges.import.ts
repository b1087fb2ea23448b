// CSV import: read and validate every row first (streaming, with progress), then show what would change,
// then apply it all in one transaction. Re-importing the same file changes nothing.
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Db } from './db.ts';
import { listEvents } from './events.repository.ts';
import { unneutraliseFormula } from './pledges.csv.ts';
import {
  addPledgeWithRevision,
  changePledgeWithRevision,
  findPledgeByIdentity,
  pendingChanges,
  pledgeExists,
  sourcesOf,
  type PledgeWrite,
} from './pledges.repository.ts';
import { emptyPledgeForm, validatePledge, type PledgeFormValues } from './pledges.validation.ts';
import type { Author, Changes } from './revisions.repository.ts';

export interface ImportProblem {
  line: number;
  column: string | null;
  message: string;
}

interface ImportRow {
  line: number;
  id: number | null;
  write: PledgeWrite;
}

export interface ImportPlan {
  created: { line: number; id: number | null; write: PledgeWrite }[];
  changed: { line: number; id: number; write: PledgeWrite; changes: Changes }[];
  unchanged: { line: number; id: number }[];
}

/** The largest field a cell may hold; a 10 MB field is refused by the parser, not stored. */
export const MAX_FIELD_BYTES = 100_000;

// Header names as people write them, matched without case, spaces or punctuation.
const HEADER_ALIASES: Record<string, string> = {
  id: 'id',
  pledger: 'pledger',
  who: 'pledger',
  project: 'project',
  amount: 'amount',
  amountusd: 'amount',
  amountinusd: 'amount',
  amountnote: 'amount_note',
  ussharepct: 'us_share_pct',
  usshare: 'us_share_pct',
  ussharepercent: 'us_share_pct',
  usshareinpercent: 'us_share_pct',
  ussharebasis: 'us_share_basis',
  announcedon: 'announced_on',
  announced: 'announced_on',
  announceddate: 'announced_on',
  date: 'announced_on',
  horizonyears: 'horizon_years',
  horizonend: 'horizon_end',
  horizonnote: 'horizon_note',
  sector: 'sector',
  country: 'country',
  status: 'status',
  lever: 'lever',
  politicallever: 'lever',
  contextnote: 'context_note',
  sourceurls: 'source_urls',
  sourceurl: 'source_urls',
  source: 'source_urls',
  sources: 'source_urls',
  eventids: 'event_ids',
  createdat: 'created_at',
  updatedat: 'updated_at',
};
const REQUIRED = ['pledger', 'announced_on', 'source_urls'];
const IGNORED = new Set(['created_at', 'updated_at']);

export function canonicalHeader(name: string): string | undefined {
  return HEADER_ALIASES[name.toLowerCase().replace(/[^a-z0-9]/g, '')];
}

/** Looks at the first chunk to refuse UTF-16 and pick the separator (comma, or semicolon as European spreadsheets write). */
function sniff(head: Buffer): { delimiter: string } {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff) || head.subarray(0, 200).includes(0)) {
    throw new ImportFileError('The file looks like UTF-16 (or binary): save it as "CSV UTF-8" and import again.');
  }
  const firstLine = head.toString('utf8').split(/\r?\n/, 1)[0] ?? '';
  const count = (char: string) => firstLine.split(char).length - 1;
  return { delimiter: count(';') > count(',') ? ';' : ',' };
}

export class ImportFileError extends Error {}

const PROGRESS_EVERY = 2_000;

/** The stream's first chunk (empty for an empty stream), left unread for the parser to take again. */
async function firstChunk(input: Readable): Promise<Buffer> {
  for (;;) {
    const chunk = input.read() as Buffer | string | null;
    if (chunk !== null) return Buffer.from(chunk);
    if (input.readableEnded || input.destroyed) return Buffer.alloc(0);
    await new Promise<void>((resolve) => {
      const done = () => {
        input.off('readable', done);
        input.off('end', done);
        input.off('error', done);
        resolve();
      };
      input.on('readable', done);
      input.on('end', done);
      input.on('error', done);
    });
  }
}

export interface ReadOptions {
  /** Called every few thousand rows and at the end: rows read so far, and bytes of the file parsed. */
  onProgress?: (rows: number, bytes: number) => void;
}

/**
 * Parses and validates every row. Returns the rows ready to write, or every problem found (with its line
 * and column); never writes.
 */
export async function readImport(db: Db, input: Readable, options: ReadOptions = {}): Promise<{ rows: ImportRow[]; problems: ImportProblem[] }> {
  const problems: ImportProblem[] = [];
  const rows: ImportRow[] = [];
  // The first chunk is looked at (encoding, separator), put back, and the whole stream piped into the parser,
  // which holds the file back (backpressure) while rows are validated.
  const head = await firstChunk(input);
  let sniffed: { delimiter: string };
  try {
    sniffed = sniff(head);
  } catch (error) {
    input.destroy();
    return { rows, problems: [{ line: 1, column: null, message: (error as Error).message }] };
  }
  const knownEventIds = new Set(listEvents(db).map((event) => event.id));
  // The same pledge twice in one file would make a re-import ambiguous: refuse it.
  const seen = new Map<string, number>();
  let headers: (string | undefined)[] = [];
  let bytes = 0;
  const parser = parse({
    bom: true,
    delimiter: sniffed.delimiter,
    relax_column_count: false,
    max_record_size: MAX_FIELD_BYTES,
    skip_empty_lines: true,
    info: true,
  });
  if (head.length > 0) input.unshift(head);
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
      bytes = info.bytes;
      if (headers.length === 0) {
        headers = record.map(canonicalHeader);
        const missing = REQUIRED.filter((name) => !headers.includes(name));
        for (const name of missing) problems.push({ line: 1, column: name, message: `The header row has no ${name} column.` });
        if (missing.length > 0) break;
        continue;
      }
      const line = info.lines;
      const row = readRow(record, headers, line, knownEventIds, problems);
      if (row) {
        const { pledger, project, announced_on: announcedOn } = row.write.pledge;
        const key = row.id !== null ? `id:${row.id}` : JSON.stringify([pledger, project, announcedOn]);
        const earlier = seen.get(key);
        if (earlier !== undefined) problems.push({ line, column: null, message: `This row is the same pledge as line ${earlier}.` });
        else {
          seen.set(key, line);
          rows.push(row);
        }
      }
      if ((rows.length + problems.length) % PROGRESS_EVERY === 0) {
        options.onProgress?.(rows.length, bytes);
        // Let the server answer other requests (the progress bar's among them) between slices of a large file.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (problems.length >= 1000) {
        problems.push({ line, column: null, message: 'Stopped after 1000 problems.' });
        break;
      }
    }
  } catch (error) {
    const err = error as Error & { lines?: number; code?: string };
    const message =
      err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
        ? 'This row has a different number of columns than the header.'
        : err.code === 'CSV_QUOTE_NOT_CLOSED'
          ? 'A quote opened here is never closed.'
          : err.code === 'CSV_MAX_RECORD_SIZE'
            ? `A field is larger than ${MAX_FIELD_BYTES / 1000} kB.`
            : `The file cannot be read as CSV: ${err.message.split('\n')[0]}`;
    problems.push({ line: err.lines ?? 0, column: null, message });
  } finally {
    input.unpipe(parser);
    input.destroy();
    parser.destroy();
  }
  if (headers.length === 0 && problems.length === 0) problems.push({ line: 1, column: null, message: 'The file is empty.' });
  options.onProgress?.(rows.length, bytes);
  return { rows, problems };
}

function readRow(
  record: string[],
  headers: (string | undefined)[],
  line: number,
  knownEventIds: ReadonlySet<number>,
  problems: ImportProblem[],
): ImportRow | null {
  const values: PledgeFormValues = emptyPledgeForm();
  let id: number | null = null;
  let urls: string[] = [];
  const problemsBefore = problems.length;
  headers.forEach((name, i) => {
    if (name === undefined || IGNORED.has(name)) return;
    const cell = unneutraliseFormula(record[i] ?? '');
    if (name === 'id') {
      if (cell.trim() === '') return;
      if (!/^\d{1,15}$/.test(cell.trim())) problems.push({ line, column: 'id', message: 'An id is a whole number.' });
      else id = Number(cell.trim());
    } else if (name === 'source_urls') {
      urls = cell.split(/\s+/).filter(Boolean);
    } else if (name === 'event_ids') {
      const ids = cell.split(/[\s,]+/).filter(Boolean);
      if (!ids.every((item) => /^\d{1,15}$/.test(item))) problems.push({ line, column: 'event_ids', message: 'List event ids as numbers.' });
      else values.event_ids = ids.map(Number);
    } else {
      (values as unknown as Record<string, string>)[name] = cell;
    }
  });
  values.sources = urls.map((url) => ({ url, title: '' }));
  if (values.status === '') values.status = 'announced';
  const result = validatePledge(values, { previousStatus: values.status as never, knownEventIds, requireStatusEvidence: false });
  if (!result.ok) {
    for (const [field, message] of Object.entries(result.errors)) {
      problems.push({ line, column: field.startsWith('source_url') || field === 'sources' ? 'source_urls' : field, message });
    }
  }
  if (problems.length > problemsBefore || !result.ok) return null;
  return { line, id, write: result.value };
}

/** Sorts the rows into new, changed (with each field's difference) and unchanged. */
export function planImport(db: Db, rows: ImportRow[]): ImportPlan {
  const plan: ImportPlan = { created: [], changed: [], unchanged: [] };
  for (let row of rows) {
    const { pledge } = row.write;
    const id =
      row.id !== null
        ? pledgeExists(db, row.id) ? row.id : null
        : (findPledgeByIdentity(db, pledge.pledger, pledge.project, pledge.announced_on) ?? null);
    if (id === null) {
      plan.created.push({ line: row.line, id: row.id, write: row.write });
      continue;
    }
    // The CSV carries source URLs, not titles: keep the titles already known for the same URLs.
    const titles = new Map(sourcesOf(db, id).map((source) => [source.url, source.title]));
    const sources = pledge.sources.map((source) => ({ url: source.url, title: source.title || titles.get(source.url) || '' }));
    row = { ...row, write: { ...row.write, pledge: { ...pledge, sources } } };
    const changes = pendingChanges(db, id, row.write)!;
    if (Object.keys(changes).length === 0) plan.unchanged.push({ line: row.line, id });
    else plan.changed.push({ line: row.line, id, write: row.write, changes });
  }
  return plan;
}

/** Writes the whole plan in one transaction, every change with a revision "import FILENAME". */
export function applyImport(db: Db, plan: ImportPlan, author: Author, filename: string): { created: number; changed: number } {
  const reason = `import ${filename}`;
  return db.transaction(() => {
    for (const row of plan.created) addPledgeWithRevision(db, { ...row.write, reason }, author, row.id);
    for (const row of plan.changed) changePledgeWithRevision(db, row.id, { ...row.write, reason }, author, row.changes);
    return { created: plan.created.length, changed: plan.changed.length };
  }).immediate();
}
