// Pure: what a shared link to a pledge shows beside its picture (its link card), and what that picture draws: the
// pledge as one bar of the dashboard's amounts chart, split into its US part and the rest (public/js/chart-configs.js).
import { toBillions } from '../lib/amounts.ts';
import type { PledgeListRow } from './pledge.model.ts';
import { wordsOf, type Words } from './pledges.view.ts';
import { DEFAULT_LANGUAGE, type Language } from '../platform/i18n.ts';

/** "Microsoft: AI data centers", or the pledger alone. */
export function pledgeTitle(pledge: PledgeListRow): string {
  return pledge.project ? `${pledge.pledger}: ${pledge.project}` : pledge.pledger;
}

/**
 * One line: "$80B, 50% for the US ($40B), announced 3 Jan 2025, status: under way"; unknown figures say so. In the
 * page's language, English unless `words` say.
 */
export function pledgeFigures(pledge: PledgeListRow, words: Words = wordsOf('en')): string {
  const amount = pledge.amount_usd === null ? words.t('card.undisclosed') : words.usd(pledge.amount_usd);
  const share =
    pledge.us_share_pct === null
      ? words.t('card.shareUnknown')
      : `${words.t('card.share', { percent: words.percent(pledge.us_share_pct) })}${pledge.us_amount_usd === null ? '' : ` (${words.usd(pledge.us_amount_usd)})`}`;
  const status = words.statusLabel(pledge.status);
  // English writes the status in lower case after its colon; German keeps a noun's capital.
  return words.t('card.pledge', { amount, share, date: words.date(pledge.announced_on), status: words.lang === 'en' ? status.toLowerCase() : status });
}

/** The data of the amounts chart (dashboard.charts.ts, ChartData['amounts']) with this pledge's bar alone, in the words' language. */
export function pledgeAmounts(pledge: PledgeListRow, words: Words = wordsOf('en')) {
  const amount = pledge.amount_usd;
  const us = pledge.us_amount_usd;
  return {
    // The pledger alone, as short as the dashboard's bar labels: the card's title names the project.
    labels: [[pledge.pledger.length > 34 ? `${pledge.pledger.slice(0, 33)}…` : pledge.pledger]],
    names: [pledgeTitle(pledge)],
    ids: [pledge.id],
    us: [amount === null || us === null ? null : toBillions(us)],
    nonUs: [amount === null || us === null ? null : toBillions(amount - us)],
    unknownShare: [amount !== null && us === null ? toBillions(amount) : null],
    totals: [amount === null ? words.t('charts.data.undisclosed') : `${words.usd(amount)} (${words.usdExact(amount)})`],
    axisMax: null,
    leftOut: amount === null ? 1 : 0,
  };
}

/** The path of a pledge's card image, as of a date, in a language (lang= unless English). */
export function pledgeCardPath(id: number, asOf: string | null, language: Language = DEFAULT_LANGUAGE): string {
  const params = [...(asOf === null ? [] : [`as_of=${asOf}`]), ...(language === DEFAULT_LANGUAGE ? [] : [`lang=${language}`])];
  return `/cards/pledges/${id}.png${params.length === 0 ? '' : `?${params.join('&')}`}`;
}
