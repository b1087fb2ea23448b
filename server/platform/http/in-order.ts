// Several middleware run as one: the router then matches, and allocates for, one layer instead of one for each,
// which counts on the path every cached answer takes (response-cache.ts) ahead of its lookup.
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * The handlers one after another, as app.use would run them: an error, thrown or passed to next, goes to the
 * app's error handling and skips the rest. For synchronous handlers only (none of them returns a promise).
 */
export function inOrder(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error || index === handlers.length) {
        next(error);
        return;
      }
      const handler = handlers[index++]!;
      try {
        handler(req, res, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
