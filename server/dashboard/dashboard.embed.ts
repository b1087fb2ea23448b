// Pure: what an embedded chart shows besides its drawing (title, the filter in words, its table), and the
// <iframe> code the dashboard offers for it.
import { filterPairs, queryString, type FilterParam, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { wordsOf, type Words } from '../pledges/pledges.view.ts';
import { CHART_NAMES, chartRows, type ChartName, type DashboardCharts } from './dashboard.charts.ts';

/** A chart's title, as its heading on the dashboard says it (charts.NAME.title), in English unless `words` say. */
export function chartTitle(name: ChartName, words: Words = wordsOf('en')): string {
  return words.t(`charts.${name}.title`);
}

/** Each chart's title in English (the words of the card images, /cards/charts/NAME.png). */
export const CHART_TITLES = Object.fromEntries(CHART_NAMES.map((name) => [name, chartTitle(name)])) as Record<ChartName, string>;

/** Where public/js/charts.js finds each chart's data in #chart-data, and the canvas it draws on (chart-NAME). */
export const CHART_DATA_KEYS: Record<ChartName, keyof DashboardCharts> = {
  waterfall: 'waterfall',
  amounts: 'amounts',
  'per-year': 'perYear',
  'us-share': 'usShare',
  levers: 'levers',
  timeline: 'timeline',
};

/** The chart box's classes, as on the dashboard: the bar charts grow with their bars. */
export const CHART_BOXES: Record<ChartName, string> = {
  waterfall: 'chart-box chart-box-bars',
  amounts: 'chart-box chart-box-bars',
  'per-year': 'chart-box chart-box-bars',
  'us-share': 'chart-box chart-box-bars',
  levers: 'chart-box',
  timeline: 'chart-box chart-box-timeline',
};

/** The filter in words, each parameter once ("Sector: Energy or Chips; as of 30 Jun 2025"); '' for every pledge. */
export function filterInWords(filter: PledgeFilter, words: Words = wordsOf('en')): string {
  const byParam = new Map<FilterParam, string[]>();
  for (const [param, value] of filterPairs(filter)) {
    if (param !== 'as_of') byParam.set(param, [...(byParam.get(param) ?? []), words.filterValueLabel(param, value)]);
  }
  const parts = [...byParam].map(([param, labels]) => `${words.filterLabel(param)}: ${labels.join(words.t('embed.or'))}`);
  if (filter.as_of !== null) parts.push(words.t('embed.asOf', { date: words.date(filter.as_of) }));
  return parts.join('; ');
}

/** The chart's title with the filter in words: what the embed's heading and its frame's title say. */
export function embedTitle(name: ChartName, filter: PledgeFilter, words: Words = wordsOf('en')): string {
  const said = filterInWords(filter, words);
  return said === '' ? chartTitle(name, words) : `${chartTitle(name, words)} (${said})`;
}

type Cell = string | number | null;
interface Column {
  label: string;
  /** How a value reads; a null reads as `missing`. */
  format: (value: number | string) => string;
  /** What a null says: "unknown" where a figure is not known, '' where the row has none to give. */
  missing: string;
}

const text = (value: number | string) => String(value);

/**
 * The columns of the charts' CSVs (chartRows) as a table says them, in the page's language. The ids and the
 * waterfall's step codes are left out: a pledge's id becomes the link on its name.
 */
function columns(words: Words): Record<string, Column | null> {
  const number = new Intl.NumberFormat(words.locale, { maximumFractionDigits: 2 });
  const count = (value: number | string) => words.count(Number(value));
  const billions = (value: number | string) => words.t('embed.billions', { n: number.format(Number(value)) });
  const percent = (value: number | string) => words.percent(Number(value));
  const dollars = (value: number | string) => words.usd(Number(value));
  const unknown = words.t('labels.unknownLower');
  // The CSV's codes (basis: stated, inferred, computed; kind: pledge, event, concession) as the language says them.
  const code = (group: string) => (value: number | string) => words.t(`${group}.${String(value)}`, { defaultValue: String(value) });
  const column = (key: string, format: Column['format'], missing = ''): Column => ({ label: words.t(`embed.columns.${key}`), format, missing });
  return {
    pledge_id: null,
    step: null,
    what: column('what', text),
    pledge: column('pledge', text),
    usd: column('usd', dollars),
    left_after_usd: column('left_after_usd', dollars),
    pledges: column('pledges', count),
    unknown: column('unknown', text),
    us_billion_usd: column('us_billion_usd', billions, unknown),
    non_us_billion_usd: column('non_us_billion_usd', billions, unknown),
    unknown_share_billion_usd: column('unknown_share_billion_usd', billions),
    us_pct: column('us_pct', percent, unknown),
    non_us_pct: column('non_us_pct', percent, unknown),
    basis: column('basis', code('basis')),
    date: column('date', text),
    kind: column('kind', code('embed.values')),
    cumulative_billion_usd: column('cumulative_billion_usd', billions),
    lever: column('lever', text),
    undisclosed: column('undisclosed', count),
    billion_usd: column('billion_usd', billions),
    billion_usd_per_year: column('billion_usd_per_year', billions),
  };
}

export interface EmbedTable {
  /** numeric: a column of figures, aligned right. */
  head: { label: string; numeric: boolean }[];
  /** The first cell of a row names it (a row header); href: the pledge it is, if it is one. */
  rows: { cells: { text: string; numeric: boolean }[]; href: string | null }[];
}

/** The chart's table equivalent: the rows of its CSV, in words. */
export function embedTable(charts: DashboardCharts, name: ChartName, words: Words = wordsOf('en')): EmbedTable {
  const COLUMNS = columns(words);
  const [header, ...rows] = chartRows(charts, name) as [string[], ...Cell[][]];
  const shown = header.flatMap((key, index) => (COLUMNS[key] ? [{ index, column: COLUMNS[key] }] : []));
  const idAt = header.indexOf('pledge_id');
  return {
    head: shown.map(({ index, column }) => ({ label: column.label, numeric: rows.some((row) => typeof row[index] === 'number') })),
    rows: rows.map((row) => ({
      cells: shown.map(({ index, column }) => ({
        text: row[index] === null || row[index] === '' ? column.missing : column.format(row[index]),
        numeric: typeof row[index] === 'number',
      })),
      href: idAt !== -1 && row[idAt] !== null ? `/pledges/${row[idAt]}` : null,
    })),
  };
}

/** Room for the heading, the filter and the credit above and below the drawing, wrapped on a narrow frame. */
const EMBED_CHROME_PX = 150;

/** The height of a chart's drawing: as public/js/charts.js sizes it (fitHeight), and site.css's boxes. */
function drawingHeight(charts: DashboardCharts, name: ChartName): number {
  const bars = (count: number) => Math.max(200, 70 + count * 42);
  switch (name) {
    case 'waterfall':
      return bars(charts.waterfall.labels.length);
    case 'amounts':
      return bars(charts.amounts.labels.length);
    case 'per-year':
      return bars(charts.perYear.labels.length);
    case 'us-share':
      return bars(charts.usShare.labels.length);
    case 'levers':
      return 320;
    case 'timeline':
      return 384;
  }
}

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Each chart's <iframe> code for this view: an absolute address at the site's origin, a title that names the chart,
 * the chart's height, the frame's full width. Attributes only (frameborder too): no style that the page it goes
 * into would need its CSP to allow.
 */
export function embedCodes(origin: string, filter: PledgeFilter, charts: DashboardCharts, words: Words = wordsOf('en')): Record<ChartName, string> {
  const codes = {} as Record<ChartName, string>;
  for (const name of CHART_NAMES) {
    const src = `${origin}/embed/${name}${queryString(filter)}`;
    const title = `${embedTitle(name, filter, words)} · ${words.t('site.name')}`;
    const height = drawingHeight(charts, name) + EMBED_CHROME_PX;
    codes[name] = `<iframe src="${attribute(src)}" title="${attribute(title)}" width="100%" height="${height}" loading="lazy" frameborder="0"></iframe>`;
  }
  return codes;
}
