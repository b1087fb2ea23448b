// A long CSV export made in parts side by side: the server's thread makes one, and threads of their own
// (export.worker.ts) the others. Each part is the records of every n-th run of 1,024 ids (ExportPart), made into
// chunks within one run each; each thread reads a snapshot of its own and hands its chunks over as they are made, and
// the server's thread puts the runs in order and sends them. The records' SQL is most of an export's time (the
// pledge's sources and events joined in for each row): made on the server's thread alone, the export of a million
// pledges took 10-15 s over HTTP, 10.6 s for the records alone; two parts side by side took 5.1 s
// (docs/performance.md).
//
// The threads' snapshots are the request's: each thread checks that its snapshot holds the data version of the
// request's (the triggers move it on any change the export reads, migration 006), and says so before anything is
// sent. When one does not (a write came in between), or a thread fails before that, the whole export is made on the
// server's thread, from the request's snapshot.
import os from 'node:os';
import { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../platform/threads.ts';
import type { PledgeFilter } from './pledges.filter.ts';
import { CSV_COLUMNS } from './pledge.model.ts';
import { CHUNK_BYTES, chunked, csvLine } from './pledges.csv.ts';
import { idRun, type ExportPart } from './pledges.export.ts';

/** What a thread is given: the database file, the export's filter, the data version, its part, and the last run. */
export interface ExportJob {
  file: string;
  filter: PledgeFilter;
  version: string;
  part: ExportPart;
  /** The run of the largest id: every part says when it has made each of its runs up to it. */
  lastRun: number;
}

/**
 * What a thread sends: that its snapshot holds the version asked for (ready) or another (moved, and nothing more);
 * then chunks of the CSV, each within one run of ids; that a run is made (all its chunks sent); and the end.
 */
export type ExportMessage =
  | { type: 'ready' }
  | { type: 'moved'; version: string }
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'run'; run: number }
  | { type: 'end' };

/** The ids of a run: 2^10. About 280 kB of CSV, four or five chunks, so that the parts' runs interleave finely. */
export const EXPORT_RUN_SHIFT = 10;

/**
 * The chunks a thread may make before the response has taken them (about 1 MB, three or four runs): enough that it
 * does not wait while the other parts' runs are sent, few enough that a slow client holds only that much.
 */
export const EXPORT_AHEAD = 16;

/**
 * The parts made side by side: one a core, the server's thread's included, from two to four. Each thread adds 13-16
 * MB while it runs (docs/performance.md).
 */
export const EXPORT_PARTS = Math.max(2, Math.min(4, os.availableParallelism()));

/**
 * A part's chunks (Buffers, each within one run; the header first in the first part) and, after each of its runs,
 * the run's number, up to lastRun.
 */
export function partChunks(lines: Iterable<string>, part: ExportPart, lastRun: number): Generator<Buffer | number> {
  return chunked(partLines(lines, part, lastRun), part.index === 0 ? csvLine(CSV_COLUMNS) : '');
}

/** A part's records, each of its runs' number after the run's records. */
function* partLines(lines: Iterable<string>, part: ExportPart, lastRun: number): Generator<string | number> {
  let run = part.index;
  for (const line of lines) {
    // Every record starts with its id.
    const lineRun = idRun(parseInt(line, 10), part.shift);
    for (; run < lineRun; run += part.of) yield run;
    yield line;
  }
  for (; run <= lastRun; run += part.of) yield run;
}

/**
 * The exports made in parts at once: one (it keeps both cores busy); another export meanwhile is made whole on the
 * server's thread, as before, so that many at once cannot start a thread each (13-16 MB apiece).
 */
export const EXPORTS_IN_PARTS_AT_ONCE = 1;

let inParts = 0;
let threadsRunning = 0;

/** Whether an export may be made in parts now (EXPORTS_IN_PARTS_AT_ONCE). */
export function partsFree(): boolean {
  return inParts < EXPORTS_IN_PARTS_AT_ONCE;
}

/** The exports' threads started and not yet ended. */
export function exportThreadsRunning(): number {
  return threadsRunning;
}

/** The export to make in parts, and how to make it whole on the server's thread instead. */
export interface PartedExport {
  file: string;
  filter: PledgeFilter;
  /** The data version of the request's snapshot. */
  version: string;
  /** The largest id in the request's snapshot (0: none). */
  lastId: number;
  parts?: number;
  /** The records of a part (ExportPart) from the request's snapshot: the server's thread's part. */
  lines: (part: ExportPart) => Iterable<string>;
  /** The whole export's chunks made on the server's thread, from the request's snapshot. */
  whole: () => Iterable<Buffer>;
  /** Told why the export was made whole on the server's thread after all: a thread's failure, or a write in between. */
  onWhole: (reason: Error) => void;
}

/**
 * The export's chunks, in order, as a stream that lets the parts make each chunk only as fast as its reader takes
 * them. A failure once a chunk has been sent ends the stream with the error, as a failure of an export on the
 * server's thread does. Destroying the stream ends the threads.
 */
export function partedChunks(options: PartedExport): Readable {
  return new PartedChunks(options);
}

interface ThreadPart {
  worker: Worker;
  ready: boolean;
  /** What it sent that is not yet in the stream. */
  queue: ExportMessage[];
  /** Its chunks taken into the stream while the stream's buffer was full: it may make as many more once it drains. */
  owed: number;
  ended: boolean;
}

class PartedChunks extends Readable {
  /** The server's thread's part (the first), made as the stream asks for it. */
  private readonly own: Iterator<Buffer | number>;
  private readonly threads: ThreadPart[];
  private readonly lastRun: number;
  /** The run whose chunks go into the stream now, made by part run % parts (0: the server's thread's). */
  private run = 0;
  private done = false;
  /** The whole export's chunks made on this thread, after a fallback. */
  private whole: Iterator<Buffer> | null = null;
  /** Whether this export no longer counts among those made in parts (partsFree). */
  private released = false;
  /** Whether a thread could not be started: the export is made whole. */
  private unstarted = false;

  constructor(private readonly options: PartedExport) {
    super({ highWaterMark: 4 * CHUNK_BYTES });
    const of = options.parts ?? EXPORT_PARTS;
    const partOf = (index: number): ExportPart => ({ index, of, shift: EXPORT_RUN_SHIFT });
    this.lastRun = idRun(options.lastId, EXPORT_RUN_SHIFT);
    this.own = partChunks(options.lines(partOf(0)), partOf(0), this.lastRun)[Symbol.iterator]();
    // Counted once nothing above can throw (the part's statements prepared): release() undoes it.
    inParts++;
    this.threads = [];
    for (let i = 1; i < of; i++) {
      const job: ExportJob = { file: options.file, filter: options.filter, version: options.version, part: partOf(i), lastRun: this.lastRun };
      let worker: Worker;
      try {
        worker = startWorker(import.meta.url, 'export.worker', { workerData: job });
      } catch (error) {
        // No thread to be had (the process's limit, say): the export is made whole, once the stream is set up.
        this.unstarted = true;
        process.nextTick(() => this.failed(error as Error));
        break;
      }
      const part: ThreadPart = { worker, ready: false, queue: [], owed: 0, ended: false };
      this.threads.push(part);
      threadsRunning++;
      part.worker.on('message', (message: ExportMessage) => {
        if (this.destroyed || this.whole !== null) return;
        if (message.type === 'moved') this.failed(new Error(`A write came in before an export's thread read the data (version ${options.version}, then ${message.version})`));
        else {
          if (message.type === 'ready') part.ready = true;
          else if (message.type === 'end') part.ended = true;
          else part.queue.push(message);
          this.drain();
        }
      });
      part.worker.on('error', (error) => this.failed(error));
      part.worker.on('exit', (code) => {
        threadsRunning--;
        if (!part.ended) this.failed(new Error(`An export's thread stopped (exit code ${code}) before its end`));
      });
    }
  }

  /** Whether every thread has said its snapshot is the request's: until then, nothing is sent. */
  private get ready(): boolean {
    return !this.unstarted && this.threads.every((part) => part.ready);
  }

  /** Puts the parts' runs into the stream, in order, as far as it has room and they are made. */
  private drain(): void {
    if (!this.ready) return;
    while (!this.done) {
      if (this.run > this.lastRun) {
        this.done = true;
        this.release();
        this.push(null);
        return;
      }
      const index = this.run % (this.threads.length + 1);
      const part = index === 0 ? null : this.threads[index - 1]!;
      let made: Buffer | number;
      if (part === null) {
        let next: IteratorResult<Buffer | number>;
        try {
          next = this.own.next();
        } catch (error) {
          // Reached from a thread's message too, where a throw would be the process's: the stream ends with it.
          this.destroy(error as Error);
          return;
        }
        if (next.done) {
          this.destroy(new Error(`The export's own part ended before run ${this.run}`));
          return;
        }
        made = next.value;
      } else {
        const message = part.queue.shift();
        if (message === undefined) return;
        if (message.type === 'run') made = message.run;
        else if (message.type === 'chunk') made = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
        else continue;
      }
      if (typeof made === 'number') {
        if (made !== this.run) {
          this.destroy(new Error(`An export's part made run ${made} where run ${this.run} was due`));
          return;
        }
        this.run++;
        continue;
      }
      const room = this.push(made);
      if (part !== null) {
        if (room) part.worker.postMessage('more');
        else part.owed++;
      }
      if (!room) return;
    }
  }

  /** A thread failed, or read another version: before anything is sent, the export is made whole here instead. */
  private failed(error: Error): void {
    if (this.destroyed || this.whole !== null || this.done) return;
    if (this.ready) {
      this.destroy(error);
      return;
    }
    this.stopThreads();
    this.options.onWhole(error);
    try {
      this.whole = this.options.whole()[Symbol.iterator]();
      this._read();
    } catch (failure) {
      this.destroy(failure as Error);
    }
  }

  private stopThreads(): void {
    for (const part of this.threads) {
      part.ended = true;
      void part.worker.terminate();
    }
    this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    inParts--;
  }

  override _read(): void {
    if (this.whole !== null) {
      for (;;) {
        // A throw here ends the stream with it (Readable catches what _read throws); from failed(), failed catches it.
        const next = this.whole.next();
        if (next.done) {
          this.push(null);
          return;
        }
        if (!this.push(next.value)) return;
      }
    }
    for (const part of this.threads) for (; part.owed > 0; part.owed--) part.worker.postMessage('more');
    this.drain();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stopThreads();
    // Ends the statements being read on the request's snapshot, which can then be closed.
    this.own.return?.();
    this.whole?.return?.();
    callback(error);
  }
}
