-- A pledger selection reads its pledges from the pledger index. The dashboard's grouped pass also reads their
-- share and the six grouped fields, so it read a table row for each pledge (about 16,500 scattered rows for one
-- large pledger since 2020 at a million generated pledges). With those columns in the index the pass reads the
-- index alone: about 70 ms less for that view, for about 70 MB more at a million pledges.
DROP INDEX pledges_pledger_idx;
CREATE INDEX pledges_pledger_idx ON pledges
  (pledger, announced_on, amount_usd, horizon_years, horizon_end, horizon_start, us_share_pct, sector, status, country, lever,
   pledger_kind, commitment_kind);
