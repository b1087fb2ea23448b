-- The dashboard's grouped pass (pledges.cube.ts) pre-grouped by amount: for every sector, status, country and
-- lever, the pledges' counts and sums in amount bands of three a decade (1-2-5: [1, 2), [2, 5), [5, 10),
-- [10, 20), ...; band -1 holds the undisclosed amounts). A dashboard filtered by amount alone then adds up the
-- bands the range covers whole and reads from the table only the pledges of the one or two bands it cuts,
-- instead of every pledge in the range (over half of them at a million pledges for min=1,000,000,000).
-- Triggers keep it exact on every write, by any connection, in the writer's own transaction.
--
-- A pledge's band is 3 × its number of digits + 0, 1 or 2 for a leading digit below 2, below 5, or 5 and
-- above (pledges.cube.ts: amountBand). no_horizon_count counts what PER_YEAR leaves NULL (no horizon to
-- spread a disclosed amount over), with the same test.
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

-- What the table holds, computed afresh: it fills the table here, refills it after a bulk load (which drops the
-- triggers: pledges.repository.ts, endBulkLoad), and the tests compare the two.
CREATE VIEW pledge_bands_computed (sector, status, country, lever, band, pledge_count, disclosed_count, known_share_count,
                                   amount_usd, share_base_usd, us_usd, no_horizon_count) AS
SELECT sector, status, country, coalesce(lever, 'none'),
       CASE WHEN amount_usd IS NULL THEN -1
            ELSE length(amount_usd) * 3 + CASE WHEN substr(amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END
       END,
       count(*),
       count(amount_usd),
       count(CASE WHEN amount_usd IS NOT NULL THEN us_share_pct END),
       coalesce(sum(amount_usd), 0),
       coalesce(sum(CASE WHEN us_share_pct IS NOT NULL THEN amount_usd END), 0),
       coalesce(sum(CAST(round(amount_usd * us_share_pct / 100.0) AS INTEGER)), 0),
       count(CASE WHEN amount_usd IS NOT NULL AND horizon_years IS NULL
                   AND NOT coalesce(horizon_end IS NOT NULL AND julianday(horizon_end) > julianday(substr(announced_on || '-01-01', 1, 10)), 0)
                  THEN 1 END)
  FROM pledges
 GROUP BY 1, 2, 3, 4, 5;

INSERT INTO pledge_bands SELECT * FROM pledge_bands_computed;

CREATE TRIGGER pledges_bands_insert AFTER INSERT ON pledges
BEGIN
  INSERT INTO pledge_bands
  VALUES (NEW.sector, NEW.status, NEW.country, coalesce(NEW.lever, 'none'),
          CASE WHEN NEW.amount_usd IS NULL THEN -1
               ELSE length(NEW.amount_usd) * 3 + CASE WHEN substr(NEW.amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(NEW.amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END
          END,
          1,
          NEW.amount_usd IS NOT NULL,
          NEW.amount_usd IS NOT NULL AND NEW.us_share_pct IS NOT NULL,
          coalesce(NEW.amount_usd, 0),
          CASE WHEN NEW.us_share_pct IS NOT NULL THEN coalesce(NEW.amount_usd, 0) ELSE 0 END,
          coalesce(CAST(round(NEW.amount_usd * NEW.us_share_pct / 100.0) AS INTEGER), 0),
          NEW.amount_usd IS NOT NULL AND NEW.horizon_years IS NULL
            AND NOT coalesce(NEW.horizon_end IS NOT NULL AND julianday(NEW.horizon_end) > julianday(substr(NEW.announced_on || '-01-01', 1, 10)), 0))
  ON CONFLICT (sector, status, country, lever, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count;
END;

CREATE TRIGGER pledges_bands_delete AFTER DELETE ON pledges
BEGIN
  UPDATE pledge_bands SET
    pledge_count = pledge_count - 1,
    disclosed_count = disclosed_count - (OLD.amount_usd IS NOT NULL),
    known_share_count = known_share_count - (OLD.amount_usd IS NOT NULL AND OLD.us_share_pct IS NOT NULL),
    amount_usd = amount_usd - coalesce(OLD.amount_usd, 0),
    share_base_usd = share_base_usd - CASE WHEN OLD.us_share_pct IS NOT NULL THEN coalesce(OLD.amount_usd, 0) ELSE 0 END,
    us_usd = us_usd - coalesce(CAST(round(OLD.amount_usd * OLD.us_share_pct / 100.0) AS INTEGER), 0),
    no_horizon_count = no_horizon_count - (OLD.amount_usd IS NOT NULL AND OLD.horizon_years IS NULL
      AND NOT coalesce(OLD.horizon_end IS NOT NULL AND julianday(OLD.horizon_end) > julianday(substr(OLD.announced_on || '-01-01', 1, 10)), 0))
  WHERE sector = OLD.sector AND status = OLD.status AND country = OLD.country AND lever = coalesce(OLD.lever, 'none')
    AND band = CASE WHEN OLD.amount_usd IS NULL THEN -1
                    ELSE length(OLD.amount_usd) * 3 + CASE WHEN substr(OLD.amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(OLD.amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END
               END;
  DELETE FROM pledge_bands WHERE pledge_count = 0
    AND sector = OLD.sector AND status = OLD.status AND country = OLD.country AND lever = coalesce(OLD.lever, 'none');
END;

-- An edit moves the pledge out of its old band and into its new one, as a delete and an insert would.
CREATE TRIGGER pledges_bands_update
AFTER UPDATE OF sector, status, country, lever, amount_usd, us_share_pct, announced_on, horizon_years, horizon_end ON pledges
BEGIN
  UPDATE pledge_bands SET
    pledge_count = pledge_count - 1,
    disclosed_count = disclosed_count - (OLD.amount_usd IS NOT NULL),
    known_share_count = known_share_count - (OLD.amount_usd IS NOT NULL AND OLD.us_share_pct IS NOT NULL),
    amount_usd = amount_usd - coalesce(OLD.amount_usd, 0),
    share_base_usd = share_base_usd - CASE WHEN OLD.us_share_pct IS NOT NULL THEN coalesce(OLD.amount_usd, 0) ELSE 0 END,
    us_usd = us_usd - coalesce(CAST(round(OLD.amount_usd * OLD.us_share_pct / 100.0) AS INTEGER), 0),
    no_horizon_count = no_horizon_count - (OLD.amount_usd IS NOT NULL AND OLD.horizon_years IS NULL
      AND NOT coalesce(OLD.horizon_end IS NOT NULL AND julianday(OLD.horizon_end) > julianday(substr(OLD.announced_on || '-01-01', 1, 10)), 0))
  WHERE sector = OLD.sector AND status = OLD.status AND country = OLD.country AND lever = coalesce(OLD.lever, 'none')
    AND band = CASE WHEN OLD.amount_usd IS NULL THEN -1
                    ELSE length(OLD.amount_usd) * 3 + CASE WHEN substr(OLD.amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(OLD.amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END
               END;
  DELETE FROM pledge_bands WHERE pledge_count = 0
    AND sector = OLD.sector AND status = OLD.status AND country = OLD.country AND lever = coalesce(OLD.lever, 'none');
  INSERT INTO pledge_bands
  VALUES (NEW.sector, NEW.status, NEW.country, coalesce(NEW.lever, 'none'),
          CASE WHEN NEW.amount_usd IS NULL THEN -1
               ELSE length(NEW.amount_usd) * 3 + CASE WHEN substr(NEW.amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(NEW.amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END
          END,
          1,
          NEW.amount_usd IS NOT NULL,
          NEW.amount_usd IS NOT NULL AND NEW.us_share_pct IS NOT NULL,
          coalesce(NEW.amount_usd, 0),
          CASE WHEN NEW.us_share_pct IS NOT NULL THEN coalesce(NEW.amount_usd, 0) ELSE 0 END,
          coalesce(CAST(round(NEW.amount_usd * NEW.us_share_pct / 100.0) AS INTEGER), 0),
          NEW.amount_usd IS NOT NULL AND NEW.horizon_years IS NULL
            AND NOT coalesce(NEW.horizon_end IS NOT NULL AND julianday(NEW.horizon_end) > julianday(substr(NEW.announced_on || '-01-01', 1, 10)), 0))
  ON CONFLICT (sector, status, country, lever, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count;
END;
