// Static assets under content-hashed URLs (/assets/HASH/site.css), cached by browsers for a year: a new
// version of a file gets a new URL, so no reader ever runs a stale script against a new page.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export interface Assets {
  /** The hashed URL of a file known by its plain path, e.g. url('/css/site.css'). */
  url: (plainPath: string) => string;
  router: Router;
}

export function createAssets(files: Record<string, string>): Assets {
  const urls = new Map<string, string>();
  const byHashedPath = new Map<string, string>();
  for (const [plainPath, file] of Object.entries(files)) {
    const hash = createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 12);
    const hashed = `/assets/${hash}/${path.basename(plainPath)}`;
    urls.set(plainPath, hashed);
    byHashedPath.set(hashed, file);
  }
  const router = Router();
  router.get('/assets/:hash/:name', (req, res, next) => {
    const file = byHashedPath.get(`/assets/${req.params.hash}/${req.params.name}`);
    if (!file) return next();
    res.sendFile(file, { maxAge: YEAR_MS, immutable: true });
  });
  return {
    url: (plainPath) => {
      const hashed = urls.get(plainPath);
      if (!hashed) throw new Error(`No asset ${plainPath}: add it to the asset list in app.ts`);
      return hashed;
    },
    router,
  };
}
