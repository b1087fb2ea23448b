// What /api/summary sends (dashboard.routes.ts), as the API's description (/api/openapi.json) gives it: the
// Summary of dashboard.summary.ts and the Waterfall of dashboard.waterfall.ts, as zod schemas.
import { z } from 'zod';
import { apiCount, apiId, apiPartialDate, apiUsd, type ApiDescription } from '../platform/http/openapi.ts';
import { LEVERS, WATERFALL_STEPS } from '../pledges/pledge.model.ts';
import { FILTER_PARAMETERS } from '../pledges/pledges.filter.ts';
import { STEP_UNKNOWNS, UNKNOWN_KINDS } from './dashboard.waterfall.ts';

const PLEDGE_AMOUNT = z.strictObject({
  id: apiId,
  pledger: z.string(),
  project: z.string(),
  amount_usd: apiUsd,
  us_share_pct: z.number().min(0).max(100).nullable(),
  us_share_basis: z.enum(['stated', 'inferred']).nullable(),
  us_amount_usd: apiUsd.nullable(),
  per_year_usd: apiUsd.nullable(),
});

const TOTALS = z.strictObject({
  pledge_count: apiCount,
  disclosed_count: apiCount,
  undisclosed_count: apiCount.describe('Pledges of undisclosed amount: in no sum.'),
  unknown_share_count: apiCount.describe('Disclosed pledges whose US share is unknown.'),
  pledged_usd: apiUsd.describe('The disclosed amounts, added up.'),
  share_base_usd: apiUsd.describe('The amounts whose US share is known: the base of us_share_pct.'),
  us_usd: apiUsd,
  us_share_pct: z.number().min(0).max(100).nullable().describe('us_usd / share_base_usd in percent; null when no share is known.'),
  overdue_count: apiCount.describe("The view's pledges overdue on its day."),
});

const TIMELINE_ROW = z.strictObject({
  id: apiId.describe('The first pledge of the date (or month, or year).'),
  pledger: z.string().describe("Its pledger when it is the date's only pledge; empty otherwise."),
  project: z.string(),
  pledge_count: apiCount,
  announced_on: apiPartialDate.describe('The date, or the month or year when timeline_grouping says so.'),
  amount_usd: apiUsd.nullable().describe('The disclosed amounts of the date; null when none was disclosed.'),
  cumulative_usd: apiUsd,
});

const LEVER_ROW = z.strictObject({
  lever: z.enum(LEVERS).nullable().describe('null: no lever recorded.'),
  pledge_count: apiCount,
  undisclosed_count: apiCount,
  amount_usd: apiUsd,
  us_amount_usd: apiUsd,
});

/** What a step could not take for want of a figure, by kind: only the kinds of that step (STEP_UNKNOWNS). */
const UNKNOWNS = z.strictObject(Object.fromEntries(UNKNOWN_KINDS.map((kind) => [kind, apiCount.optional()])));

const WATERFALL_STEP = z.strictObject({
  step: z.enum(WATERFALL_STEPS),
  deducted_usd: apiUsd,
  remaining_usd: apiUsd.describe('What is left after this step.'),
  pledge_count: apiCount.describe('The pledges the step took dollars from or counted an unknown of (step= lists them).'),
  unknown: UNKNOWNS.describe(
    `Counts of what the step could not take: ${Object.entries(STEP_UNKNOWNS)
      .filter(([, kinds]) => kinds.length > 0)
      .map(([step, kinds]) => `${step}: ${kinds.join(', ')}`)
      .join('; ')}.`,
  ),
});

const WATERFALL = z
  .strictObject({
    announced_usd: apiUsd.describe('The disclosed amounts of the view, added up: the headline as announced.'),
    pledge_count: apiCount,
    disclosed_count: apiCount,
    undisclosed_count: apiCount,
    steps: z.array(WATERFALL_STEP).describe('In the order they take dollars off (docs/methodology.md).'),
    new_us_usd: apiUsd.describe('New US investment: what the steps leave.'),
    upper_bound: z.boolean().describe('True when a step counted an unknown: new US investment is then at most new_us_usd.'),
  })
  .describe('From announced to new US investment (docs/methodology.md).');

export const SUMMARY_JSON = z
  .strictObject({
    totals: TOTALS,
    by_pledge: z.array(PLEDGE_AMOUNT).describe('The largest disclosed pledges (at most 20), largest first.'),
    others: z
      .strictObject({ pledge_count: apiCount, amount_usd: apiUsd, us_amount_usd: apiUsd, share_base_usd: apiUsd })
      .describe('Every other disclosed pledge, summed: the "all others" bar.'),
    by_per_year: z.array(PLEDGE_AMOUNT).describe('The largest amounts a year (at most 20).'),
    no_horizon_count: apiCount.describe('Disclosed pledges without a horizon: no amount a year.'),
    timeline: z.array(TIMELINE_ROW).describe('One row per announcement date (or month, or year), with the running total.'),
    timeline_grouping: z.enum(['date', 'month', 'year']),
    by_lever: z.array(LEVER_ROW).describe('Totals per political lever.'),
    waterfall: WATERFALL,
  })
  .describe('The aggregates behind the charts and headline figures of a view.');

export const SUMMARY_API: ApiDescription = {
  tag: { name: 'summary', description: 'The aggregates behind the dashboard.' },
  schemas: {
    Summary: SUMMARY_JSON,
    SummaryTotals: TOTALS,
    PledgeAmount: PLEDGE_AMOUNT,
    TimelineRow: TIMELINE_ROW,
    LeverRow: LEVER_ROW,
    Waterfall: WATERFALL,
    WaterfallStep: WATERFALL_STEP,
  },
  operations: [
    {
      method: 'get',
      path: '/api/summary',
      operationId: 'getSummary',
      tag: 'summary',
      summary: "The figures behind the charts and the headline, for the pledges the filter matches",
      parameters: FILTER_PARAMETERS,
      responses: { 200: { description: 'Totals, the charts\' rows and the waterfall, computed over every matching pledge.', schema: SUMMARY_JSON } },
      errors: { 400: 'A filter parameter it cannot use: the message names it.' },
    },
  ],
};
