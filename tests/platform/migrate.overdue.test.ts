// Migration 018 on a database made by the migrations before it: the first-tranche column, the overdue index, and the
// waterfall's ledger table with the columns the due day is computed from.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/platform/db.ts';
import { migrate, readMigrations } from '../../server/platform/migrate.ts';
import { drift, tempDbPath } from '../helpers.ts';

let db: Db;
afterEach(() => {
  const file = db?.name;
  db?.close();
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

describe('migration 018-overdue', () => {
  it('keeps every pledge, fills the ledger afresh with the horizons, and keeps it exact after an edit', () => {
    db = openDatabase(tempDbPath());
    migrate(db, readMigrations().filter((m) => m.version < 18));
    const insert = db.prepare('INSERT INTO pledges (pledger, announced_on, amount_usd, horizon_years, horizon_end, new_money_usd) VALUES (?, ?, ?, ?, ?, ?)');
    const a = Number(insert.run('Gilead', '2025-04-29', 32e9, null, '2029-12-31', 11e9).lastInsertRowid);
    const b = Number(insert.run('Acme', '2025-03', 5e9, 2, null, null).lastInsertRowid);
    migrate(db);
    expect(db.prepare('SELECT id, first_tranche_by FROM pledges ORDER BY id').all()).toEqual([
      { id: a, first_tranche_by: null },
      { id: b, first_tranche_by: null },
    ]);
    expect(db.prepare('SELECT id, horizon_end, first_tranche_by FROM pledge_ledger').all()).toEqual([{ id: a, horizon_end: '2029-12-31', first_tranche_by: null }]);
    db.prepare("UPDATE pledges SET first_tranche_by = '2025-09' WHERE id = ?").run(a);
    expect(db.prepare('SELECT first_tranche_by FROM pledge_ledger WHERE id = ?').pluck().get(a)).toBe('2025-09');
    expect(drift(db, 'pledge_ledger')).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'pledges_overdue_idx'").pluck().get()).toBe('pledges_overdue_idx');
    expect(() => db.prepare("UPDATE pledges SET first_tranche_by = 'soon' WHERE id = ?").run(b)).toThrow(/pledges_first_tranche_by_format/);
  });
});
