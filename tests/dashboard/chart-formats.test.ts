// The charts' numbers and months are written without Intl (public/js/chart-configs.js), so that a fresh renderer
// does not load ICU's data before its first chart: they must read exactly as Intl writes them, in both languages.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { readLocale } from '../../server/platform/i18n.ts';

const require = createRequire(import.meta.url);
interface Speech {
  billions: (value: number) => string;
  percent: (value: number) => string;
  count: (value: number) => string;
  pledges: (n: number) => string;
  monthYear: (time: number) => string;
}
const charts = require('../../public/js/chart-configs.js') as {
  formatNumber: (value: number, german: boolean) => string;
  speech: (env: { lang: string; words: unknown }) => Speech;
};

const VALUES = [0, 1, -1, 7, 12, 999, 1000, 1234.5, -1234.5, 10000, 99999.9, 123456, 1234567.125, -7654321, 0.5, 0.25, 0.1234, 2.0005, 1e15, 500, 40.4];
// Halves in the fourth decimal, which Intl rounds on the number's shortest decimal (1.0005 is 1.000499… in binary),
// a carry through nines, a negative that rounds to zero, and a tiny number.
const EDGES = [1.0005, 263228.6845, -773660.2855, 999.9995, 0.9995, 0.0625, -0.0625, -0.0001, 0.0004999, 1e-7];

describe('the charts’ number and month formats', () => {
  it('write every value as Intl.NumberFormat does, in English and in German', () => {
    for (const value of [...VALUES, ...EDGES]) {
      expect(charts.formatNumber(value, false), String(value)).toBe(new Intl.NumberFormat('en-US').format(value));
      expect(charts.formatNumber(value, true), String(value)).toBe(new Intl.NumberFormat('de-DE').format(value));
    }
  });

  it('write the axes’ amounts, shares and months as the page’s language does', () => {
    const en = charts.speech({ lang: 'en', words: readLocale('en').chart });
    const de = charts.speech({ lang: 'de', words: readLocale('de').chart });
    expect(en.billions(1234.4)).toBe('$1,234B');
    expect(de.billions(1234.4)).toBe('1.234\u00a0Mrd.\u00a0$');
    expect(en.billions(2.25)).toBe('$2.3B');
    expect(de.billions(2.25)).toBe('2,3\u00a0Mrd.\u00a0$');
    expect(de.percent(12.5)).toBe('12,5\u00a0%');
    expect(en.pledges(1200)).toBe('1,200 pledges');
    for (let month = 0; month < 12; month++) {
      const time = Date.UTC(2024, month, 15, 23, 59);
      const options = { month: 'short', year: 'numeric', timeZone: 'UTC' } as const;
      expect(en.monthYear(time)).toBe(new Intl.DateTimeFormat('en-GB', options).format(time));
      expect(de.monthYear(time)).toBe(new Intl.DateTimeFormat('de-DE', options).format(time));
    }
  });
});
