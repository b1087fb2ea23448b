import { describe, expect, it } from 'vitest';
import { LANGUAGES, readLocale, translator } from '../../server/platform/i18n.ts';

/** Every key of a file of strings, as a dotted path; a plural's forms (_one, _other) count as one key. */
function keys(words: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(words).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' ? keys(value as Record<string, unknown>, `${prefix}${key}.`) : [`${prefix}${key.replace(/_(zero|one|two|few|many|other)$/, '')}`],
  );
}

describe('views/locales', () => {
  it('has every key in every language, and none that only one language has', () => {
    const english = new Set(keys(readLocale('en')));
    for (const language of LANGUAGES) {
      const own = new Set(keys(readLocale(language)));
      expect([...english].filter((key) => !own.has(key)), `missing in ${language}.json`).toEqual([]);
      expect([...own].filter((key) => !english.has(key)), `only in ${language}.json`).toEqual([]);
    }
  });

  it('has no empty string, and each German string keeps the placeholders of its English one', () => {
    const flat = (words: Record<string, unknown>, prefix = ''): [string, string][] =>
      Object.entries(words).flatMap(([key, value]) =>
        value !== null && typeof value === 'object' ? flat(value as Record<string, unknown>, `${prefix}${key}.`) : [[`${prefix}${key}`, String(value)] as [string, string]],
      );
    const english = new Map(flat(readLocale('en')));
    const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((match) => match[1]).sort();
    for (const [key, text] of flat(readLocale('de'))) {
      expect(text.trim().length > 0 || (english.get(key) ?? '').trim() === '', key).toBe(true);
      const source = english.get(key) ?? english.get(key.replace(/_\w+$/, '_other'));
      if (source !== undefined) expect(placeholders(text), key).toEqual(placeholders(source));
    }
  });
});

describe('the translators', () => {
  it('give each count its own words and form, asked again and again, in either order, in each language', () => {
    const en = translator('en');
    const de = translator('de');
    // The same digits as text and as a number are different options (a count given as text picks no plural form):
    // the text's words, asked first, are not given for the number's.
    const asText = en('days.after', { count: '1', n: 1 });
    for (let round = 0; round < 2; round++) {
      expect(en('days.after', { count: 1, n: '1' })).toBe('1 day after the pledge');
      expect(en('days.after', { count: 2, n: '2' })).toBe('2 days after the pledge');
      expect(en('days.after', { count: '1', n: 1 })).toBe(asText);
      expect(de('days.after', { count: 2, n: '2' })).toBe('2 Tage nach der Zusage');
      // An option that is not a string, number or boolean is read afresh each time.
      const n = { toString: () => `${round}` };
      expect(en('days.after', { count: 5, n })).toBe(`${round} days after the pledge`);
    }
  });
});
