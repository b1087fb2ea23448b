// Helpers every template may use, registered once as app.locals.
import { formatPercent, formatUsdCompact, formatUsdExact } from '../lib/amounts.ts';
import { formatPartialDate } from '../lib/dates.ts';
import { filterPairs, isEmptyFilter, queryString, withoutValue, withValue } from './pledges.filter.ts';
import { EVENT_KINDS, type EventKind } from '../events/event.model.ts';
import { LEVERS, STATUSES, type Lever, type Status } from './pledge.model.ts';

const JSON_SCRIPT_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON safe to place inside <script type="application/json">: no character can close the element or
 * start a comment, and JSON.parse reads back exactly the value. Templates embed it with <%- %>, which
 * is correct only because of this escaping.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => JSON_SCRIPT_ESCAPES[char]);
}

const STATUS_LABELS: Record<Status, string> = {
  announced: 'Announced',
  under_way: 'Under way',
  completed: 'Completed',
  stalled: 'Stalled',
  withdrawn: 'Withdrawn',
};

const KIND_LABELS: Record<EventKind, string> = {
  export_controls: 'Export controls',
  tariffs: 'Tariffs',
  subsidies: 'Subsidies',
  white_house_event: 'White House event',
  administration: 'Administration',
  market: 'Market',
  other: 'Other',
};

export const statusLabel = (status: Status): string => STATUS_LABELS[status];
export const leverLabel = (lever: Lever | null): string => (lever === null ? 'None recorded' : KIND_LABELS[lever]);
export const kindLabel = (kind: EventKind): string => KIND_LABELS[kind] ?? kind;

/** A value from the revision log, as text: lists of sources and events included. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) {
    if (value.length === 0) return '—';
    return value.map((item) => (typeof item === 'object' && item ? (item as { url?: string }).url ?? JSON.stringify(item) : String(item))).join(', ');
  }
  return String(value);
}

const FACET_LABELS: Record<string, string> = {
  sector: 'Sector',
  status: 'Status',
  country: 'Country',
  lever: 'Political lever',
  pledger: 'Pledger',
  from: 'From',
  to: 'To',
  min: 'At least',
  max: 'At most',
  q: 'Text',
};

/** How a filter value reads in a chip or a facet: labels for codes, compact money for amounts. */
export function filterValueLabel(param: string, value: string): string {
  if (param === 'status') return STATUS_LABELS[value as Status] ?? value;
  if (param === 'lever') return value === 'none' ? 'None recorded' : (KIND_LABELS[value as Lever] ?? value);
  if (param === 'min' || param === 'max') return formatUsdCompact(Number(value));
  if (param === 'from' || param === 'to') return formatPartialDate(value);
  return value;
}

export const viewHelpers = {
  showValue,
  filterValueLabel,
  filterLabel: (param: string) => FACET_LABELS[param] ?? param,
  queryString,
  filterPairs,
  withValue,
  withoutValue,
  isEmptyFilter,
  usd: formatUsdCompact,
  usdExact: formatUsdExact,
  percent: formatPercent,
  date: formatPartialDate,
  statusLabel,
  leverLabel,
  kindLabel,
  jsonForScript,
  statusOptions: STATUSES.map((value) => ({ value, label: STATUS_LABELS[value] })),
  leverOptions: [{ value: '', label: 'None recorded' }, ...LEVERS.map((value) => ({ value, label: KIND_LABELS[value] }))],
  kindOptions: EVENT_KINDS.map((value) => ({ value, label: KIND_LABELS[value] })),
};
