import { describe, expect, it } from 'vitest';
import { LANGUAGES, readLocale } from '../../server/platform/i18n.ts';

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
