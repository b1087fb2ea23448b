// The pages that were still English in a German frame (docs/i18n.md): the methodology, the account, the CSV import
// and its previews, the relation forms, and the link cards' words. Each in German says German words, shows no raw key,
// and the German methodology keeps every section, link and figure of the English one.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocale } from '../../server/platform/i18n.ts';
import { binary, freshApp, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
let editor: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  ctx = freshApp();
  editor = await signedIn(ctx);
});
afterAll(() => ctx?.cleanup());

const GROUPS = Object.keys(readLocale('en'));
const RAW_KEY = new RegExp(`(?:^|[\\s>"(])(?:${GROUPS.join('|')})\\.[\\w-]+(?:\\.[\\w-]+)*(?=[\\s<".,:)]|$)`);

/** The words a reader sees: the text between tags (and the attributes a screen reader says), spaces folded. */
function shown(html: string): string {
  const body = html.replace(/<script[\s\S]*?<\/script>/g, '');
  const attributes = [...body.matchAll(/\s(?:aria-label|title|placeholder|alt)="([^"]*)"/g)].map((match) => match[1]);
  return `${body.replace(/<[^>]+>/g, ' ')} ${attributes.join(' ')}`.replace(/[ \t\r\n]+/g, ' ');
}

/** The page's <main>: what the methodology's two languages must agree on. */
const mainOf = (html: string) => /<main\b[\s\S]*<\/main>/.exec(html)![0];

describe('the methodology in German', () => {
  let en: string;
  let de: string;
  beforeAll(async () => {
    en = (await request(ctx.app).get('/methodology').set('Accept-Language', 'en')).text;
    const res = await request(ctx.app).get('/methodology').set('Accept-Language', 'de');
    expect(res.status).toBe(200);
    de = res.text;
  });

  it('is written in German, with no raw key and no English section left', () => {
    expect(de).toContain('<html lang="de">');
    expect(de).toContain('<title>Wie die Zahlen gezählt werden · Pledge Tracker</title>');
    const text = shown(de);
    for (const words of [
      'Was als Zusage zählt',
      'Überfällige Zusagen',
      'Von der Ankündigung zu neuen Investitionen in den USA',
      'Microsofts 80\u00a0Mrd.\u00a0$ gelten für sein Geschäftsjahr',
      'ist ab dem 31. März 2026 überfällig',
      'die Zahl eine Obergrenze',
      'eröffnen Sie ein Issue im Repository des Projekts',
    ]) {
      expect(text).toContain(words);
    }
    expect(text).not.toMatch(RAW_KEY);
    for (const english of ['What counts as a pledge', 'upper bound', 'Reporting a correction', 'A worked example']) expect(text).not.toContain(english);
  });

  it('keeps every section, link, code name and figure of the English page', () => {
    const [english, german] = [mainOf(en), mainOf(de)];
    const all = (html: string, pattern: RegExp) => [...html.matchAll(pattern)].map((match) => match[1]);
    for (const pattern of [/\shref="([^"]*)"/g, /\sid="([^"]*)"/g, /<code>([^<]*)<\/code>/g, /<(h[1-6]|section|li|dt|dd|p|tr|td|th|strong|em)\b/g]) {
      expect(all(german, pattern)).toEqual(all(english, pattern));
    }
    // The figures, as each language writes them ($1.4T, 1,4 Bio. $; 1,490, 1.490): the same digits, as many times.
    const figures = (html: string) => (shown(html).match(/\d+(?:[.,]\d+)*/g) ?? []).map((figure) => figure.replace(/[.,]/g, '')).sort();
    expect(figures(german)).toEqual(figures(english));
    expect(shown(german)).toContain('Alle sechs 1.490 −500 −50 −30 −20 −25 −40 825');
  });

  it('stays English, the page the tests knew, in English', () => {
    expect(en).toContain('<h1>How the figures are counted</h1>');
    expect(en).toContain('open an issue on the project’s repository');
    expect(en).not.toContain('Zusage');
  });
});

describe('the account page in German', () => {
  it('says its headings, fields, buttons and the tokens table in German, and a refusal beside its field', async () => {
    const page = await editor.agent.get('/account').set('Accept-Language', 'de');
    expect(page.status).toBe(200);
    const text = shown(page.text);
    for (const words of ['Ihr Konto: editor', 'Ihr öffentlicher Name', 'Name neben Ihren Änderungen', 'Namen speichern', 'API-Tokens', 'Token erstellen', 'Sie haben noch keine Tokens.']) {
      expect(text).toContain(words);
    }
    expect(text).not.toMatch(RAW_KEY);

    const refused = await editor.agent.post('/account/tokens').set('Accept-Language', 'de').type('form').send({ _csrf: editor.csrf, name: '' });
    expect(refused.status).toBe(422);
    expect(shown(refused.text)).toContain('Ein Name: Angabe erforderlich.');
    const created = await editor.agent.post('/account/tokens').set('Accept-Language', 'de').type('form').send({ _csrf: editor.csrf, name: 'Skript' });
    expect(created.status).toBe(303);
    const listed = shown((await editor.agent.get('/account').set('Accept-Language', 'de')).text);
    for (const words of ['Ihre Tokens, neueste zuerst', 'Zuletzt verwendet', 'nie', 'Widerrufen']) expect(listed).toContain(words);
    expect(listed).not.toMatch(RAW_KEY);
    // English as before.
    const english = shown((await editor.agent.get('/account').set('Accept-Language', 'en')).text);
    expect(english).toContain('Your account: editor');
    expect(english).toContain('Your tokens, newest first');
  });
});

describe('the CSV import in German', () => {
  const upload = (body: string, name: string) =>
    editor.agent.post('/pledges/import').set('Accept-Language', 'de').field('_csrf', editor.csrf).attach('file', Buffer.from(body), name);

  it('says the form in German', async () => {
    const page = await editor.agent.get('/pledges/import').set('Accept-Language', 'de');
    expect(page.status).toBe(200);
    const text = shown(page.text);
    for (const words of ['Zusagen importieren', 'Eine CSV-Datei im Format des Exports', 'Nichts wird geschrieben, bevor Sie die Vorschau bestätigen.', 'CSV-Datei', 'Datei prüfen']) {
      expect(text).toContain(words);
    }
    expect(text).not.toMatch(RAW_KEY);
    // The progress line public/js/import.js writes while the file is read.
    expect(page.text).toContain('data-locale="de-DE" data-reading="Wird gelesen … {n} Zeilen ({percent}\u00a0%)" data-read="Gelesen: {n} Zeilen ({percent}\u00a0%)"');
  });

  it('lists a file\'s problems in German, each message translated where the messages know it', async () => {
    const res = await upload('pledger,amount,announced_on,source_urls\nA,lots,2025-01-01,https://example.com/a\n', 'bad.csv');
    expect(res.status).toBe(422);
    const text = shown(res.text);
    expect(text).toContain('Ein Problem in bad.csv: Nichts wurde importiert');
    expect(text).toContain('Zeile 2, Spalte amount: Den Betrag in Ziffern');
    expect(text).not.toMatch(RAW_KEY);
  });

  it('previews a pledges file in German', async () => {
    const res = await upload('pledger,amount,announced_on,source_urls\nAcme,2B,2025-03-01,https://example.com/acme\n', 'neu.csv');
    expect(res.status).toBe(200);
    const text = shown(res.text);
    for (const words of ['Zusagen importieren: Vorschau', 'neu.csv : 1 neu, 0 geändert, 0 unverändert.', '„import neu.csv“', '1 Zusage importieren', 'Andere Datei wählen', 'Neu (1)', 'Zusagender']) {
      expect(text).toContain(words);
    }
    expect(text).toContain('2\u00a0Mrd.\u00a0$');
    expect(text).not.toMatch(RAW_KEY);
  });

  it('previews a relations file in German, its kinds as the pledge page says them', async () => {
    const res = await upload('pledge_id,kind,other_id,amount_usd,note,source_url,source_title\r\n5,overlaps,3,,Chips aus Arizona,,\r\n', 'beziehungen.csv');
    expect(res.status).toBe(200);
    const text = shown(res.text);
    for (const words of ['1 Beziehung importieren', 'Neu (1)', 'Andere Zusage', 'Anmerkung', 'überschneidet sich mit', 'unbekannt']) expect(text).toContain(words);
    expect(text).not.toMatch(RAW_KEY);
  });
});

describe('the relation forms in German', () => {
  it('says the add form\'s heading, lede, button and cancel in German', async () => {
    const res = await editor.agent.get('/pledges/5/relations/new').set('Accept-Language', 'de');
    expect(res.status).toBe(200);
    const text = shown(res.text);
    for (const words of ['Zurück zur Zusage', 'Beziehung hinzufügen', 'Zusage 5:', 'angekündigt am', 'Abbrechen']) expect(text).toContain(words);
    expect(res.text).toContain('<h1>Beziehung hinzufügen</h1>');
    expect(text).not.toMatch(RAW_KEY);
  });

  it('says the delete page in German', async () => {
    ctx.db.prepare("INSERT INTO pledge_relations (pledge_id, kind, other_id, amount_usd, note, source_url, source_title) VALUES (5, 'overlaps', 3, NULL, '', NULL, '')").run();
    const id = ctx.db.prepare('SELECT max(id) FROM pledge_relations').pluck().get() as number;
    const res = await editor.agent.get(`/pledges/5/relations/${id}/delete`).set('Accept-Language', 'de');
    expect(res.status).toBe(200);
    const text = shown(res.text);
    for (const words of ['Diese Beziehung löschen?', 'überschneidet sich mit', 'Beide Zusagen bleiben', 'Behalten']) expect(text).toContain(words);
    expect(text).not.toMatch(RAW_KEY);
  });
});

describe('the link cards in German', () => {
  const meta = (html: string, property: string) => new RegExp(`<meta (?:property|name)="${property}" content="([^"]*)">`).exec(html)?.[1];

  it('gives the dashboard, an embed and a pledge their card words in the page\'s language', async () => {
    const dashboard = (await request(ctx.app).get('/').set('Accept-Language', 'de')).text;
    expect(meta(dashboard, 'og:title')).toBe('Investitionszusagen unter politischem Druck');
    expect(meta(dashboard, 'og:description')).toMatch(/^5 Zusagen, [\d,]+\u00a0(Mrd\.|Bio\.)\u00a0\$ angekündigt, (höchstens )?[\d,]+\u00a0(Mrd\.|Bio\.)\u00a0\$ neue Investitionen in den USA$/);
    const embed = (await request(ctx.app).get('/embed/amounts?lang=de&sector=Semiconductors')).text;
    expect(meta(embed, 'og:title')).toBe('Beträge im Vergleich (Branche: Semiconductors)');
    const pledge = (await request(ctx.app).get('/pledges/2').set('Accept-Language', 'de')).text;
    expect(meta(pledge, 'og:description')).toMatch(/^80\u00a0Mrd\.\u00a0\$, 50\u00a0% für die USA \(40\u00a0Mrd\.\u00a0\$\), angekündigt am .+, Status: /);

    // Each card's image is named in the page's language.
    expect(meta(dashboard, 'og:image')).toMatch(/\/cards\/charts\/waterfall\.png\?lang=de$/);
    expect(meta(embed, 'og:image')).toMatch(/\/cards\/charts\/amounts\.png\?sector=Semiconductors&amp;lang=de$/);
    expect(meta(pledge, 'og:image')).toMatch(/\/cards\/pledges\/2\.png\?lang=de$/);

    // English as before.
    const english = (await request(ctx.app).get('/')).text;
    expect(meta(english, 'og:image')).toMatch(/\/cards\/charts\/waterfall\.png$/);
    expect(meta(english, 'og:title')).toBe('Investment pledges under political pressure');
    expect(meta(english, 'og:description')).toMatch(/^5 pledges, \$[\d.]+[BT] announced, (at most )?\$[\d.]+[BT] new US investment$/);
    expect(meta((await request(ctx.app).get('/pledges/2')).text, 'og:description')).toMatch(/^\$80B, 50% for the US \(\$40B\), announced .+, status: [a-z ]+$/);
  });
});

describe('the card images in German', () => {
  const png = async (path: string, language?: string) => {
    const req = request(ctx.app).get(path).buffer(true).parse(binary);
    const res = await (language ? req.set('Accept-Language', language) : req);
    expect(res.status, path).toBe(200);
    expect(res.type).toBe('image/png');
    return res.body as Buffer;
  };

  it('draws in the language its address names, and only its address: not the reader\'s Accept-Language', async () => {
    for (const path of ['/cards/charts/waterfall.png', '/cards/pledges/2.png']) {
      const english = await png(path);
      const german = await png(`${path}?lang=de`);
      expect(german.equals(english), path).toBe(false);
      expect((await png(path, 'de')).equals(english), path).toBe(true);
    }
  });
});
