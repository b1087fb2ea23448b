// Money as people read it: compact ($500B, $80B, $1.2T) and exact ($500,000,000,000); in German, as German
// writes it (500 Mrd. $, 1,2 Bio. $, 500.000.000.000 $). `locale` is a BCP 47 tag: 'en-US' unless a page says.

const UNITS = [
  { size: 1e12, suffix: 'T' },
  { size: 1e9, suffix: 'B' },
  { size: 1e6, suffix: 'M' },
  { size: 1e3, suffix: 'K' },
] as const;

/** Three significant digits at most, trailing zeros dropped: $1.2T, $165B, $5.5B, $250M. */
/** The compact form ($500B) when it reads back as exactly this amount; null when it rounds. */
export function exactCompact(amount: number): string | null {
  const compact = formatUsdCompact(amount);
  const back = parseAmount(compact);
  return back.ok && back.value === amount ? compact : null;
}

const formats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale} ${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) formats.set(key, (format = new Intl.NumberFormat(locale, options)));
  return format;
}

const isEnglish = (locale: string): boolean => locale.startsWith('en');

// The formats take a known amount only: what an unknown one reads (Undisclosed, Nicht genannt) is the page's word,
// said by its words (pledges.view.ts), never an English one from here.
export function formatUsdCompact(amount: number, locale = 'en-US'): string {
  // Three significant digits, as in English: 500 Mrd. $, 5,5 Mrd. $, 250 Mio. $.
  if (!isEnglish(locale)) return numberFormat(locale, { notation: 'compact', style: 'currency', currency: 'USD', maximumSignificantDigits: 3 }).format(amount);
  for (const [index, unit] of UNITS.entries()) {
    if (amount < unit.size) continue;
    const scaled = Number((amount / unit.size).toPrecision(3));
    // 999.6B rounds to 1000B: say $1T instead.
    if (scaled >= 1000 && index > 0) return `$${Number((amount / UNITS[index - 1].size).toPrecision(3))}${UNITS[index - 1].suffix}`;
    return `$${scaled}${unit.suffix}`;
  }
  return `$${amount}`;
}

export function formatUsdExact(amount: number, locale = 'en-US'): string {
  return numberFormat(locale, { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }).format(amount);
}

export function formatPercent(value: number, locale = 'en-US'): string {
  if (!isEnglish(locale)) return `${numberFormat(locale, { maximumFractionDigits: 1 }).format(Number(value.toFixed(1)))}\u00a0%`;
  return `${Number(value.toFixed(1))}%`;
}

/** A count as the locale writes it: 1,234 or 1.234. */
export function formatCount(value: number, locale = 'en-US'): string {
  return numberFormat(locale, {}).format(value);
}

/** Billions of dollars as a float: a drawing unit for chart axes only, never stored or summed. */
export function toBillions(amount: number): number {
  return amount / 1e9;
}

/** The most a pledge may be: $1 quadrillion, as the database's pledges_amount_range constraint says. */
export const MAX_AMOUNT_USD = 1e15;

// A Map, not an object: a unit such as "constructor" must not find Object.prototype's.
const UNIT_EXPONENTS = new Map<string, number>([
  ['', 0],
  ['k', 3],
  ['thousand', 3],
  ['m', 6],
  ['mn', 6],
  ['mm', 6],
  ['million', 6],
  ['b', 9],
  ['bn', 9],
  ['billion', 9],
  ['t', 12],
  ['tn', 12],
  ['trillion', 12],
]);

/** The longest amount anyone types; forms and filters refuse longer text before it gets here. */
export const MAX_AMOUNT_LENGTH = 100;

// Each step below reads one run of one kind of character, once, from where the last stopped: time linear in
// the text whatever it holds. (A pattern like \s*([a-z]*)\.?$ backtracks: quadratic on a run of spaces.)
const SPACES = /\s*/y;
const DIGITS = /\d*/y;
const DIGITS_AND_COMMAS = /[\d,]*/y;
const LETTERS = /[a-z]*/iy;
// Comma groups of three, or plain digits: "1,000,000" or "1000000", never "1,00" or "10,00,000".
const WHOLE = /^(?:\d{1,3}(?:,\d{3})+|\d+)$/;
const US = /^us/i;
const CURRENCY_BEFORE = /^usd/i;
const CURRENCY_AFTER = /(?:usd|dollars?)$/i;

/**
 * "$1.2T", "80 bn", "1,000,000", "0.5 trillion", "500000000000", "5B.": an optional "US" and "$", the digits
 * (comma groups of three allowed), an optional decimal part, an optional unit and full stop. Nothing else: no
 * sign, no exponent, no second decimal point. Null when the text is not an amount.
 */
function readAmount(text: string): { whole: string; fraction: string; unit: string } | null {
  let at = 0;
  const read = (run: RegExp): string => {
    run.lastIndex = at;
    const found = run.exec(text)?.[0] ?? '';
    at += found.length;
    return found;
  };
  if (US.test(text)) at = 2;
  if (text[at] === '$') at += 1;
  read(SPACES);
  const whole = read(DIGITS_AND_COMMAS);
  if (!WHOLE.test(whole)) return null;
  let fraction = '';
  if (text[at] === '.' && /\d/.test(text[at + 1] ?? '')) {
    at += 1;
    fraction = read(DIGITS);
  }
  read(SPACES);
  const unit = read(LETTERS);
  if (text[at] === '.') at += 1;
  return at === text.length ? { whole, fraction, unit } : null;
}

/** The text without a currency word around it: "USD 40B", "40B USD", "40 billion dollars". */
function withoutCurrency(text: string): string {
  const after = CURRENCY_AFTER.exec(text);
  const before = after ? text.slice(0, after.index).trimEnd() : text;
  return CURRENCY_BEFORE.test(before) ? before.slice(3).trimStart() : before;
}

export type ParsedAmount = { ok: true; value: number | null } | { ok: false; error: string };

/** Reads an amount as people type it; blank means undisclosed (null). Exact: no floating point. */
export function parseAmount(input: string): ParsedAmount {
  if (input.length > MAX_AMOUNT_LENGTH) return { ok: false, error: `An amount is at most ${MAX_AMOUNT_LENGTH} characters.` };
  const text = withoutCurrency(input.trim());
  if (text === '') return { ok: true, value: null };
  if (/^[-−–]/.test(text) || /^\$?\s*-/.test(text)) return { ok: false, error: 'An amount cannot be negative.' };
  const amount = readAmount(text);
  if (!amount) {
    return { ok: false, error: 'Write the amount in digits with an optional unit, like 500B, $1.2T, 80 bn or 250000000.' };
  }
  const { whole, fraction, unit } = amount;
  const exponent = UNIT_EXPONENTS.get(unit.toLowerCase());
  if (exponent === undefined) {
    return { ok: false, error: `Unknown unit "${unit}": use K, M, B or T (or thousand, million, billion, trillion).` };
  }
  if (/[1-9]/.test(fraction.slice(exponent))) return { ok: false, error: 'Amounts are whole dollars: drop the cents.' };
  const dollars = BigInt(whole.replaceAll(',', '') + fraction.slice(0, exponent).padEnd(exponent, '0'));
  if (dollars > BigInt(MAX_AMOUNT_USD)) return { ok: false, error: 'That is more than $1 quadrillion: check the amount.' };
  return { ok: true, value: Number(dollars) };
}
