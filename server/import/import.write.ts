// The writing part of an import: one write transaction from the first row to the commit, every pledge created or
// changed with a revision "import FILENAME". The commit comes only when the whole file was valid; anything else
// rolls all of it back.
import { beginBulkLoad, endBulkLoad, type BulkLoad } from '../platform/bulk-load.ts';
import type { Db } from '../platform/db.ts';
import type { ImportRow } from './import.rows.ts';
import { addPledgeWithRevision, changePledgeWithRevision, IDENTITY_INDEX } from '../pledges/pledges.repository.ts';
import { countPledges } from '../pledges/pledges.sql.ts';
import { type PledgeWrite } from '../pledges/pledge.model.ts';
import type { Author, Changes } from '../revisions/revisions.repository.ts';

export interface WriteOptions {
  /** Write the file, every change with a revision "import FILENAME", in one transaction. */
  write?: { author: Author; filename: string };
  /**
   * A write that has created this many pledges, and at least as many as the table held, becomes a bulk load
   * (beginBulkLoad): the secondary indexes are dropped and built again before committing, one sorted pass each
   * instead of a million scattered inserts, and the data version moves once instead of on every row (2,000
   * unless said).
   */
  bulkFrom?: number;
  /** Called when a bulk load's indexes are being built again, before the commit. */
  onIndexing?: () => void;
}

/** Holds a write transaction on its connection from its creation to commit() or rollback(). */
export class ImportWriter {
  private readonly author: Author;
  private readonly reason: string;
  private readonly bulkFrom: number;
  private readonly tableRows: number;
  private created = 0;
  private bulkLoad: BulkLoad | null = null;

  constructor(
    private readonly db: Db,
    private readonly options: WriteOptions & Required<Pick<WriteOptions, 'write'>>,
  ) {
    this.author = options.write.author;
    this.reason = `import ${options.write.filename}`;
    this.bulkFrom = options.bulkFrom ?? 2_000;
    db.exec('BEGIN IMMEDIATE');
    this.tableRows = countPledges(db);
  }

  create(row: ImportRow): void {
    addPledgeWithRevision(this.db, { ...row.write, reason: this.reason }, this.author, row.id);
    this.created += 1;
    this.expectCreated(this.created);
  }

  /**
   * Becomes a bulk load as soon as the write will create at least bulkFrom pledges and as many as the table held:
   * once it has (create), or once a file's size says it will (the import's first batch, before it is written:
   * ImportRun). Each row written before costs its triggers (0.6 ms a row into an empty table: 1.3 s for the
   * first 2,000).
   */
  expectCreated(rows: number): void {
    if (!this.bulkLoad && rows >= this.bulkFrom && rows >= this.tableRows) {
      this.bulkLoad = beginBulkLoad(this.db, [IDENTITY_INDEX]);
    }
  }

  change(id: number, write: PledgeWrite, changes: Changes): void {
    changePledgeWithRevision(this.db, id, { ...write, reason: this.reason }, this.author, changes);
  }

  /** Commits, building again first any index dropped for a bulk load. */
  commit(): void {
    if (this.bulkLoad) {
      this.options.onIndexing?.();
      endBulkLoad(this.db, this.bulkLoad);
    }
    this.db.exec('COMMIT');
  }

  /** Rolls back whatever was written (an error, or a refused file). */
  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }
}
