// What the code writes in English (an import's own checks, a relation's refusals, the charts' words, the change log's
// values) on a German page, in German; the JSON API, the CSVs and the feeds stay English.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { shapeWaterfall } from '../../server/dashboard/dashboard.charts.ts';
import { computeWaterfall } from '../../server/dashboard/dashboard.waterfall.ts';
import { EMPTY_FILTER } from '../../server/pledges/pledges.filter.ts';
import { pledgeAmounts } from '../../server/pledges/pledges.card.ts';
import { findPledge } from '../../server/pledges/pledges.repository.ts';
import { wordsOf } from '../../server/pledges/pledges.view.ts';
import { messageTranslator } from '../../server/platform/i18n.ts';
import { addPledge, freshApp, pledgeForm, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

/** German writes an amount with no-break spaces: "500 Mrd. $". */
const nbsp = (text: string) => text.replaceAll(' ', '\u00a0');

/** The problems an import page lists. */
function problemsOf(html: string): string[] {
  return [...html.matchAll(/<div class="error-summary"[\s\S]*?<\/div>/g)].flatMap((summary) => [...summary[0].matchAll(/<li>([^<]*)<\/li>/g)].map((item) => item[1]));
}

/** The data the page's charts draw (#chart-data). */
function chartData(html: string) {
  return JSON.parse(/<script type="application\/json" id="chart-data">([\s\S]*?)<\/script>/.exec(html)![1]) as Record<string, Record<string, unknown>>;
}

describe('the CSV import on a German page', () => {
  it("says the import's own checks in German: a relation to itself, a header without a required column, a row named twice", async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const relations = 'pledge_id,kind,other_id,amount_usd,note,source_url,source_title\r\n1,supersedes,1,,,,\r\n2,overlaps,3,,,,\r\n2,overlaps,3,,,,\r\n';
    const refused = await agent.post('/pledges/import').set('Accept-Language', 'de').field('_csrf', csrf).attach('file', Buffer.from(relations), 'beziehungen.csv');
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('<html lang="de">');
    expect(problemsOf(refused.text)).toEqual([
      'Zeile 2, Spalte other_id: Eine Zusage kann nicht mit sich selbst in Beziehung stehen: eine andere Zusage wählen.',
      'Zeile 4: Diese Zeile ist dieselbe Beziehung wie Zeile 3.',
    ]);

    const headless = await agent.post('/pledges/import').set('Accept-Language', 'de').field('_csrf', csrf).attach('file', Buffer.from('Project;Amount\r\nPlant;5 bn\r\n'), 'zusagen.csv');
    expect(headless.status).toBe(422);
    expect(problemsOf(headless.text)).toEqual([
      'Zeile 1, Spalte pledger: Der Kopfzeile fehlt die Spalte pledger.',
      'Zeile 1, Spalte announced_on: Der Kopfzeile fehlt die Spalte announced_on.',
      'Zeile 1, Spalte source_urls: Der Kopfzeile fehlt die Spalte source_urls.',
    ]);

    // The same file on an English page: the English the code wrote.
    const english = await agent.post('/pledges/import').set('Accept-Language', 'en').field('_csrf', csrf).attach('file', Buffer.from(relations), 'relations.csv');
    expect(problemsOf(english.text)[0]).toBe('Line 2, column other_id: A pledge cannot be related to itself: choose another pledge.');
  });
});

describe('the relation form on a German page', () => {
  it('lists the pledges to choose with German amounts and dates; names stay as entered', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx);
    const page = await agent.get('/pledges/1/relations/new').set('Accept-Language', 'de');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`>#2 Microsoft: AI-enabled data centers, fiscal year 2025 (${nbsp('80 Mrd. $')}, 3. Jan. 2025)</option>`);
    expect(page.text).toMatch(/>#4 Nvidia: [^<]* \(nicht genannt, 9\. Apr\. 2025\)<\/option>/);
    const english = await agent.get('/pledges/1/relations/new').set('Accept-Language', 'en');
    expect(english.text).toContain('>#2 Microsoft: AI-enabled data centers, fiscal year 2025 ($80B, 3 Jan 2025)</option>');
  });

  it('refuses in German, an amount in the refusal as German writes it', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const form = { _csrf: csrf, kind: 'overlaps', other_id: '2', amount: '90B', note: '', source_url: '', source_title: '', reason: '' };
    const res = await agent.post('/pledges/1/relations').set('Accept-Language', 'de').type('form').send(form);
    expect(res.status).toBe(422);
    expect(res.text).toContain(`Eine Überschneidung kann nicht größer sein als eine der beiden Zusagen: Zusage 2 (Microsoft) hat ${nbsp('80 Mrd. $')}.`);
    const itself = await agent.post('/pledges/1/relations').set('Accept-Language', 'de').type('form').send({ ...form, kind: 'supersedes', other_id: '1', amount: '' });
    expect(itself.text).toContain('Eine Zusage kann nicht mit sich selbst in Beziehung stehen');
  });

  it('keeps the English in the JSON API', async () => {
    const translate = messageTranslator('de');
    // A circle names its chain in arrows, the same in both languages.
    expect(translate('That would make a circle of "contains": #4 (Roche) → #1 (Apple) → #4 (Roche). A pledge cannot contain itself.')).toBe(
      'Das ergäbe einen Kreis aus „contains“ (enthält): #4 (Roche) → #1 (Apple) → #4 (Roche). Eine Zusage kann sich nicht selbst enthalten.',
    );
    expect(messageTranslator('en')('A pledge cannot be related to itself: choose another pledge.')).toBe('A pledge cannot be related to itself: choose another pledge.');
  });
});

describe('the event form on a German page', () => {
  it('labels its further sources in German', async () => {
    ctx = freshApp();
    const { agent } = await signedIn(ctx);
    const page = await agent.get('/events/new').set('Accept-Language', 'de');
    expect(page.text).toContain('<label for="field-source_url_2">URL der Quelle 2</label>');
    expect(page.text).toContain('<label for="field-source_title_2">Titel der Quelle 2</label>');
    expect(page.text).not.toMatch(/Source \d/);
  });
});

describe('the change log and a history on a German page', () => {
  it('shows status codes, amounts, shares and dates as the German pages do, data as entered', async () => {
    ctx = freshApp();
    const { agent, csrf } = await signedIn(ctx);
    const created = await agent.post('/pledges').type('form').send(pledgeForm({ _csrf: csrf }));
    const id = created.headers.location.split('/').pop();
    const edited = await agent
      .post(`/pledges/${id}`)
      .type('form')
      .send(pledgeForm({ _csrf: csrf, amount: '25B', us_share_pct: '62.5', status: 'under_way', status_changed_on: '2025-09-15', status_evidence_url: 'https://example.com/groundbreaking' }));
    expect(edited.status).toBe(303);

    const log = await request(ctx.app).get('/changes').set('Accept-Language', 'de');
    expect(log.text).toContain('<html lang="de">');
    expect(log.text).toMatch(/<th scope="row">Status<\/th>\s*<td>Angekündigt<\/td>\s*<td>In Umsetzung<\/td>/);
    expect(log.text).toContain(`<td><data value="20000000000" title="${nbsp('20.000.000.000 $')}">${nbsp('20 Mrd. $')}</data></td>`);
    expect(log.text).toMatch(/<th scope="row">US-Anteil<\/th>\s*<td>100\u00a0%<\/td>\s*<td>62,5\u00a0%<\/td>/);
    expect(log.text).not.toContain('under_way');
    expect(log.text).toContain('Acme Semiconductors');

    const page = await agent.get(`/pledges/${id}`).set('Accept-Language', 'de');
    expect(page.text).toMatch(/<th scope="row">Status<\/th><td>Angekündigt<\/td><td>In Umsetzung<\/td>/);
    expect(page.text).toMatch(/<th scope="row">US-Anteil<\/th><td>100\u00a0%<\/td><td>62,5\u00a0%<\/td>/);

    // The feed and the JSON keep English and the stored codes.
    expect((await request(ctx.app).get('/changes.atom').set('Accept-Language', 'de')).text).toContain('Under way');
    const json = await request(ctx.app).get('/api/changes').set('Accept-Language', 'de');
    expect(json.body.changes[0].changes.status).toEqual({ from: 'announced', to: 'under_way' });
  });
});

describe("the charts' words on a German page and in a German card image", () => {
  it('shapes the dashboard’s charts in German; their CSV stays English', async () => {
    ctx = freshApp();
    const page = await request(ctx.app).get('/').set('Accept-Language', 'de');
    const data = chartData(page.text);
    expect(data.levers.labels).toEqual(['Exportkontrollen', 'Termin im Weißen Haus', 'Zölle']);
    expect(data.levers.totals).toContain(`${nbsp('500 Mrd. $')} (${nbsp('500.000.000.000 $')})`);
    expect(data.usShare.labels).toContainEqual(['Alle Zusagen']);
    const points = data.timeline.points as { amount: string; date: string }[];
    expect(points.map((point) => point.date)).toContain('3. Jan. 2025');
    expect(points.map((point) => point.amount)).toContain('Nicht genannter Betrag');
    expect(data.waterfall.labels).toContain('Ersetzte Zusagen');
    expect(data.waterfall.notes).toContain('und 4 Zusagen, die ihren neuen Teil nicht nannten');
    // No English word or amount left but the data's own (an event's title may say "$1 million").
    const { events, ...timeline } = data.timeline;
    expect(events).toBeDefined();
    expect(JSON.stringify({ ...data, timeline })).not.toMatch(/Undisclosed|All pledges|All others|a year|\$\d/);

    const csv = await request(ctx.app).get('/charts/waterfall.csv').set('Accept-Language', 'de');
    expect(csv.text).toContain('not_new,Repeats and the part not described as new,0,1180000000000,4,4 pledges that did not state their new part');
  });

  it('draws a German card image from German words: the waterfall and a pledge of undisclosed amount', async () => {
    ctx = freshApp();
    const german = wordsOf('de');
    const waterfall = shapeWaterfall(computeWaterfall(ctx.db, EMPTY_FILTER), EMPTY_FILTER, german);
    expect(waterfall.labels[0]).toBe('Angekündigt');
    expect(waterfall.labels.at(-1)).toBe('Neue Investitionen in den USA (Obergrenze)');
    expect(waterfall.totals[0]).toBe(`${nbsp('1,18 Bio. $')} (${nbsp('1.180.000.000.000 $')})`);
    const undisclosed = addPledge(ctx.db, { pledger: 'Acme', amount_usd: null, us_share_pct: null });
    expect(pledgeAmounts(findPledge(ctx.db, undisclosed)!, german).totals).toEqual(['Nicht genannter Betrag']);
    expect(pledgeAmounts(findPledge(ctx.db, undisclosed)!).totals).toEqual(['Undisclosed amount']);

    for (const path of ['/cards/charts/waterfall.png?lang=de', `/cards/pledges/${undisclosed}.png?lang=de`, '/cards/charts/levers.png?lang=de']) {
      const image = await request(ctx.app).get(path);
      expect(image.status, path).toBe(200);
      expect(image.headers['content-type']).toBe('image/png');
      expect(image.body.subarray(1, 4).toString()).toBe('PNG');
    }
  });
});
