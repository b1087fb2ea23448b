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
