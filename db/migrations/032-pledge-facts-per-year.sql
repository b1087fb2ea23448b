-- The packed facts (031) gain each pledge's amount per year (the blob's layout 2), so that a view they serve ranks
-- its pledges by amount and by amount per year from them too, and they serve views of dates, amounts and the
-- overdue pledges without a search (server/dashboard/dashboard.packed.ts). Every blob is packed again by the next
-- read that needs it.
DELETE FROM pledge_facts;
INSERT OR IGNORE INTO pledge_facts_stale (block) SELECT DISTINCT id >> 12 FROM pledges;
