// The data as a package: /datapackage.json describes every CSV; /sources.csv, /events.csv and /revisions.csv join
// the existing exports; /pledges.db is the database itself, less its private tables.
import { Router, type Response } from 'express';
import { closeSnapshot, openSnapshot, type Db } from '../platform/db.ts';
import { csvFilename, streamCsv, type CsvCell } from '../pledges/pledges.csv.ts';
import { SOURCE_CSV_COLUMNS } from '../pledges/pledge.model.ts';
import { iterateSourcesExport } from '../pledges/pledges.export.ts';
import { EVENT_CSV_COLUMNS } from '../events/event.model.ts';
import { iterateEventsExport } from '../events/events.repository.ts';
import { iterateRevisionsExport, REVISION_CSV_COLUMNS } from '../revisions/revisions.repository.ts';
import { DATA_PACKAGE } from './datapackage.descriptor.ts';
import { SnapshotFiles } from './snapshot.files.ts';
import { asOfOf } from '../platform/http/as-of.ts';
import { datedBy } from '../lib/dates.ts';

type Log = (error: unknown) => void;

/** A whole table as CSV, read from a snapshot of its own (consistent; the shared connection is never held). */
function sendTable(db: Db, res: Response, log: Log, name: string, header: readonly string[], rows: (snapshot: Db) => Iterable<readonly CsvCell[]>): void {
  res.type('text/csv; charset=utf-8');
  res.attachment(csvFilename(new Date(), name));
  const snapshot = openSnapshot(db);
  streamCsv(rows(snapshot), res, (error) => {
    closeSnapshot(snapshot);
    // A client that went away is not a server error.
    if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') log(error);
  }, header);
}

export function dataPackageRouter(db: Db, log: Log, files = new SnapshotFiles(db)): Router {
  const router = Router();

  router.get('/datapackage.json', (_req, res) => {
    res.json(DATA_PACKAGE);
  });

  // As of a date (as_of=, checked by platform/http/as-of.ts): the rows dated by then.
  const beforeOf = (res: Response) => {
    const asOf = asOfOf(res);
    return asOf === null ? null : datedBy(asOf);
  };
  router.get('/sources.csv', (_req, res) => sendTable(db, res, log, 'sources', SOURCE_CSV_COLUMNS, (snapshot) => iterateSourcesExport(snapshot, beforeOf(res))));
  router.get('/events.csv', (_req, res) => sendTable(db, res, log, 'events', EVENT_CSV_COLUMNS, (snapshot) => iterateEventsExport(snapshot, beforeOf(res))));
  router.get('/revisions.csv', (_req, res) =>
    sendTable(db, res, log, 'revisions', REVISION_CSV_COLUMNS, (snapshot) => iterateRevisionsExport(snapshot, beforeOf(res))),
  );

  router.get('/pledges.db', async (_req, res) => {
    const snapshot = await files.acquire();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      files.release(snapshot);
    };
    // Released when the download ends, or when the client goes away first.
    res.on('close', release);
    res.attachment(`pledges-${new Date().toISOString().slice(0, 10)}.db`);
    res.type('application/vnd.sqlite3');
    // Streamed from disk, never read whole; conditional and range requests as for any file; what caches may keep of it
    // is decided with every other public read's (platform/http/cache-control.ts).
    res.sendFile(snapshot.file, { dotfiles: 'allow', lastModified: false, cacheControl: false }, (error) => {
      release();
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (error && code !== 'ECONNABORTED' && code !== 'ECONNRESET') log(error);
    });
  });

  return router;
}
