-- The relations the waterfall's ledger reads (pledges.waterfall.sql.ts), each kind on its own and in two orders,
-- with the columns it reads: every ledger (a view's waterfall, a step's list of pledges) follows supersedes and
-- contains from the pledge named (other_id) to the one that names it, and sums overlaps and repeats per pledge that
-- names them. It read pledge_relations' wide rows (notes, sources) four times over, a kind at a time. At a million
-- generated pledges (29,044 relations), the CPU time of the ledger of every pledge went from 239-261 ms to 206-257
-- (medians of five, 244 and 225), and as of 2023-01-01 from 131-192 to 113-174 (docs/performance.md). Statistics so
-- that the planner weighs them from the first statement on.
CREATE INDEX pledge_relations_kind_other ON pledge_relations (kind, other_id, pledge_id, amount_usd);
CREATE INDEX pledge_relations_kind_pledge ON pledge_relations (kind, pledge_id, other_id, amount_usd);
ANALYZE pledge_relations;
