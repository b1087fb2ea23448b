// The words of the pages in each language: i18next over the JSON files of views/locales/, read once at start (no
// backend, nothing fetched). Data (pledgers, notes, sources) is never translated; neither are CSV, JSON or the API's
// error messages, which are machine formats read the same by every client (docs/i18n.md).
import fs from 'node:fs';
import path from 'node:path';
import i18next, { type TFunction } from 'i18next';
import { formatUsdCompact, formatUsdExact, parseAmount } from '../lib/amounts.ts';
import { formatPartialDate } from '../lib/dates.ts';
import { ROOT } from './paths.ts';

export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/** The locale each language formats numbers and dates in. */
export const LOCALES: Record<Language, string> = { en: 'en-US', de: 'de-DE' };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

export type Words = Record<string, unknown>;

const read = new Map<Language, Words>();

/** A language's strings, as its file holds them (read once). */
export function readLocale(language: Language): Words {
  let words = read.get(language);
  if (!words) read.set(language, (words = JSON.parse(fs.readFileSync(path.join(ROOT, 'views/locales', `${language}.json`), 'utf8')) as Words));
  return words;
}

const instance = i18next.createInstance();
void instance.init({
  resources: Object.fromEntries(LANGUAGES.map((language) => [language, { translation: readLocale(language) }])),
  lng: DEFAULT_LANGUAGE,
  // A key missing in German reads in English rather than as a key (tests/i18n checks that none is missing).
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: [...LANGUAGES],
  initAsync: false,
  // EJS's <%= escapes what a template prints; escaping here too would print &amp;.
  interpolation: { escapeValue: false },
  // Text may hold a colon: keys are dotted paths, one namespace.
  nsSeparator: false,
  returnNull: false,
});

const translators = Object.fromEntries(LANGUAGES.map((language) => [language, instance.getFixedT(language)])) as Record<Language, TFunction>;

export type Translate = (key: string, options?: Record<string, unknown>) => string;

/** The translate function of a language: t('nav.dashboard'), t('pledges.count', { count }). */
export function translator(language: Language): Translate {
  const t = translators[language];
  // A key's words always read the same for the same options (the files are read once): i18next works each out once,
  // kept under the key alone, or with its options when each is a string, a number or a boolean. A dashboard asks for
  // a thousand or so words without options a render and about 340 with a count in them (a bar's or a day's
  // pledges), at about 20 µs each in i18next, many with the same count.
  const kept = new Map<string, string>();
  return (key, options) => {
    const memo = options === undefined ? key : memoKey(key, options);
    if (memo === null) return String(t(key, options as never));
    let text = kept.get(memo);
    if (text === undefined) {
      if (kept.size >= WORDS_KEPT) kept.clear();
      kept.set(memo, (text = String(options === undefined ? t(key) : t(key, options as never))));
    }
    return text;
  };
}

/** The most words a translator keeps (about 1,000 without options, the rest with): past it they are forgotten all at once. */
const WORDS_KEPT = 6_000;

/** The key and its options as one string (each option's name, type and value), or null for an option of another type. */
function memoKey(key: string, options: Record<string, unknown>): string | null {
  let memo = key;
  for (const name in options) {
    const value = options[name];
    const type = typeof value;
    if (type !== 'string' && type !== 'number' && type !== 'boolean') return null;
    memo += `\u0000${name}\u0001${type[0]}${String(value)}`;
  }
  return memo;
}

/** A group of strings as { 'dotted.key': text }. */
function flatten(words: unknown, prefix = ''): Record<string, string> {
  if (typeof words === 'string') return { [prefix]: words };
  if (words === null || typeof words !== 'object') return {};
  return Object.assign({}, ...Object.entries(words).map(([key, value]) => flatten(value, prefix ? `${prefix}.${key}` : key))) as Record<string, string>;
}

/** An amount a message wrote in English ($500B, $1,200,000), as the locale writes it (500 Mrd. $, 1.200.000 $). */
function amountIn(locale: string, text: string): string {
  const parsed = parseAmount(text);
  if (!parsed.ok || parsed.value === null) return text;
  return /^\$[\d,]+$/.test(text) ? formatUsdExact(parsed.value, locale) : formatUsdCompact(parsed.value, locale);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A date a message wrote in English (21 Jan 2025, Sept 2025), as the locale writes it (21. Jan. 2025, Sept. 2025). */
function dateIn(locale: string, text: string): string {
  const match = /^(?:(\d{1,2}) )?([A-Z][a-z]{2})[a-z]? (\d{4})$/.exec(text);
  const month = match ? MONTHS.indexOf(match[2]) + 1 : 0;
  if (!match || month === 0) return text;
  const pad = (n: number | string) => String(n).padStart(2, '0');
  return formatPartialDate(`${match[3]}-${pad(month)}${match[1] ? `-${pad(match[1])}` : ''}`, locale);
}

/** What a placeholder's name says its value is, and how the language writes such a value; other values are messages. */
const VALUES: Record<string, (locale: string, text: string) => string> = { usd: amountIn, date: dateIn, day: dateIn };

/**
 * A message written in English by the code (a validation error, a refused filter, an HTTP error's text) in the
 * language of the page that shows it: the German file's "messages" maps each English message, its {{values}} as
 * placeholders, to its German form; a value named {{usd}} is an amount, one named {{date}} or {{day}} a date, each
 * written as the language writes them.
 * The JSON API says them in English, as written.
 */
export function messageTranslator(language: Language): (message: string) => string {
  if (language === 'en') return (message) => message;
  const locale = LOCALES[language];
  const english = flatten(readLocale(DEFAULT_LANGUAGE).messages);
  const target = flatten(readLocale(language).messages);
  const exact = new Map<string, string>();
  const patterns: { pattern: RegExp; names: string[]; text: string }[] = [];
  for (const [key, source] of Object.entries(english)) {
    const text = target[key];
    if (text === undefined) continue;
    if (!source.includes('{{')) {
      exact.set(source, text);
      continue;
    }
    const names: string[] = [];
    const pattern = source
      .split(/(\{\{\w+\}\})/)
      .map((part) => {
        const name = /^\{\{(\w+)\}\}$/.exec(part)?.[1];
        if (!name) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(name);
        return '(.+?)';
      })
      .join('');
    patterns.push({ pattern: new RegExp(`^${pattern}$`, 's'), names, text });
  }
  // A value may be a message itself ("The filter parameter min is wrong: {{problem}}"): translated in turn, a few deep.
  const translate = (message: string, depth: number): string => {
    const found = exact.get(message);
    if (found !== undefined) return found;
    if (depth > 2) return message;
    for (const { pattern, names, text } of patterns) {
      const match = pattern.exec(message);
      if (!match) continue;
      return names.reduce((out, name, index) => {
        const value = match[index + 1]!;
        return out.replaceAll(`{{${name}}}`, VALUES[name] ? VALUES[name](locale, value) : translate(value, depth + 1));
      }, text);
    }
    return message;
  };
  return (message) => translate(message, 0);
}

/** A group of labels for codes (labels.status, labels.step, …) in a language: { code: label }. */
export function labelsOf(language: Language, group: string): Record<string, string> {
  const labels = (readLocale(language).labels ?? {}) as Record<string, Record<string, string>>;
  const english = (readLocale(DEFAULT_LANGUAGE).labels ?? {}) as Record<string, Record<string, string>>;
  return { ...english[group], ...labels[group] };
}
