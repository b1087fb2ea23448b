// The pledges the waterfall's ledger reads one by one (pledge_ledger, migration 013): those in a relation, with a
// stated new part or of $0, with the columns a filter reads. Triggers keep the table exact after every write by
// any connection; a wrong row would move the waterfall's figures without any error.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { migrate } from '../../server/platform/migrate.ts';
import { deletePledge, updatePledge } from '../../server/pledges/pledges.repository.ts';
import { insertRelation } from '../../server/relations/relations.repository.ts';
import type { NewRelation } from '../../server/relations/relation.model.ts';
import { addPledge, drift, pledgeFixture, tempDbPath } from '../helpers.ts';

const EDITOR = { id: null, username: 'test' };

let db: Db;
beforeEach(() => {
  db = openDatabase(tempDbPath());
  migrate(db);
});
afterEach(() => db.close());

/** The ledger's rows: id → own (the ledger works the pledge out itself) and the sector a filter would read. */
function ledger(): Record<number, { own: number; sector: string }> {
  const rows = db.prepare('SELECT id, own, sector FROM pledge_ledger ORDER BY id').all() as { id: number; own: number; sector: string }[];
  return Object.fromEntries(rows.map(({ id, own, sector }) => [id, { own, sector }]));
}

function relate(pledge_id: number, kind: NewRelation['kind'], other_id: number | null, amount_usd: number | null = null): number {
  return insertRelation(db, { pledge_id, kind, other_id, amount_usd, note: '', source_url: null, source_title: '' });
}

describe('the pledges the waterfall reads one by one', () => {
  it('holds both sides of each relation, and marks the side the ledger works out', () => {
    const [apple, appleBefore, swiss, roche, nvidia, tsmc, plain] = ['Apple', 'Apple', 'Switzerland', 'Roche', 'Nvidia', 'TSMC', 'Plain'].map((pledger) =>
      addPledge(db, { pledger, project: `${pledger} ${Math.random()}` }),
    );
    expect(ledger()).toEqual({});
    relate(apple!, 'supersedes', appleBefore!);
    relate(swiss!, 'contains', roche!, 50_000_000_000);
    relate(nvidia!, 'overlaps', tsmc!);
    // A repeat of an earlier plan the tracker does not hold.
    relate(tsmc!, 'repeats', null, 65_000_000_000);
    const rows = ledger();
    // Superseded and contained pledges, overlapping and repeating ones, are the ledger's own; the others are only
    // the far side of a relation.
    expect(Object.fromEntries(Object.entries(rows).map(([id, row]) => [id, row.own]))).toEqual({
      [apple!]: 0,
      [appleBefore!]: 1,
      [swiss!]: 0,
      [roche!]: 1,
      [nvidia!]: 1,
      [tsmc!]: 1,
    });
    expect(rows[plain!]).toBeUndefined();

    // Another connection, plain SQL: the triggers live in the database.
    const other = openDatabase(db.name);
    other.prepare("UPDATE pledge_relations SET kind = 'contains' WHERE pledge_id = ?").run(nvidia);
    other.prepare('UPDATE pledge_relations SET other_id = ? WHERE kind = ? AND pledge_id = ?').run(plain, 'contains', swiss);
    other.close();
    const moved = ledger();
    // Nvidia now contains TSMC: the ledger no longer works Nvidia out. Roche left Switzerland's relation: it is
    // in no relation any more. Plain joined as the contained side.
    expect(moved[nvidia!]?.own).toBe(0);
    expect(moved[roche!]).toBeUndefined();
    expect(moved[plain!]?.own).toBe(1);
    expect(drift(db, 'pledge_ledger')).toBe(0);
  });

  it('follows edits of the pledges themselves: a stated new part, an amount of $0, a filter column', () => {
    const first = addPledge(db, { pledger: 'First', sector: 'Energy' });
    const second = addPledge(db, { pledger: 'Second', amount_usd: 5_000_000_000, new_money_usd: 3_000_000_000 });
    const zero = addPledge(db, { pledger: 'Zero', amount_usd: 0, new_money_usd: null });
    expect(Object.keys(ledger()).map(Number)).toEqual([second, zero]);

    relate(first, 'overlaps', second);
    const write = { pledge: pledgeFixture({ pledger: 'First', sector: 'Semiconductors' }), eventIds: [], reason: 'test', statusChange: null };
    expect(updatePledge(db, first, write, EDITOR)).toBe(true);
    // The filter reads the sector from the ledger's own copy: it must move with the pledge.
    expect(ledger()[first]).toEqual({ own: 1, sector: 'Semiconductors' });

    db.prepare('UPDATE pledges SET new_money_usd = NULL WHERE id = ?').run(second);
    // Still the far side of First's overlap, no longer worked out by the ledger.
    expect(ledger()[second]).toEqual({ own: 0, sector: expect.any(String) });
    db.prepare('UPDATE pledges SET amount_usd = 5 WHERE id = ?').run(zero);
    expect(ledger()[zero]).toBeUndefined();
    expect(drift(db, 'pledge_ledger')).toBe(0);
  });

  it('drops a deleted pledge and what only its relations put there', () => {
    const container = addPledge(db, { pledger: 'Container' });
    const inside = addPledge(db, { pledger: 'Inside' });
    const overlapping = addPledge(db, { pledger: 'Overlapping' });
    relate(container, 'contains', inside);
    relate(overlapping, 'overlaps', container);
    expect(Object.keys(ledger()).map(Number)).toEqual([container, inside, overlapping]);

    expect(deletePledge(db, container, EDITOR, 'test')).toBe(true);
    // Its relations went with it (ON DELETE CASCADE): the other two are in no relation any more.
    expect(ledger()).toEqual({});
    expect(drift(db, 'pledge_ledger')).toBe(0);
  });
});
