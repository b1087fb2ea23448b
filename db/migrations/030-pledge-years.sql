-- The dashboard's grouped sums (the amount bands' terms, 012) per group of the six grouped fields and year of
-- announcement: the first four characters of announced_on, whatever its precision ('2020', '2020-03', '2020-03-15').
-- A view filtered by dates alone (from=2020, to=2023-06-30) adds up the years its range covers whole and reads only
-- the pledges of a year it cuts, through the date index, as an amount range reads the bands (dashboard.cube.ts:
-- yearsCube). Before, it walked the whole cube index for the dates of a million generated pledges (about 500 ms for
-- from=2020); the table holds 141,754 rows there.
--
-- Kept exact by the triggers below, as pledge_bands is by 012's; a bulk load sets them aside and refills the table
-- from pledge_years_computed (server/platform/bulk-load.ts).
CREATE TABLE pledge_years (
  sector                  TEXT    NOT NULL,
  status                  TEXT    NOT NULL,
  country                 TEXT    NOT NULL,
  lever                   TEXT    NOT NULL,
  pledger_kind            TEXT    NOT NULL,
  commitment_kind         TEXT    NOT NULL,
  year                    TEXT    NOT NULL,
  pledge_count            INTEGER NOT NULL,
  disclosed_count         INTEGER NOT NULL,
  known_share_count       INTEGER NOT NULL,
  amount_usd              INTEGER NOT NULL,
  share_base_usd          INTEGER NOT NULL,
  us_usd                  INTEGER NOT NULL,
  no_horizon_count        INTEGER NOT NULL,
  outside_us_count        INTEGER NOT NULL,
  us_bound_positive_count INTEGER NOT NULL,
  CONSTRAINT pledge_years_pk PRIMARY KEY (sector, status, country, lever, pledger_kind, commitment_kind, year)
) WITHOUT ROWID;

CREATE VIEW pledge_years_computed (sector, status, country, lever, pledger_kind, commitment_kind, year, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count) AS
SELECT t.sector, t.status, t.country, t.lever, t.pledger_kind, t.commitment_kind, substr(p.announced_on, 1, 4), sum(t.pledge_count), sum(t.disclosed_count), sum(t.known_share_count), sum(t.amount_usd), sum(t.share_base_usd), sum(t.us_usd), sum(t.no_horizon_count), sum(t.outside_us_count), sum(t.us_bound_positive_count)
  FROM pledge_band_terms t JOIN pledges p ON p.id = t.id
 GROUP BY 1, 2, 3, 4, 5, 6, 7;

INSERT INTO pledge_years SELECT * FROM pledge_years_computed;

-- A pledge added, removed or changed in what its terms read: its terms leave its old group and year (before the
-- change, while its row still holds them) and join its new ones; a group and year left with no pledge goes.
CREATE TRIGGER pledges_insert_pledge_years AFTER INSERT ON pledges
BEGIN
  INSERT INTO pledge_years
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, substr(NEW.announced_on, 1, 4), pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count
    FROM pledge_band_terms WHERE id = NEW.id
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, year) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count,
    outside_us_count = outside_us_count + excluded.outside_us_count,
    us_bound_positive_count = us_bound_positive_count + excluded.us_bound_positive_count;
END;

CREATE TRIGGER pledges_delete_pledge_years BEFORE DELETE ON pledges
BEGIN
  INSERT INTO pledge_years
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, substr(OLD.announced_on, 1, 4), -pledge_count, -disclosed_count, -known_share_count, -amount_usd, -share_base_usd, -us_usd, -no_horizon_count, -outside_us_count, -us_bound_positive_count
    FROM pledge_band_terms WHERE id = OLD.id
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, year) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count,
    outside_us_count = outside_us_count + excluded.outside_us_count,
    us_bound_positive_count = us_bound_positive_count + excluded.us_bound_positive_count;
  DELETE FROM pledge_years
   WHERE pledge_count = 0
     AND (sector, status, country, lever, pledger_kind, commitment_kind, year) = (SELECT sector, status, country, lever, pledger_kind, commitment_kind, substr(OLD.announced_on, 1, 4)
                      FROM pledge_band_terms WHERE id = OLD.id);
END;

CREATE TRIGGER pledges_update_before_pledge_years
BEFORE UPDATE OF sector, status, country, lever, pledger_kind, commitment_kind, amount_usd, us_share_pct, announced_on, horizon_years, horizon_end, horizon_start ON pledges
BEGIN
  INSERT INTO pledge_years
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, substr(OLD.announced_on, 1, 4), -pledge_count, -disclosed_count, -known_share_count, -amount_usd, -share_base_usd, -us_usd, -no_horizon_count, -outside_us_count, -us_bound_positive_count
    FROM pledge_band_terms WHERE id = OLD.id
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, year) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count,
    outside_us_count = outside_us_count + excluded.outside_us_count,
    us_bound_positive_count = us_bound_positive_count + excluded.us_bound_positive_count;
  DELETE FROM pledge_years
   WHERE pledge_count = 0
     AND (sector, status, country, lever, pledger_kind, commitment_kind, year) = (SELECT sector, status, country, lever, pledger_kind, commitment_kind, substr(OLD.announced_on, 1, 4)
                      FROM pledge_band_terms WHERE id = OLD.id);
END;

CREATE TRIGGER pledges_update_pledge_years
AFTER UPDATE OF sector, status, country, lever, pledger_kind, commitment_kind, amount_usd, us_share_pct, announced_on, horizon_years, horizon_end, horizon_start ON pledges
BEGIN
  INSERT INTO pledge_years
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, substr(NEW.announced_on, 1, 4), pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count
    FROM pledge_band_terms WHERE id = NEW.id
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, year) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count,
    outside_us_count = outside_us_count + excluded.outside_us_count,
    us_bound_positive_count = us_bound_positive_count + excluded.us_bound_positive_count;
END;
