// The reads behind the dashboard's charts, shared by the dashboard, the charts' CSVs and the embeds: each view's
// summary, facets, waterfall, events and chart data, kept in the read cache until something is written.
import type { Db } from '../platform/db.ts';
import { eventsBefore } from '../events/events.repository.ts';
import { datedBy, type PledgeFilter } from '../pledges/pledges.filter.ts';
import { wordsOf, type Words } from '../pledges/pledges.view.ts';
import type { PoliticalEvent } from '../events/event.model.ts';
import { MAX_CONCESSION_JOINS, shapeCharts, shapeWaterfall, type DashboardCharts } from './dashboard.charts.ts';
import { cachedFacets, cachedSummary, cachedWaterfall, viewConcessions, waterfallAhead, type ReadCache } from './dashboard.reads.ts';
import type { Summary } from './dashboard.summary.ts';

export function chartReads(db: Db, cache: ReadCache) {
  const summaryOf = (filter: PledgeFilter) => cachedSummary(cache, db, filter);
  const facetsOf = (filter: PledgeFilter) => cachedFacets(cache, db, filter);
  const waterfallOf = (filter: PledgeFilter) => cachedWaterfall(cache, db, filter);
  // A page that reads the view's waterfall after its summary (and its charts: concessions): the waterfall's ledger
  // (a search's concessions), worked out beside it.
  const summaryAndWaterfallOf = (filter: PledgeFilter, charts = false) => {
    waterfallAhead(cache, db, filter, charts);
    return summaryOf(filter);
  };
  // The same events under every filter: read once until a write. As of a date, those dated by then.
  const eventsOf = (filter: PledgeFilter) =>
    cache.get(`events:${filter.as_of ?? ''}`, () => eventsBefore(db, filter.as_of === null ? null : datedBy(filter.as_of)));
  // The charts' words in a page's language (English for the charts' CSVs): shaped afresh from the cached reads.
  const chartsOf = (filter: PledgeFilter, words: Words = wordsOf('en'), summary: Summary = summaryAndWaterfallOf(filter, true), events: PoliticalEvent[] = eventsOf(filter)): DashboardCharts => ({
    // The concessions of the view's pledges, each joined to its pledge on the timeline.
    ...shapeCharts(summary, events, viewConcessions(cache, db, filter, MAX_CONCESSION_JOINS, summary.totals.pledge_count), words),
    waterfall: shapeWaterfall(waterfallOf(filter), filter, words),
  });
  return { summaryOf, summaryAndWaterfallOf, facetsOf, waterfallOf, eventsOf, chartsOf };
}
