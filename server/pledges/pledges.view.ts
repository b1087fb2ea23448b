// Helpers every template may use, registered once as app.locals.
import { formatPercent, formatUsdCompact, formatUsdExact } from '../lib/amounts.ts';
import { daysBetween, daysText, formatPartialDate } from '../lib/dates.ts';
import { filterPairs, isEmptyFilter, queryString, withoutValue, withValue } from './pledges.filter.ts';
import { CONCESSION_TYPES, EVENT_KINDS, type ConcessionType, type EventKind } from '../events/event.model.ts';
import {
  COMMITMENT_KINDS,
  LEVERS,
  PLEDGER_KINDS,
  STATUSES,
  type CommitmentKind,
  type Lever,
  type PledgerKind,
  type Status,
  type WaterfallStep,
} from './pledge.model.ts';

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
  concession: 'Concession',
};

/** What a pledger got, as the issue names the types. */
export const CONCESSION_TYPE_LABELS: Record<ConcessionType, string> = {
  tariff_relief: 'Tariff exemption or grace period',
  export_relief: 'Export licence or control relief',
  government_stake: 'Equity stake or revenue share taken by the government',
  subsidy_permits: 'Subsidy or permit acceleration',
  other: 'Other',
};

const PLEDGER_KIND_LABELS: Record<PledgerKind, string> = {
  company: 'Company',
  government: 'Government',
  joint_venture: 'Joint venture or fund',
};

const COMMITMENT_KIND_LABELS: Record<CommitmentKind, string> = {
  capital_spending: 'Capital spending',
  fund: 'Investment fund or financing vehicle',
  purchases_trade: 'Purchases and trade',
  mixed: 'Mixed or unclear',
};

// A kind not recorded is NULL, and reads "Unknown" wherever it is shown (the filter's word for it is "unknown").
const UNKNOWN = 'Unknown';

export const statusLabel = (status: Status): string => STATUS_LABELS[status];
export const pledgerKindLabel = (kind: PledgerKind | null): string => (kind === null ? UNKNOWN : (PLEDGER_KIND_LABELS[kind] ?? kind));
export const commitmentKindLabel = (kind: CommitmentKind | null): string => (kind === null ? UNKNOWN : (COMMITMENT_KIND_LABELS[kind] ?? kind));
export const leverLabel = (lever: Lever | null): string => (lever === null ? 'None recorded' : KIND_LABELS[lever]);
export const kindLabel = (kind: EventKind): string => KIND_LABELS[kind] ?? kind;
export const concessionTypeLabel = (type: ConcessionType | null): string => (type === null ? UNKNOWN : (CONCESSION_TYPE_LABELS[type] ?? type));

/** The part of a pledge described as new, against the whole: "$11B of $32B described as new", or "Not stated". */
export function newMoneyText(newMoney: number | null, amount: number | null): string {
  if (newMoney === null) return 'Not stated';
  if (amount === null) return `${formatUsdCompact(newMoney)} described as new, of an undisclosed amount`;
  return `${formatUsdCompact(newMoney)} of ${formatUsdCompact(amount)} described as new`;
}

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
  pledger_kind: 'Who pledges',
  commitment_kind: 'Kind of commitment',
  pledger: 'Pledger',
  from: 'From',
  to: 'To',
  min: 'At least',
  max: 'At most',
  q: 'Text',
  overdue: 'Overdue',
  step: 'Waterfall step',
};

/** What each waterfall step takes off, as its chip, its bar and its row name it. */
export const STEP_LABELS: Record<WaterfallStep, string> = {
  superseded: 'Superseded pledges',
  contained: 'Contained in other pledges',
  overlaps: 'Known overlaps',
  not_new: 'Repeats and the part not described as new',
  outside_us: 'Outside the US',
  not_investment: 'Purchases and trade (not investment)',
};

/** A filter parameter's name, as a chip or a title says it. */
export const filterLabel = (param: string): string => FACET_LABELS[param] ?? param;

/** How a filter value reads in a chip or a facet: labels for codes, compact money for amounts. */
export function filterValueLabel(param: string, value: string): string {
  if (param === 'status') return STATUS_LABELS[value as Status] ?? value;
  if (param === 'lever') return value === 'none' ? 'None recorded' : (KIND_LABELS[value as Lever] ?? value);
  if (param === 'pledger_kind') return value === 'unknown' ? UNKNOWN : pledgerKindLabel(value as PledgerKind);
  if (param === 'commitment_kind') return value === 'unknown' ? UNKNOWN : commitmentKindLabel(value as CommitmentKind);
  if (param === 'min' || param === 'max') return formatUsdCompact(Number(value));
  if (param === 'from' || param === 'to') return formatPartialDate(value);
  if (param === 'step') return STEP_LABELS[value as WaterfallStep] ?? value;
  if (param === 'overdue') return value === '1' ? 'Overdue' : value;
  return value;
}

export const viewHelpers = {
  showValue,
  filterValueLabel,
  filterLabel,
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
  concessionTypeLabel,
  daysText,
  daysBetween,
  pledgerKindLabel,
  commitmentKindLabel,
  newMoneyText,
  jsonForScript,
  statusOptions: STATUSES.map((value) => ({ value, label: STATUS_LABELS[value] })),
  leverOptions: [{ value: '', label: 'None recorded' }, ...LEVERS.map((value) => ({ value, label: KIND_LABELS[value] }))],
  kindOptions: EVENT_KINDS.map((value) => ({ value, label: KIND_LABELS[value] })),
  concessionTypeOptions: [{ value: '', label: 'Not a concession' }, ...CONCESSION_TYPES.map((value) => ({ value, label: CONCESSION_TYPE_LABELS[value] }))],
  pledgerKindOptions: [...PLEDGER_KINDS.map((value) => ({ value, label: PLEDGER_KIND_LABELS[value] })), { value: '', label: UNKNOWN }],
  commitmentKindOptions: [...COMMITMENT_KINDS.map((value) => ({ value, label: COMMITMENT_KIND_LABELS[value] })), { value: '', label: UNKNOWN }],
};
