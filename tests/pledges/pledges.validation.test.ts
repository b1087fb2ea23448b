import { describe, expect, it } from 'vitest';
import { emptyPledgeForm, readPledgeForm, validatePledge, type PledgeFormValues } from '../../server/pledges/pledges.validation.ts';
import { isRealPartialDate } from '../../server/lib/validation.ts';

const RULES = { previousStatus: 'announced' as const, knownEventIds: new Set([1, 2]) };

function form(overrides: Partial<PledgeFormValues> = {}): PledgeFormValues {
  return {
    ...emptyPledgeForm(),
    pledger: 'Acme',
    announced_on: '2025-01-02',
    sources: [{ url: 'https://example.com/a', title: 'A' }],
    ...overrides,
  };
}

function errorsOf(values: PledgeFormValues) {
  const result = validatePledge(values, RULES);
  return result.ok ? {} : result.errors;
}

describe('validatePledge', () => {
  it('accepts a minimal pledge: pledger, date, one source', () => {
    const result = validatePledge(form(), RULES);
    expect(result.ok).toBe(true);
    expect(result.ok && result.value.pledge).toMatchObject({ pledger: 'Acme', amount_usd: null, us_share_pct: null, status: 'announced', lever: null });
  });

  it.each([
    [{ pledger: '   ' }, 'pledger', 'required'],
    [{ pledger: 'x'.repeat(201) }, 'pledger', 'At most 200'],
    [{ pledger: 'Acme\u0000' }, 'pledger', 'control characters'],
    [{ announced_on: '2025-02-30' }, 'announced_on', 'real date'],
    [{ announced_on: '25-01-01' }, 'announced_on', 'real date'],
    [{ announced_on: '' }, 'announced_on', 'required'],
    [{ horizon_end: '2026-04' }, 'horizon_end', 'YYYY-MM-DD'],
    [{ us_share_pct: '101' }, 'us_share_pct', 'from 0 to 100'],
    [{ us_share_pct: '-1' }, 'us_share_pct', 'number like'],
    [{ us_share_pct: 'NaN' }, 'us_share_pct', 'number like'],
    [{ horizon_years: '0' }, 'horizon_years', 'more than 0'],
    [{ status: 'forgotten' }, 'status', 'Choose a status'],
    [{ lever: 'bribes' }, 'lever', 'Choose a political lever'],
    [{ us_share_basis: 'guessed' }, 'us_share_basis', 'stated or inferred'],
    [{ us_share_basis: 'stated' }, 'us_share_basis', 'US share first'],
    [{ sources: [] }, 'sources', 'at least one source'],
    [{ sources: [{ url: 'javascript:alert(1)', title: '' }] }, 'source_url_0', 'http'],
    [{ sources: [{ url: 'data:text/html,<script>', title: '' }] }, 'source_url_0', 'http'],
    [{ sources: [{ url: 'ftp://example.com/x', title: '' }] }, 'source_url_0', 'http'],
    [{ sources: [{ url: '', title: 'A title alone' }] }, 'source_url_0', 'required'],
    // A URL parser reads these as https://alert(1)/ and so on; the database's check refuses them as typed.
    [{ sources: [{ url: 'https:alert(1)', title: '' }] }, 'source_url_0', 'http'],
    [{ sources: [{ url: 'http:/x', title: '' }] }, 'source_url_0', 'http'],
    [{ sources: [{ url: 'https:/\\evil', title: '' }] }, 'source_url_0', 'http'],
    [{ sources: [{ url: 'HTTPS://example.com/x', title: '' }] }, 'source_url_0', 'http'],
    [{ status_evidence_url: 'https:alert(1)' }, 'status_evidence_url', 'http'],
    [{ event_ids: [99] }, 'events', 'No such event: 99'],
    [{ amount: '1e400' }, 'amount', 'digits'],
    [{ pledger_kind: 'Government' }, 'pledger_kind', 'Choose a kind of pledger'],
    [{ commitment_kind: 'unknown' }, 'commitment_kind', 'Choose a kind of commitment'],
    [{ new_money: '-1B' }, 'new_money', 'negative'],
    [{ amount: '10B', new_money: '10.5B' }, 'new_money', 'more than the amount'],
    [{ horizon_start: '2025-07' }, 'horizon_start', 'YYYY-MM-DD'],
    [{ horizon_start: '2026-01-01', horizon_end: '2026-01-01' }, 'horizon_start', 'start before it ends'],
    [{ status: 'completed', status_changed_on: '2026-01', status_evidence_url: 'https://example.com/done', status_note: 'x'.repeat(501) }, 'status_note', 'At most 500'],
  ])('refuses %j on %s', (overrides, field, message) => {
    expect(errorsOf(form(overrides as Partial<PledgeFormValues>))[field]).toContain(message);
  });

  it('requires a date and evidence when the status changes', () => {
    const errors = errorsOf(form({ status: 'completed' }));
    expect(errors.status_changed_on).toBeDefined();
    expect(errors.status_evidence_url).toBeDefined();
    const ok = validatePledge(form({ status: 'completed', status_changed_on: '2026-01', status_evidence_url: 'https://example.com/done' }), RULES);
    expect(ok.ok && ok.value.statusChange).toEqual({ changed_on: '2026-01', evidence_url: 'https://example.com/done', note: '' });
    const noted = validatePledge(form({ status: 'completed', status_changed_on: '2026-01', status_evidence_url: 'https://example.com/done', status_note: ' Opened.\r\nOn time. ' }), RULES);
    expect(noted.ok && noted.value.statusChange).toEqual({ changed_on: '2026-01', evidence_url: 'https://example.com/done', note: 'Opened.\nOn time.' });
  });

  it('reads the kinds, the horizon start and the new money; empty is unknown', () => {
    const result = validatePledge(form({ amount: '32B', new_money: '$11 billion', pledger_kind: 'government', commitment_kind: 'mixed', horizon_start: '2025-07-01' }), RULES);
    expect(result.ok && result.value.pledge).toMatchObject({ new_money_usd: 11e9, pledger_kind: 'government', commitment_kind: 'mixed', horizon_start: '2025-07-01' });
    const empty = validatePledge(form(), RULES);
    expect(empty.ok && empty.value.pledge).toMatchObject({ new_money_usd: null, pledger_kind: null, commitment_kind: null, horizon_start: null });
    // The new part of an undisclosed amount may be known.
    expect(validatePledge(form({ amount: '', new_money: '3B' }), RULES).ok).toBe(true);
  });
});

describe('readPledgeForm', () => {
  it('refuses lists and objects where text is expected, keeping the first value to show back', () => {
    const { values, errors } = readPledgeForm({ pledger: ['A', 'B'], amount: { $gt: '' }, event_1: 'on', event_7: 'on' }, [1, 2]);
    expect(errors).toEqual({ pledger: 'Send this field once, as text.', amount: 'Send this field once, as text.' });
    expect(values.pledger).toBe('A');
    expect(values.event_ids).toEqual([1]);
  });
});

describe('isRealPartialDate', () => {
  it.each(['2025', '2025-02', '2024-02-29', '2025-12-31'])('accepts %s', (date) => expect(isRealPartialDate(date)).toBe(true));
  it.each(['2025-02-29', '2025-00', '2025-13', '2025-04-31', '1850', '2025/01/01', '2025-1-1', ''])('refuses %s', (date) =>
    expect(isRealPartialDate(date)).toBe(false),
  );
});
