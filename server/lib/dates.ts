// Dates whose precision is their length: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'.

const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const monthFormat = new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });

export type Precision = 'year' | 'month' | 'day';

export function precisionOf(date: string): Precision {
  return date.length === 4 ? 'year' : date.length === 7 ? 'month' : 'day';
}

/** The first instant the date can mean, in UTC milliseconds: where a chart places it. */
export function startOf(date: string): number {
  const [year, month = 1, day = 1] = date.split('-').map(Number);
  return Date.UTC(year, month - 1, day);
}

/** "21 Jan 2025", "Feb 2025" or "2025": never a day or month that was not recorded. */
export function formatPartialDate(date: string | null): string {
  if (!date) return '';
  const precision = precisionOf(date);
  if (precision === 'year') return date;
  return (precision === 'month' ? monthFormat : dayFormat).format(startOf(date));
}

const DAY_MS = 24 * 3600 * 1000;

/** Days from one date to another (negative when `to` comes first); null unless both are known to the day. */
export function daysBetween(from: string, to: string): number | null {
  if (precisionOf(from) !== 'day' || precisionOf(to) !== 'day') return null;
  return Math.round((startOf(to) - startOf(from)) / DAY_MS);
}

/**
 * Days between a pledge and what came after or before it, in words: "12 days after the pledge", "3 days before the
 * pledge", "the same day as the pledge", or "unknown" when a date lacks its day.
 */
export function daysText(days: number | null, what = 'the pledge'): string {
  if (days === null) return 'unknown';
  if (days === 0) return `the same day as ${what}`;
  const n = Math.abs(days);
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'day' : 'days'} ${days > 0 ? 'after' : 'before'} ${what}`;
}

/** Today's date in UTC, YYYY-MM-DD: the reference date overdue is computed against, unless a view gives another. */
export function utcToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/**
 * The least text after every date dated by `date` (YYYY-MM-DD, YYYY-MM or YYYY), as dates compare in SQL: a date given
 * to the month or the year counts from its first day, so '2025-04' is after '2025-03-31' but before '2025-04-30', and a
 * time of the day ('2025-03-31T12:00:00Z') is before the end of its day. `x < datedBy(date)` reads "x on or before
 * date". ('~' sorts after every digit, '-' and 'T'.)
 */
export function datedBy(date: string): string {
  return date.length === 10 ? `${date}~` : dateAfter(date);
}

/** The first date after a partial date: '2025-03' → '2025-04', '2025-03-31' → '2025-04-01', '2025' → '2026'. */
export function dateAfter(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  if (m === undefined) return String(y + 1);
  if (d === undefined) return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}
