// Answers compressed as they are sent, for clients that take it (the response cache compresses the answers it
// keeps itself: response-cache.ts). A streamed export keeps its backpressure through the compressor.
import zlib from 'node:zlib';
import compression from 'compression';
import type { Request, RequestHandler, Response } from 'express';

/** Whether the answer is a CSV export: streamed, up to hundreds of MB (every pledge). */
function isExport(res: Response): boolean {
  return /^text\/csv\b/.test(String(res.getHeader('Content-Type') ?? ''));
}

/** CSV exports at the compressors' fastest settings. */
const FASTEST = { level: 1, brotli: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } } };

/**
 * The middleware's defaults (brotli 4, gzip 6) for pages and JSON; its fastest for CSV exports, whose compressing
 * otherwise took about as long as writing them: 7.6 MB of the pledges' CSV compressed by brotli 4 in 163 ms to
 * 0.93 MB, by brotli 1 in 33 ms to 1.12 MB (docs/performance.md).
 */
export function compressAnswers(): RequestHandler[] {
  return [
    compression({ filter: (req: Request, res: Response) => !isExport(res) && compression.filter(req, res) }),
    compression({ ...FASTEST, filter: (req: Request, res: Response) => isExport(res) && compression.filter(req, res) }),
  ];
}
