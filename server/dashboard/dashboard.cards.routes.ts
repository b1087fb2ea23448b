// /cards/charts/NAME.png: a dashboard chart, for a filter, as the image of a shared link's card (the dashboard's and
// each embed's: dashboard.card.ts). Drawn on the server in the page's Chart.js configuration; the same for every
// reader, so the response cache keeps it until a write.
import { Router } from 'express';
import type { Db } from '../platform/db.ts';
import { chartCard, sendCard } from '../platform/chart-image.ts';
import { todayOf } from '../platform/http/today.ts';
import { parseFilter } from '../pledges/pledges.filter.ts';
import { viewFigures } from './dashboard.card.ts';
import { addressedLanguage } from '../platform/http/language.ts';
import { wordsOf } from '../pledges/pledges.view.ts';
import { chartName } from './dashboard.charts.ts';
import { chartReads } from './dashboard.chart-reads.ts';
import { CHART_DATA_KEYS, embedTitle } from './dashboard.embed.ts';
import type { ReadCache } from './dashboard.reads.ts';

export function chartCardsRouter(db: Db, cache: ReadCache): Router {
  const router = Router();
  const { summaryAndWaterfallOf, waterfallOf, chartsOf } = chartReads(db, cache);

  router.get('/cards/charts/:chart.png', async (req, res) => {
    const name = chartName(req.params.chart);
    const filter = parseFilter(req.query, todayOf(res));
    // In the language its address names (?lang), else English: a robot fetching it sends none worth following.
    const language = addressedLanguage(req);
    const words = wordsOf(language);
    const figures = viewFigures(summaryAndWaterfallOf(filter, true), waterfallOf(filter), words);
    sendCard(res, await chartCard(name, chartsOf(filter, words)[CHART_DATA_KEYS[name]], { title: embedTitle(name, filter, words), figures }, language));
  });

  return router;
}
