-- The pledger facet per value of each grouped field and amount band (007's bands: three a decade, 1-2-5): each
-- pledger's count and summed amount among the pledges of one sector (or status, country, lever, kind) in one band.
-- A view with an amount range and at most one grouped field selected (lever=tariffs&min=1000000000, min=5000000000)
-- adds up the bands its range covers whole and reads only the pledges of a band it cuts, as the grouped pass does
-- (dashboard.cube.ts: bandedCube). Before, it grouped every pledge of the range by pledger through the cube index:
-- 98,805 pledges of 180,000 index entries read for lever=tariffs&min=1000000000 at a million generated pledges.
-- The amounts a reader types (1B, 500M, 2B) fall on the bands' edges.
--
-- Kept exact by the triggers below; a bulk load sets them aside and refills the table from
-- pledger_margins_computed (server/platform/bulk-load.ts).
CREATE TABLE pledger_margins (
  field        TEXT    NOT NULL,
  value        TEXT    NOT NULL,
  band         INTEGER NOT NULL,
  pledger      TEXT    NOT NULL,
  pledge_count INTEGER NOT NULL,
  amount_usd   INTEGER NOT NULL,
  CONSTRAINT pledger_margins_pk PRIMARY KEY (field, value, band, pledger)
) WITHOUT ROWID;

-- Each field's values spelled as the filter spells them (no lever 'none', no kind 'unknown'); the band as
-- pledge_band_terms (012) numbers it, -1 for an undisclosed amount.
CREATE VIEW pledger_margins_computed (field, value, band, pledger, pledge_count, amount_usd) AS
WITH banded AS MATERIALIZED (
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, pledger, amount_usd,
         CASE WHEN amount_usd IS NULL THEN -1 ELSE length(amount_usd) * 3 + CASE WHEN substr(amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END END AS band
    FROM pledges)
SELECT field, value, band, pledger, count(*), coalesce(sum(amount_usd), 0)
  FROM (SELECT 'sector' AS field, sector AS value, band, pledger, amount_usd FROM banded
        UNION ALL SELECT 'status', status, band, pledger, amount_usd FROM banded
        UNION ALL SELECT 'country', country, band, pledger, amount_usd FROM banded
        UNION ALL SELECT 'lever', coalesce(lever, 'none'), band, pledger, amount_usd FROM banded
        UNION ALL SELECT 'pledger_kind', coalesce(pledger_kind, 'unknown'), band, pledger, amount_usd FROM banded
        UNION ALL SELECT 'commitment_kind', coalesce(commitment_kind, 'unknown'), band, pledger, amount_usd FROM banded)
 GROUP BY field, value, band, pledger;

INSERT INTO pledger_margins SELECT * FROM pledger_margins_computed;

-- A pledge added, changed or removed moves its six rows (one per field) by itself; a row left with no pledge goes.
CREATE TRIGGER pledges_insert_pledger_margins AFTER INSERT ON pledges
BEGIN
  INSERT INTO pledger_margins (field, value, band, pledger, pledge_count, amount_usd)
  SELECT f.field, f.value, CASE WHEN NEW.amount_usd IS NULL THEN -1 ELSE length(NEW.amount_usd) * 3 + CASE WHEN substr(NEW.amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(NEW.amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END END, NEW.pledger, 1, coalesce(NEW.amount_usd, 0)
    FROM (SELECT 'sector' AS field, NEW.sector AS value
          UNION ALL SELECT 'status', NEW.status
          UNION ALL SELECT 'country', NEW.country
          UNION ALL SELECT 'lever', coalesce(NEW.lever, 'none')
          UNION ALL SELECT 'pledger_kind', coalesce(NEW.pledger_kind, 'unknown')
          UNION ALL SELECT 'commitment_kind', coalesce(NEW.commitment_kind, 'unknown')) f WHERE true
  ON CONFLICT (field, value, band, pledger) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    amount_usd = amount_usd + excluded.amount_usd;
END;

CREATE TRIGGER pledges_update_pledger_margins
AFTER UPDATE OF sector, status, country, lever, pledger_kind, commitment_kind, pledger, amount_usd ON pledges
BEGIN
  INSERT INTO pledger_margins (field, value, band, pledger, pledge_count, amount_usd)
  SELECT f.field, f.value, CASE WHEN OLD.amount_usd IS NULL THEN -1 ELSE length(OLD.amount_usd) * 3 + CASE WHEN substr(OLD.amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(OLD.amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END END, OLD.pledger, -1, -coalesce(OLD.amount_usd, 0)
    FROM (SELECT 'sector' AS field, OLD.sector AS value
          UNION ALL SELECT 'status', OLD.status
          UNION ALL SELECT 'country', OLD.country
          UNION ALL SELECT 'lever', coalesce(OLD.lever, 'none')
          UNION ALL SELECT 'pledger_kind', coalesce(OLD.pledger_kind, 'unknown')
          UNION ALL SELECT 'commitment_kind', coalesce(OLD.commitment_kind, 'unknown')) f WHERE true
  ON CONFLICT (field, value, band, pledger) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    amount_usd = amount_usd + excluded.amount_usd;
  DELETE FROM pledger_margins
   WHERE band = CASE WHEN OLD.amount_usd IS NULL THEN -1 ELSE length(OLD.amount_usd) * 3 + CASE WHEN substr(OLD.amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(OLD.amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END END AND pledger = OLD.pledger AND pledge_count = 0
     AND (field, value) IN (SELECT 'sector' AS field, OLD.sector AS value
          UNION ALL SELECT 'status', OLD.status
          UNION ALL SELECT 'country', OLD.country
          UNION ALL SELECT 'lever', coalesce(OLD.lever, 'none')
          UNION ALL SELECT 'pledger_kind', coalesce(OLD.pledger_kind, 'unknown')
          UNION ALL SELECT 'commitment_kind', coalesce(OLD.commitment_kind, 'unknown'));
  INSERT INTO pledger_margins (field, value, band, pledger, pledge_count, amount_usd)
  SELECT f.field, f.value, CASE WHEN NEW.amount_usd IS NULL THEN -1 ELSE length(NEW.amount_usd) * 3 + CASE WHEN substr(NEW.amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(NEW.amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END END, NEW.pledger, 1, coalesce(NEW.amount_usd, 0)
    FROM (SELECT 'sector' AS field, NEW.sector AS value
          UNION ALL SELECT 'status', NEW.status
          UNION ALL SELECT 'country', NEW.country
          UNION ALL SELECT 'lever', coalesce(NEW.lever, 'none')
          UNION ALL SELECT 'pledger_kind', coalesce(NEW.pledger_kind, 'unknown')
          UNION ALL SELECT 'commitment_kind', coalesce(NEW.commitment_kind, 'unknown')) f WHERE true
  ON CONFLICT (field, value, band, pledger) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    amount_usd = amount_usd + excluded.amount_usd;
END;

CREATE TRIGGER pledges_delete_pledger_margins AFTER DELETE ON pledges
BEGIN
  INSERT INTO pledger_margins (field, value, band, pledger, pledge_count, amount_usd)
  SELECT f.field, f.value, CASE WHEN OLD.amount_usd IS NULL THEN -1 ELSE length(OLD.amount_usd) * 3 + CASE WHEN substr(OLD.amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(OLD.amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END END, OLD.pledger, -1, -coalesce(OLD.amount_usd, 0)
    FROM (SELECT 'sector' AS field, OLD.sector AS value
          UNION ALL SELECT 'status', OLD.status
          UNION ALL SELECT 'country', OLD.country
          UNION ALL SELECT 'lever', coalesce(OLD.lever, 'none')
          UNION ALL SELECT 'pledger_kind', coalesce(OLD.pledger_kind, 'unknown')
          UNION ALL SELECT 'commitment_kind', coalesce(OLD.commitment_kind, 'unknown')) f WHERE true
  ON CONFLICT (field, value, band, pledger) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    amount_usd = amount_usd + excluded.amount_usd;
  DELETE FROM pledger_margins
   WHERE band = CASE WHEN OLD.amount_usd IS NULL THEN -1 ELSE length(OLD.amount_usd) * 3 + CASE WHEN substr(OLD.amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(OLD.amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END END AND pledger = OLD.pledger AND pledge_count = 0
     AND (field, value) IN (SELECT 'sector' AS field, OLD.sector AS value
          UNION ALL SELECT 'status', OLD.status
          UNION ALL SELECT 'country', OLD.country
          UNION ALL SELECT 'lever', coalesce(OLD.lever, 'none')
          UNION ALL SELECT 'pledger_kind', coalesce(OLD.pledger_kind, 'unknown')
          UNION ALL SELECT 'commitment_kind', coalesce(OLD.commitment_kind, 'unknown'));
END;
