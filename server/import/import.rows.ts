// The reading half of an import: the file's bytes into validated pledge writes, in batches and in file order.
// Knows the CSV and the pledge's validation; asks the database nothing (the known event ids are given), so it
// runs as well on a thread of its own (import.rows.worker.ts).
import type { Readable } from 'node:stream';
import { unneutraliseFormula } from '../pledges/pledges.csv.ts';
import { csvChunks, firstChunk } from './import.csv.ts';
import type { PledgeWrite, Status } from '../pledges/pledge.model.ts';
import { validatePledge, type PledgeFormValues } from '../pledges/pledges.validation.ts';

export interface ImportProblem {
  line: number;
  column: string | null;
  message: string;
}

export interface ImportRow {
  line: number;
  id: number | null;
  write: PledgeWrite;
}

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
  pledgerkind: 'pledger_kind',
  commitmentkind: 'commitment_kind',
  horizonstart: 'horizon_start',
  newmoney: 'new_money',
  newmoneyusd: 'new_money',
  firsttrancheby: 'first_tranche_by',
  sourceurls: 'source_urls',
  sourceurl: 'source_urls',
  source: 'source_urls',
  sources: 'source_urls',
  eventids: 'event_ids',
  createdat: 'created_at',
  updatedat: 'updated_at',
};
const REQUIRED = ['pledger', 'announced_on', 'source_urls'];

export function canonicalHeader(name: string): string | undefined {
  return HEADER_ALIASES[name.toLowerCase().replace(/[^a-z0-9]/g, '')];
}

/** Looks at the first chunk to refuse UTF-16 and pick the separator (comma, or semicolon as European spreadsheets write). */
export function sniff(head: Buffer): { delimiter: string } {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff) || head.subarray(0, 200).includes(0)) {
    throw new ImportFileError('The file looks like UTF-16 (or binary): save it as "CSV UTF-8" and import again.');
  }
  const firstLine = head.subarray(0, 64 * 1024).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
  const count = (char: string) => firstLine.split(char).length - 1;
  return { delimiter: count(';') > count(',') ? ';' : ',' };
}

export class ImportFileError extends Error {}

/** What the reading half of an import hands the writing half: validated rows and problems, in file order. */
export interface ImportBatch {
  rows: ImportRow[];
  problems: ImportProblem[];
  /** Bytes of the file read so far. */
  bytes: number;
  /** The last batch of the file. */
  last?: true;
}

/**
 * Rows a reader hands over at a time; the reader yields to the event loop between them. Small enough that a
 * batch copied to the writing thread dies young there, instead of filling its old generation.
 */
const BATCH_ROWS = 250;
/** Nor more than this much of the file in a batch: a file of rows at their largest stays in bounds too. */
const BATCH_BYTES = 1024 * 1024;
/** A file with this many problems is read no further. */
export const MAX_PROBLEMS = 1000;

/**
 * The reading half: takes parsed records one by one (the first is the header), reads and validates each into
 * the batch it is filling. Shared by the streaming reader and the worker-thread one.
 */
class RecordReader {
  batch: ImportBatch = { rows: [], problems: [], bytes: 0 };
  private readRow: ReturnType<typeof rowReader> | null = null;
  private problemCount = 0;
  /** Where in the file the batch being filled starts. */
  private batchStart = 0;

  constructor(private readonly knownEventIds: ReadonlySet<number>) {}

  /** Takes one record; false when reading should stop (a header without a required column, too many problems). */
  record(record: string[], line: number): boolean {
    const { batch } = this;
    const before = batch.problems.length;
    if (!this.readRow) {
      const headers = record.map(canonicalHeader);
      for (const name of REQUIRED.filter((required) => !headers.includes(required))) {
        batch.problems.push({ line: 1, column: name, message: `The header row has no ${name} column.` });
      }
      if (batch.problems.length > before) return false;
      this.readRow = rowReader(headers, this.knownEventIds);
      return true;
    }
    const row = this.readRow(record, line, batch.problems);
    if (row) batch.rows.push(row);
    this.problemCount += batch.problems.length - before;
    return this.problemCount < MAX_PROBLEMS;
  }

  /** The batch filled so far, once it holds enough rows or bytes to hand over (or always, with `force`). */
  take(force = false): ImportBatch | null {
    const { batch } = this;
    if (!force && batch.rows.length + batch.problems.length < BATCH_ROWS && batch.bytes - this.batchStart < BATCH_BYTES) return null;
    this.batch = { rows: [], problems: [], bytes: batch.bytes };
    this.batchStart = batch.bytes;
    return batch;
  }

  /** The last batch: with the problem that stopped the reading, or the news that there was nothing to read. */
  end(problem: ImportProblem | null): ImportBatch {
    if (problem) {
      this.batch.problems.push(problem);
    } else if (!this.readRow && this.batch.problems.length === 0) {
      this.batch.problems.push({ line: 1, column: null, message: 'The file is empty.' });
    }
    return { ...this.take(true)!, last: true };
  }
}

/**
 * Reads and validates a stream in batches, in file order. Throws ImportFileError for a file that cannot be
 * read as UTF-8 text at all. The parser holds the file back (backpressure) while a batch is handled.
 */
export async function* readBatches(input: Readable, knownEventIds: ReadonlySet<number>): AsyncGenerator<ImportBatch> {
  // The first chunk is looked at (encoding, separator), then every chunk split into records as it comes.
  const head = await firstChunk(input);
  let delimiter: string;
  try {
    delimiter = sniff(head).delimiter;
  } catch (error) {
    input.destroy();
    throw error;
  }
  const reader = new RecordReader(knownEventIds);
  if (head.length > 0) input.unshift(head);
  let problem: ImportProblem | null = null;
  try {
    reading: for await (const split of csvChunks(input, delimiter)) {
      for (const record of split.records) {
        reader.batch.bytes = record.bytes;
        if (!reader.record(record.fields, record.line)) break reading;
        const batch = reader.take();
        if (batch) yield batch;
      }
      problem = split.problem;
    }
  } finally {
    input.destroy();
  }
  yield reader.end(problem);
}

type CsvField = (typeof CSV_FIELDS)[number];
const CSV_FIELDS = ['id', 'pledger', 'project', 'amount', 'amount_note', 'us_share_pct', 'us_share_basis', 'announced_on', 'horizon_years', 'horizon_end', 'horizon_note', 'sector', 'country', 'status', 'lever', 'context_note', 'source_urls', 'event_ids', 'pledger_kind', 'commitment_kind', 'horizon_start', 'new_money', 'first_tranche_by'] as const;

/**
 * Reads a record into a validated pledge write, or pushes its problems. Where each field sits is found once
 * from the header (a column named twice: the last one), and each row is read into an object of one fixed
 * shape: reading the header's names row by row into an empty form cost twice the validation itself.
 */
function rowReader(headers: readonly (string | undefined)[], knownEventIds: ReadonlySet<number>) {
  const at = Object.fromEntries(CSV_FIELDS.map((field) => [field, headers.lastIndexOf(field)])) as Record<CsvField, number>;
  const [idAt, pledgerAt, projectAt, amountAt, amountNoteAt, shareAt, basisAt, announcedAt, yearsAt, endAt, horizonNoteAt, sectorAt, countryAt, statusAt, leverAt, contextAt, urlsAt, eventsAt, pledgerKindAt, commitmentKindAt, startAt, newMoneyAt, firstTrancheAt] =
    CSV_FIELDS.map((field) => at[field]);
  return (record: string[], line: number, problems: ImportProblem[]): ImportRow | null => {
    const cell = (i: number) => (i < 0 ? '' : unneutraliseFormula(record[i] ?? ''));
    const problemsBefore = problems.length;
    let id: number | null = null;
    const idCell = cell(idAt).trim();
    if (idCell !== '') {
      if (!/^\d{1,15}$/.test(idCell)) problems.push({ line, column: 'id', message: 'An id is a whole number.' });
      else id = Number(idCell);
    }
    let eventIds: number[] = [];
    const ids = cell(eventsAt).split(/[\s,]+/).filter(Boolean);
    if (!ids.every((item) => /^\d{1,15}$/.test(item))) problems.push({ line, column: 'event_ids', message: 'List event ids as numbers.' });
    else eventIds = ids.map(Number);
    const values: PledgeFormValues = {
      pledger: cell(pledgerAt),
      project: cell(projectAt),
      amount: cell(amountAt),
      amount_note: cell(amountNoteAt),
      us_share_pct: cell(shareAt),
      us_share_basis: cell(basisAt),
      announced_on: cell(announcedAt),
      horizon_years: cell(yearsAt),
      horizon_end: cell(endAt),
      horizon_note: cell(horizonNoteAt),
      sector: cell(sectorAt),
      country: cell(countryAt),
      status: cell(statusAt) || 'announced',
      lever: cell(leverAt),
      context_note: cell(contextAt),
      pledger_kind: cell(pledgerKindAt),
      commitment_kind: cell(commitmentKindAt),
      horizon_start: cell(startAt),
      new_money: cell(newMoneyAt),
      first_tranche_by: cell(firstTrancheAt),
      reason: '',
      status_changed_on: '',
      status_evidence_url: '',
      status_note: '',
      sources: cell(urlsAt).split(/\s+/).filter(Boolean).map((url) => ({ url, title: '' })),
      event_ids: eventIds,
    };
    const result = validatePledge(values, { previousStatus: values.status as Status, knownEventIds, requireStatusEvidence: false });
    if (!result.ok) {
      for (const [field, message] of Object.entries(result.errors)) {
        problems.push({ line, column: field.startsWith('source_url') || field === 'sources' ? 'source_urls' : field, message });
      }
    }
    if (problems.length > problemsBefore || !result.ok) return null;
    return { line, id, write: result.value };
  };
}
