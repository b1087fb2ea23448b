-- Indexes for the dashboard's aggregates at a million pledges (checked by tests/indexes.test.ts).
--
-- One covering index for the grouped pass behind the totals, the levers and every facet (pledges.cube.ts):
-- its entries hold every column that pass reads, so it never touches the wide table rows.
CREATE INDEX pledges_cube_idx ON pledges
  (sector, status, country, lever, pledger, amount_usd, us_share_pct, announced_on, horizon_years, horizon_end);

-- One index led by each filterable column, carrying what the timeline and the two rankings read (date, amount,
-- horizon): a filtered dashboard reads only the matching entries of one index. Amounts lead their own
-- (pledges_amount_idx); the search (q) reads text and scans.
CREATE INDEX pledges_sector_idx ON pledges (sector, announced_on, amount_usd, horizon_years, horizon_end);
CREATE INDEX pledges_status_idx ON pledges (status, announced_on, amount_usd, horizon_years, horizon_end);
CREATE INDEX pledges_country_idx ON pledges (country, announced_on, amount_usd, horizon_years, horizon_end);
CREATE INDEX pledges_lever_idx ON pledges (lever, announced_on, amount_usd, horizon_years, horizon_end);
CREATE INDEX pledges_pledger_idx ON pledges (pledger, announced_on, amount_usd, horizon_years, horizon_end);
DROP INDEX pledges_announced_on_idx;
-- Dates lead the widest: a date range reads the grouped pass (pledges.cube.ts) from it as well.
CREATE INDEX pledges_announced_on_idx ON pledges
  (announced_on, amount_usd, horizon_years, horizon_end, us_share_pct, sector, status, country, lever, pledger);

-- The largest amounts per year, unfiltered: read in order from an index on the expression itself
-- (the same text as PER_YEAR in pledges.repository.ts, without the table alias).
CREATE INDEX pledges_per_year_idx ON pledges ((CAST(round(amount_usd / (CASE
  WHEN horizon_years IS NOT NULL THEN horizon_years
  WHEN horizon_end IS NOT NULL
   AND julianday(horizon_end) > julianday(substr(announced_on || '-01-01', 1, 10))
  THEN (julianday(horizon_end) - julianday(substr(announced_on || '-01-01', 1, 10))) / 365.25
END)) AS INTEGER)) DESC) WHERE amount_usd IS NOT NULL;
