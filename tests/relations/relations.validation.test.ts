import { describe, expect, it } from 'vitest';
import {
  readRelationJson,
  validateRelation,
  validateRelationForm,
  type PledgeFacts,
  type RelationFacts,
  type RelationValues,
} from '../../server/relations/relations.validation.ts';

// Three pledges: 1 ($600B), 2 ($500B), 3 (undisclosed).
const PLEDGES = new Map<number, PledgeFacts>([
  [1, { id: 1, pledger: 'Apple', amount_usd: 600e9 }],
  [2, { id: 2, pledger: 'Apple', amount_usd: 500e9 }],
  [3, { id: 3, pledger: 'Roche', amount_usd: null }],
]);

function facts(overrides: Partial<RelationFacts> = {}): RelationFacts {
  return { pledge: (id) => PLEDGES.get(id), duplicate: () => false, chain: () => null, ...overrides };
}

function values(overrides: Partial<RelationValues> = {}): RelationValues {
  return { pledge_id: '1', kind: 'supersedes', other_id: '2', amount: '', note: '', source_url: '', source_title: '', reason: '', ...overrides };
}

function errorsOf(input: Partial<RelationValues>, given = facts()) {
  const result = validateRelation(values(input), given);
  return result.ok ? {} : result.errors;
}

describe('validateRelation', () => {
  it('accepts a relation and reads its amount like a pledge amount; empty is unknown', () => {
    const result = validateRelation(values({ kind: 'overlaps', amount: '30B', note: '  Arizona fabs  ', source_url: 'https://example.com/a' }), facts());
    expect(result).toEqual({
      ok: true,
      value: {
        relation: { pledge_id: 1, kind: 'overlaps', other_id: 2, amount_usd: 30e9, note: 'Arizona fabs', source_url: 'https://example.com/a', source_title: '' },
        reason: '',
      },
    });
    const unknown = validateRelation(values(), facts());
    expect(unknown.ok && unknown.value.relation).toMatchObject({ amount_usd: null, source_url: null });
  });

  it('refuses a relation of a pledge to itself', () => {
    expect(errorsOf({ other_id: '1' })).toEqual({ other_id: expect.stringContaining('cannot be related to itself') });
  });

  it('refuses a pledge that does not exist, on either side', () => {
    expect(errorsOf({ other_id: '99' })).toEqual({ other_id: 'There is no pledge with id 99.' });
    expect(errorsOf({ pledge_id: '98' })).toEqual({ pledge_id: 'There is no pledge with id 98.' });
    expect(errorsOf({ other_id: 'Apple' })).toEqual({ other_id: expect.stringContaining('whole number') });
  });

  it('lets only repeats leave the other pledge empty (an earlier plan the tracker does not hold)', () => {
    expect(validateRelation(values({ kind: 'repeats', other_id: '' }), facts()).ok).toBe(true);
    for (const kind of ['supersedes', 'contains', 'overlaps']) {
      expect(errorsOf({ kind, other_id: '' })).toEqual({ other_id: expect.stringContaining('only "repeats"') });
    }
  });

  it('refuses an unknown kind', () => {
    expect(errorsOf({ kind: 'replaces' })).toEqual({ kind: expect.stringContaining('supersedes, contains, overlaps, repeats') });
  });

  it('refuses a relation recorded already', () => {
    const recorded = facts({ duplicate: ({ pledge_id, kind, other_id }) => pledge_id === 1 && kind === 'supersedes' && other_id === 2 });
    expect(errorsOf({}, recorded)).toEqual({ other_id: 'This relation is recorded already: pledge 1 (Apple) supersedes pledge 2 (Apple). Edit it instead.' });
  });

  it.each(['supersedes', 'contains'])('refuses a circle of %s, naming the chain', (kind) => {
    // 2 KIND 3 and 3 KIND 1 are recorded: 1 KIND 2 would close the circle.
    const chain = facts({ chain: (k, from, to) => (k === kind && from === 2 && to === 1 ? [2, 3, 1] : null) });
    expect(errorsOf({ kind }, chain)).toEqual({
      other_id: `That would make a circle of "${kind}": #1 (Apple) → #2 (Apple) → #3 (Roche) → #1 (Apple). A pledge cannot ${kind === 'contains' ? 'contain' : 'supersede'} itself.`,
    });
  });

  it('does not look for circles of overlaps or repeats', () => {
    const chain = facts({ chain: () => [2, 1] });
    expect(validateRelation(values({ kind: 'overlaps' }), chain).ok).toBe(true);
    expect(validateRelation(values({ kind: 'repeats' }), chain).ok).toBe(true);
  });

  it('refuses an overlap larger than either pledge', () => {
    expect(errorsOf({ kind: 'overlaps', amount: '501B' })).toEqual({ amount: 'An overlap cannot be larger than either pledge: pledge 2 (Apple) is $500B.' });
    expect(errorsOf({ kind: 'overlaps', pledge_id: '2', other_id: '1', amount: '$500,000,000,001' })).toEqual({
      amount: 'An overlap cannot be larger than either pledge: pledge 2 (Apple) is $500B.',
    });
    expect(validateRelation(values({ kind: 'overlaps', amount: '500B' }), facts()).ok).toBe(true);
    // An undisclosed pledge bounds nothing.
    expect(validateRelation(values({ kind: 'overlaps', other_id: '3', amount: '550B' }), facts()).ok).toBe(true);
  });

  it('refuses a contained part larger than the contained pledge', () => {
    expect(errorsOf({ kind: 'contains', amount: '600B' })).toEqual({
      amount: 'The contained part cannot be more than the contained pledge: pledge 2 (Apple) is $500B.',
    });
    expect(validateRelation(values({ kind: 'contains', pledge_id: '2', other_id: '1', amount: '550B' }), facts()).ok).toBe(true);
  });

  it('refuses a repeated part larger than the pledge that repeats', () => {
    expect(errorsOf({ kind: 'repeats', pledge_id: '2', other_id: '', amount: '0.6T' })).toEqual({
      amount: 'The repeated part cannot be more than the pledge that repeats it: pledge 2 (Apple) is $500B.',
    });
    expect(validateRelation(values({ kind: 'repeats', pledge_id: '1', other_id: '2', amount: '600B' }), facts()).ok).toBe(true);
  });

  it('refuses an amount that is not an amount, a source that is not a web address and a note over 1000 characters', () => {
    expect(errorsOf({ amount: 'lots', source_url: 'javascript:alert(1)', note: 'x'.repeat(1001) })).toEqual({
      amount: expect.stringContaining('Write the amount in digits'),
      source_url: expect.stringContaining('http:// or https://'),
      note: 'At most 1000 characters.',
    });
    expect(validateRelation(values({ note: 'x'.repeat(1000) }), facts()).ok).toBe(true);
  });
});

describe('validateRelationForm: the relation as one pledge’s form asks for it', () => {
  const form = (overrides: Record<string, string>) => ({ kind: 'supersedes', other_id: '', amount: '', note: '', source_url: '', source_title: '', reason: '', ...overrides });

  it('turns "is superseded by" into the other pledge superseding this one', () => {
    const result = validateRelationForm(form({ kind: 'superseded_by', other_id: '1' }), 2, facts());
    expect(result.ok && result.value.relation).toMatchObject({ pledge_id: 1, kind: 'supersedes', other_id: 2 });
  });

  it('puts every message about the other pledge beside the other pledge field, whichever way round', () => {
    expect(validateRelationForm(form({ kind: 'contained_in', other_id: '99' }), 2, facts())).toEqual({ ok: false, errors: { other_id: 'There is no pledge with id 99.' } });
    expect(validateRelationForm(form({ kind: 'repeated_by', other_id: '' }), 2, facts())).toEqual({
      ok: false,
      errors: { other_id: expect.stringContaining('Choose the other pledge') },
    });
    expect(validateRelationForm(form({ kind: 'sideways', other_id: '1' }), 2, facts())).toEqual({ ok: false, errors: { kind: 'Choose a kind of relation from the list.' } });
  });
});

describe('readRelationJson', () => {
  it('takes numbers for ids and amounts, null for no other pledge, and amount_usd as the export names it', () => {
    expect(readRelationJson({ pledge_id: 1, kind: 'repeats', other_id: null, amount_usd: 5e9 }).values).toMatchObject({ pledge_id: '1', other_id: '', amount: '5000000000' });
    expect(readRelationJson({ pledge_id: 1.5, note: 3 }).errors).toEqual({ pledge_id: expect.any(String), note: 'Send this field as text.' });
    expect(readRelationJson([]).errors).toEqual({ form: 'Send a JSON object.' });
  });
});
