// Which grouped field's selection a group misses (unmatchedField), which every view's summary, facets and waterfall
// ask of each of its groups: null for none, the field for one, MANY for more. It names each field in turn, so it
// is checked here against the rule written over CUBE_FIELDS, for every way each field can be selected.
import { describe, expect, it } from 'vitest';
import { CUBE_FIELDS, MANY, unmatchedField, type CubeGroup } from '../../server/dashboard/dashboard.groups.ts';
import { EMPTY_FILTER } from '../../server/pledges/pledges.filter.ts';

type Fields = Pick<CubeGroup, (typeof CUBE_FIELDS)[number]>;

const GROUP: Fields = { sector: 'Energy', status: 'completed', country: 'Japan', lever: 'none', pledger_kind: 'company', commitment_kind: 'unknown' };

/** For each field: not selected, selected with the group's value among others, selected without it. */
const WAYS = ['unselected', 'holds', 'misses'] as const;

describe('the grouped field a group misses', () => {
  it('is none, the one field, or many, for every way each of the six fields can be selected', () => {
    let checked = 0;
    for (let combination = 0; combination < WAYS.length ** CUBE_FIELDS.length; combination++) {
      const selections: Record<string, string[]> = {};
      const missed: string[] = [];
      let rest = combination;
      for (const field of CUBE_FIELDS) {
        const way = WAYS[rest % WAYS.length]!;
        rest = Math.floor(rest / WAYS.length);
        if (way === 'unselected') continue;
        // The group's own value beside another, or two other values.
        selections[field] = way === 'holds' ? ['another', GROUP[field]] : ['another', 'a third'];
        if (way === 'misses') missed.push(field);
      }
      const filter = { ...EMPTY_FILTER, ...selections };
      expect(unmatchedField(GROUP, filter), JSON.stringify(selections)).toBe(missed.length === 0 ? null : missed.length === 1 ? missed[0] : MANY);
      checked++;
    }
    expect(checked).toBe(729);
  });
});
