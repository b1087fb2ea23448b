-- The ids of the pledges the waterfall's ledger works out one by one (pledge_ledger's own rows, 013), in an index of
-- their own. A waterfall step that lists pledges by their own columns (not_new, outside_us, not_investment) leaves
-- those out with `p.id NOT IN (SELECT id FROM pledge_ledger WHERE own)` (LEDGER_IDS, pledges.waterfall.sql.ts): each
-- statement that holds it builds that list afresh, three a step's dashboard. Read from the ledger's wide rows, the list
-- took 5.5 ms at a million generated pledges (29,044 ids); from this index 3.0 ms, and the ids alone 0.6 ms against
-- 2.6 (docs/performance.md).
CREATE INDEX pledge_ledger_own_ids ON pledge_ledger (id) WHERE own;
