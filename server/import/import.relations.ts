// A relations CSV (the columns of /relations.csv, told apart by a header with kind, pledge_id and other_id): every
// row validated by the rules of the forms, against the pledges, the relations recorded and those of the rows above
// it, and written in one transaction, committed only when the whole file is valid. A preview writes the same way and
// rolls back: a circle closed by the file's own rows is found either way. Relations are few (one for every twenty
// pledges or so), so the file is read on the thread that writes it.
import type { Readable } from 'node:stream';
import type { Db } from '../platform/db.ts';
import { unneutraliseFormula } from '../pledges/pledges.csv.ts';
import type { RelationKind } from '../relations/relation.model.ts';
import {
  addRelationWithRevisions,
  changeRelationWithRevisions,
  findRelation,
  findRelationByIdentity,
  relationChanges,
  relationFacts,
} from '../relations/relations.repository.ts';
import { validateRelation, type RelationValues } from '../relations/relations.validation.ts';
import type { ImportOutcome } from './import.preview.ts';
import { csvChunks, firstChunk } from './import.csv.ts';
import { MAX_PROBLEMS, sniff } from './import.rows.ts';
import type { Author } from '../revisions/revisions.repository.ts';

/** Header names as people write them, matched without case, spaces or punctuation. */
const HEADERS: Record<string, keyof RelationValues | 'id'> = {
  id: 'id',
  pledgeid: 'pledge_id',
  kind: 'kind',
  otherid: 'other_id',
  amountusd: 'amount',
  amount: 'amount',
  note: 'note',
  sourceurl: 'source_url',
  sourcetitle: 'source_title',
};

/** What importCsv's options say to a relations file (import.run.ts, which hands such a file here). */
export interface RelationImportOptions {
  write?: { author: Author; filename: string };
  keep?: number;
  onProgress?: (rows: number, bytes: number) => void;
}

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** A relations file: its first line names the columns kind, pledge_id and other_id. Anything else is a pledges file. */
export function isRelationsFile(head: Buffer): boolean {
  let delimiter: string;
  try {
    delimiter = sniff(head).delimiter;
  } catch {
    return false;
  }
  const firstLine = head.subarray(0, 64 * 1024).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const names = new Set(firstLine.split(delimiter).map((cell) => normalise(cell.replace(/^\s*"|"\s*$/g, ''))));
  return ['kind', 'pledgeid', 'otherid'].every((name) => names.has(name));
}

/** The column a validation message belongs to, by the export's names. */
function columnOf(field: string): string | null {
  return field === 'amount' ? 'amount_usd' : field === 'form' || field === 'reason' ? null : field;
}

const wholeNumber = (text: string): number | null => (/^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : null);

/** Reads a relations CSV (one isRelationsFile recognised) from a stream; see the top of this file. `options.write` commits it. */
export async function importRelationsCsv(db: Db, input: Readable, options: RelationImportOptions = {}): Promise<ImportOutcome> {
  const head = await firstChunk(input);
  const { delimiter } = sniff(head);
  if (head.length > 0) input.unshift(head);
  const outcome: ImportOutcome = {
    problems: [],
    created: 0,
    changed: 0,
    unchanged: 0,
    sample: { created: [], changed: [] },
    written: false,
    relations: { created: [], changed: [] },
  };
  const { problems } = outcome;
  const sample = outcome.relations!;
  const keep = options.keep ?? 100;
  const author = options.write?.author ?? { id: null, username: 'import preview' };
  const reason = options.write ? `import ${options.write.filename}` : 'import preview';
  /** The line of each relation the file has named so far, by id and by pledge + kind + other. */
  const seen = new Map<string, number>();
  let at: Record<string, number> | null = null;
  let rows = 0;
  let bytes = 0;

  const readRow = (record: string[], line: number) => {
    const cell = (name: string) => (at![name] < 0 ? '' : unneutraliseFormula(record[at![name]] ?? ''));
    const idCell = cell('id').trim();
    const id = idCell === '' ? null : wholeNumber(idCell);
    if (idCell !== '' && (id === null || id === 0)) {
      problems.push({ line, column: 'id', message: 'An id is a whole number.' });
      return;
    }
    const values: RelationValues = {
      pledge_id: cell('pledge_id'),
      kind: cell('kind'),
      other_id: cell('other_id'),
      amount: cell('amount'),
      note: cell('note'),
      source_url: cell('source_url'),
      source_title: cell('source_title'),
      reason: '',
    };
    // The relation the row names: by id, else by pledge + kind + other; validation leaves that one out.
    const pledgeId = wholeNumber(values.pledge_id);
    const otherId = values.other_id.trim() === '' ? null : wholeNumber(values.other_id);
    const identity = { pledge_id: pledgeId ?? 0, kind: values.kind.trim() as RelationKind, other_id: otherId };
    const existing = id !== null ? (findRelation(db, id) ? id : null) : (findRelationByIdentity(db, identity) ?? null);
    const result = validateRelation(values, relationFacts(db, existing));
    if (!result.ok) {
      for (const [field, message] of Object.entries(result.errors)) problems.push({ line, column: columnOf(field), message });
      return;
    }
    const { relation } = result.value;
    const keys = [`identity ${relation.pledge_id} ${relation.kind} ${relation.other_id}`, ...(id === null ? [] : [`id ${id}`])];
    const earlier = keys.map((key) => seen.get(key)).find((value) => value !== undefined);
    if (earlier !== undefined) {
      problems.push({ line, column: null, message: `This row is the same relation as line ${earlier}.` });
      return;
    }
    for (const key of keys) seen.set(key, line);
    const change = { relation, reason };
    if (existing === null) {
      const created = addRelationWithRevisions(db, change, author, id);
      seen.set(`id ${created}`, line);
      outcome.created += 1;
      if (sample.created.length < keep) sample.created.push({ line, id: created, relation });
      return;
    }
    seen.set(`id ${existing}`, line);
    const changes = relationChanges(findRelation(db, existing)!, relation);
    if (Object.keys(changes).length === 0) {
      outcome.unchanged += 1;
      return;
    }
    changeRelationWithRevisions(db, existing, change, author);
    outcome.changed += 1;
    if (sample.changed.length < keep) sample.changed.push({ line, id: existing, changes });
  };

  /** Where each field sits (a column named twice: the last one); the header has kind, pledge_id and other_id (isRelationsFile). */
  const headerOf = (record: string[]): Record<string, number> => {
    const columns = record.map((name) => HEADERS[normalise(name)]);
    return Object.fromEntries(Object.values(HEADERS).map((name) => [name, columns.lastIndexOf(name)]));
  };

  db.exec('BEGIN IMMEDIATE');
  try {
    try {
      reading: for await (const split of csvChunks(input, delimiter)) {
        for (const { fields: record, line, bytes: read } of split.records) {
          bytes = read;
          if (!at) {
            at = headerOf(record);
            continue;
          }
          rows += 1;
          readRow(record, line);
          if (problems.length >= MAX_PROBLEMS) {
            problems.push({ line, column: null, message: `Stopped after ${MAX_PROBLEMS} problems.` });
            break reading;
          }
          if (rows % 1000 === 0) options.onProgress?.(rows, bytes);
        }
        if (split.problem) problems.push(split.problem);
      }
    } finally {
      input.destroy();
    }
    options.onProgress?.(rows, bytes);
    if (options.write && problems.length === 0) {
      db.exec('COMMIT');
      outcome.written = true;
    }
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
  }
  return outcome;
}
