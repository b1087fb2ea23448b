// Pure: an event form or JSON body → a validated event change, or one message per wrong field.
import { z } from 'zod';
import { CONCESSION_TYPES, EVENT_KINDS, MAX_MORE_SOURCES, type EventSource, type PoliticalEvent } from './event.model.ts';
import { choice, fieldErrors, httpUrl, multiLine, optionalChoice, partialDate, singleLine, type FieldErrors, type Validated } from '../lib/validation.ts';

/** The form's fields for the sources after the first: source_url_2 and source_title_2, up to the last allowed. */
export const MORE_SOURCE_NUMBERS = Array.from({ length: MAX_MORE_SOURCES }, (_, i) => i + 2);
const MORE_SOURCE_FIELDS = MORE_SOURCE_NUMBERS.flatMap((n) => [`source_url_${n}`, `source_title_${n}`]);

const FIELDS = ['occurred_on', 'title', 'kind', 'concession_type', 'note', 'source_url', 'source_title', ...MORE_SOURCE_FIELDS, 'pledge_ids', 'reason'] as const;
export type EventFormValues = Record<string, string>;

export interface EventChange {
  event: Omit<PoliticalEvent, 'id'>;
  /** The sources after the first, in order. */
  moreSources: EventSource[];
  pledgeIds: number[];
  reason: string;
}

const EventSchema = z.object({
  occurred_on: partialDate({ required: true }),
  title: singleLine(300, { required: true, label: 'A title' }),
  kind: choice(EVENT_KINDS, 'Choose a kind from the list.'),
  concession_type: optionalChoice(CONCESSION_TYPES, 'Choose what the pledger got from the list.'),
  note: multiLine(2000),
  source_url: httpUrl(),
  source_title: singleLine(300),
  pledge_ids: z
    .string({ error: 'Send this field once, as text.' })
    .max(2000, 'At most 2000 characters.')
    .refine((s) => /^[\d,\s]*$/.test(s), 'List pledge ids as numbers separated by commas or spaces, e.g. "4, 5".')
    .transform((s) => [...new Set(s.split(/[\s,]+/).filter(Boolean).map(Number))].sort((a, b) => a - b)),
  reason: multiLine(500),
});
const SOURCE_URL = httpUrl({ required: true });
const SOURCE_TITLE = singleLine(300);

export function emptyEventForm(): EventFormValues {
  const values: EventFormValues = { occurred_on: '', title: '', kind: 'export_controls', concession_type: '', note: '', source_url: '', source_title: '', pledge_ids: '', reason: '' };
  for (const field of MORE_SOURCE_FIELDS) values[field] = '';
  return values;
}

/** The form's values for an event's further sources. */
export function moreSourceValues(sources: EventSource[]): EventFormValues {
  const values: EventFormValues = {};
  MORE_SOURCE_NUMBERS.forEach((n, i) => {
    values[`source_url_${n}`] = sources[i]?.url ?? '';
    values[`source_title_${n}`] = sources[i]?.title ?? '';
  });
  return values;
}

/** Reads form fields, refusing any that arrived as a list rather than as text. */
export function readEventForm(body: unknown): { values: EventFormValues; errors: FieldErrors } {
  const input = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const errors: FieldErrors = {};
  const values = emptyEventForm();
  for (const name of FIELDS) {
    const value = input[name];
    if (typeof value === 'string') values[name] = value;
    else if (value !== undefined) errors[name] = 'Send this field once, as text.';
  }
  return { values, errors };
}

/** The further sources typed: a row left empty is skipped; a title needs its URL. */
function readMoreSources(values: EventFormValues, errors: FieldErrors): EventSource[] {
  const sources: EventSource[] = [];
  for (const n of MORE_SOURCE_NUMBERS) {
    const typedUrl = values[`source_url_${n}`] ?? '';
    const typedTitle = values[`source_title_${n}`] ?? '';
    if (typedUrl.trim() === '' && typedTitle.trim() === '') continue;
    const url = SOURCE_URL.safeParse(typedUrl);
    const title = SOURCE_TITLE.safeParse(typedTitle);
    if (!url.success) errors[`source_url_${n}`] ??= url.error.issues[0].message;
    else if (!title.success) errors[`source_title_${n}`] ??= title.error.issues[0].message;
    else sources.push({ url: url.data!, title: title.data });
  }
  return sources;
}

export function validateEvent(
  values: EventFormValues,
  pledgeExists: (id: number) => boolean,
  readErrors: FieldErrors = {},
): Validated<EventChange> {
  const errors: FieldErrors = { ...readErrors };
  const parsed = EventSchema.safeParse(values);
  if (!parsed.success) for (const [field, message] of Object.entries(fieldErrors(parsed.error))) errors[field] ??= message;
  const moreSources = readMoreSources(values, errors);
  if (parsed.success) {
    const missing = parsed.data.pledge_ids.filter((id) => !Number.isSafeInteger(id) || !pledgeExists(id));
    if (missing.length > 0) errors.pledge_ids ??= `No such pledge: ${missing.join(', ')}.`;
    // A concession says what the pledger got; no other kind of event has a type (the database holds to the same).
    const { kind, concession_type: type } = parsed.data;
    if (kind === 'concession' && type === null) errors.concession_type ??= 'A concession needs its type: choose what the pledger got.';
    if (kind !== 'concession' && type !== null) errors.concession_type ??= 'Only a concession has a type: choose "Not a concession", or the kind Concession.';
    if (moreSources.length > 0 && parsed.data.source_url === null) errors.source_url ??= 'Give the first source before the further ones.';
  }
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors };
  const { pledge_ids: pledgeIds, reason, occurred_on: occurredOn, ...fields } = parsed.data;
  return { ok: true, value: { event: { ...fields, occurred_on: occurredOn! }, moreSources, pledgeIds, reason } };
}
