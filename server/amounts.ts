// Money as people read it: compact ($500B, $80B, $1.2T) and exact ($500,000,000,000).

const UNITS = [
  { size: 1e12, suffix: 'T' },
  { size: 1e9, suffix: 'B' },
  { size: 1e6, suffix: 'M' },
  { size: 1e3, suffix: 'K' },
] as const;

/** Three significant digits at most, trailing zeros dropped: $1.2T, $165B, $5.5B, $250M. */
export function formatUsdCompact(amount: number | null): string {
  if (amount === null) return 'Undisclosed';
  for (const [index, unit] of UNITS.entries()) {
    if (amount < unit.size) continue;
    const scaled = Number((amount / unit.size).toPrecision(3));
    // 999.6B rounds to 1000B: say $1T instead.
    if (scaled >= 1000 && index > 0) return `$${Number((amount / UNITS[index - 1].size).toPrecision(3))}${UNITS[index - 1].suffix}`;
    return `$${scaled}${unit.suffix}`;
  }
  return `$${amount}`;
}

const exactFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });

export function formatUsdExact(amount: number | null): string {
  return amount === null ? 'Undisclosed' : exactFormat.format(amount);
}

export function formatPercent(value: number | null): string {
  if (value === null) return 'Unknown';
  return `${Number(value.toFixed(1))}%`;
}

/** Billions of dollars as a float: a drawing unit for chart axes only, never stored or summed. */
export function toBillions(amount: number): number {
  return amount / 1e9;
}
