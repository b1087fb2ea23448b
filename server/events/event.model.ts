// Political events as the rest of the code knows them: kinds and row types. Imports nothing of ours.

export const EVENT_KINDS = [
  'export_controls',
  'tariffs',
  'subsidies',
  'white_house_event',
  'administration',
  'market',
  'other',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface PoliticalEvent {
  id: number;
  occurred_on: string;
  title: string;
  kind: EventKind;
  note: string;
  source_url: string | null;
  source_title: string;
}

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
