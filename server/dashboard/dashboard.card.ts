// Pure: what a shared link to a view of the dashboard, or to one of its charts, shows beside its picture (a link card:
// views/partials/link-card.ejs), and where that picture is (/cards/charts/NAME.png, dashboard.cards.routes.ts).
import { formatUsdCompact } from '../lib/amounts.ts';
import { queryString, type PledgeFilter } from '../pledges/pledges.filter.ts';
import type { ChartName } from './dashboard.charts.ts';
import { filterInWords } from './dashboard.embed.ts';
import type { Summary } from './dashboard.summary.ts';
import type { Waterfall } from './dashboard.waterfall.ts';

const VIEW_TITLE = 'Investment pledges under political pressure';

/**
 * The chart a view's card draws: the waterfall, from announced to new US investment, the dashboard's headline told
 * as one picture, in a handful of bars whatever the filter (the amounts chart has up to 21, too many to read small).
 */
export const VIEW_CARD_CHART: ChartName = 'waterfall';

/** The view's title with the filter in words ("… (Sector: Energy; as of 30 Jun 2025)"). */
export function viewTitle(filter: PledgeFilter): string {
  const words = filterInWords(filter);
  return words === '' ? VIEW_TITLE : `${VIEW_TITLE} (${words})`;
}

/** The view's figures in one line: "56 pledges, $8.2T announced, at most $1.1T new US investment". */
export function viewFigures(summary: Summary, waterfall: Waterfall): string {
  const count = summary.totals.pledge_count;
  const upTo = waterfall.upper_bound ? 'at most ' : '';
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'pledge' : 'pledges'}, ${formatUsdCompact(waterfall.announced_usd)} announced, ${upTo}${formatUsdCompact(waterfall.new_us_usd)} new US investment`;
}

/** The path of a chart's card image for this view. */
export function chartCardPath(name: ChartName, filter: PledgeFilter): string {
  return `/cards/charts/${name}.png${queryString(filter)}`;
}
