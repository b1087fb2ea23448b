import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const langOf = (html: string) => /<html lang="(\w+)">/.exec(html)?.[1];

describe('the language of a page', () => {
  it('follows Accept-Language when nothing else says, and English otherwise', async () => {
    ctx = freshApp();
    const german = await request(ctx.app).get('/pledges').set('Accept-Language', 'de-DE,de;q=0.9,en;q=0.8');
    expect(langOf(german.text)).toBe('de');
    expect(german.headers['content-language']).toBe('de');
    expect(german.text).toContain('Zusagen');
    const french = await request(ctx.app).get('/pledges').set('Accept-Language', 'fr');
    expect(langOf(french.text)).toBe('en');
    const none = await request(ctx.app).get('/pledges');
    expect(langOf(none.text)).toBe('en');
    expect(none.headers['content-language']).toBe('en');
  });

  it('takes ?lang before the cookie, and the cookie before Accept-Language', async () => {
    ctx = freshApp();
    const cookieBeatsHeader = await request(ctx.app).get('/').set('Cookie', 'lang=en').set('Accept-Language', 'de');
    expect(langOf(cookieBeatsHeader.text)).toBe('en');
    const queryBeatsCookie = await request(ctx.app).get('/?lang=de').set('Cookie', 'lang=en').set('Accept-Language', 'en');
    expect(langOf(queryBeatsCookie.text)).toBe('de');
    const cookieOnly = await request(ctx.app).get('/events').set('Cookie', 'lang=de');
    expect(langOf(cookieOnly.text)).toBe('de');
  });

  it('keeps ?lang in the links of the page it chose, but not in the switch', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/?lang=de');
    expect(res.text).toContain('href="/pledges?lang=de"');
    expect(res.text).toContain('href="/lang/en?next=%2F"');
    // Chosen by the address alone: the answer is the same whatever the cookie or Accept-Language.
    expect(res.headers.vary ?? '').not.toMatch(/Accept-Language|Cookie/);
  });

  it('answers 400 with a clear message to an unknown ?lang, in the reader\'s language', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/pledges?lang=fr');
    expect(res.status).toBe(400);
    expect(res.text).toContain('is not one of this site');
    const german = await request(ctx.app).get('/pledges?lang=xx').set('Accept-Language', 'de');
    expect(german.status).toBe(400);
    expect(german.text).toContain('Die Sprache „xx“ gibt es hier nicht');
    // The JSON API is English whatever it is asked, and lang= means nothing there.
    const api = await request(ctx.app).get('/api/pledges?lang=fr');
    expect(api.status).toBe(200);
  });
});

describe('GET /lang/:lang', () => {
  it('sets the cookie for a year and goes back to the page, not cached', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/lang/de?next=%2Fpledges%3Fsector%3DEnergy%26lang%3Den');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/pledges?sector=Energy&lang=de');
    expect(res.headers['cache-control']).toBe('private, no-store');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^lang=de; Max-Age=31536000;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    const page = await request(ctx.app).get('/pledges').set('Cookie', 'lang=de');
    expect(langOf(page.text)).toBe('de');
  });

  it('goes back only to a page of this site', async () => {
    ctx = freshApp();
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const res = await request(ctx.app).get(`/lang/en?next=${encodeURIComponent(next)}`);
      expect(res.headers.location).toBe('/?lang=en');
    }
    expect((await request(ctx.app).get('/lang/fr')).status).toBe(404);
  });

  it('is linked from every page\'s header, as a plain link that works without scripts', async () => {
    ctx = freshApp();
    const english = await request(ctx.app).get('/events?kind=tariffs');
    expect(english.text).toContain('<a href="/lang/de?next=%2Fevents%3Fkind%3Dtariffs" lang="de" hreflang="de" data-keep="none">Deutsch</a>');
    const german = await request(ctx.app).get('/events').set('Cookie', 'lang=de');
    expect(german.text).toContain('<a href="/lang/en?next=%2Fevents" lang="en" hreflang="en" data-keep="none">English</a>');
  });
});

/** A reader's GET, always naming the same host: the dashboard is cached apart per origin, and supertest's port changes. */
const reader = (path: string) => request(ctx.app).get(path).set('Host', 'tracker.test');

describe('the response cache and the language', () => {
  it('never gives the page cached in one language to a reader of the other', async () => {
    ctx = freshApp();
    const english = await reader('/');
    expect(langOf(english.text)).toBe('en');
    const again = await reader('/');
    expect(again.headers['x-cache']).toBe('hit');
    const german = await reader('/').set('Accept-Language', 'de');
    expect(langOf(german.text)).toBe('de');
    const germanByCookie = await reader('/').set('Cookie', 'lang=de');
    expect(langOf(germanByCookie.text)).toBe('de');
    expect(germanByCookie.headers['x-cache']).toBe('hit');
    const englishAgain = await reader('/');
    expect(langOf(englishAgain.text)).toBe('en');
  });

  it('says what a shared cache must key on besides the lang cookie: Vary names Accept-Language, kept on a hit', async () => {
    ctx = freshApp();
    for (const expected of ['miss', 'hit']) {
      const res = await request(ctx.app).get('/pledges');
      expect(res.headers['x-cache']).toBe(expected);
      const vary = String(res.headers.vary).split(/,\s*/);
      expect(vary).toEqual(expect.arrayContaining(['Accept-Language', 'Accept-Encoding']));
      expect(res.headers['content-language']).toBe('en');
    }
  });

  it('on an embed, where no cookie is read, varies on Accept-Language too, and the cookie changes nothing', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/embed/amounts').set('Cookie', 'lang=de');
    expect(langOf(res.text)).toBe('en');
    const vary = String(res.headers.vary).split(/,\s*/);
    expect(vary).toContain('Accept-Language');
    const german = await request(ctx.app).get('/embed/amounts').set('Accept-Language', 'de');
    expect(langOf(german.text)).toBe('de');
  });
});
