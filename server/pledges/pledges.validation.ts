// Pure: a form body or a JSON body → a validated pledge change, or one message per wrong field.
import { z } from 'zod';
import { COMMITMENT_KINDS, LEVERS, PLEDGER_KINDS, STATUSES, type NewPledge, type PledgeWrite, type Status } from './pledge.model.ts';
import {
  amount,
  choice,
  fieldErrors,
  httpUrl,
  multiLine,
  optionalChoice,
  optionalNumber,
  partialDate,
  singleLine,
  type FieldErrors,
  type Validated,
} from '../lib/validation.ts';
import { dateAfter } from './pledges.filter.ts';

export const MAX_SOURCES = 20;

const SCALAR_FIELDS = [
  'pledger',
  'project',
  'amount',
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
  'pledger_kind',
  'commitment_kind',
  'horizon_start',
  'new_money',
  'first_tranche_by',
  'reason',
  'status_changed_on',
  'status_evidence_url',
  'status_note',
] as const;
type ScalarField = (typeof SCALAR_FIELDS)[number];

/** What the editor typed, as text, ready to be shown again in the form. */
export type PledgeFormValues = Record<ScalarField, string> & {
  sources: { url: string; title: string }[];
  event_ids: number[];
};

export interface PledgeChange {
  pledge: NewPledge;
  eventIds: number[];
  reason: string;
  /** Set when the status changes: when it did, the evidence, and an optional note on what happened. */
  statusChange: PledgeWrite['statusChange'];
}

export interface PledgeRules {
  /** The status before this change: 'announced' for a new pledge. */
  previousStatus: Status;
  knownEventIds: ReadonlySet<number>;
  /** A bulk import sets statuses as its file says, without a date and evidence for each change. */
  requireStatusEvidence?: boolean;
}

const ONE_STRING = 'Send this field once, as text.';

function scalars(read: (name: ScalarField) => string): Record<ScalarField, string> {
  return Object.fromEntries(SCALAR_FIELDS.map((name) => [name, read(name)])) as Record<ScalarField, string>;
}

// Compiled (zod's z.compile): a valid form takes generated code, an invalid one the ordinary parser, so the
// messages are the same. An import validates every row: 100,000 in 0.5-0.7 s against 1.0-2.3 s. Strict, so a
// rule zod cannot compile stops the server at its start rather than quietly running slow.
const PledgeSchema = z.compile(z.object({
  pledger: singleLine(200, { required: true, label: 'The pledger' }),
  project: singleLine(300),
  amount: amount(),
  amount_note: multiLine(1000),
  us_share_pct: optionalNumber({ min: 0, max: 100, label: 'The US share' }),
  us_share_basis: z
    .string({ error: ONE_STRING })
    .refine((s) => ['', 'stated', 'inferred'].includes(s), 'Choose stated or inferred.')
    .transform((s) => (s === '' ? null : (s as 'stated' | 'inferred'))),
  announced_on: partialDate({ required: true }),
  horizon_years: optionalNumber({ min: 0, max: 100, label: 'The horizon' }).refine(
    (n) => n === null || n > 0,
    'The horizon must be more than 0 years.',
  ),
  horizon_end: partialDate({ dayOnly: true }),
  horizon_note: singleLine(200),
  sector: singleLine(100),
  country: singleLine(100),
  status: choice(STATUSES, 'Choose a status from the list.'),
  lever: optionalChoice(LEVERS, 'Choose a political lever from the list.'),
  context_note: multiLine(2000),
  pledger_kind: optionalChoice(PLEDGER_KINDS, 'Choose a kind of pledger from the list.'),
  commitment_kind: optionalChoice(COMMITMENT_KINDS, 'Choose a kind of commitment from the list.'),
  horizon_start: partialDate({ dayOnly: true }),
  new_money: amount(),
  first_tranche_by: partialDate(),
  reason: multiLine(500),
  status_changed_on: partialDate(),
  status_evidence_url: httpUrl(),
  status_note: multiLine(500),
}), { strict: true });

// Built once: a zod schema costs far more to build than to run. Compiled like PledgeSchema.
const SOURCE_URL = z.compile(httpUrl({ required: true }), { strict: true });
const SOURCE_TITLE = z.compile(singleLine(300), { strict: true });

/** Reads the form fields, refusing any that came as a list (a repeated field) rather than as text. */
export function readPledgeForm(body: unknown, knownEventIds: Iterable<number>): { values: PledgeFormValues; errors: FieldErrors } {
  const input = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const errors: FieldErrors = {};
  const text = (name: string): string => {
    const value = input[name];
    if (value === undefined) return '';
    if (typeof value === 'string') return value;
    errors[name] = ONE_STRING;
    return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '';
  };
  const values: PledgeFormValues = { ...scalars(text), sources: [], event_ids: [] };
  values.status ||= 'announced';
  for (let i = 0; i < MAX_SOURCES; i++) {
    const url = text(`source_url_${i}`);
    const title = text(`source_title_${i}`);
    if (url.trim() || title.trim()) values.sources.push({ url, title });
  }
  values.event_ids = [...knownEventIds].filter((id) => input[`event_${id}`] !== undefined);
  return { values, errors };
}

/** Reads a JSON body: numbers are welcome where a number is meant; lists for sources and event ids. */
export function readPledgeJson(body: unknown): { values: PledgeFormValues; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { values: emptyPledgeForm(), errors: { form: 'Send a JSON object.' } };
  }
  const input = body as Record<string, unknown>;
  const numeric = new Set(['us_share_pct', 'horizon_years']);
  const text = (name: string): string => {
    const alias = name === 'amount' && !('amount' in input) ? 'amount_usd' : name === 'new_money' && !('new_money' in input) ? 'new_money_usd' : name;
    const value = input[alias];
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    const isAmount = name === 'amount' || name === 'new_money';
    if (typeof value === 'number' && Number.isFinite(value) && (numeric.has(name) || (isAmount && Number.isSafeInteger(value)))) {
      return String(value);
    }
    errors[name] = isAmount ? 'Send the amount as whole dollars or as text like "500B".' : 'Send this field as text.';
    return '';
  };
  const values: PledgeFormValues = { ...scalars(text), sources: [], event_ids: [] };
  values.status ||= 'announced';
  const sources = input.sources ?? [];
  if (!Array.isArray(sources) || sources.length > MAX_SOURCES) {
    errors.sources = `Send sources as a list of at most ${MAX_SOURCES} objects with a url and a title.`;
  } else {
    sources.forEach((source, i) => {
      const { url, title = '' } = (source ?? {}) as { url?: unknown; title?: unknown };
      if (typeof url !== 'string' || typeof title !== 'string') errors[`source_url_${i}`] = 'Each source needs a url (and an optional title) as text.';
      else values.sources.push({ url, title });
    });
  }
  const eventIds = input.event_ids ?? [];
  if (!Array.isArray(eventIds) || !eventIds.every((id) => Number.isSafeInteger(id) && id > 0)) {
    errors.events = 'Send event_ids as a list of event ids.';
    values.event_ids = [];
  } else {
    values.event_ids = [...new Set(eventIds as number[])];
  }
  return { values, errors };
}

/** What each field of a JSON body means, for the API's description: a field of PledgeSchema without one is a type error. */
const JSON_FIELD_NOTES: Record<keyof typeof PledgeSchema.shape, string> = {
  pledger: 'Who pledged (required).',
  project: 'What was pledged, in a few words.',
  amount: 'The amount as typed ("500B", "$1.2T", "80 bn") or whole dollars; empty or null: undisclosed. Or send amount_usd.',
  amount_note: 'Qualifiers of the amount ("up to", "about").',
  us_share_pct: 'The US share in percent, 0 to 100; empty or null: unknown.',
  us_share_basis: 'stated or inferred; empty or null when the share is unknown.',
  announced_on: 'When announced: YYYY, YYYY-MM or YYYY-MM-DD (required).',
  horizon_years: 'Years over which the amount is spent, more than 0.',
  horizon_end: 'The day the horizon ends, YYYY-MM-DD.',
  horizon_note: 'How the horizon was stated.',
  sector: 'The sector.',
  country: "The pledger's home country.",
  status: `One of ${STATUSES.join(', ')}; announced when left out. A change needs status_changed_on and status_evidence_url.`,
  lever: `One of ${LEVERS.join(', ')}; empty or null: none.`,
  context_note: 'The political context.',
  pledger_kind: `One of ${PLEDGER_KINDS.join(', ')}; empty or null: not recorded.`,
  commitment_kind: `One of ${COMMITMENT_KINDS.join(', ')}; empty or null: not recorded.`,
  horizon_start: 'The day the horizon starts, YYYY-MM-DD; empty: on the announced date.',
  new_money: 'The part described as new (as amount), at most the amount; empty or null: not stated. Or send new_money_usd.',
  first_tranche_by: "The pledge's own date for its first money: YYYY, YYYY-MM or YYYY-MM-DD.",
  reason: 'Why, for the change log.',
  status_changed_on: 'When the status changed (needed when it does): YYYY, YYYY-MM or YYYY-MM-DD.',
  status_evidence_url: 'A web address that shows the new status (needed when it changes).',
  status_note: 'A note on the status change.',
};
const NUMERIC_JSON_FIELDS = new Set(['us_share_pct', 'horizon_years', 'amount', 'new_money']);

/**
 * The JSON body readPledgeJson reads, for the API's description (/api/openapi.json): each field of PledgeSchema as
 * the form takes it (text), or a number where one is meant, or null or left out for empty; then the lists.
 */
export const PLEDGE_JSON_BODY = z.object({
  ...Object.fromEntries(
    Object.entries(PledgeSchema.shape).map(([name, text]) => {
      const alternatives = NUMERIC_JSON_FIELDS.has(name) ? [text, z.number(), z.null()] : [text, z.null()];
      return [name, z.union(alternatives).optional().describe(JSON_FIELD_NOTES[name as keyof typeof JSON_FIELD_NOTES])];
    }),
  ),
  amount_usd: z.union([z.number().int().min(0), z.string(), z.null()]).optional().describe('The amount in whole dollars, when amount is left out.'),
  new_money_usd: z.union([z.number().int().min(0), z.string(), z.null()]).optional().describe('The new part in whole dollars, when new_money is left out.'),
  sources: z
    .array(z.object({ url: z.string().describe('http:// or https://'), title: z.string().optional() }))
    .max(MAX_SOURCES)
    .optional()
    .describe('At least one source: a list of {url, title}.'),
  event_ids: z.array(z.number().int().min(1)).optional().describe('The ids of the political events the pledge is linked to.'),
});

export function emptyPledgeForm(): PledgeFormValues {
  return { ...scalars(() => ''), status: 'announced', sources: [], event_ids: [] };
}

/** Every rule a pledge change must meet, with a message beside each field that breaks one. */
export function validatePledge(values: PledgeFormValues, rules: PledgeRules, readErrors: FieldErrors = {}): Validated<PledgeChange> {
  const errors: FieldErrors = { ...readErrors };
  const parsed = PledgeSchema.safeParse(values);
  if (!parsed.success) for (const [field, message] of Object.entries(fieldErrors(parsed.error))) errors[field] ??= message;

  const sources: { url: string; title: string }[] = [];
  values.sources.forEach((source, i) => {
    const url = SOURCE_URL.safeParse(source.url);
    const title = SOURCE_TITLE.safeParse(source.title);
    if (!url.success) errors[`source_url_${i}`] ??= url.error.issues[0].message;
    else if (!title.success) errors[`source_title_${i}`] ??= title.error.issues[0].message;
    else sources.push({ url: url.data!, title: title.data });
  });
  if (values.sources.length === 0) errors.sources ??= 'Add at least one source URL: every figure needs one.';

  const unknown = values.event_ids.filter((id) => !rules.knownEventIds.has(id));
  if (unknown.length > 0) errors.events ??= `No such event: ${unknown.join(', ')}.`;

  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors };
  const data = parsed.data;
  let statusChange: PledgeChange['statusChange'] = null;
  if (data.status !== rules.previousStatus && rules.requireStatusEvidence !== false) {
    if (!data.status_changed_on) errors.status_changed_on = 'Say when the status changed.';
    if (!data.status_evidence_url) errors.status_evidence_url = 'Link the evidence for the new status.';
    if (data.status_changed_on && data.status_evidence_url) {
      statusChange = { changed_on: data.status_changed_on, evidence_url: data.status_evidence_url, note: data.status_note };
    }
  }
  if (data.new_money !== null && data.amount !== null && data.new_money > data.amount) {
    errors.new_money = 'The new part cannot be more than the amount.';
  }
  if (data.horizon_start && data.horizon_end && data.horizon_start >= data.horizon_end) {
    errors.horizon_start = 'The horizon must start before it ends.';
  }
  // Due by the end of its day, month or year: that end must not come before the announcement's start.
  if (data.first_tranche_by && data.announced_on && dateAfter(data.first_tranche_by) <= data.announced_on) {
    errors.first_tranche_by = 'The first tranche cannot be due before the pledge was announced.';
  }
  if (data.us_share_basis !== null && data.us_share_pct === null) {
    errors.us_share_basis = 'Give the US share first, or leave the basis empty.';
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  return {
    ok: true,
    value: {
      pledge: {
        pledger: data.pledger,
        project: data.project,
        amount_usd: data.amount,
        amount_note: data.amount_note,
        us_share_pct: data.us_share_pct,
        us_share_basis: data.us_share_basis,
        announced_on: data.announced_on!,
        horizon_years: data.horizon_years,
        horizon_end: data.horizon_end,
        horizon_note: data.horizon_note,
        sector: data.sector,
        country: data.country,
        status: data.status,
        lever: data.lever,
        context_note: data.context_note,
        pledger_kind: data.pledger_kind,
        commitment_kind: data.commitment_kind,
        horizon_start: data.horizon_start,
        new_money_usd: data.new_money,
        first_tranche_by: data.first_tranche_by,
        sources,
      },
      eventIds: [...values.event_ids].sort((a, b) => a - b),
      reason: data.reason,
      statusChange,
    },
  };
}
