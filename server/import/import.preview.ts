// The comparing part of an import: each validated row sorted into new, changed or unchanged against the
// database, the same pledge twice in one file refused, and the first rows of each kind kept for a preview.
// Reads the database, never writes it (import.write.ts does).
import type { Db } from '../platform/db.ts';
import type { ImportProblem, ImportRow } from './import.rows.ts';
import { findPledgeByIdentity, pendingChanges, pledgeExists, sourcesOf } from '../pledges/pledges.repository.ts';
import { type PledgeWrite } from '../pledges/pledge.model.ts';
import type { Changes } from '../revisions/revisions.repository.ts';
import type { NewRelation } from '../relations/relation.model.ts';

export interface ImportOutcome {
  /** Every problem found, with its line and column; when there is one, nothing was written. */
  problems: ImportProblem[];
  created: number;
  changed: number;
  unchanged: number;
  /** The first rows of each kind (see ImportOptions.keep), for a preview. */
  sample: {
    created: { line: number; id: number | null; write: PledgeWrite }[];
    changed: { line: number; id: number; write: PledgeWrite; changes: Changes }[];
  };
  /** True when the rows were written and committed. */
  written: boolean;
  /** A relations file's first rows of each kind (import.relations.ts); its pledges' sample stays empty. */
  relations?: {
    created: { line: number; id: number; relation: NewRelation }[];
    changed: { line: number; id: number; changes: Changes }[];
  };
}

/** What a row is to the database: a new pledge, a change to one (the write with the titles known), or the same. */
export type RowKind = { kind: 'created' } | { kind: 'changed'; id: number; write: PledgeWrite; changes: Changes } | { kind: 'unchanged' };

/** The outcome of a file refused as a whole (not UTF-8 text, say): its one problem, nothing read. */
export function refused(message: string): ImportOutcome {
  return { problems: [{ line: 1, column: null, message }], created: 0, changed: 0, unchanged: 0, sample: { created: [], changed: [] }, written: false };
}

export class ImportPreview {
  readonly outcome: ImportOutcome = { problems: [], created: 0, changed: 0, unchanged: 0, sample: { created: [], changed: [] }, written: false };
  /**
   * The same pledge twice in one file would make a re-import ambiguous: the line of each id, and of each
   * pledger + project + date of a row without one.
   */
  private readonly seen = { ids: new Map<number, number>(), identities: new Map<string, number>() };

  constructor(
    private readonly db: Db,
    /** How many rows of each kind the outcome keeps. */
    private readonly keep: number,
  ) {}

  /** The line of an earlier row of the file that is the same pledge, if any; else this row's is noted. */
  repeated(row: ImportRow): number | undefined {
    const earlier = row.id !== null ? this.seen.ids.get(row.id) : this.seen.identities.get(identityKey(row.write.pledge));
    if (earlier !== undefined) return earlier;
    if (row.id !== null) this.seen.ids.set(row.id, row.line);
    else this.seen.identities.set(identityKey(row.write.pledge), row.line);
    return undefined;
  }

  /** Sorts a row against the database, counts it and keeps it for the preview when there is room. */
  sort(row: ImportRow): RowKind {
    const { outcome } = this;
    const { pledge } = row.write;
    const id = this.existing(row);
    if (id === null) {
      outcome.created += 1;
      if (outcome.sample.created.length < this.keep) outcome.sample.created.push({ line: row.line, id: row.id, write: row.write });
      return { kind: 'created' };
    }
    // The CSV carries source URLs, not titles: keep the titles already known for the same URLs.
    const titles = new Map(sourcesOf(this.db, id).map((source) => [source.url, source.title]));
    const sources = pledge.sources.map((source) => ({ url: source.url, title: source.title || titles.get(source.url) || '' }));
    const write = { ...row.write, pledge: { ...pledge, sources } };
    const changes = pendingChanges(this.db, id, write)!;
    if (Object.keys(changes).length === 0) {
      outcome.unchanged += 1;
      return { kind: 'unchanged' };
    }
    outcome.changed += 1;
    if (outcome.sample.changed.length < this.keep) outcome.sample.changed.push({ line: row.line, id, write, changes });
    return { kind: 'changed', id, write, changes };
  }

  /** Whether the pledge a row names exists already (before anything of its file is written: a new one may not). */
  exists(row: ImportRow): boolean {
    return this.existing(row) !== null;
  }

  /**
   * The pledge a row names, if it exists: by id, else by pledger + project + date (the identity index, kept
   * through a bulk load for this: memory stays flat whatever the file's size; the pledges created kept in memory
   * instead cost 20 MB for 100,000 rows).
   */
  private existing(row: ImportRow): number | null {
    const { pledge } = row.write;
    if (row.id !== null) return pledgeExists(this.db, row.id) ? row.id : null;
    return findPledgeByIdentity(this.db, pledge.pledger, pledge.project, pledge.announced_on) ?? null;
  }
}

function identityKey(pledge: { pledger: string; project: string; announced_on: string }): string {
  return JSON.stringify([pledge.pledger, pledge.project, pledge.announced_on]);
}
