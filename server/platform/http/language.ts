// The language of a page: ?lang=en|de, else the cookie the header's switch sets, else Accept-Language, else English.
// Checked once a request, before the response cache (whose key it is part of); a page chosen by ?lang keeps it in
// every link, as an as-of date is kept. The embeds and cards read no cookie (no cookie is read on a shared page).
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import Negotiator from 'negotiator';
import { HttpError } from '../errors.ts';
import { DEFAULT_LANGUAGE, isLanguage, LANGUAGES, messageTranslator, translator, type Language } from '../i18n.ts';
import { keepInLinks, rewriteRenders, withoutParam } from './as-of.ts';
import { isSharedPage } from './shared-pages.ts';

export const LANGUAGE_COOKIE = 'lang';
const COOKIE = /(?:^|;\s*)lang=([a-z]{2})(?:;|$)/;
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Links a language means nothing to: the assets and the switch itself. */
const WORDLESS = /^\/(?:assets\/|css\/|js\/|vendor\/|favicon|lang\/)/;

/** The request's language, as stampLanguage chose it. */
export function languageOf(res: Response): Language {
  return (res.locals.lang as Language | undefined) ?? DEFAULT_LANGUAGE;
}

/** The language a reader asked for without ?lang: the switch's cookie (not on a shared page), then Accept-Language. */
function preferred(req: Request): Language {
  const cookie = isSharedPage(req.path) ? undefined : COOKIE.exec(req.headers.cookie ?? '')?.[1];
  if (isLanguage(cookie)) return cookie;
  const header = req.headers['accept-language'] ? new Negotiator(req).language([...LANGUAGES]) : undefined;
  return isLanguage(header) ? header : DEFAULT_LANGUAGE;
}

/**
 * Chooses the request's language and gives the views its words: `t`, `lang`, `translated` (a message the code wrote
 * in English, in this language) and what `helpers` gives for the language (formatted amounts, dates, labels).
 * Each page says its language (Content-Language) and what chose it (Vary), so that a shared cache keeps the
 * languages apart.
 */
export function stampLanguage(helpers: (language: Language) => object): RequestHandler {
  const messages = Object.fromEntries(LANGUAGES.map((language) => [language, messageTranslator(language)]));
  const words = Object.fromEntries(LANGUAGES.map((language) => [language, { t: translator(language), translated: messages[language], ...helpers(language) }]));
  return (req: Request, res: Response, next: NextFunction) => {
    const asked = req.query.lang;
    const language = isLanguage(asked) ? asked : preferred(req);
    res.locals.lang = language;
    // The error handler words a page's title and message before it renders it (platform/errors.ts).
    res.locals.t = words[language].t;
    res.locals.translated = words[language].translated;
    // Vary names Accept-Language, not Cookie: a shared cache keys on the lang cookie itself (deploy/nginx.conf's
    // proxy_cache_key), and a Vary on the whole Cookie header kept nginx from serving its stale copies.
    const varies = isLanguage(asked) ? [] : ['Accept-Language'];
    const render = res.render.bind(res);
    res.render = ((...args: Parameters<Response['render']>) => {
      // What only a page reads, given when one is rendered: an answer from the response cache renders nothing.
      Object.assign(res.locals, words[language]);
      // The switch in the header: this page, in the other language (which the switch's cookie then names).
      res.locals.languageNext = withoutParam(req.originalUrl, 'lang');
      // A language chosen by ?lang is kept by the filter forms too (partials/as-of-field.ejs).
      res.locals.langParam = isLanguage(asked);
      res.setHeader('Content-Language', language);
      if (varies.length > 0) res.vary(varies.join(', '));
      return render(...args);
    }) as Response['render'];
    // The JSON API is in English whatever it is asked: lang= means nothing there.
    if (asked !== undefined && !isLanguage(asked) && !req.path.startsWith('/api/')) {
      throw new HttpError(400, `The language "${String(asked).slice(0, 20)}" is not one of this site's: use lang=en or lang=de.`);
    }
    if (isLanguage(asked)) rewriteRenders(res, next, (html) => keepInLinks(html, 'lang', language, WORDLESS));
    next();
  };
}

/**
 * The language a card image's address names (?lang), else English. A card image reads neither the cookie nor
 * Accept-Language: it says no Vary, so its address alone must decide what a shared cache keeps under it.
 */
export function addressedLanguage(req: Request): Language {
  return isLanguage(req.query.lang) ? req.query.lang : DEFAULT_LANGUAGE;
}

/** A path of this site, or its root: never another site's address (//host, /\host). */
function localPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length < 2000 ? value : '/';
}

/** GET /lang/de?next=/pledges: the switch sets the cookie and goes back to /pledges?lang=de, without a script. */
export function languageRouter(): Router {
  const router = Router();
  router.get('/lang/:lang', (req, res) => {
    const language = req.params.lang;
    if (!isLanguage(language)) throw new HttpError(404, `Nothing lives at ${req.path}.`);
    res.set('Cache-Control', 'private, no-store');
    res.cookie(LANGUAGE_COOKIE, language, { maxAge: YEAR_MS, sameSite: 'lax', httpOnly: true, secure: req.secure, path: '/' });
    // Back to the page with the language in its address too: the page a browser kept (public, max-age) in the other
    // language has another address, so the switch shows at once what it says; its links then keep lang.
    const back = new URL(withoutParam(localPath(req.query.next), 'lang'), 'http://local');
    back.searchParams.set('lang', language);
    res.redirect(303, `${back.pathname}${back.search}${back.hash}`);
  });
  return router;
}
