// Pure: the query string → one filter that every view applies the same way; and back to a query string.
import { MAX_AMOUNT_LENGTH, parseAmount } from '../lib/amounts.ts';
import { HttpError } from '../platform/errors.ts';
import {
  COMMITMENT_KINDS,
  LEVERS,
  PLEDGER_KINDS,
  STATUSES,
  WATERFALL_STEPS,
  type CommitmentKind,
  type Lever,
  type ListParam,
  type PledgerKind,
  type Status,
  type WaterfallStep,
} from './pledge.model.ts';
import { isRealPartialDate } from '../lib/validation.ts';
import { dateAfter, datedBy } from '../lib/dates.ts';
import { AS_OF_PARAMETER } from '../platform/http/as-of.ts';
import type { ApiParameter, JsonSchema } from '../platform/http/openapi.ts';

export { dateAfter, datedBy };

export interface PledgeFilter {
  sector: string[];
  status: Status[];
  country: string[];
  /** 'none' matches pledges with no lever recorded. */
  lever: (Lever | 'none')[];
  pledger: string[];
  /** 'unknown' matches pledges whose kind is not recorded. */
  pledger_kind: (PledgerKind | 'unknown')[];
  commitment_kind: (CommitmentKind | 'unknown')[];
  from: string | null;
  to: string | null;
  min: number | null;
  max: number | null;
  q: string | null;
  /** true (overdue=1): only the pledges overdue on the date `on`; null: any. */
  overdue: true | null;
  /**
   * The reference date (YYYY-MM-DD) a view computes overdue against: today in UTC, from the request's clock. Not a
   * query parameter of its own; '' (EMPTY_FILTER) when a read computes nothing overdue.
   */
  on: string;
  /** One step of the waterfall: the pledges of the rest of the filter that this step took dollars from or counted as unknown. */
  step: WaterfallStep | null;
  /**
   * The as-of date (YYYY-MM-DD, as_of=): the view shows the world as the tracker records it on that date (pledges
   * announced by then, each with its status then; docs/methodology.md, "As of a date"), and `on` is that date.
   * null: today.
   */
  as_of: string | null;
}

export const FILTER_PARAMS = ['sector', 'status', 'country', 'lever', 'pledger_kind', 'commitment_kind', 'pledger', 'from', 'to', 'min', 'max', 'q', 'overdue', 'step', 'as_of'] as const;
export type FilterParam = (typeof FILTER_PARAMS)[number];

export const EMPTY_FILTER: PledgeFilter = {
  sector: [],
  status: [],
  country: [],
  lever: [],
  pledger: [],
  pledger_kind: [],
  commitment_kind: [],
  from: null,
  to: null,
  min: null,
  max: null,
  q: null,
  overdue: null,
  on: '',
  step: null,
  as_of: null,
};

/** A 400 that names the query parameter at fault. */
export class FilterError extends HttpError {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(400, `The filter parameter ${param} is wrong: ${message}`);
  }
}

const anyOf = (description: string, items: JsonSchema, example: string[]): Omit<ApiParameter, 'name' | 'in'> => ({
  description: `${description} Repeat the parameter for "any of" (at most 50 values).`,
  schema: { type: 'array', items, maxItems: 50 },
  example,
});
const TEXT = { type: 'string', maxLength: 200 };
const PARTIAL_DATE = { type: 'string', pattern: '^\\d{4}(-\\d{2}(-\\d{2})?)?$' };
const AMOUNT = { type: 'string', maxLength: MAX_AMOUNT_LENGTH };

/**
 * The filter as the API's description (/api/openapi.json) gives it, one entry for each parameter parseFilter reads:
 * a parameter added to FILTER_PARAMS without its description here is a type error.
 */
const FILTER_DOCS: Record<FilterParam, Omit<ApiParameter, 'name' | 'in'>> = {
  sector: anyOf('The sector, exactly.', TEXT, ['Semiconductors']),
  status: anyOf('The status.', { type: 'string', enum: [...STATUSES] }, ['under_way']),
  country: anyOf("The pledger's home country, exactly.", TEXT, ['Japan']),
  lever: anyOf('The political lever; none: no lever recorded.', { type: 'string', enum: [...LEVERS, 'none'] }, ['tariffs']),
  pledger_kind: anyOf('Who pledges; unknown: not recorded.', { type: 'string', enum: [...PLEDGER_KINDS, 'unknown'] }, ['government']),
  commitment_kind: anyOf('What kind of commitment; unknown: not recorded.', { type: 'string', enum: [...COMMITMENT_KINDS, 'unknown'] }, ['purchases_trade']),
  pledger: anyOf('The pledger, exactly.', TEXT, ['Apple']),
  from: { description: 'Announced on or after this date, at any precision (from=2025-03 starts on 1 March).', schema: PARTIAL_DATE, example: '2025-03' },
  to: { description: 'Announced on or before this date, at any precision (to=2025-03 includes all of March); not before from.', schema: PARTIAL_DATE, example: '2025-12-31' },
  min: { description: 'An amount of at least this, typed as in the form (500000000000, 500B, $1.2T, 80 bn); undisclosed amounts drop out.', schema: AMOUNT, example: '10B' },
  max: { description: 'An amount of at most this (as min); not below min.', schema: AMOUNT, example: '$1T' },
  q: { description: "Text in the pledger, project, notes, sector, country or a source's URL or title, regardless of ASCII case (% and _ are literal).", schema: TEXT, example: 'H20' },
  overdue: { description: 'Only the pledges overdue on the view\'s day (docs/methodology.md); any other value than 1 is a 400.', schema: { type: 'string', enum: ['1'] } },
  step: {
    description: 'One step of the waterfall: the pledges of the rest of the filter that it took dollars from or counted as unknown (docs/methodology.md).',
    schema: { type: 'string', enum: [...WATERFALL_STEPS] },
  },
  as_of: AS_OF_PARAMETER,
};

/** The filter's query parameters, in FILTER_PARAMS's order, for the API's description. */
export const FILTER_PARAMETERS: ApiParameter[] = FILTER_PARAMS.map((name) => ({ ...FILTER_DOCS[name], name, in: 'query' as const }));

function values(query: Record<string, unknown>, name: string): string[] {
  const raw = query[name];
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  if (!list.every((item) => typeof item === 'string')) throw new FilterError(name, 'give it as plain text.');
  if (list.length > 50) throw new FilterError(name, 'at most 50 values.');
  return [...new Set((list as string[]).map((item) => item.trim()).filter((item) => item !== ''))];
}

function single(query: Record<string, unknown>, name: string): string | null {
  const list = values(query, name);
  if (list.length > 1) throw new FilterError(name, 'give it once.');
  return list[0] ?? null;
}

function checkText(name: string, list: string[]): string[] {
  for (const item of list) {
    if (item.length > 200) throw new FilterError(name, 'at most 200 characters.');
  }
  return list;
}

function checkDate(name: string, value: string | null): string | null {
  if (value !== null && !isRealPartialDate(value)) throw new FilterError(name, `"${value}" is not a date: use YYYY-MM-DD, YYYY-MM or YYYY.`);
  return value;
}

function checkAmount(name: string, value: string | null): number | null {
  if (value === null) return null;
  if (value.length > MAX_AMOUNT_LENGTH) throw new FilterError(name, `at most ${MAX_AMOUNT_LENGTH} characters.`);
  const parsed = parseAmount(value);
  if (!parsed.ok) throw new FilterError(name, parsed.error);
  return parsed.value;
}

function checkStep(value: string | null): WaterfallStep | null {
  if (value !== null && !(WATERFALL_STEPS as readonly string[]).includes(value)) {
    throw new FilterError('step', `unknown step "${value}": use ${WATERFALL_STEPS.join(', ')}.`);
  }
  return value as WaterfallStep | null;
}

function checkOverdue(value: string | null): true | null {
  if (value === null) return null;
  if (value !== '1') throw new FilterError('overdue', `"${value}" is not 1: use overdue=1 for the overdue pledges, or leave it out.`);
  return true;
}

/**
 * An as-of date as a reader typed it: a whole day (YYYY-MM-DD) that exists and is not after today (the tracker
 * records nothing of the future). Whether it comes before the first pledge needs the data: asOfDates in
 * platform/http/as-of.ts checks that. Throws FilterError.
 */
export function checkAsOf(value: string | null, today: string): string | null {
  if (value === null) return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !isRealPartialDate(value)) throw new FilterError('as_of', `"${value}" is not a day: use YYYY-MM-DD, e.g. 2025-06-30.`);
  if (value > today) throw new FilterError('as_of', `${value} is in the future (today is ${today}): the tracker can only show what it records up to today.`);
  return value;
}

/** The query's as-of date (as_of=), checked by checkAsOf; null when it has none (or an empty one: today). */
export function parseAsOf(query: Record<string, unknown>, today: string): string | null {
  return checkAsOf(single(query, 'as_of'), today);
}

/**
 * Throws FilterError, naming the parameter, for anything it cannot use. `today` is the request's date (YYYY-MM-DD,
 * UTC); overdue is computed against it, or against the as-of date when there is one.
 */
export function parseFilter(query: Record<string, unknown>, today: string): PledgeFilter {
  const asOf = parseAsOf(query, today);
  const on = asOf ?? today;
  const status = values(query, 'status');
  for (const value of status) {
    if (!(STATUSES as readonly string[]).includes(value)) {
      throw new FilterError('status', `unknown status "${value}": use ${STATUSES.join(', ')}.`);
    }
  }
  const lever = values(query, 'lever');
  for (const value of lever) {
    if (value !== 'none' && !(LEVERS as readonly string[]).includes(value)) {
      throw new FilterError('lever', `unknown lever "${value}": use ${LEVERS.join(', ')} or none.`);
    }
  }
  const kinds = <T extends string>(name: 'pledger_kind' | 'commitment_kind', allowed: readonly T[]): (T | 'unknown')[] => {
    const list = values(query, name);
    for (const value of list) {
      if (value !== 'unknown' && !(allowed as readonly string[]).includes(value)) {
        throw new FilterError(name, `unknown kind "${value}": use ${allowed.join(', ')} or unknown.`);
      }
    }
    return list as (T | 'unknown')[];
  };
  const filter: PledgeFilter = {
    sector: checkText('sector', values(query, 'sector')),
    status: status as Status[],
    country: checkText('country', values(query, 'country')),
    lever: lever as PledgeFilter['lever'],
    pledger: checkText('pledger', values(query, 'pledger')),
    pledger_kind: kinds('pledger_kind', PLEDGER_KINDS),
    commitment_kind: kinds('commitment_kind', COMMITMENT_KINDS),
    from: checkDate('from', single(query, 'from')),
    to: checkDate('to', single(query, 'to')),
    min: checkAmount('min', single(query, 'min')),
    max: checkAmount('max', single(query, 'max')),
    q: checkText('q', values(query, 'q').slice(0, 1))[0] ?? null,
    overdue: checkOverdue(single(query, 'overdue')),
    on,
    step: checkStep(single(query, 'step')),
    as_of: asOf,
  };
  if (values(query, 'q').length > 1) throw new FilterError('q', 'give it once.');
  if (filter.from && filter.to && filter.from > filter.to) throw new FilterError('from', `"${filter.from}" is after to "${filter.to}".`);
  if (filter.min !== null && filter.max !== null && filter.min > filter.max) throw new FilterError('min', 'is more than max.');
  return filter;
}


/**
 * Whether a date (YYYY-MM-DD, YYYY-MM or YYYY) is on or before the as-of date: one given to the month or the year
 * counts from its first day, as the view's SQL reads it.
 */
export function isDatedBy(date: string, asOf: string): boolean {
  return date < datedBy(asOf);
}

/**
 * The last announcement date the view takes (as `to` gives it: YYYY-MM-DD, YYYY-MM or YYYY), the earlier of `to`
 * and the as-of date; null when neither is set.
 */
export function announcedBy(filter: Pick<PledgeFilter, 'to' | 'as_of'>): string | null {
  if (filter.as_of === null || filter.to === null) return filter.as_of ?? filter.to;
  return datedBy(filter.as_of) < datedBy(filter.to) ? filter.as_of : filter.to;
}

export function isEmptyFilter(filter: PledgeFilter): boolean {
  return FILTER_PARAMS.every((param) => {
    const value = filter[param];
    return Array.isArray(value) ? value.length === 0 : value === null;
  });
}

/** The filter as query-string pairs, in a fixed order, amounts as whole dollars. */
export function filterPairs(filter: PledgeFilter): [FilterParam, string][] {
  const pairs: [FilterParam, string][] = [];
  for (const param of FILTER_PARAMS) {
    const value = filter[param];
    if (Array.isArray(value)) for (const item of value) pairs.push([param, item]);
    else if (value === true) pairs.push([param, '1']);
    else if (value !== null) pairs.push([param, String(value)]);
  }
  return pairs;
}

/** A query string ("?a=1&b=2", or "") for this filter plus any extra parameters (page, sort). */
export function queryString(filter: PledgeFilter, extra: Record<string, string | number | null | undefined> = {}): string {
  const params = new URLSearchParams(filterPairs(filter));
  for (const [key, value] of Object.entries(extra)) if (value !== null && value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function withValue(filter: PledgeFilter, param: ListParam, value: string): PledgeFilter {
  const current = filter[param] as string[];
  return current.includes(value) ? filter : { ...filter, [param]: [...current, value] };
}

export function withoutValue(filter: PledgeFilter, param: FilterParam, value?: string): PledgeFilter {
  const current = filter[param];
  if (Array.isArray(current)) return { ...filter, [param]: current.filter((item) => item !== value) };
  return { ...filter, [param]: null };
}
