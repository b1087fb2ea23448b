// The date a request computes overdue against: read once per request from the app's clock (UTC), so that a page
// stays consistent across midnight and a test can set the day.
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export type Clock = () => string;

export function stampToday(today: Clock): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.locals.today = today();
    next();
  };
}

/** The request's date, YYYY-MM-DD, as stampToday set it. */
export function todayOf(res: Response): string {
  return res.locals.today as string;
}
