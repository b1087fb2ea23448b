// Every page in both languages: no raw key where a string should be, <html lang> as asked, and the German pages in
// German, with German amounts.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocale } from '../../server/platform/i18n.ts';
import { freshApp, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
let editor: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  ctx = freshApp();
  editor = await signedIn(ctx);
});
afterAll(() => ctx?.cleanup());

// The strings' top-level groups: a missing key prints as its path ("dashboard.heading"), which starts with one.
const GROUPS = Object.keys(readLocale('en'));
const RAW_KEY = new RegExp(`(?:^|[\\s>"(])(?:${GROUPS.join('|')})\\.[\\w-]+(?:\\.[\\w-]+)*(?=[\\s<".,:)]|$)`);

/** The words a reader sees and hears: the text between tags, and the attributes a screen reader or a tooltip says. */
function shown(html: string): string {
  const body = html.replace(/<script[\s\S]*?<\/script>/g, '');
  const attributes = [...body.matchAll(/\s(?:aria-label|title|placeholder|alt)="([^"]*)"/g)].map((match) => match[1]);
  return `${body.replace(/<[^>]+>/g, ' ')} ${attributes.join(' ')}`;
}

const PUBLIC_PAGES = [
  '/',
  '/?sector=Semiconductors&as_of=2025-06-30',
  '/pledges',
  '/pledges?sort=-announced&lever=tariffs',
  '/pledges/1',
  '/events',
  '/events/1',
  '/concessions',
  '/changes',
  '/methodology',
  '/levers',
  '/embed/amounts',
  '/embed/timeline',
  '/embed/waterfall',
  '/login',
];

describe('every page, in English and in German', () => {
  it.each(PUBLIC_PAGES.flatMap((path) => (['en', 'de'] as const).map((lang) => [path, lang] as const)))('%s in %s: no raw key, <html lang>', async (path, lang) => {
    const res = await request(ctx.app).get(path).set('Accept-Language', lang);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(new RegExp(`<html lang="${lang}">`));
    expect(res.headers['content-language']).toBe(lang);
    expect(shown(res.text)).not.toMatch(RAW_KEY);
  });

  it('says the 404 page in German, with its message translated', async () => {
    const res = await request(ctx.app).get('/nowhere').set('Accept-Language', 'de');
    expect(res.status).toBe(404);
    expect(res.text).toContain('<html lang="de">');
    expect(res.text).toContain('404 · Nicht gefunden');
    expect(res.text).toContain('Unter /nowhere gibt es nichts.');
    expect(res.text).toContain('Zurück zur Übersicht');
    expect(shown(res.text)).not.toMatch(RAW_KEY);
  });

  it('says a refused filter in German on a German page, and in English in the JSON API', async () => {
    const page = await request(ctx.app).get('/pledges?min=lots').set('Accept-Language', 'de');
    expect(page.status).toBe(400);
    expect(page.text).toContain('<html lang="de">');
    expect(shown(page.text)).not.toMatch(RAW_KEY);
    expect(page.text).toContain('Der Filterparameter min ist falsch: Den Betrag in Ziffern mit optionaler Einheit schreiben');
    const api = await request(ctx.app).get('/api/pledges?min=lots').set('Accept-Language', 'de');
    expect(api.status).toBe(400);
    expect(api.body.error.message).toMatch(/^The filter parameter min/);
  });

  it('writes the German dashboard in German, amounts and dates as German writes them', async () => {
    const res = await request(ctx.app).get('/').set('Accept-Language', 'de');
    const text = shown(res.text);
    for (const words of ['Investitionszusagen unter politischem Druck', 'Angekündigt', 'Beträge im Vergleich', 'Politischer Kontext', 'Alle Zusagen, nach jeder Spalte sortierbar']) {
      expect(text).toContain(words);
    }
    expect(text).toMatch(/\d+,\d+\u00a0Bio\.\u00a0\$/);
    expect(text).toMatch(/\d+\u00a0Mrd\.\u00a0\$/);
    expect(text).toMatch(/\d{1,2}\. (Jan|Feb|März|Apr|Mai|Juni|Juli|Aug|Sept|Okt|Nov|Dez)\.? \d{4}/);
    expect(res.text).toContain('title="1.180.000.000.000\u00a0$">1,18\u00a0Bio.\u00a0$</data>');
    // Data stays as entered: a pledger's name is not translated.
    expect(text).toContain('SoftBank');
  });

  it('gives an embed its heading, filter, table and credit in German, chosen by ?lang as another site frames it', async () => {
    const res = await request(ctx.app).get('/embed/amounts?lang=de&sector=Semiconductors');
    expect(res.text).toContain('<h1>Beträge im Vergleich</h1>');
    expect(res.text).toContain('Branche: Semiconductors');
    expect(res.text).toContain('<th scope="col" class="num">US-Teil</th>');
    expect(res.text).toMatch(/<td class="num">[\d,]+\u00a0Mrd\.\u00a0\$<\/td>/);
    expect(res.text).toContain('Quelle:');
    const dashboard = await request(ctx.app).get('/?lang=de');
    expect(dashboard.text).toContain("title=&#34;Beträge im Vergleich · Pledge Tracker&#34;");
  });

  it('shows the English pages as before, byte for byte where the tests knew them', async () => {
    const res = await request(ctx.app).get('/');
    expect(res.text).toContain('title="$1,180,000,000,000">$1.18T</data>');
    expect(res.text).toContain('Leaves out 1 pledge with an undisclosed amount.');
    expect(res.text).not.toContain('Mrd.');
  });
});

describe('an editor\'s pages, in both languages', () => {
  it.each(['en', 'de'] as const)('the add form and its validation errors in %s: no raw key', async (lang) => {
    const form = await editor.agent.get('/pledges/new').set('Accept-Language', lang);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`<html lang="${lang}">`);
    expect(shown(form.text)).not.toMatch(RAW_KEY);
    const refused = await editor.agent.post('/pledges').set('Accept-Language', lang).type('form').send({ _csrf: editor.csrf, pledger: '', amount: 'lots' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain(`<html lang="${lang}">`);
    expect(shown(refused.text)).not.toMatch(RAW_KEY);
    if (lang === 'de') {
      // Labels, hints and each refusal in German, beside the field and in the summary.
      for (const words of ['Betrag in US-Dollar', 'Wer und was', '(Pflichtfeld)', 'Der Zusagende: Angabe erforderlich.', 'Dinge vor dem Speichern zu korrigieren', 'Mindestens eine Quellen-URL hinzufügen']) {
        expect(refused.text).toContain(words);
      }
    } else {
      expect(refused.text).toContain('The pledger is required.');
    }
    for (const path of ['/events/new', '/account', '/pledges/1/edit', '/pledges/import']) {
      const page = await editor.agent.get(path).set('Accept-Language', lang);
      expect(page.status, path).toBe(200);
      expect(shown(page.text), path).not.toMatch(RAW_KEY);
    }
  });
});
