// Helpers every template may use, registered once as app.locals.
import ejs from 'ejs';
import { formatCount, formatPercent, formatUsdCompact, formatUsdExact } from '../lib/amounts.ts';
import { daysBetween, formatPartialDate } from '../lib/dates.ts';
import { labelsOf, LANGUAGES, LOCALES, readLocale, translator, type Language } from '../platform/i18n.ts';
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

/** The words of one language: labels for codes, amounts, dates and counts as that language writes them. */
export function wordsIn(language: Language) {
  const t = translator(language);
  const locale = LOCALES[language];
  const labels = (group: string) => labelsOf(language, group);
  const STATUS_LABELS = labels('status') as Record<Status, string>;
  const KIND_LABELS = labels('eventKind') as Record<EventKind, string>;
  const CONCESSION_TYPE_LABELS = labels('concessionType') as Record<ConcessionType, string>;
  const PLEDGER_KIND_LABELS = labels('pledgerKind') as Record<PledgerKind, string>;
  const COMMITMENT_KIND_LABELS = labels('commitmentKind') as Record<CommitmentKind, string>;
  const FACET_LABELS = labels('facet');
  const STEP_LABELS = labels('step') as Record<WaterfallStep, string>;
  // A kind not recorded is NULL, and reads "Unknown" wherever it is shown (the filter's word for it is "unknown").
  const UNKNOWN = t('labels.unknown');
  const NONE_RECORDED = t('labels.noneRecorded');

  const usd = (amount: number | null): string => (amount === null ? t('amount.undisclosed') : formatUsdCompact(amount, locale));
  const usdExact = (amount: number | null): string => (amount === null ? t('amount.undisclosed') : formatUsdExact(amount, locale));
  // An amount as the pages show it (written with <%- %>): compact, with its exact figure in its title, or undisclosed.
  // A function rather than a partial: a page's table and timeline show a few hundred, and EJS copies every local of
  // the page for each include (about 5 ms of a dashboard's rendering at a million pledges: docs/performance.md).
  const undisclosedHtml = `<span class="undisclosed" title="${ejs.escapeXML(t('amount.undisclosedTitle'))}">${ejs.escapeXML(t('amount.undisclosed'))}</span>`;
  const amountHtml = (amount: number | null): string =>
    amount === null ? undisclosedHtml : `<data value="${ejs.escapeXML(amount)}" title="${ejs.escapeXML(usdExact(amount))}">${ejs.escapeXML(usd(amount))}</data>`;
  const percent = (value: number | null): string => (value === null ? UNKNOWN : formatPercent(value, locale));
  const date = (value: string | null): string => formatPartialDate(value, locale);
  const count = (value: number): string => formatCount(value, locale);
  const statusLabel = (status: Status): string => STATUS_LABELS[status];
  const pledgerKindLabel = (kind: PledgerKind | null): string => (kind === null ? UNKNOWN : (PLEDGER_KIND_LABELS[kind] ?? kind));
  const commitmentKindLabel = (kind: CommitmentKind | null): string => (kind === null ? UNKNOWN : (COMMITMENT_KIND_LABELS[kind] ?? kind));
  const leverLabel = (lever: Lever | null): string => (lever === null ? NONE_RECORDED : KIND_LABELS[lever]);
  const kindLabel = (kind: EventKind): string => KIND_LABELS[kind] ?? kind;
  const concessionTypeLabel = (type: ConcessionType | null): string => (type === null ? UNKNOWN : (CONCESSION_TYPE_LABELS[type] ?? type));
  const ROLE_LABELS = labels('role');
  /** A relation's role for the pledge whose page it is: "is superseded by". */
  const roleLabel = (role: string): string => ROLE_LABELS[role] ?? role;

  /** The part of a pledge described as new, against the whole: "$11B of $32B described as new", or "Not stated". */
  const newMoneyText = (newMoney: number | null, amount: number | null): string => {
    if (newMoney === null) return t('labels.notStated');
    if (amount === null) return t('labels.newOfUndisclosed', { part: usd(newMoney) });
    return t('labels.newOf', { part: usd(newMoney), whole: usd(amount) });
  };

  /**
   * Days between a pledge and what came after or before it, in words: "12 days after the pledge", "3 days before
   * the pledge", "the same day as the pledge", or "unknown" when a date lacks its day.
   */
  const daysText = (days: number | null): string => {
    if (days === null) return t('labels.unknownLower');
    if (days === 0) return t('days.sameDay');
    const n = Math.abs(days);
    return t(days > 0 ? 'days.after' : 'days.before', { count: n, n: count(n) });
  };

  /** A filter parameter's name, as a chip or a title says it. */
  const filterLabel = (param: string): string => FACET_LABELS[param] ?? param;

  /** How a filter value reads in a chip or a facet: labels for codes, compact money for amounts. */
  const filterValueLabel = (param: string, value: string): string => {
    if (param === 'status') return STATUS_LABELS[value as Status] ?? value;
    if (param === 'lever') return value === 'none' ? NONE_RECORDED : (KIND_LABELS[value as Lever] ?? value);
    if (param === 'pledger_kind') return value === 'unknown' ? UNKNOWN : pledgerKindLabel(value as PledgerKind);
    if (param === 'commitment_kind') return value === 'unknown' ? UNKNOWN : commitmentKindLabel(value as CommitmentKind);
    if (param === 'min' || param === 'max') return usd(Number(value));
    if (param === 'from' || param === 'to') return date(value);
    if (param === 'step') return STEP_LABELS[value as WaterfallStep] ?? value;
    if (param === 'overdue') return value === '1' ? t('labels.overdue') : value;
    return value;
  };

  return {
    lang: language,
    /** The header's switch: every language of the site. */
    languages: LANGUAGES,
    locale,
    t,
    usd,
    usdExact,
    amountHtml,
    percent,
    date,
    count,
    statusLabel,
    leverLabel,
    kindLabel,
    concessionTypeLabel,
    roleLabel,
    daysText,
    pledgerKindLabel,
    commitmentKindLabel,
    newMoneyText,
    filterLabel,
    filterValueLabel,
    STEP_LABELS,
    CONCESSION_TYPE_LABELS,
    /** What public/js/charts.js draws the charts' words and numbers with (#chart-data's speech): the language and its "chart" words. */
    chartSpeech: { lang: language, words: readLocale(language).chart },
    statusOptions: STATUSES.map((value) => ({ value, label: STATUS_LABELS[value] })),
    leverOptions: [{ value: '', label: NONE_RECORDED }, ...LEVERS.map((value) => ({ value, label: KIND_LABELS[value] }))],
    kindOptions: EVENT_KINDS.map((value) => ({ value, label: KIND_LABELS[value] })),
    concessionTypeOptions: [{ value: '', label: t('labels.notAConcession') }, ...CONCESSION_TYPES.map((value) => ({ value, label: CONCESSION_TYPE_LABELS[value] }))],
    pledgerKindOptions: [...PLEDGER_KINDS.map((value) => ({ value, label: PLEDGER_KIND_LABELS[value] })), { value: '', label: UNKNOWN }],
    commitmentKindOptions: [...COMMITMENT_KINDS.map((value) => ({ value, label: COMMITMENT_KIND_LABELS[value] })), { value: '', label: UNKNOWN }],
  };
}

export type Words = ReturnType<typeof wordsIn>;

const WORDS = Object.fromEntries(LANGUAGES.map((language) => [language, wordsIn(language)])) as Record<Language, Words>;

/** The words of a language, made once. */
export const wordsOf = (language: Language): Words => WORDS[language];

// English, for what is written in English whatever the page's language (the change log's JSON and feeds, CSV).
const english = WORDS.en;
export const { statusLabel, pledgerKindLabel, commitmentKindLabel, leverLabel, kindLabel, concessionTypeLabel, newMoneyText, filterLabel, filterValueLabel, STEP_LABELS, CONCESSION_TYPE_LABELS } = english;

/** A value from the revision log, as text: lists of sources and events included. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) {
    if (value.length === 0) return '—';
    return value.map((item) => (typeof item === 'object' && item ? (item as { url?: string }).url ?? JSON.stringify(item) : String(item))).join(', ');
  }
  return String(value);
}

/** Helpers every template may use whatever its language; the words (wordsOf) come per request, in its language. */
export const viewHelpers = {
  showValue,
  queryString,
  filterPairs,
  withValue,
  withoutValue,
  isEmptyFilter,
  daysBetween,
  jsonForScript,
  ...english,
};
