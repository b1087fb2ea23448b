// Pure: a change as readers see it, in the page, the feeds and the JSON's words: which pledge or event, a label and
// a readable value for each field, amounts and dates as the rest of the tracker writes them. The values' words are
// in the page's language (the feeds' and JSON's in English); what was entered (names, notes, URLs) stays as entered.
import type { ConcessionType, EventKind } from '../events/event.model.ts';
import type { CommitmentKind, Lever, PledgerKind, Status } from '../pledges/pledge.model.ts';
import { wordsOf, type Words } from '../pledges/pledges.view.ts';
import type { Language } from '../platform/i18n.ts';
import type { Action } from '../revisions/revisions.repository.ts';
import type { Change } from './changes.repository.ts';

/** A field's value in words; for an amount, `text` is compact ($1.2B), `exact` in whole dollars, `amount` the number. */
export interface ShownValue {
  text: string;
  exact?: string;
  amount?: number;
}

export interface ShownField {
  field: string;
  label: string;
  from: ShownValue;
  to: ShownValue;
}

export interface ShownChange {
  id: number;
  action: Action;
  /** "Created", "Edited", "Deleted". */
  verb: string;
  /** "pledge 12", "event 3". */
  what: string;
  /** The pledge's or event's name (see Change.title); "unknown" when none is recorded. */
  title: string;
  /** Site-relative: /pledges/12 (a deleted pledge's page tells readers it is gone), /events/3; null for a deleted event. */
  path: string | null;
  exists: boolean;
  author: string;
  at: string;
  reason: string;
  fields: ShownField[];
}

const FIELD_LABELS: Record<string, string> = {
  pledger: 'Pledger',
  project: 'Project',
  amount_usd: 'Amount',
  amount_note: 'Amount note',
  us_share_pct: 'US share',
  us_share_basis: 'US share basis',
  announced_on: 'Announced',
  horizon_years: 'Horizon (years)',
  horizon_start: 'Horizon start',
  horizon_end: 'Horizon end',
  horizon_note: 'Horizon note',
  sector: 'Sector',
  country: 'Country',
  status: 'Status',
  lever: 'Political lever',
  context_note: 'Political context',
  pledger_kind: 'Who pledges',
  commitment_kind: 'Kind of commitment',
  new_money_usd: 'Described as new',
  sources: 'Sources',
  event_ids: 'Political events',
  relations: 'Relation',
  occurred_on: 'Date',
  title: 'Title',
  kind: 'Kind',
  note: 'Note',
  source_url: 'Source',
  source_title: 'Source title',
  pledge_ids: 'Pledges',
  first_tranche_by: 'First tranche due by',
  concession_type: 'What the pledger got',
};

const VERBS: Record<Action, string> = { create: 'Created', update: 'Edited', delete: 'Deleted' };

const english = wordsOf('en');

function money(value: number, words: Words): ShownValue {
  return { text: words.usd(value), exact: words.usdExact(value), amount: value };
}

function list(values: unknown[], item: (value: unknown) => string, none: string): string {
  return values.length === 0 ? none : values.map(item).join('; ');
}

function source(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  const { url, title } = value as { url?: unknown; title?: unknown };
  return title ? `${String(title)} (${String(url)})` : String(url);
}

/**
 * One field's value in words, in the language of `words` (English unless they say): codes by their labels
 * (under_way: "Under way", "In Umsetzung"), amounts and dates as the language writes them. A value not recorded
 * (NULL) reads "unknown", never 0 or a blank.
 */
export function showValue(field: string, value: unknown, words: Words = english): ShownValue {
  const none = words.t('changes.noValue');
  if (value === null || value === undefined) return { text: field === 'relations' ? none : words.t('labels.unknownLower') };
  if (value === '') return { text: none };
  switch (field) {
    case 'amount_usd':
    case 'new_money_usd':
      return typeof value === 'number' ? money(value, words) : { text: String(value) };
    case 'us_share_pct':
      return { text: typeof value === 'number' ? words.percent(value) : String(value) };
    case 'announced_on':
    case 'horizon_start':
    case 'horizon_end':
    case 'occurred_on':
    case 'first_tranche_by':
      return { text: words.date(String(value)) };
    case 'horizon_years':
      return { text: typeof value === 'number' ? words.t('changes.years', { count: value, n: words.count(value) }) : String(value) };
    case 'status':
      return { text: words.statusLabel(value as Status) ?? String(value) };
    case 'lever':
      return { text: words.leverLabel(value as Lever) ?? String(value) };
    case 'pledger_kind':
      return { text: words.pledgerKindLabel(value as PledgerKind) };
    case 'commitment_kind':
      return { text: words.commitmentKindLabel(value as CommitmentKind) };
    case 'kind':
      return { text: words.kindLabel(value as EventKind) };
    case 'concession_type':
      return { text: words.concessionTypeLabel(value as ConcessionType) };
    case 'us_share_basis':
      return { text: words.t(`basis.${String(value)}`, { defaultValue: String(value) }) };
    case 'sources':
      return { text: Array.isArray(value) ? list(value, source, none) : source(value) };
    case 'event_ids':
      return { text: Array.isArray(value) ? list(value, (id) => words.t('changes.event', { id: String(id) }), none) : String(value) };
    case 'pledge_ids':
      return { text: Array.isArray(value) ? list(value, (id) => words.t('changes.pledge', { id: String(id) }), none) : String(value) };
  }
  if (Array.isArray(value)) return { text: list(value, (item) => (typeof item === 'object' ? JSON.stringify(item) : String(item)), none) };
  return { text: typeof value === 'object' ? JSON.stringify(value) : String(value) };
}

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? field;
}

const isEmpty = (value: unknown) => value === '' || (Array.isArray(value) && value.length === 0);

/** A revision as the change log shows it, its values in the language of `words` (English unless they say). */
export function showChange(change: Change, words: Words = english): ShownChange {
  const pledge = change.entity === 'pledge';
  return {
    id: change.id,
    action: change.action,
    verb: VERBS[change.action],
    what: `${change.entity} ${change.entity_id}`,
    title: change.title ?? words.t('labels.unknownLower'),
    path: pledge ? `/pledges/${change.entity_id}` : change.exists ? `/events/${change.entity_id}` : null,
    exists: change.exists,
    author: change.author,
    at: change.at,
    reason: change.reason,
    fields: Object.entries(change.changes)
      // A creation's or deletion's empty notes and lists say nothing; an edit's say what was emptied or filled.
      .filter(([, { from, to }]) => change.action === 'update' || !isEmpty(change.action === 'delete' ? from : to))
      .map(([field, { from, to }]) => ({ field, label: fieldLabel(field), from: showValue(field, from, words), to: showValue(field, to, words) })),
  };
}

/** "2025-06-02 14:03 UTC": the minute a change was made, in UTC. */
export function changeTime(at: string): string {
  return `${at.slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * What a page's history (views/partials/history.ejs) words its fields with, in the page's language: each field's
 * label and value as the change log shows them.
 */
export function changeWordsOf(language: Language) {
  const words = wordsOf(language);
  return {
    fieldLabel,
    shownValue: (field: string, value: unknown): ShownValue => showValue(field, value, words),
  };
}
