// Pure: a relation from a form, a JSON body or an import row → a validated relation, or one message per wrong
// field. What only the database knows (the pledges, the relations already recorded) is asked through RelationFacts.
import { z } from 'zod';
import { exactCompact, formatUsdExact } from '../lib/amounts.ts';
import { amount, choice, fieldErrors, httpUrl, multiLine, singleLine, type FieldErrors, type Validated } from '../lib/validation.ts';
import { ACYCLIC_KINDS, kindOfRole, RELATION_KINDS, ROLES, type NewRelation, type RelationKind, type Role } from './relation.model.ts';

const FIELDS = ['pledge_id', 'kind', 'other_id', 'amount', 'note', 'source_url', 'source_title', 'reason'] as const;
type Field = (typeof FIELDS)[number];

/** A relation as typed, "pledge_id KIND other_id" as stored. */
export type RelationValues = Record<Field, string>;

const FORM_FIELDS = ['kind', 'other_id', 'amount', 'note', 'source_url', 'source_title', 'reason'] as const;
type FormField = (typeof FORM_FIELDS)[number];

/** A relation as a pledge's form shows it: `kind` is the role of that pledge (a Role), `other_id` the other pledge. */
export type RelationFormValues = Record<FormField, string>;

export interface PledgeFacts {
  id: number;
  pledger: string;
  amount_usd: number | null;
}

/** What validation asks the database, leaving out the relation being edited. */
export interface RelationFacts {
  pledge(id: number): PledgeFacts | undefined;
  /** The same relation is recorded already (an overlap either way round). */
  duplicate(relation: Pick<NewRelation, 'pledge_id' | 'kind' | 'other_id'>): boolean;
  /** The pledges on a chain of `kind` from `from` to `to`, both included; null when there is none. */
  chain(kind: RelationKind, from: number, to: number): number[] | null;
}

export interface RelationChange {
  relation: NewRelation;
  reason: string;
}

const ONE_STRING = 'Send this field once, as text.';

/** A pledge's id as typed ("12" or "#12"); blank is null. */
function pledgeId({ required }: { required: boolean }) {
  return z
    .string({ error: ONE_STRING })
    .trim()
    .transform((s) => s.replace(/^#/, ''))
    .refine((s) => s === '' || /^[1-9]\d{0,14}$/.test(s), 'A pledge is named by its id, a whole number such as 12 (the number in /pledges/12).')
    .transform((s) => (s === '' ? null : Number(s)))
    .refine((id) => !required || id !== null, 'Name the pledge by its id.');
}

const RelationSchema = z.object({
  pledge_id: pledgeId({ required: true }),
  kind: choice(RELATION_KINDS, `Choose a kind of relation: ${RELATION_KINDS.join(', ')}.`),
  other_id: pledgeId({ required: false }),
  amount: amount(),
  note: multiLine(1000),
  source_url: httpUrl(),
  source_title: singleLine(300),
  reason: multiLine(500),
});

/** What each field of a JSON body means, for the API's description: a field of RelationSchema without one is a type error. */
const JSON_FIELD_NOTES: Record<keyof typeof RelationSchema.shape, string> = {
  pledge_id: 'The pledge the relation is read from: "pledge_id kind other_id" (required).',
  kind: `One of ${RELATION_KINDS.join(', ')} (required).`,
  other_id: 'The other pledge; null or left out only for a repeat of an earlier plan the tracker does not hold.',
  amount: 'The dollars concerned, as typed ("30B") or whole dollars; empty or null: unknown. Or send amount_usd.',
  note: 'Why the two are related.',
  source_url: 'The source that relates them: http:// or https://.',
  source_title: 'Its title.',
  reason: 'Why, for the change log of both pledges.',
};
const NUMERIC_JSON_FIELDS = new Set(['pledge_id', 'other_id', 'amount']);

/**
 * The JSON body readRelationJson reads, for the API's description (/api/openapi.json): each field of RelationSchema
 * as text, or a whole number where one is meant, or null or left out for empty.
 */
export const RELATION_JSON_BODY = z.object({
  ...Object.fromEntries(
    Object.entries(RelationSchema.shape).map(([name, text]) => {
      const alternatives = NUMERIC_JSON_FIELDS.has(name) ? [text, z.number().int().min(0), z.null()] : [text, z.null()];
      return [name, z.union(alternatives).optional().describe(JSON_FIELD_NOTES[name as keyof typeof JSON_FIELD_NOTES])];
    }),
  ),
  amount_usd: z.union([z.number().int().min(0), z.string(), z.null()]).optional().describe('The dollars concerned, when amount is left out.'),
});

export function emptyRelationForm(): RelationFormValues {
  return { kind: 'supersedes', other_id: '', amount: '', note: '', source_url: '', source_title: '', reason: '' };
}

/** Reads a form's fields, refusing any that came as a list (a repeated field) rather than as text. */
export function readRelationForm(body: unknown): { values: RelationFormValues; errors: FieldErrors } {
  const input = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const values = emptyRelationForm();
  const errors: FieldErrors = {};
  for (const name of FORM_FIELDS) {
    const value = input[name];
    if (typeof value === 'string') values[name] = value;
    else if (value !== undefined) errors[name] = ONE_STRING;
  }
  return { values, errors };
}

/** Reads a JSON body: ids and amounts may be numbers, other_id null; amount_usd is the export's name for amount. */
export function readRelationJson(body: unknown): { values: RelationValues; errors: FieldErrors } {
  const values = Object.fromEntries(FIELDS.map((name) => [name, ''])) as RelationValues;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { values, errors: { form: 'Send a JSON object.' } };
  const input = body as Record<string, unknown>;
  const errors: FieldErrors = {};
  for (const name of FIELDS) {
    const value = name === 'amount' && !('amount' in input) ? input.amount_usd : input[name];
    const numeric = name === 'pledge_id' || name === 'other_id' || name === 'amount';
    if (value === undefined || value === null) continue;
    if (typeof value === 'string') values[name] = value;
    else if (numeric && typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) values[name] = String(value);
    else errors[name] = numeric ? 'Send a whole number (or, for an amount, text like "30B").' : 'Send this field as text.';
  }
  return { values, errors };
}

/** An amount in a message: compact when that is exact ($30B), else to the dollar. */
function money(usd: number): string {
  return exactCompact(usd) ?? formatUsdExact(usd);
}

/** Every rule a relation must meet, with a message beside each field that breaks one. */
export function validateRelation(values: RelationValues, facts: RelationFacts, readErrors: FieldErrors = {}): Validated<RelationChange> {
  const errors: FieldErrors = { ...readErrors };
  const parsed = RelationSchema.safeParse(values);
  if (!parsed.success) for (const [field, message] of Object.entries(fieldErrors(parsed.error))) errors[field] ??= message;
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors };
  const data = parsed.data;
  const pledgeIdValue = data.pledge_id!;
  const { kind, other_id: otherId, amount } = data;

  const name = (id: number) => {
    const pledge = facts.pledge(id);
    return pledge ? `${id} (${pledge.pledger})` : String(id);
  };
  const pledge = facts.pledge(pledgeIdValue);
  if (!pledge) errors.pledge_id = `There is no pledge with id ${pledgeIdValue}.`;
  let other: PledgeFacts | undefined;
  if (otherId === null) {
    if (kind !== 'repeats') errors.other_id = 'Name the other pledge: only "repeats" may leave it empty (an earlier plan the tracker does not hold).';
  } else if (otherId === pledgeIdValue) {
    errors.other_id = 'A pledge cannot be related to itself: choose another pledge.';
  } else {
    other = facts.pledge(otherId);
    if (!other) errors.other_id = `There is no pledge with id ${otherId}.`;
  }
  if (!pledge || Object.keys(errors).length > 0) return { ok: false, errors };

  const relation: NewRelation = {
    pledge_id: pledgeIdValue,
    kind,
    other_id: otherId,
    amount_usd: amount,
    note: data.note,
    source_url: data.source_url,
    source_title: data.source_title,
  };
  if (facts.duplicate(relation)) {
    errors.other_id =
      kind === 'overlaps'
        ? `The overlap of pledges ${name(pledgeIdValue)} and ${name(otherId!)} is recorded already: edit it instead.`
        : `This relation is recorded already: pledge ${name(pledgeIdValue)} ${kind} ${otherId === null ? 'an earlier plan' : `pledge ${name(otherId)}`}. Edit it instead.`;
  } else if (other && (ACYCLIC_KINDS as readonly string[]).includes(kind)) {
    // pledge KIND other closes a circle when a chain of KIND already leads from other back to pledge.
    const chain = facts.chain(kind, other.id, pledge.id);
    if (chain) {
      // The chain in arrows, #id (pledger): the same in every language the message is shown in.
      const circle = [pledge.id, ...chain].map((id) => `#${name(id)}`).join(' → ');
      errors.other_id = `That would make a circle of "${kind}": ${circle}. A pledge cannot ${kind === 'contains' ? 'contain' : 'supersede'} itself.`;
    }
  }
  if (amount !== null) {
    if (kind === 'overlaps' && other) {
      const smaller = [pledge, other].find((side) => side.amount_usd !== null && amount > side.amount_usd);
      if (smaller) errors.amount = `An overlap cannot be larger than either pledge: pledge ${name(smaller.id)} is ${money(smaller.amount_usd!)}.`;
    } else if (kind === 'contains' && other && other.amount_usd !== null && amount > other.amount_usd) {
      errors.amount = `The contained part cannot be more than the contained pledge: pledge ${name(other.id)} is ${money(other.amount_usd)}.`;
    } else if (kind === 'repeats' && pledge.amount_usd !== null && amount > pledge.amount_usd) {
      errors.amount = `The repeated part cannot be more than the pledge that repeats it: pledge ${name(pledge.id)} is ${money(pledge.amount_usd)}.`;
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { relation, reason: data.reason } };
}

/** The stored relation a pledge's form describes: its role turned back into "pledge_id KIND other_id". */
export function storedValues(form: RelationFormValues, pledgeId: number): RelationValues {
  const role = (ROLES as readonly string[]).includes(form.kind) ? (form.kind as Role) : null;
  const { kind, inverted } = role ? kindOfRole(role) : { kind: form.kind, inverted: false };
  const { other_id: otherId, ...rest } = form;
  return inverted
    ? { ...rest, kind, pledge_id: otherId, other_id: String(pledgeId) }
    : { ...rest, kind, pledge_id: String(pledgeId), other_id: otherId };
}

/** validateRelation for a pledge's form: each message beside the form's own fields (the other pledge is other_id). */
export function validateRelationForm(
  form: RelationFormValues,
  pledgeId: number,
  facts: RelationFacts,
  readErrors: FieldErrors = {},
): Validated<RelationChange> {
  const errors: FieldErrors = { ...readErrors };
  if (!(ROLES as readonly string[]).includes(form.kind)) errors.kind ??= 'Choose a kind of relation from the list.';
  else if (form.kind !== 'repeats' && form.other_id.trim() === '') errors.other_id ??= 'Choose the other pledge: only "repeats" may name none (an earlier plan the tracker does not hold).';
  const result = validateRelation(storedValues(form, pledgeId), facts, errors);
  if (result.ok) return result;
  const { pledge_id: aboutPledge, ...rest } = result.errors;
  if (aboutPledge !== undefined) rest.other_id ??= aboutPledge;
  return { ok: false, errors: rest };
}
