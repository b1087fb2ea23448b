// Relations between pledges as the rest of the code knows them: kinds, row types, the export's columns, and how
// a relation reads from either of its pledges. Imports nothing of ours, so that every feature may depend on it.
import { z } from 'zod';

/**
 * "pledge_id KIND other_id" (migration 011): supersedes (the other is counted once, at this one's figure), contains
 * (amount_usd of the other, or all of it when NULL, is inside this one), overlaps (amount_usd is counted in both;
 * NULL: unknown), repeats (amount_usd of this one re-announces the other, or, with no other, an earlier plan the
 * tracker does not hold).
 */
export const RELATION_KINDS = ['supersedes', 'contains', 'overlaps', 'repeats'] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

/** The kinds that may not run in a circle: a pledge cannot supersede, nor contain, itself through others. */
export const ACYCLIC_KINDS = ['supersedes', 'contains'] as const satisfies readonly RelationKind[];

export interface Relation {
  id: number;
  pledge_id: number;
  kind: RelationKind;
  /** Null only for repeats: an earlier plan the tracker does not hold. */
  other_id: number | null;
  /** Null: unknown (for contains: all of the other pledge). */
  amount_usd: number | null;
  note: string;
  source_url: string | null;
  source_title: string;
  created_at: string;
  updated_at: string;
}

export type NewRelation = Omit<Relation, 'id' | 'created_at' | 'updated_at'>;

/** The export's columns, in order; the JSON API uses the same names. */
export const RELATION_CSV_COLUMNS = [
  'id',
  'pledge_id',
  'kind',
  'other_id',
  'amount_usd',
  'note',
  'source_url',
  'source_title',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof Relation)[];

const id = z.number().int().min(1);
const timestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/).describe('UTC, ISO 8601.');

/**
 * A relation as the JSON API sends it (/api/relations, a pledge's `relations`): the export's columns, each with its
 * schema, for the API's description; a column without one is a type error.
 */
export const RELATION_JSON = z
  .strictObject({
    id: id.describe("The relation's id."),
    pledge_id: id.describe('The pledge it is read from: "pledge_id kind other_id".'),
    kind: z.enum(RELATION_KINDS),
    other_id: id.nullable().describe('The other pledge; null only for a repeat of an earlier plan the tracker does not hold.'),
    amount_usd: z.number().int().min(0).nullable().describe('The dollars concerned; null: unknown (for contains: all of the other pledge).'),
    note: z.string(),
    source_url: z.string().nullable(),
    source_title: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
  } satisfies Record<(typeof RELATION_CSV_COLUMNS)[number], z.ZodType>)
  .describe('A relation between two pledges (docs/api.md, "CSV").');

/** A relation as one of its pledges sees it: "supersedes" from one side is "is superseded by" from the other. */
export const ROLES = ['supersedes', 'superseded_by', 'contains', 'contained_in', 'overlaps', 'repeats', 'repeated_by'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  supersedes: 'supersedes',
  superseded_by: 'is superseded by',
  contains: 'contains',
  contained_in: 'is contained in',
  overlaps: 'overlaps',
  repeats: 'repeats',
  repeated_by: 'is repeated by',
};

const INVERSE: Partial<Record<RelationKind, Role>> = { supersedes: 'superseded_by', contains: 'contained_in', repeats: 'repeated_by' };

/** The role a relation plays for one of its pledges. */
export function roleOf(relation: Pick<Relation, 'pledge_id' | 'kind'>, pledgeId: number): Role {
  return relation.pledge_id === pledgeId ? relation.kind : (INVERSE[relation.kind] ?? relation.kind);
}

/** A role back to the stored kind; `inverted`: the pledge whose role it is is the relation's other_id. */
export function kindOfRole(role: Role): { kind: RelationKind; inverted: boolean } {
  for (const [kind, inverse] of Object.entries(INVERSE) as [RelationKind, Role][]) {
    if (inverse === role) return { kind, inverted: true };
  }
  return { kind: role as RelationKind, inverted: false };
}

/** The pledge at the other end of a relation, as a pledge's page names it. */
export interface RelatedPledge {
  id: number;
  pledger: string;
  project: string;
  amount_usd: number | null;
  announced_on: string;
}

/** A relation on one pledge's page: its role there and the pledge at the other end (null: a plan not held). */
export interface RelationView extends Relation {
  role: Role;
  other: RelatedPledge | null;
}
