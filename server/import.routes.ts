// The import page: upload a CSV, see what it would add and change, confirm. Editors only, CSRF as every form.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Router, type RequestHandler } from 'express';
import multer from 'multer';
import { editorWrite, flash, requireEditor } from './auth.ts';
import type { Db } from './db.ts';
import { HttpError } from './errors.ts';
import { applyImport, planImport, readImport } from './pledges.import.ts';

declare module 'express-session' {
  interface SessionData {
    /** The upload waiting for confirmation: a random token naming a temporary file, and the file's name. */
    pendingImport?: { token: string; name: string };
  }
}

const UPLOAD_DIR = path.join(os.tmpdir(), 'pledge-tracker-imports');

function pendingFile(token: string): string {
  return path.join(UPLOAD_DIR, `${token}.csv`);
}

export function importRouter(db: Db, maxBytes: number): Router {
  const router = Router();
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 10 } });
  const megabytes = Math.round((maxBytes / 1024 / 1024) * 10) / 10;
  const limitText = maxBytes >= 1024 * 1024 ? `${megabytes} MB` : `${Math.round(maxBytes / 1024)} kB`;

  /** multer's own errors carry no HTTP status: say clearly what was wrong. */
  const receive: RequestHandler = (req, res, next) => {
    upload.single('file')(req, res, (error: unknown) => {
      if (!error) return next();
      const code = (error as { code?: string }).code;
      if (code === 'LIMIT_FILE_SIZE') return next(new HttpError(413, `The file is larger than ${limitText}: split it, or ask for a larger IMPORT_MAX_MB.`));
      next(new HttpError(400, `The upload could not be read (${(error as Error).message}). Choose one CSV file and try again.`));
    });
  };

  router.get('/pledges/import', requireEditor, (_req, res) => {
    res.render('pledges/import', { title: 'Import pledges', megabytes, problems: null, plan: null, name: null, token: null });
  });

  router.post('/pledges/import', requireEditor, receive, ...editorWrite, async (req, res) => {
    const file = req.file;
    if (!file || file.size === 0) {
      res.status(422).render('pledges/import', { title: 'Import pledges', megabytes, problems: [{ line: 0, column: 'file', message: 'Choose a CSV file to import.' }], plan: null, name: null, token: null });
      return;
    }
    const name = path.basename(file.originalname).slice(0, 200);
    const { rows, problems } = await readImport(db, Readable.from([file.buffer]));
    if (problems.length > 0) {
      res.status(422).render('pledges/import', { title: 'Import pledges', megabytes, problems, plan: null, name, token: null });
      return;
    }
    const token = randomBytes(16).toString('hex');
    fs.mkdirSync(UPLOAD_DIR, { recursive: true, mode: 0o700 });
    fs.writeFileSync(pendingFile(token), file.buffer, { mode: 0o600 });
    const previous = req.session.pendingImport;
    if (previous) fs.rmSync(pendingFile(previous.token), { force: true });
    req.session.pendingImport = { token, name };
    res.render('pledges/import', { title: 'Import pledges: preview', megabytes, problems: null, plan: planImport(db, rows), name, token });
  });

  router.post('/pledges/import/confirm', ...editorWrite, async (req, res) => {
    const pending = req.session.pendingImport;
    if (!pending || req.body?.token !== pending.token || !fs.existsSync(pendingFile(pending.token))) {
      throw new HttpError(409, 'There is no upload waiting for confirmation: upload the file again.');
    }
    // Read and plan again: the database may have changed since the preview.
    const { rows, problems } = await readImport(db, fs.createReadStream(pendingFile(pending.token)));
    fs.rmSync(pendingFile(pending.token), { force: true });
    delete req.session.pendingImport;
    if (problems.length > 0) throw new HttpError(409, 'The file no longer imports cleanly: upload it again to see why.');
    const result = applyImport(db, planImport(db, rows), req.editor!, pending.name);
    flash(req, `Imported ${pending.name}: ${result.created} new, ${result.changed} changed.`);
    res.redirect(303, '/pledges');
  });

  return router;
}
