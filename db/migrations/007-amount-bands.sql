-- The dashboard's grouped pass (pledges.cube.ts) pre-grouped by amount: for every sector, status, country and
-- lever, the pledges' counts and sums in amount bands of three a decade (1-2-5: [1, 2), [2, 5), [5, 10),
-- [10, 20), ...; band -1 holds the undisclosed amounts). A dashboard filtered by amount alone then adds up the
-- bands the range covers whole and reads from the table only the pledges of the one or two bands it cuts,
-- instead of every pledge in the range (over half of them at a million pledges for min=1,000,000,000).
-- Triggers keep it exact on every write, by any connection, in the writer's own transaction.
--
-- A pledge's band is 3 × its number of digits + 0, 1 or 2 for a leading digit below 2, below 5, or 5 and
-- above (pledges.cube.ts: amountBand). no_horizon_count counts what PER_YEAR leaves NULL (no horizon to
-- spread a disclosed amount over), with the same test. Both are written once, in pledge_band_terms.
CREATE TABLE pledge_bands (
  sector            TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  country           TEXT    NOT NULL,
  -- 'none' when the pledges have no lever, as the filter spells it.
  lever             TEXT    NOT NULL,
  band              INTEGER NOT NULL,
  pledge_count      INTEGER NOT NULL,
  disclosed_count   INTEGER NOT NULL,
  known_share_count INTEGER NOT NULL,
  amount_usd        INTEGER NOT NULL,
  share_base_usd    INTEGER NOT NULL,
  us_usd            INTEGER NOT NULL,
  no_horizon_count  INTEGER NOT NULL,
  CONSTRAINT pledge_bands_pk PRIMARY KEY (sector, status, country, lever, band)
) WITHOUT ROWID;

-- Each pledge's part in its band's sums: the one place its band and the terms of the sums are written.
CREATE VIEW pledge_band_terms (id, sector, status, country, lever, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count) AS
SELECT id, sector, status, country, coalesce(lever, 'none'),
       CASE WHEN amount_usd IS NULL THEN -1
            ELSE length(amount_usd) * 3 + CASE WHEN substr(amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END
       END,
       1,
       amount_usd IS NOT NULL,
       amount_usd IS NOT NULL AND us_share_pct IS NOT NULL,
       coalesce(amount_usd, 0),
       CASE WHEN us_share_pct IS NOT NULL THEN coalesce(amount_usd, 0) ELSE 0 END,
       coalesce(CAST(round(amount_usd * us_share_pct / 100.0) AS INTEGER), 0),
       amount_usd IS NOT NULL AND horizon_years IS NULL
         AND NOT coalesce(horizon_end IS NOT NULL AND julianday(horizon_end) > julianday(substr(announced_on || '-01-01', 1, 10)), 0)
  FROM pledges;

-- What the table holds, computed afresh: it fills the table here, refills it after a bulk load (which sets the
-- triggers aside: bulk-load.ts), and the tests compare the two.
CREATE VIEW pledge_bands_computed (sector, status, country, lever, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count) AS
SELECT sector, status, country, lever, band, sum(pledge_count), sum(disclosed_count), sum(known_share_count), sum(amount_usd),
       sum(share_base_usd), sum(us_usd), sum(no_horizon_count)
  FROM pledge_band_terms
 GROUP BY sector, status, country, lever, band;

INSERT INTO pledge_bands SELECT * FROM pledge_bands_computed;

-- A pledge adds its terms to its band once written, and takes them back out before it is deleted or changed
-- (while the view still reads the row as it was); a band left with no pledge goes.
CREATE TRIGGER pledges_bands_insert AFTER INSERT ON pledges
BEGIN
  INSERT INTO pledge_bands
  SELECT sector, status, country, lever, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count
    FROM pledge_band_terms WHERE id = NEW.id
  ON CONFLICT (sector, status, country, lever, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count;
END;

CREATE TRIGGER pledges_bands_delete BEFORE DELETE ON pledges
BEGIN
  INSERT INTO pledge_bands
  SELECT sector, status, country, lever, band, -pledge_count, -disclosed_count, -known_share_count, -amount_usd,
         -share_base_usd, -us_usd, -no_horizon_count
    FROM pledge_band_terms WHERE id = OLD.id
  ON CONFLICT (sector, status, country, lever, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count;
  DELETE FROM pledge_bands
   WHERE pledge_count = 0
     AND (sector, status, country, lever, band) = (SELECT sector, status, country, lever, band FROM pledge_band_terms WHERE id = OLD.id);
END;

CREATE TRIGGER pledges_bands_update_before
BEFORE UPDATE OF sector, status, country, lever, amount_usd, us_share_pct, announced_on, horizon_years, horizon_end ON pledges
BEGIN
  INSERT INTO pledge_bands
  SELECT sector, status, country, lever, band, -pledge_count, -disclosed_count, -known_share_count, -amount_usd,
         -share_base_usd, -us_usd, -no_horizon_count
    FROM pledge_band_terms WHERE id = OLD.id
  ON CONFLICT (sector, status, country, lever, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count;
  DELETE FROM pledge_bands
   WHERE pledge_count = 0
     AND (sector, status, country, lever, band) = (SELECT sector, status, country, lever, band FROM pledge_band_terms WHERE id = OLD.id);
END;

CREATE TRIGGER pledges_bands_update
AFTER UPDATE OF sector, status, country, lever, amount_usd, us_share_pct, announced_on, horizon_years, horizon_end ON pledges
BEGIN
  INSERT INTO pledge_bands
  SELECT sector, status, country, lever, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count
    FROM pledge_band_terms WHERE id = NEW.id
  ON CONFLICT (sector, status, country, lever, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count;
END;
