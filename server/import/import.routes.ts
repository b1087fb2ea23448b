// The import page: upload a CSV, see what it would add and change, confirm. Editors only, CSRF as every form.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Router, type RequestHandler } from 'express';
import multer from 'multer';
import { editorWrite, flash, requireEditor } from '../auth/auth.ts';
import { isBusy, isFull, maxBytesOf, type Db } from '../platform/db.ts';
import { HttpError } from '../platform/errors.ts';
import type { ImportOutcome } from './import.preview.ts';
import { importInBackground } from './import.threads.ts';

declare module 'express-session' {
  interface SessionData {
    /** The upload waiting for confirmation: a random token naming a temporary file, and the file's name. */
    pendingImport?: { token: string; name: string };
  }
}

/** Where uploads wait for their confirmation: a folder of the server's own beside the database. */
export function uploadDir(databasePath: string): string {
  return path.join(path.dirname(databasePath), 'uploads');
}

/**
 * Creates the uploads' folder, private (0700), or checks the one there: a folder of another user, or a link to
 * one, could let them read or swap an upload before it is confirmed, and the server refuses to start. One of ours
 * that others may enter (an older version's, made under a loose umask) is closed to them instead: what it holds
 * waits a day at most (UPLOAD_MAX_AGE_MS) under names nobody can guess.
 */
export function ensurePrivateDir(dir: string, owner = process.getuid?.()): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory() || (owner !== undefined && stat.uid !== owner)) {
    throw new Error(`${dir} must be a folder of the user running the server (it holds uploads waiting for confirmation): remove it, or make it this user's.`);
  }
  if ((stat.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

/** How long an upload waits for its confirmation. */
export const UPLOAD_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes the uploads left waiting for longer than UPLOAD_MAX_AGE_MS: previews never confirmed, imports cut
 * short by a crash. Run when the server starts and at every upload, so that they do not pile up.
 */
function purgeStaleUploads(dir: string, now = Date.now()): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      if (now - fs.statSync(file).mtimeMs > UPLOAD_MAX_AGE_MS) fs.rmSync(file, { force: true });
    } catch {
      // Gone meanwhile (confirmed, or purged by another request).
    }
  }
}

export function importRouter(db: Db, maxBytes: number): Router {
  const uploads = uploadDir(db.name);
  ensurePrivateDir(uploads);
  purgeStaleUploads(uploads);
  const pendingFile = (token: string) => path.join(uploads, `${token}.csv`);
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

  // How far the server has read each upload, for the page's progress bar: keyed by session and a random job
  // id the form carries; forgotten a minute after the file was read.
  const progress = new Map<string, { rows: number; percent: number; done: boolean }>();
  const jobKey = (req: { sessionID: string }, job: unknown) => (typeof job === 'string' && /^[0-9a-f]{32}$/.test(job) ? `${req.sessionID}:${job}` : null);
  const newJob = () => randomBytes(16).toString('hex');
  /** The page import being written, if any. */
  let importing: Promise<unknown> = Promise.resolve();

  router.get('/pledges/import', requireEditor, (_req, res) => {
    res.render('pledges/import', { title: 'Import pledges', megabytes, problems: null, outcome: null, name: null, token: null, job: newJob() });
  });

  router.get('/pledges/import/progress', requireEditor, (req, res) => {
    const key = jobKey(req, req.query.job);
    if (!key) throw new HttpError(400, 'The parameter job must be the 32-character id the import form carries.');
    const state = progress.get(key);
    res.set('Cache-Control', 'no-store');
    res.json(state ? { phase: state.done ? 'done' : 'reading', rows: state.rows, percent: state.percent } : { phase: 'waiting', rows: 0, percent: 0 });
  });

  router.post('/pledges/import', requireEditor, receive, ...editorWrite, async (req, res) => {
    const file = req.file;
    if (!file || file.size === 0) {
      res.status(422).render('pledges/import', { title: 'Import pledges', megabytes, problems: [{ line: 0, column: 'file', message: 'Choose a CSV file to import.' }], outcome: null, name: null, token: null, job: newJob() });
      return;
    }
    const name = path.basename(file.originalname).slice(0, 200);
    const key = jobKey(req, req.body?.job);
    const report = (rows: number, bytes: number, done = false) => {
      if (key) progress.set(key, { rows, percent: Math.min(100, Math.round((100 * bytes) / file.size)), done });
    };
    // The upload waits on disk for its confirmation, and is read there on a thread of its own, as the confirm
    // reads it: however large or wide the file, the server goes on answering meanwhile.
    const token = randomBytes(16).toString('hex');
    const waiting = pendingFile(token);
    purgeStaleUploads(uploads);
    fs.mkdirSync(uploads, { recursive: true, mode: 0o700 });
    let rows = 0;
    let outcome: ImportOutcome;
    try {
      fs.writeFileSync(waiting, file.buffer, { mode: 0o600 });
      outcome = await importInBackground({ databasePath: db.name, maxBytes: maxBytesOf(db), file: waiting }, (count, bytes) => report((rows = count), bytes));
    } catch (error) {
      fs.rmSync(waiting, { force: true });
      throw error;
    }
    report(rows, file.size, true);
    if (key) setTimeout(() => progress.delete(key), 60_000).unref();
    if (outcome.problems.length > 0) {
      fs.rmSync(waiting, { force: true });
      res.status(422).render('pledges/import', { title: 'Import pledges', megabytes, problems: outcome.problems, outcome: null, name, token: null, job: newJob() });
      return;
    }
    const previous = req.session.pendingImport;
    if (previous) fs.rmSync(pendingFile(previous.token), { force: true });
    req.session.pendingImport = { token, name };
    res.render('pledges/import', { title: 'Import pledges: preview', megabytes, problems: null, outcome, name, token, job: null });
  });

  router.post('/pledges/import/confirm', ...editorWrite, async (req, res) => {
    const pending = req.session.pendingImport;
    const gone = new HttpError(409, 'There is no upload waiting for confirmation: upload the file again.');
    if (!pending || req.body?.token !== pending.token) throw gone;
    // Claimed at once, by renaming it: a second confirm of the same upload (a double click) finds it gone.
    const file = `${pendingFile(pending.token)}.importing`;
    try {
      fs.renameSync(pendingFile(pending.token), file);
    } catch {
      throw gone;
    }
    // Its age starts again: an upload confirmed near the end of its day is not purged while it is imported.
    const now = new Date();
    fs.utimesSync(file, now, now);
    delete req.session.pendingImport;
    // Read and sorted again as it is written (the database may have changed since the preview), on a thread and
    // a connection of its own, as `npm run import` does: this one goes on answering. One page import at a time:
    // a second waits here for the first instead of for its write lock.
    const run = importing.then(() => importInBackground({ databasePath: db.name, maxBytes: maxBytesOf(db), file, write: { author: req.editor!, filename: pending.name } }));
    importing = run.catch(() => undefined);
    let result: ImportOutcome;
    try {
      result = await run;
    } catch (error) {
      if (isBusy(error) || isFull(error)) {
        // Another connection held the database past the busy timeout, or the disk is full, and nothing was
        // written: the upload waits for the confirm again that the 503's Retry-After (or room on the disk) invites.
        fs.renameSync(file, pendingFile(pending.token));
        req.session.pendingImport = pending;
      }
      throw error;
    } finally {
      fs.rmSync(file, { force: true });
    }
    if (!result.written) throw new HttpError(409, 'The file no longer imports cleanly: upload it again to see why.');
    flash(req, `Imported ${pending.name}: ${result.created} new, ${result.changed} changed.`);
    res.redirect(303, '/pledges');
  });

  return router;
}
