// Reader routes of relations: the CSV export. (A pledge's page shows its relations; the JSON is relations.api.routes.ts.)
import { Router } from 'express';
import { closeSnapshot, openSnapshot, type Db } from '../platform/db.ts';
import { csvFilename, streamCsv } from '../pledges/pledges.csv.ts';
import { parseFilter } from '../pledges/pledges.filter.ts';
import { RELATION_CSV_COLUMNS } from './relation.model.ts';
import { iterateRelationsExport } from './relations.repository.ts';
import { todayOf } from '../platform/http/today.ts';

export function relationsRouter(db: Db, log: (error: unknown) => void): Router {
  const router = Router();

  // The pledges' filter: a relation is exported when either of its pledges matches it.
  router.get('/relations.csv', (req, res) => {
    const filter = parseFilter(req.query, todayOf(res));
    res.type('text/csv; charset=utf-8');
    res.attachment(csvFilename(new Date(), 'relations'));
    // A snapshot of its own, as the pledges' export: consistent, and the shared connection is never held between chunks.
    const snapshot = openSnapshot(db);
    streamCsv(
      iterateRelationsExport(snapshot, filter),
      res,
      (error) => {
        closeSnapshot(snapshot);
        if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') log(error);
      },
      RELATION_CSV_COLUMNS,
    );
  });

  return router;
}
