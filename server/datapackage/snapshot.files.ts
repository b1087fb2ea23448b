// The files behind /pledges.db: one public copy of the database per data version, made on a thread of its own
// (snapshot.worker.ts: consistent while the server writes; never the live file), kept while it is current or being
// downloaded.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../platform/db.ts';
import { startWorker } from '../platform/threads.ts';
import { snapshotKey } from './snapshot.repository.ts';
import type { SnapshotJob, SnapshotMessage } from './snapshot.worker.ts';

export interface Snapshot {
  readonly key: string;
  readonly file: string;
  readonly bytes: number;
  readers: number;
  superseded: boolean;
}

/** Each file and the journal SQLite may have left beside it. */
function removeFile(file: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
}

/** Runs snapshot.worker.ts: the public copy's key once it is written, or its error (SQLite's code kept). */
async function copyOnAThread(job: SnapshotJob): Promise<string> {
  const worker = startWorker(import.meta.url, 'snapshot.worker', { workerData: job });
  try {
    const message = await new Promise<SnapshotMessage>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`The snapshot's thread stopped (exit code ${code}) before it answered.`)));
    });
    if (message.type === 'done') return message.key;
    throw Object.assign(new Error(message.message), { code: message.code });
  } finally {
    await worker.terminate();
  }
}

export class SnapshotFiles {
  private current: Snapshot | null = null;
  private building: Promise<Snapshot> | null = null;
  private made = 0;

  /**
   * dir: where the copies are written; by default a folder beside the database, on its disk (a copy is as large as
   * the public part of the database, more than a small temporary file system may hold).
   */
  constructor(
    private readonly db: Db,
    private readonly dir = `${db.name}.downloads`,
  ) {}

  /**
   * The current snapshot, made now if the data (or an editor's public name) changed since the last one; concurrent
   * requests share one build. Release it when its download ends.
   */
  async acquire(): Promise<Snapshot> {
    const current = this.current;
    const snapshot = current !== null && current.key === snapshotKey(this.db) ? current : await this.build();
    snapshot.readers += 1;
    return snapshot;
  }

  release(snapshot: Snapshot): void {
    snapshot.readers -= 1;
    if (snapshot.superseded && snapshot.readers === 0) removeFile(snapshot.file);
  }

  private build(): Promise<Snapshot> {
    this.building ??= this.make().finally(() => {
      this.building = null;
    });
    return this.building;
  }

  private async make(): Promise<Snapshot> {
    if (this.made === 0) {
      // Copies a stopped process left behind: nothing reads them any more.
      fs.rmSync(this.dir, { recursive: true, force: true });
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    }
    this.made += 1;
    const file = path.join(this.dir, `pledges-${this.made}.db`);
    let key: string;
    try {
      key = await copyOnAThread({ source: this.db.name, target: file });
    } catch (error) {
      removeFile(file);
      throw error;
    }
    const snapshot: Snapshot = { key, file, bytes: fs.statSync(file).size, readers: 0, superseded: false };
    const previous = this.current;
    this.current = snapshot;
    if (previous) {
      previous.superseded = true;
      if (previous.readers === 0) removeFile(previous.file);
    }
    return snapshot;
  }
}
