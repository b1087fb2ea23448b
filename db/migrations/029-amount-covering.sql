-- The amount index (001) holds every column the dashboard's grouped pass and pledger facet read, besides the id it
-- keeps second for the rankings' order (amount, then id). An amount range that cuts a band (min=2500000000: the
-- pledges from $2.5B to $4,999,999,999, 55,566 at a million generated pledges) read that band's pledges by walking
-- the whole cube index (a million entries, for their amounts), or, for a few thousand, a table row each: now one
-- range of this index, with no table row read (dashboard.cube.ts: cutPledges).
DROP INDEX pledges_amount_idx;
CREATE INDEX pledges_amount_idx ON pledges
  (amount_usd, id, sector, status, country, lever, pledger_kind, commitment_kind, pledger, us_share_pct, announced_on, horizon_years,
   horizon_end, horizon_start);
