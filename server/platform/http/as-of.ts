// The as-of date of a read (as_of=YYYY-MM-DD, docs/methodology.md "As of a date"): checked once a request, kept in
// res.locals for every view (asOfOf), and carried by every link of the page it renders, so that a reader who
// follows one stays on that date.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { todayOf } from './today.ts';
import type { ApiParameter } from './openapi.ts';

/** The as-of date the query asks for, checked against today and the data (throws an HttpError), or null. */
export type AsOfCheck = (query: Record<string, unknown>, today: string) => string | null;

/** as_of= as the API's description gives it: every read takes it. */
export const AS_OF_PARAMETER: ApiParameter = {
  name: 'as_of',
  in: 'query',
  description:
    'The tracker as it stood on that day (docs/methodology.md, "As of a date"): the pledges announced by then, each with its status then, and overdue computed against that day. A whole day, not in the future and not before the first pledge (400 otherwise).',
  schema: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
  example: '2025-06-30',
};

/** The request's as-of date, YYYY-MM-DD, or null for today's view. */
export function asOfOf(res: Response): string | null {
  return (res.locals.asOf as string | null | undefined) ?? null;
}

export function stampAsOf(check: AsOfCheck): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.asOf = null;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.query.as_of === undefined) return next();
    const asOf = check(req.query as Record<string, unknown>, todayOf(res));
    if (asOf === null) return next();
    res.locals.asOf = asOf;
    // The same page today: its "today's view" link.
    res.locals.todayHref = withoutParam(req.originalUrl, 'as_of');
    rewriteRenders(res, next, (html) => keepInLinks(html, 'as_of', asOf));
    next();
  };
}

/** Every page res.render makes from now on, passed through `rewrite` before it is sent (or handed to a callback). */
export function rewriteRenders(res: Response, next: NextFunction, rewrite: (html: string) => string): void {
  const render = res.render.bind(res);
  res.render = ((view: string, options?: object | RenderCallback, callback?: RenderCallback) => {
    const done = typeof options === 'function' ? options : callback;
    render(view, typeof options === 'function' ? {} : (options ?? {}), (error: Error | null, html?: string) => {
      const kept = html === undefined ? html : rewrite(html);
      if (done) return done(error, kept);
      if (error) return next(error);
      res.send(kept);
    });
  }) as Response['render'];
}

type RenderCallback = (error: Error | null, html?: string) => void;

/** A path with its query string, without one parameter. */
export function withoutParam(url: string, name: string): string {
  const [path, query = ''] = url.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  params.delete(name);
  const rest = params.toString();
  return rest ? `${path}?${rest}` : path!;
}

/**
 * Paths a kept date means nothing to: signing in, an editor's forms, the assets. Every other link of the site is a
 * read, which takes the date.
 */
const DATELESS = /^\/(?:login|logout|account|assets\/|css\/|js\/|vendor\/|favicon)|\/(?:new|edit|delete|import)(?:[/?#]|$)/;

/**
 * The HTML with name=value added to the href of every link (<a>) to a read of the site (a path from its root,
 * without the parameter yet, and not one `skip` names); a link marked data-keep="none" (the way back to today, the
 * language switch) is left as it is. The
 * templates write every href double-quoted, with & as &amp;.
 */
export function keepInLinks(html: string, name: string, value: string, skip: RegExp = DATELESS): string {
  const pair = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  return html.replace(/<a\s[^>]*>/g, (tag) => {
    if (tag.includes('data-keep="none"')) return tag;
    return tag.replace(/\shref="(\/(?!\/)[^"]*)"/, (attribute, href: string) => {
      if (skip.test(href) || new RegExp(`[?&](?:amp;)?${name}=`).test(href)) return attribute;
      const hash = href.indexOf('#');
      const [base, fragment] = hash === -1 ? [href, ''] : [href.slice(0, hash), href.slice(hash)];
      return ` href="${base}${base.includes('?') ? '&amp;' : '?'}${pair}${fragment}"`;
    });
  });
}
