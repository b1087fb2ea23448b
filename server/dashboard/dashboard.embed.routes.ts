// /embed/:chart: one dashboard chart alone, for other sites to frame (docs/api.md, "Embedding"). Its title, its
// table, a credit back to the dashboard and nothing else; the same for every reader (no session is read or started
// here: app.ts), so the response cache serves it to all.
import { Router } from 'express';
import type { Db } from '../platform/db.ts';
import { todayOf } from '../platform/http/today.ts';
import { linkCard } from '../platform/http/public-url.ts';
import { chartCardPath, viewFigures } from './dashboard.card.ts';
import { parseFilter, queryString } from '../pledges/pledges.filter.ts';
import { chartName } from './dashboard.charts.ts';
import { chartReads } from './dashboard.chart-reads.ts';
import { CHART_BOXES, CHART_DATA_KEYS, chartTitle, embedTable, embedTitle, filterInWords } from './dashboard.embed.ts';
import { languageOf } from '../platform/http/language.ts';
import { wordsOf } from '../pledges/pledges.view.ts';
import type { ReadCache } from './dashboard.reads.ts';

export function embedRouter(db: Db, cache: ReadCache): Router {
  const router = Router();
  const { chartsOf, summaryOf, waterfallOf } = chartReads(db, cache);

  router.get('/embed/:chart', (req, res) => {
    const name = chartName(req.params.chart);
    const filter = parseFilter(req.query, todayOf(res));
    // The embed's words, its chart's and its link card's in the page's language, the card's image too (its address names it).
    const language = languageOf(res);
    const words = wordsOf(language);
    const charts = chartsOf(filter, words);
    const key = CHART_DATA_KEYS[name];
    const figures = viewFigures(summaryOf(filter), waterfallOf(filter), words);
    res.render('embed/chart', {
      name,
      title: embedTitle(name, filter, words),
      heading: chartTitle(name, words),
      words: filterInWords(filter, words),
      box: CHART_BOXES[name],
      // Only this chart's data: public/js/charts.js draws the charts whose canvas the page has.
      data: { [key]: charts[key] },
      table: embedTable(charts, name, words),
      dashboard: `/${queryString(filter)}`,
      // A link to the embed shows this chart as its card.
      card: linkCard(res, {
        title: embedTitle(name, filter, words),
        description: figures,
        path: `/embed/${name}${queryString(filter)}`,
        imagePath: chartCardPath(name, filter, language),
        imageAlt: `${chartTitle(name, words)}: ${figures}`,
      }),
    });
  });

  return router;
}
