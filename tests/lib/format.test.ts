import { describe, expect, it } from 'vitest';
import { formatPercent, formatUsdCompact, formatUsdExact } from '../../server/lib/amounts.ts';
import { formatPartialDate, startOf } from '../../server/lib/dates.ts';

describe('formatUsdCompact', () => {
  it.each([
    [500_000_000_000, '$500B'],
    [80_000_000_000, '$80B'],
    [1_200_000_000_000, '$1.2T'],
    [1_180_000_000_000, '$1.18T'],
    [165_000_000_000, '$165B'],
    [5_500_000_000, '$5.5B'],
    [250_000_000, '$250M'],
    [999_600_000_000, '$1T'],
    [999_400_000, '$999M'],
    [1_500, '$1.5K'],
    [999, '$999'],
    [0, '$0'],
  ])('shows %s as %s', (amount, text) => {
    expect(formatUsdCompact(amount)).toBe(text);
  });

  it('gives the exact value for hover text', () => {
    expect(formatUsdExact(500_000_000_000)).toBe('$500,000,000,000');
  });

  it('shows percentages to one decimal at most', () => {
    expect(formatPercent(96.61016949)).toBe('96.6%');
    expect(formatPercent(50)).toBe('50%');
  });
});

describe('partial dates', () => {
  it('shows only the precision that was recorded', () => {
    expect(formatPartialDate('2025-01-21')).toBe('21 Jan 2025');
    expect(formatPartialDate('2025-02')).toBe('Feb 2025');
    expect(formatPartialDate('2025')).toBe('2025');
  });

  it('places a partial date at its first instant', () => {
    expect(startOf('2025-02')).toBe(Date.UTC(2025, 1, 1));
    expect(startOf('2025')).toBe(Date.UTC(2025, 0, 1));
  });
});

describe('German amounts', () => {
  it('writes money as German does: Mrd. and Bio. after the figure, a decimal comma, points between thousands', () => {
    expect(formatUsdCompact(500e9, 'de-DE')).toBe('500\u00a0Mrd.\u00a0$');
    expect(formatUsdCompact(5.5e9, 'de-DE')).toBe('5,5\u00a0Mrd.\u00a0$');
    expect(formatUsdCompact(1.2e12, 'de-DE')).toBe('1,2\u00a0Bio.\u00a0$');
    expect(formatUsdExact(500e9, 'de-DE')).toBe('500.000.000.000\u00a0$');
    expect(formatPercent(12.5, 'de-DE')).toBe('12,5\u00a0%');
  });
});
