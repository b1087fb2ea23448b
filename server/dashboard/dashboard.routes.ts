// The dashboard and its companions: the page, each chart's table as CSV, the lever view and the summary JSON.
// Each chart alone, for other sites to frame, is in dashboard.embed.routes.ts.
import { Router } from 'express';
import type { Db } from '../platform/db.ts';
import { tableCsv } from '../pledges/pledges.csv.ts';
import { chartName, chartRows, timelineEntries } from './dashboard.charts.ts';
import { chartTitle, embedCodes } from './dashboard.embed.ts';
import { languageOf } from '../platform/http/language.ts';
import { wordsOf } from '../pledges/pledges.view.ts';
import { ReadCache } from './dashboard.reads.ts';
import { chartReads } from './dashboard.chart-reads.ts';
import { parseFilter, queryString } from '../pledges/pledges.filter.ts';
import { listPledges } from '../pledges/pledges.repository.ts';
import { DEFAULT_SORT } from '../pledges/pledges.sql.ts';
import { todayOf } from '../platform/http/today.ts';
import { linkCard, originOf } from '../platform/http/public-url.ts';
import { chartCardPath, VIEW_CARD_CHART, viewFigures, viewTitle } from './dashboard.card.ts';

const DASHBOARD_ROWS = 50;

export function dashboardRouter(db: Db, cache = new ReadCache(db)): Router {
  const router = Router();
  // The aggregates behind the dashboard are the same for every reader until something is written.
  const { summaryOf, summaryAndWaterfallOf, facetsOf, waterfallOf, eventsOf, chartsOf } = chartReads(db, cache);

  router.get('/', (req, res) => {
    const filter = parseFilter(req.query, todayOf(res));
    const summary = summaryAndWaterfallOf(filter, true);
    const events = eventsOf(filter);
    // The page, its charts and its link card in the page's language; the card's image too (its address names it).
    const language = languageOf(res);
    const words = wordsOf(language);
    const charts = chartsOf(filter, words, summary, events);
    const waterfall = waterfallOf(filter);
    const figures = viewFigures(summary, waterfall, words);
    res.render('dashboard/index', {
      title: 'Dashboard',
      filter,
      summary,
      waterfall,
      charts,
      // Each chart's embed code for this view, at the site's public origin (PUBLIC_URL, else the one the reader asked).
      embeds: embedCodes(originOf(res), filter, charts, words),
      card: linkCard(res, {
        title: viewTitle(filter, words),
        description: figures,
        path: `/${queryString(filter)}`,
        imagePath: chartCardPath(VIEW_CARD_CHART, filter, language),
        imageAlt: `${chartTitle(VIEW_CARD_CHART, words)}: ${figures}`,
      }),
      timeline: timelineEntries(summary.timeline, events),
      events,
      facets: facetsOf(filter),
      pledges: listPledges(db, { filter, limit: DASHBOARD_ROWS, matches: summary.totals.pledge_count }),
      sort: DEFAULT_SORT,
      sortable: false,
      basePath: '/',
    });
  });

  router.get('/charts/:name.csv', (req, res) => {
    const name = chartName(req.params.name);
    const filter = parseFilter(req.query, todayOf(res));
    const charts = chartsOf(filter);
    res.type('text/csv; charset=utf-8');
    res.attachment(`${name}-${new Date().toISOString().slice(0, 10)}.csv`);
    res.send(tableCsv(chartRows(charts, name)));
  });

  // The lever view: how many pledges, and how much, under each kind of political pressure. The dashboard's summary
  // of the view, kept until a write (the one without a filter is computed at start), rather than one of its own.
  router.get('/levers', (req, res) => {
    const filter = parseFilter(req.query, todayOf(res));
    res.render('dashboard/levers', { title: 'Political levers', filter, levers: summaryOf(filter).by_lever, basePath: '/levers' });
  });

  router.get('/api/summary', (req, res) => {
    const filter = parseFilter(req.query, todayOf(res));
    res.json({ ...summaryAndWaterfallOf(filter), waterfall: waterfallOf(filter) });
  });

  return router;
}
