// A chart as a link card's image: 1200×630 PNG, drawn on the server by Chart.js on a Skia canvas (@napi-rs/canvas)
// in the configuration the page draws it with (public/js/chart-configs.js, required here as the page loads it),
// under a title and a line of figures. Knows no feature: a route hands it the chart's name and its data.
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Canvas } from '@napi-rs/canvas';
import type { Chart as ChartClass, ChartConfiguration, Plugin } from 'chart.js';
import type { Response } from 'express';
import { ROOT } from './paths.ts';
import { readLocale, type Language, type Words } from './i18n.ts';

/** The size Open Graph and Twitter's large card ask for (1.91:1). */
export const CARD_WIDTH = 1200;
export const CARD_HEIGHT = 630;

/** A font every machine of this project has (fonts-dejavu, as on Debian), then whatever sans-serif Skia finds. */
const FONT_FAMILY = "'DejaVu Sans', sans-serif";

interface Env {
  canvas: (width: number, height: number) => Canvas;
  follow: (href: string) => void;
  /** The chart's language and its words (the "chart" group of views/locales/LANG.json). */
  lang: Language;
  words: Words;
}

interface SharedCharts {
  configs: Record<string, (data: unknown, env: Env) => ChartConfiguration>;
  whiteBackground: Plugin;
}

const require = createRequire(import.meta.url);

interface Drawing {
  createCanvas: (width: number, height: number) => Canvas;
  Chart: typeof ChartClass;
  shared: SharedCharts;
  env: Omit<Env, 'lang' | 'words'>;
}

let drawing: Promise<Drawing> | undefined;

/**
 * Skia, Chart.js and the shared configurations, loaded on the first card asked for, not at start: held by every
 * process, they made its heap and resident memory about 20 MB larger (the CSV export's peak passed its 150 MB
 * line) and each full collection after a large answer longer.
 */
function loadDrawing(): Promise<Drawing> {
  drawing ??= (async () => {
    const [{ createCanvas }, { Chart, registerables }] = await Promise.all([import('@napi-rs/canvas'), import('chart.js')]);
    const shared = require(path.join(ROOT, 'public/js/chart-configs.js')) as SharedCharts;
    // The page's settings (public/js/charts.js), a size for an image read small beside a post, and no animation.
    Chart.register(...registerables, shared.whiteBackground);
    Chart.defaults.font.family = FONT_FAMILY;
    Chart.defaults.font.size = 15;
    Chart.defaults.color = '#1b1f24';
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.animation = false;
    // No click leads anywhere from a picture.
    const env: Omit<Env, 'lang' | 'words'> = { canvas: (width, height) => createCanvas(width, height), follow: () => undefined };
    return { createCanvas, Chart, shared, env };
  })();
  return drawing;
}

export interface CardText {
  /** The card's heading: the chart, or the pledge, and the filter in words. */
  title: string;
  /** One line of figures. */
  figures: string;
}

/** Cut to what fits one line of the card: Chart.js draws a title on one line, past the edge if need be. */
function oneLine(text: string, most: number): string {
  return text.length > most ? `${text.slice(0, most - 1)}…` : text;
}

/** More bars than this, and a bar's label keeps its first line (the pledger) only: the card cannot grow as the page's box does. */
const TWO_LINE_BARS = 10;

/** A bar's label as the page cuts it (fitLabel), on one line where two would not fit the card's height. */
function fitBarLabels(config: ChartConfiguration): void {
  const y = config.options?.scales?.y;
  const fit = y?.ticks?.callback;
  if (config.options?.indexAxis !== 'y' || !y?.ticks || !fit || (config.data.labels?.length ?? 0) <= TWO_LINE_BARS) return;
  y.ticks.callback = function (this: unknown, ...args: Parameters<typeof fit>) {
    const label = fit.apply(this as ThisParameterType<typeof fit>, args);
    return Array.isArray(label) ? label[0] : label;
  };
}

const chartWords = (language: Language): Words => readLocale(language).chart as Words;

/** The chart `name` (a key of chart-configs.js's configs) drawn from `data`, as a PNG, its words in `language`. */
export async function chartCard(name: string, data: unknown, text: CardText, language: Language = 'en'): Promise<Buffer> {
  const { createCanvas, Chart, shared, env } = await loadDrawing();
  const build = Object.hasOwn(shared.configs, name) ? shared.configs[name] : undefined;
  if (!build) throw new Error(`No chart configuration called ${name} in public/js/chart-configs.js`);
  const config = build(data, { ...env, lang: language, words: chartWords(language) });
  const options = config.options ?? {};
  config.options = {
    ...options,
    // The canvas's own size, drawn once: no resizing, animating or pointer events off a page.
    responsive: false,
    animation: false,
    devicePixelRatio: 1,
    events: [],
    layout: { padding: { top: 28, right: 40, bottom: 16, left: 32 } },
    plugins: {
      ...options.plugins,
      title: { display: true, text: oneLine(text.title, 68), align: 'start', color: '#1b1f24', font: { size: 30, weight: 'bold' }, padding: { bottom: 6 } },
      subtitle: { display: true, text: oneLine(`${text.figures} · Pledge Tracker`, 100), align: 'start', color: '#3d4752', font: { size: 19 }, padding: { bottom: 18 } },
      tooltip: { enabled: false },
    },
  } as typeof options;
  fitBarLabels(config);
  const canvas = createCanvas(CARD_WIDTH, CARD_HEIGHT);
  // Chart.js draws on any canvas with a 2D context (its platform without a DOM); Skia's is one.
  const chart = new Chart(canvas as unknown as ConstructorParameters<typeof Chart>[0], config);
  try {
    // Encoded off the main thread (libuv's pool): other readers are answered meanwhile.
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}

/**
 * A card image as the answer: any site may show it (Cross-Origin-Resource-Policy), and the response cache keeps it
 * until a write, with its ETag.
 */
export function sendCard(res: Response, png: Buffer): void {
  res.type('png');
  res.set('Cross-Origin-Resource-Policy', 'cross-origin');
  res.send(png);
}
