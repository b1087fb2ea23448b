import { describe, expect, it } from 'vitest';
import { daysBetween, formatPartialDate } from '../../server/lib/dates.ts';
import { wordsOf } from '../../server/pledges/pledges.view.ts';

const { daysText } = wordsOf('en');

describe('days between a pledge and its concession', () => {
  it('counts calendar days, negative when the second date comes first, across months and years', () => {
    expect(daysBetween('2025-04-09', '2025-07-14')).toBe(96);
    expect(daysBetween('2025-03-03', '2025-02-19')).toBe(-12);
    expect(daysBetween('2024-12-31', '2025-01-01')).toBe(1);
    expect(daysBetween('2025-09-30', '2025-09-30')).toBe(0);
  });

  it('is unknown when a date lacks its day, never a guessed one', () => {
    expect(daysBetween('2022-01', '2025-08-22')).toBeNull();
    expect(daysBetween('2025-08-22', '2025')).toBeNull();
  });

  it('says which came first, in words', () => {
    expect(daysText(96)).toBe('96 days after the pledge');
    expect(daysText(-12)).toBe('12 days before the pledge');
    expect(daysText(-1)).toBe('1 day before the pledge');
    expect(daysText(0)).toBe('the same day as the pledge');
    expect(daysText(1200)).toBe('1,200 days after the pledge');
    expect(daysText(null)).toBe('unknown');
  });

  it('says it in German on a German page, with the German thousands separator', () => {
    const german = wordsOf('de').daysText;
    expect(german(96)).toBe('96 Tage nach der Zusage');
    expect(german(-1)).toBe('1 Tag vor der Zusage');
    expect(german(1200)).toBe('1.200 Tage nach der Zusage');
    expect(german(0)).toBe('am selben Tag wie die Zusage');
  });
});

describe('formatPartialDate', () => {
  it('writes a date as the locale does, never with a day or month that was not recorded', () => {
    expect(formatPartialDate('2025-01-21')).toBe('21 Jan 2025');
    expect(formatPartialDate('2025-01-21', 'de-DE')).toBe('21. Jan. 2025');
    expect(formatPartialDate('2025-05', 'de-DE')).toBe('Mai 2025');
    expect(formatPartialDate('2025', 'de-DE')).toBe('2025');
  });
});
