// Pure: an event form or JSON body → a validated event change, or one message per wrong field.
import { z } from 'zod';
import { EVENT_KINDS, type PoliticalEvent } from './event.model.ts';
import { choice, fieldErrors, httpUrl, multiLine, partialDate, singleLine, type FieldErrors, type Validated } from '../lib/validation.ts';

const FIELDS = ['occurred_on', 'title', 'kind', 'note', 'source_url', 'source_title', 'pledge_ids', 'reason'] as const;
export type EventFormValues = Record<(typeof FIELDS)[number], string>;

export interface EventChange {
  event: Omit<PoliticalEvent, 'id'>;
  pledgeIds: number[];
  reason: string;
}

const EventSchema = z.object({
  occurred_on: partialDate({ required: true }),
  title: singleLine(300, { required: true, label: 'A title' }),
  kind: choice(EVENT_KINDS, 'Choose a kind from the list.'),
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

export function emptyEventForm(): EventFormValues {
  return { occurred_on: '', title: '', kind: 'export_controls', note: '', source_url: '', source_title: '', pledge_ids: '', reason: '' };
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

export function validateEvent(
  values: EventFormValues,
  pledgeExists: (id: number) => boolean,
  readErrors: FieldErrors = {},
): Validated<EventChange> {
  const errors: FieldErrors = { ...readErrors };
  const parsed = EventSchema.safeParse(values);
  if (!parsed.success) for (const [field, message] of Object.entries(fieldErrors(parsed.error))) errors[field] ??= message;
  if (parsed.success) {
    const missing = parsed.data.pledge_ids.filter((id) => !Number.isSafeInteger(id) || !pledgeExists(id));
    if (missing.length > 0) errors.pledge_ids ??= `No such pledge: ${missing.join(', ')}.`;
  }
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors };
  const { pledge_ids: pledgeIds, reason, occurred_on: occurredOn, ...fields } = parsed.data;
  return { ok: true, value: { event: { ...fields, occurred_on: occurredOn! }, pledgeIds, reason } };
}
