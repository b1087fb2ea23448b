// Pledges as the rest of the code knows them: their enums, row types and the export's columns. Imports
// nothing of ours, so that every feature may depend on it.

export const STATUSES = ['announced', 'under_way', 'completed', 'stalled', 'withdrawn'] as const;

export const LEVERS = ['export_controls', 'tariffs', 'subsidies', 'white_house_event', 'other'] as const;

export type Status = (typeof STATUSES)[number];

export type Lever = (typeof LEVERS)[number];

export interface Pledge {
  id: number;
  pledger: string;
  project: string;
  amount_usd: number | null;
  amount_note: string;
  us_share_pct: number | null;
  us_share_basis: 'stated' | 'inferred' | null;
  announced_on: string;
  horizon_years: number | null;
  horizon_end: string | null;
  horizon_note: string;
  sector: string;
  country: string;
  status: Status;
  lever: Lever | null;
  context_note: string;
  created_at: string;
  updated_at: string;
}

/** A pledge as listed and exported: its own fields plus its sources and events, flattened. */
export interface PledgeListRow extends Pledge {
  us_amount_usd: number | null;
  per_year_usd: number | null;
  source_urls: string;
  event_ids: string;
}

export interface Source {
  url: string;
  title: string;
}

export type NewPledge = Omit<Pledge, 'id' | 'created_at' | 'updated_at'> & { sources: Source[] };

export interface StatusStep {
  status: Status;
  changed_on: string;
  evidence_url: string | null;
}

export interface PledgeWrite {
  pledge: NewPledge;
  eventIds: number[];
  reason: string;
  statusChange: { changed_on: string; evidence_url: string } | null;
}

/** The export's columns, in order; the JSON API uses the same names. */
export const CSV_COLUMNS = [
  'id',
  'pledger',
  'project',
  'amount_usd',
  'amount_note',
  'us_share_pct',
  'us_share_basis',
  'announced_on',
  'horizon_years',
  'horizon_end',
  'horizon_note',
  'sector',
  'country',
  'status',
  'lever',
  'context_note',
  'source_urls',
  'event_ids',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof PledgeListRow)[];

/** The fields a filter lists values of. */
export type ListParam = 'sector' | 'status' | 'country' | 'lever' | 'pledger';

/** The fields beside every view whose values are counted (facets), in the order they are shown. */
export const FACET_FIELDS = ['sector', 'status', 'country', 'lever', 'pledger'] as const satisfies readonly ListParam[];
export type FacetField = (typeof FACET_FIELDS)[number];

export interface FacetValue {
  value: string;
  pledge_count: number;
  amount_usd: number;
}

export interface Facet {
  field: FacetField;
  values: FacetValue[];
  /** How many distinct values there are in all; the view shows the first few. */
  distinct: number;
}
