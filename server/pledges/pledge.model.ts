// Pledges as the rest of the code knows them: their enums, row types and the export's columns. Imports
// nothing of ours, so that every feature may depend on it.

export const STATUSES = ['announced', 'under_way', 'completed', 'stalled', 'withdrawn'] as const;

export const LEVERS = ['export_controls', 'tariffs', 'subsidies', 'white_house_event', 'other'] as const;

/** Who pledges: a company, a government (a trade deal's total), or a joint venture or fund (Stargate). */
export const PLEDGER_KINDS = ['company', 'government', 'joint_venture'] as const;

/**
 * What is promised: capital spending (plants, data centers), an investment fund or financing vehicle, purchases and
 * trade (aircraft, energy, arms: not investment), or a mix that cannot be told apart.
 */
export const COMMITMENT_KINDS = ['capital_spending', 'fund', 'purchases_trade', 'mixed'] as const;

/**
 * The waterfall's steps from announced to new US investment, in the order they take dollars off each pledge
 * (docs/methodology.md). A filter may name one: the pledges that step took dollars from or counted as unknown.
 */
export const WATERFALL_STEPS = ['superseded', 'contained', 'overlaps', 'not_new', 'outside_us', 'not_investment'] as const;

export type Status = (typeof STATUSES)[number];

export type WaterfallStep = (typeof WATERFALL_STEPS)[number];

export type PledgerKind = (typeof PLEDGER_KINDS)[number];

export type CommitmentKind = (typeof COMMITMENT_KINDS)[number];

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
  pledger_kind: PledgerKind | null;
  commitment_kind: CommitmentKind | null;
  /** When the horizon starts; null: on the announced date. */
  horizon_start: string | null;
  /** The part the pledger described as new; null when it did not say. */
  new_money_usd: number | null;
  /** The pledge's own date for its first tranche ('YYYY', 'YYYY-MM' or 'YYYY-MM-DD'); null when it names none. */
  first_tranche_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A pledge as listed and exported: its own fields plus its sources and events, flattened. */
export interface PledgeListRow extends Pledge {
  us_amount_usd: number | null;
  per_year_usd: number | null;
  source_urls: string;
  event_ids: string;
  /** Overdue on the view's reference date: computed, never stored (docs/methodology.md). */
  overdue: boolean;
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
  note: string;
}

export interface PledgeWrite {
  pledge: NewPledge;
  eventIds: number[];
  reason: string;
  /** The step a change of status adds to the timeline: when, the evidence, and a note on what happened. */
  statusChange: { changed_on: string; evidence_url: string; note: string } | null;
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
  // Added after the first release: at the end, so that every earlier column keeps its place.
  'pledger_kind',
  'commitment_kind',
  'horizon_start',
  'new_money_usd',
  'first_tranche_by',
  // Computed against the export's reference date (today, UTC): 'true' or 'false'.
  'overdue',
] as const satisfies readonly (keyof PledgeListRow)[];

/** /sources.csv: a pledge's sources, one row each, in the pledge's order (position from 0). */
export const SOURCE_CSV_COLUMNS = ['pledge_id', 'position', 'url', 'title'] as const;

/** The fields a filter lists values of. */
export type ListParam = 'sector' | 'status' | 'country' | 'lever' | 'pledger' | 'pledger_kind' | 'commitment_kind';

/** The fields beside every view whose values are counted (facets), in the order they are shown. */
export const FACET_FIELDS = ['sector', 'status', 'country', 'lever', 'pledger_kind', 'commitment_kind', 'pledger'] as const satisfies readonly ListParam[];
export type FacetField = (typeof FACET_FIELDS)[number];

export interface FacetValue {
  value: string;
  pledge_count: number;
  amount_usd: number;
}

export interface Facet {
  /** A field's values; 'overdue': one value, 'overdue', the pledges of the view overdue on its date. */
  field: FacetField | 'overdue';
  values: FacetValue[];
  /** How many distinct values there are in all; the view shows the first few. */
  distinct: number;
}
