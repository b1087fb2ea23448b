// The dashboard and its companions: the page, each chart's table as CSV, the lever view and the summary JSON.
import { Router } from 'express';
import type { Db } from '../platform/db.ts';
import { HttpError } from '../platform/errors.ts';
import { eventsBefore } from '../events/events.repository.ts';
import { listConcessions } from '../events/concessions.repository.ts';
import { tableCsv } from '../pledges/pledges.csv.ts';
import { CHART_NAMES, chartRows, MAX_CONCESSION_JOINS, shapeCharts, shapeWaterfall, timelineEntries, type ChartName, type DashboardCharts } from './dashboard.charts.ts';
import { cachedFacets, cachedSummary, cachedWaterfall, ReadCache } from './dashboard.reads.ts';
import { dateAfter, parseFilter, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { listPledges } from '../pledges/pledges.repository.ts';
import { DEFAULT_SORT } from '../pledges/pledges.sql.ts';
import { summarize, type Summary } from './dashboard.summary.ts';
import type { PoliticalEvent } from '../events/event.model.ts';
import { todayOf } from '../platform/http/today.ts';

const DASHBOARD_ROWS = 50;

export function dashboardRouter(db: Db, cache = new ReadCache(db)): Router {
  const router = Router();
  // The aggregates behind the dashboard are the same for every reader until something is written.
  const summaryOf = (filter: PledgeFilter) => cachedSummary(cache, db, filter);
  const facetsOf = (filter: PledgeFilter) => cachedFacets(cache, db, filter);
  const waterfallOf = (filter: PledgeFilter) => cachedWaterfall(cache, db, filter);
  // The same events under every filter: read once until a write. As of a date, those dated by then.
  const eventsOf = (filter: PledgeFilter) =>
    cache.get(`events:${filter.as_of ?? ''}`, () => eventsBefore(db, filter.as_of === null ? null : dateAfter(filter.as_of)));
  const chartsOf = (filter: PledgeFilter, summary: Summary, events: PoliticalEvent[]): DashboardCharts => ({
    // The concessions of the view's pledges, each joined to its pledge on the timeline.
    ...shapeCharts(summary, events, listConcessions(db, { filter: { pledges: filter, types: [] }, limit: MAX_CONCESSION_JOINS })),
    waterfall: shapeWaterfall(waterfallOf(filter), filter),
  });

  router.get('/', (req, res) => {
    const filter = parseFilter(req.query, todayOf(res));
    const summary = summaryOf(filter);
    const events = eventsOf(filter);
    res.render('dashboard/index', {
      title: 'Dashboard',
      filter,
      summary,
      waterfall: waterfallOf(filter),
      charts: chartsOf(filter, summary, events),
      timeline: timelineEntries(summary.timeline, events),
      events,
      facets: facetsOf(filter),
      pledges: listPledges(db, { filter, limit: DASHBOARD_ROWS }),
      sort: DEFAULT_SORT,
      sortable: false,
      basePath: '/',
    });
  });

  router.get('/charts/:name.csv', (req, res) => {
    const name = req.params.name as ChartName;
    if (!(CHART_NAMES as readonly string[]).includes(name)) throw new HttpError(404, `There is no chart called ${name}.`);
    const filter = parseFilter(req.query, todayOf(res));
    const charts = chartsOf(filter, summaryOf(filter), eventsOf(filter));
    res.type('text/csv; charset=utf-8');
    res.attachment(`${name}-${new Date().toISOString().slice(0, 10)}.csv`);
    res.send(tableCsv(chartRows(charts, name)));
  });

  // The lever view: how many pledges, and how much, under each kind of political pressure.
  router.get('/levers', (req, res) => {
    const filter = parseFilter(req.query, todayOf(res));
    res.render('dashboard/levers', { title: 'Political levers', filter, levers: summarize(db, filter).by_lever, basePath: '/levers' });
  });

  router.get('/api/summary', (req, res) => {
    const filter = parseFilter(req.query, todayOf(res));
    res.json({ ...summaryOf(filter), waterfall: waterfallOf(filter) });
  });

  return router;
}
