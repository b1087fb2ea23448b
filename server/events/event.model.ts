// Political events as the rest of the code knows them: kinds, concession types and row types. Imports nothing of ours.

export const EVENT_KINDS = [
  'export_controls',
  'tariffs',
  'subsidies',
  'white_house_event',
  'administration',
  'market',
  'other',
  'concession',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** What a pledger got (a concession's type): required for the kind 'concession', NULL for every other kind. */
export const CONCESSION_TYPES = ['tariff_relief', 'export_relief', 'government_stake', 'subsidy_permits', 'other'] as const;
export type ConcessionType = (typeof CONCESSION_TYPES)[number];

export interface PoliticalEvent {
  id: number;
  occurred_on: string;
  title: string;
  kind: EventKind;
  concession_type: ConcessionType | null;
  note: string;
  /** The first source; the others are the event's further sources (event_sources). */
  source_url: string | null;
  source_title: string;
}

export interface EventSource {
  url: string;
  title: string;
}

/** An event's sources after its first, at most this many. */
export const MAX_MORE_SOURCES = 3;

export interface EventListRow extends PoliticalEvent {
  pledge_count: number;
}

export interface LinkedPledge {
  id: number;
  pledger: string;
  project: string;
  amount_usd: number | null;
  announced_on: string;
}

/** One concession and one pledge it answered: a row of /concessions, its CSV and its JSON. */
export interface ConcessionRow {
  pledge_id: number;
  pledger: string;
  project: string;
  amount_usd: number | null;
  announced_on: string;
  concession_id: number;
  concession: string;
  concession_type: ConcessionType;
  occurred_on: string;
  /** Days from the pledge to the concession, negative when the concession came first; null unless both dates have a day. */
  days_between: number | null;
  /** Every source URL of the concession, in order, space-separated (as the pledges' CSV lists its sources). */
  source_urls: string;
  note: string;
}

/** The CSV's columns, in order: the ConcessionRow's fields. */
export const CONCESSION_CSV_COLUMNS = [
  'pledge_id',
  'pledger',
  'project',
  'amount_usd',
  'announced_on',
  'concession_id',
  'concession',
  'concession_type',
  'occurred_on',
  'days_between',
  'source_urls',
  'note',
] as const satisfies readonly (keyof ConcessionRow)[];

/**
 * /events.csv's columns, in order: an event's own fields, then every source URL it has (the first and the further
 * ones), space-separated as the pledges' CSV lists its sources.
 */
export const EVENT_CSV_COLUMNS = [
  'id',
  'occurred_on',
  'title',
  'kind',
  'concession_type',
  'note',
  'source_url',
  'source_title',
  'source_urls',
  'created_at',
  'updated_at',
] as const;
