// Static assets under content-hashed URLs (/assets/HASH/site.css), cached by browsers for a year: a new
// version of a file gets a new URL, so no reader ever runs a stale script against a new page.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Router } from 'express';
import { compressedEncoding } from './response-cache.ts';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export interface Assets {
  /** The hashed URL of a file known by its plain path, e.g. url('/css/site.css'). */
  url: (plainPath: string) => string;
  router: Router;
}

interface Compressed {
  br: Buffer;
  gzip: Buffer;
}

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/**
 * Each file's compressed forms by content hash, made once per process on the thread pool (brotli at its
 * best quality, affordable once per file, not per request). Until they are ready, and if making them fails,
 * the file is compressed as it is sent.
 */
const compressedForms = new Map<string, Compressed | null>();

function compressInBackground(hash: string, data: Buffer): void {
  if (compressedForms.has(hash)) return;
  compressedForms.set(hash, null);
  Promise.all([
    brotli(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
    gzip(data, { level: 9 }),
  ]).then(
    ([br, gz]) => compressedForms.set(hash, { br, gzip: gz }),
    () => compressedForms.delete(hash),
  );
}

export function createAssets(files: Record<string, string>): Assets {
  const urls = new Map<string, string>();
  const byHashedPath = new Map<string, { file: string; hash: string }>();
  for (const [plainPath, file] of Object.entries(files)) {
    const data = fs.readFileSync(file);
    const hash = createHash('sha256').update(data).digest('hex').slice(0, 12);
    const hashed = `/assets/${hash}/${path.basename(plainPath)}`;
    urls.set(plainPath, hashed);
    byHashedPath.set(hashed, { file, hash });
    compressInBackground(hash, data);
  }
  const router = Router();
  router.get('/assets/:hash/:name', (req, res, next) => {
    const asset = byHashedPath.get(`/assets/${req.params.hash}/${req.params.name}`);
    if (!asset) return next();
    const forms = compressedForms.get(asset.hash);
    const encoding = forms ? compressedEncoding(req) : 'identity';
    if (!forms || encoding === 'identity') {
      res.sendFile(asset.file, { maxAge: YEAR_MS, immutable: true });
      return;
    }
    const body = forms[encoding];
    res.type(path.extname(asset.file));
    res.set({
      'Cache-Control': `public, max-age=${YEAR_MS / 1000}, immutable`,
      'Content-Encoding': encoding,
      Vary: 'Accept-Encoding',
      ETag: `"${asset.hash}-${encoding}"`,
    });
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.set('Content-Length', String(body.length));
    res.end(req.method === 'HEAD' ? undefined : body);
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
