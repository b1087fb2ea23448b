// Shared building blocks for validating what people send: zod schemas for text, dates, URLs and numbers.
import { z } from 'zod';
import { MAX_AMOUNT_LENGTH, parseAmount } from './amounts.ts';

export type FieldErrors = Record<string, string>;
export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

const ONE_STRING = 'Send this field once, as text.';
// Control characters have no place in a pledge; tab and line breaks are fine in notes only.
/* eslint-disable no-control-regex -- matching control characters is the point of these two patterns */
const CONTROL_SINGLE_LINE = /[\u0000-\u001f\u007f]/;
const CONTROL_MULTI_LINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/* eslint-enable no-control-regex */

export function singleLine(max: number, { required = false, label = 'This field' } = {}) {
  return z
    .string({ error: ONE_STRING })
    .trim()
    .refine((s) => !CONTROL_SINGLE_LINE.test(s), 'Remove the control characters (line breaks, tabs, NUL).')
    .refine((s) => !required || s.length > 0, `${label} is required.`)
    .refine((s) => s.length <= max, `At most ${max} characters.`);
}

export function multiLine(max: number) {
  return z
    .string({ error: ONE_STRING })
    .trim()
    .transform((s) => s.replaceAll('\r\n', '\n'))
    .refine((s) => !CONTROL_MULTI_LINE.test(s), 'Remove the control characters (NUL and the like).')
    .refine((s) => s.length <= max, `At most ${max} characters.`);
}

/** A real calendar date as 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' (2025-02-30 is refused). */
export function isRealPartialDate(text: string): boolean {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text);
  if (!match) return false;
  const [, y, m, d] = match;
  const year = Number(y);
  if (year < 1900 || year > 2200) return false;
  if (m === undefined) return true;
  const month = Number(m);
  if (month < 1 || month > 12) return false;
  if (d === undefined) return true;
  const day = Number(d);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function partialDate({ required = false, dayOnly = false } = {}) {
  const shape = dayOnly ? 'YYYY-MM-DD' : 'YYYY-MM-DD, YYYY-MM or YYYY';
  return z
    .string({ error: ONE_STRING })
    .trim()
    .refine((s) => !required || s.length > 0, 'A date is required.')
    .refine(
      (s) => s === '' || (isRealPartialDate(s) && (!dayOnly || s.length === 10)),
      `Use a real date written ${shape}.`,
    )
    .transform((s) => (s === '' ? null : s));
}

/**
 * An absolute http(s) URL; javascript:, data: and every other scheme are refused. As typed, it starts with
 * "http://" or "https://", as the database's checks on stored URLs require: a URL parser alone also reads
 * "https:example.com", "http:/x" or "HTTPS://x" as web addresses, which the database then refuses.
 */
export function isHttpUrl(text: string): boolean {
  if (text.length > 2000 || /\s/.test(text)) return false;
  if (!text.startsWith('http://') && !text.startsWith('https://')) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

export function httpUrl({ required = false } = {}) {
  return z
    .string({ error: ONE_STRING })
    .trim()
    .refine((s) => !required || s.length > 0, 'A source URL is required.')
    .refine((s) => s === '' || isHttpUrl(s), 'Use a full web address starting with http:// or https://.')
    .transform((s) => (s === '' ? null : s));
}

/** A decimal number typed in a form, blank meaning unknown. */
/** An amount as people type it ("500B", "$1.2T", "80 bn", digits): whole dollars, or null when left empty. */
export function amount() {
  return z
    .string({ error: ONE_STRING })
    .max(MAX_AMOUNT_LENGTH, `At most ${MAX_AMOUNT_LENGTH} characters.`)
    .transform((text, ctx) => {
      const parsed = parseAmount(text);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
      }
      return parsed.value;
    });
}

export function optionalNumber({ min, max, label }: { min: number; max: number; label: string }) {
  return z
    .string({ error: ONE_STRING })
    .trim()
    .transform((s) => s.replace(/%$/, '').trim())
    .refine((s) => s === '' || /^\d{1,6}(\.\d{1,4})?$/.test(s), `${label} must be a number like 50 or 12.5.`)
    .transform((s) => (s === '' ? null : Number(s)))
    .refine((n) => n === null || (n >= min && n <= max), `${label} must be from ${min} to ${max}.`);
}

export function choice<T extends string>(values: readonly T[], message: string) {
  return z
    .string({ error: ONE_STRING })
    .trim()
    .refine((s): s is T => (values as readonly string[]).includes(s), message)
    .transform((s) => s as T);
}

/** zod issues → one message per field (the first), keyed by the field's name. */
/** One of the values, or null when left empty (not recorded). */
export function optionalChoice<T extends string>(values: readonly T[], message: string) {
  return z
    .string({ error: ONE_STRING })
    .refine((s) => s === '' || (values as readonly string[]).includes(s), message)
    .transform((s) => (s === '' ? null : (s as T)));
}

export function fieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : 'form';
    errors[key] ??= issue.message;
  }
  return errors;
}

const REASON = multiLine(500);

/** The optional "reason for this change" of a delete: the text, or a message and what was typed. */
export function readReason(value: unknown): { ok: true; reason: string } | { ok: false; typed: string; errors: FieldErrors } {
  const parsed = REASON.safeParse(value ?? '');
  if (parsed.success) return { ok: true, reason: parsed.data };
  return { ok: false, typed: typeof value === 'string' ? value : '', errors: { reason: parsed.error.issues[0].message } };
}
