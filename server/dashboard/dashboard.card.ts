// Pure: what a shared link to a view of the dashboard, or to one of its charts, shows beside its picture (a link card:
// views/partials/link-card.ejs), and where that picture is (/cards/charts/NAME.png, dashboard.cards.routes.ts).
import { queryString, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { wordsOf, type Words } from '../pledges/pledges.view.ts';
import { DEFAULT_LANGUAGE, type Language } from '../platform/i18n.ts';
import type { ChartName } from './dashboard.charts.ts';
import { filterInWords } from './dashboard.embed.ts';
import type { Summary } from './dashboard.summary.ts';
import type { Waterfall } from './dashboard.waterfall.ts';

/**
 * The chart a view's card draws: the waterfall, from announced to new US investment, the dashboard's headline told
 * as one picture, in a handful of bars whatever the filter (the amounts chart has up to 21, too many to read small).
 */
export const VIEW_CARD_CHART: ChartName = 'waterfall';

/**
 * The view's title with the filter in words ("… (Sector: Energy; as of 30 Jun 2025)"), in the page's language
 * (English unless `words` say): the dashboard's heading.
 */
export function viewTitle(filter: PledgeFilter, words: Words = wordsOf('en')): string {
  const title = words.t('dashboard.heading');
  const said = filterInWords(filter, words);
  return said === '' ? title : `${title} (${said})`;
}

/** The view's figures in one line: "56 pledges, $8.2T announced, at most $1.1T new US investment" (card.figures). */
export function viewFigures(summary: Summary, waterfall: Waterfall, words: Words = wordsOf('en')): string {
  const count = summary.totals.pledge_count;
  return words.t('card.figures', {
    count,
    n: words.count(count),
    announced: words.usd(waterfall.announced_usd),
    upTo: waterfall.upper_bound ? words.t('card.atMost') : '',
    newUs: words.usd(waterfall.new_us_usd),
  });
}

/** The path of a chart's card image for this view, in a language (lang= unless English). */
export function chartCardPath(name: ChartName, filter: PledgeFilter, language: Language = DEFAULT_LANGUAGE): string {
  const query = queryString(filter);
  const lang = language === DEFAULT_LANGUAGE ? '' : `${query === '' ? '?' : '&'}lang=${language}`;
  return `/cards/charts/${name}.png${query}${lang}`;
}
