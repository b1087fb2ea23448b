// Reads a seed file (db/seed.json) and checks every entry by the rules the forms apply, so that a bad entry stops
// the seed loudly, naming its key, before anything is written.
import fs from 'node:fs';
import { z } from 'zod';
import type { EventSource, PoliticalEvent } from '../events/event.model.ts';
import { ACYCLIC_KINDS, RELATION_KINDS, type RelationKind } from '../relations/relation.model.ts';
import { MORE_SOURCE_NUMBERS, moreSourceValues, validateEvent } from '../events/events.validation.ts';
import { STATUSES, type NewPledge, type Status, type StatusStep } from '../pledges/pledge.model.ts';
import { validatePledge, type PledgeFormValues } from '../pledges/pledges.validation.ts';
import { httpUrl, multiLine, partialDate, singleLine, type FieldErrors } from '../lib/validation.ts';

export interface SeedEvent {
  key: string;
  event: Omit<PoliticalEvent, 'id'>;
  /** The sources after the first, in order. */
  moreSources: EventSource[];
}

export interface SeedPledge {
  key: string;
  /** Its status is the last step's, or announced. */
  pledge: NewPledge;
  eventKeys: string[];
  /** Oldest first. */
  steps: StatusStep[];
}

export interface SeedRelation {
  pledgeKey: string;
  kind: RelationKind;
  otherKey: string | null;
  amount_usd: number | null;
  note: string;
  source_url: string | null;
  source_title: string;
}

export interface Seed {
  events: SeedEvent[];
  pledges: SeedPledge[];
  relations: SeedRelation[];
}

export class SeedError extends Error {
  override name = 'SeedError';
}

// The file's shape. Fields added to the format later (keys, kinds, horizon start, new money, status steps,
// relations) may be missing, as in a seed file written before them: missing means unknown, or none.
const Money = z.number().int().nullable();
const Text = z.string();
const RawSource = z.object({ url: Text, title: Text.default('') }).strict();
const RawStep = z.object({ status: Text, changed_on: Text, evidence_url: Text, note: Text.default('') }).strict();
const RawEvent = z
  .object({
    key: Text,
    occurred_on: Text,
    title: Text,
    kind: Text,
    /** A concession's type (what the pledger got); none for other kinds. */
    concession_type: Text.nullable().default(null),
    note: Text.default(''),
    source_url: Text.nullable().default(null),
    source_title: Text.default(''),
    more_sources: z.array(RawSource).default([]),
    /** The fact sheet's id of an event the seed knew by another key before. */
    sheet_id: Text.optional(),
  })
  .strict();
const RawPledge = z
  .object({
    key: Text.optional(),
    pledger: Text,
    project: Text,
    amount_usd: Money,
    amount_note: Text,
    us_share_pct: z.number().nullable(),
    us_share_basis: Text.nullable(),
    announced_on: Text,
    horizon_years: z.number().nullable(),
    horizon_end: Text.nullable(),
    horizon_note: Text,
    sector: Text,
    country: Text,
    status: Text.optional(),
    lever: Text.nullable(),
    context_note: Text,
    pledger_kind: Text.nullable().default(null),
    commitment_kind: Text.nullable().default(null),
    horizon_start: Text.nullable().default(null),
    new_money_usd: Money.default(null),
    first_tranche_by: Text.nullable().default(null),
    sources: z.array(RawSource),
    events: z.array(Text).default([]),
    status_steps: z.array(RawStep).default([]),
  })
  .strict();
const RawRelation = z
  .object({
    pledge: Text,
    kind: Text,
    other: Text.nullable(),
    amount_usd: Money,
    note: Text.default(''),
    source_url: Text.nullable().default(null),
    // No source, no title: null as well as ''.
    source_title: Text.nullable().transform((title) => title ?? '').default(''),
  })
  .strict();
const RawSeed = z
  .object({ events: z.array(RawEvent).default([]), pledges: z.array(RawPledge), relations: z.array(RawRelation).default([]) })
  .strict();
type RawPledge = z.infer<typeof RawPledge>;
type RawRelation = z.infer<typeof RawRelation>;

const STEP = z.object({
  status: z.enum(STATUSES, { error: 'Choose a status from the list.' }),
  changed_on: partialDate({ required: true }),
  evidence_url: httpUrl({ required: true }),
  note: multiLine(1000),
});
const RELATION = z.object({ note: multiLine(1000), source_url: httpUrl(), source_title: singleLine(300) });

const text = (value: string | number | null | undefined): string => (value === null || value === undefined ? '' : String(value));
const problems = (errors: FieldErrors): string =>
  Object.entries(errors)
    .map(([field, message]) => `${field}: ${message}`)
    .join('; ');

/** Reads and checks a seed file; throws a SeedError naming the entry and field of the first problem. */
export function readSeed(file: URL | string): Seed {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SeedError(`Cannot read the seed file ${String(file)}: ${(error as Error).message}`);
  }
  const raw = RawSeed.safeParse(json);
  if (!raw.success) {
    const issue = raw.error.issues[0];
    throw new SeedError(`The seed file ${String(file)} is not in the seed format: at ${where(json, issue.path)}: ${issue.message}`);
  }
  const events = raw.data.events.map(checkEvent);
  const pledges = raw.data.pledges.map((pledge, i) => checkPledge(pledge, i));
  unique(events.map((e) => e.key), 'event key');
  unique(events.map((e) => `${e.event.occurred_on} "${e.event.title}"`), 'event (date and title)');
  unique(pledges.map((p) => p.key), 'pledge key');
  unique(pledges.map((p) => `${p.pledge.pledger} / ${p.pledge.project} / ${p.pledge.announced_on}`), 'pledge (pledger, project and date)');
  const eventKeys = new Set(events.map((e) => e.key));
  for (const { key, eventKeys: linked } of pledges) {
    const unknown = linked.filter((k) => !eventKeys.has(k));
    if (unknown.length > 0) throw new SeedError(`Seed pledge ${key} names unknown events: ${unknown.join(', ')}`);
  }
  const byKey = new Map(pledges.map((p) => [p.key, p]));
  const relations = raw.data.relations.map((relation) => checkRelation(relation, byKey));
  unique(relations.map((r) => `${r.pledgeKey} ${r.kind} ${r.otherKey ?? 'an earlier plan'}`), 'relation');
  refuseCycles(relations);
  return { events, pledges, relations };
}

/** Where in the file a problem is, with the entry's key when it has one: "pledges[3] (P04).amount_usd". */
function where(json: unknown, issuePath: PropertyKey[]): string {
  if (issuePath.length === 0) return 'the top';
  const [list, index, ...rest] = issuePath.map(String);
  if (index === undefined) return list;
  const entry = (json as Record<string, Record<string, { key?: unknown; pledge?: unknown; kind?: unknown; other?: unknown }>>)[list]?.[index];
  const name = typeof entry?.key === 'string' ? entry.key : typeof entry?.pledge === 'string' ? `${entry.pledge} ${String(entry.kind)} ${String(entry.other)}` : '';
  return `${list}[${index}]${name ? ` (${name})` : ''}${rest.length > 0 ? `.${rest.join('.')}` : ''}`;
}

function unique(values: string[], what: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw new SeedError(`The seed holds the same ${what} twice: ${value}`);
    seen.add(value);
  }
}

function checkEvent(raw: z.infer<typeof RawEvent>): SeedEvent {
  if (raw.more_sources.length > MORE_SOURCE_NUMBERS.length) {
    throw new SeedError(`Seed event ${raw.key}: at most ${MORE_SOURCE_NUMBERS.length} more sources`);
  }
  const { more_sources: more, sheet_id: _sheetId, ...fields } = raw;
  const checked = validateEvent(
    { ...fields, concession_type: text(raw.concession_type), source_url: text(raw.source_url), ...moreSourceValues(more), pledge_ids: '', reason: '' },
    () => false,
  );
  if (!checked.ok) throw new SeedError(`Seed event ${raw.key}: ${problems(checked.errors)}`);
  return { key: raw.key, event: checked.value.event, moreSources: checked.value.moreSources };
}

function checkPledge(raw: RawPledge, index: number): SeedPledge {
  const key = raw.key ?? `#${index + 1}`;
  const name = `Seed pledge ${key} (${raw.pledger})`;
  const steps = raw.status_steps.map((step, i) => {
    const parsed = STEP.safeParse(step);
    if (!parsed.success) throw new SeedError(`${name}: status step ${i + 1}: ${parsed.error.issues[0].message}`);
    const { status, changed_on: changedOn, evidence_url: evidenceUrl, note } = parsed.data;
    return { status, changed_on: changedOn!, evidence_url: evidenceUrl!, note };
  });
  // The pledge's status is where its steps end; a status other than announced needs a dated step with evidence.
  const status: Status = steps.at(-1)?.status ?? 'announced';
  if (raw.status !== undefined && raw.status !== status) {
    throw new SeedError(
      `${name}: status is "${raw.status}", but ${steps.length > 0 ? `its last status step says "${status}"` : 'it has no status step (a dated step with evidence)'}`,
    );
  }
  steps.forEach((step, i) => {
    if (step.changed_on < raw.announced_on) throw new SeedError(`${name}: status step ${i + 1} (${step.changed_on}) is before the announcement`);
    if (i > 0 && step.changed_on < steps[i - 1].changed_on) throw new SeedError(`${name}: status steps are not oldest first`);
  });
  const values: PledgeFormValues = {
    pledger: raw.pledger,
    project: raw.project,
    amount: text(raw.amount_usd),
    amount_note: raw.amount_note,
    us_share_pct: text(raw.us_share_pct),
    us_share_basis: text(raw.us_share_basis),
    announced_on: raw.announced_on,
    horizon_years: text(raw.horizon_years),
    horizon_end: text(raw.horizon_end),
    horizon_note: raw.horizon_note,
    sector: raw.sector,
    country: raw.country,
    status,
    lever: text(raw.lever),
    context_note: raw.context_note,
    pledger_kind: text(raw.pledger_kind),
    commitment_kind: text(raw.commitment_kind),
    horizon_start: text(raw.horizon_start),
    new_money: text(raw.new_money_usd),
    first_tranche_by: text(raw.first_tranche_by),
    reason: '',
    status_changed_on: '',
    status_evidence_url: '',
    status_note: '',
    sources: raw.sources,
    event_ids: [],
  };
  const checked = validatePledge(values, { previousStatus: status, knownEventIds: new Set() });
  if (!checked.ok) throw new SeedError(`${name}: ${problems(checked.errors)}`);
  return { key, pledge: checked.value.pledge, eventKeys: raw.events, steps };
}

function checkRelation(raw: RawRelation, pledges: Map<string, SeedPledge>): SeedRelation {
  const name = `Seed relation "${raw.pledge} ${raw.kind} ${raw.other ?? 'an earlier plan'}"`;
  if (!(RELATION_KINDS as readonly string[]).includes(raw.kind)) {
    throw new SeedError(`${name}: kind must be one of ${RELATION_KINDS.join(', ')}`);
  }
  const kind = raw.kind as RelationKind;
  const pledge = pledges.get(raw.pledge);
  const other = raw.other === null ? null : pledges.get(raw.other);
  if (!pledge) throw new SeedError(`${name}: there is no pledge ${raw.pledge}`);
  if (other === undefined) throw new SeedError(`${name}: there is no pledge ${raw.other}`);
  if (other === null && kind !== 'repeats') throw new SeedError(`${name}: only "repeats" may name no other pledge`);
  if (other === pledge) throw new SeedError(`${name}: a pledge cannot be related to itself`);
  const amount = raw.amount_usd;
  if (amount !== null) {
    if (amount < 0) throw new SeedError(`${name}: the amount cannot be negative`);
    const limits = [pledge, ...(other && kind !== 'supersedes' ? [other] : [])];
    for (const side of limits) {
      if (side.pledge.amount_usd !== null && amount > side.pledge.amount_usd) {
        throw new SeedError(`${name}: the amount is more than pledge ${side.key}'s`);
      }
    }
  }
  const parsed = RELATION.safeParse({ note: raw.note, source_url: text(raw.source_url), source_title: raw.source_title });
  if (!parsed.success) throw new SeedError(`${name}: ${problems({ [String(parsed.error.issues[0].path[0])]: parsed.error.issues[0].message })}`);
  return { pledgeKey: raw.pledge, kind, otherKey: raw.other, amount_usd: amount, ...parsed.data };
}

/** A pledge that contains or supersedes, through a chain, itself would be counted nowhere. */
function refuseCycles(relations: SeedRelation[]): void {
  const next = new Map<string, string[]>();
  for (const r of relations) {
    if ((ACYCLIC_KINDS as readonly string[]).includes(r.kind) && r.otherKey) next.set(r.pledgeKey, [...(next.get(r.pledgeKey) ?? []), r.otherKey]);
  }
  const done = new Set<string>();
  const visit = (key: string, path: string[]): void => {
    if (path.includes(key)) throw new SeedError(`Seed relations go round in a circle: ${[...path, key].join(' → ')}`);
    if (done.has(key)) return;
    for (const to of next.get(key) ?? []) visit(to, [...path, key]);
    done.add(key);
  };
  for (const key of next.keys()) visit(key, []);
}
