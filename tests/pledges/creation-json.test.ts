// A creation's revision as written by creationChangesJson (an import writes one a row) against the object that
// creationChanges builds and JSON.stringify writes: the same text, key for key, for any pledge.
import { describe, expect, it } from 'vitest';
import { creationChanges, creationChangesJson } from '../../server/pledges/pledges.repository.ts';
import type { NewPledge, PledgeWrite } from '../../server/pledges/pledge.model.ts';
import { pledgeFixture } from '../helpers.ts';

const write = (pledge: Partial<NewPledge>, eventIds: number[] = []): PledgeWrite => ({
  pledge: pledgeFixture(pledge),
  eventIds,
  reason: 'import file.csv',
  statusChange: { changed_on: '2025-06-01', evidence_url: 'https://example.com/step', note: 'a step is a row of its own' },
});

const unset = {
  amount_usd: null,
  us_share_pct: null,
  us_share_basis: null,
  horizon_years: null,
  horizon_end: null,
  lever: null,
  pledger_kind: null,
  commitment_kind: null,
  horizon_start: null,
  new_money_usd: null,
  first_tranche_by: null,
} satisfies Partial<NewPledge>;

describe('creationChangesJson', () => {
  it.each([
    ['a pledge with every field set', write({ horizon_end: '2027-12-31', horizon_start: '2025-06-01', new_money_usd: 400_000_000, first_tranche_by: '2026-03' }, [3, 7])],
    ['a pledge with nothing optional, no sources and no events', write({ ...unset, sources: [] })],
    ['fractions and zeros', write({ us_share_pct: 12.5, horizon_years: 0.25, amount_usd: 0, new_money_usd: 0 })],
    ['numbers JSON cannot hold, which a creation leaves out', write({ us_share_pct: Number.NaN, horizon_years: Number.POSITIVE_INFINITY })],
    [
      'text that JSON escapes',
      write({
        pledger: 'Acme "Quoted" \\ Corp',
        project: 'Line\nbreak, tab\t, \u2028 and \u0001',
        context_note: 'Zürich, 東京, 🚀',
        sources: [
          { url: 'https://example.com/a?x="1"', title: 'A "title"' },
          { url: 'https://example.com/b', title: '' },
        ],
      }),
    ],
  ])('writes the text JSON.stringify writes of creationChanges: %s', (_what, pledgeWrite) => {
    const json = creationChangesJson(pledgeWrite);
    expect(json).toBe(JSON.stringify(creationChanges(pledgeWrite)));
    // And it means what it says: every field with a value, from nothing, the sources and events last.
    const keys = Object.keys(JSON.parse(json) as object);
    expect(keys.slice(-2).filter((key) => key === 'sources' || key === 'event_ids')).toEqual(
      ['sources', 'event_ids'].filter((key) => keys.includes(key)),
    );
  });

  it('leaves out the fields without a value and keeps the pledge’s own order of fields', () => {
    const changes = JSON.parse(creationChangesJson(write({ ...unset, sources: [] }))) as Record<string, { from: unknown; to: unknown }>;
    expect(Object.keys(changes)).toEqual(['pledger', 'project', 'amount_note', 'announced_on', 'horizon_note', 'sector', 'country', 'status', 'context_note', 'sources', 'event_ids']);
    expect(changes.pledger).toEqual({ from: null, to: 'Acme Corp' });
    expect(changes.sources).toEqual({ from: null, to: [] });
  });
});
