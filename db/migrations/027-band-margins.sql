-- The amount bands (007) added up per value of each grouped field: for every field, value and band, the sums a
-- dashboard's grouped pass adds up. A view with an amount range and one grouped field selected (lever=tariffs and
-- a minimum, say) needs, besides the groups of its selection, each other value of that field under the range (what
-- the field's facet counts). Those came from every group of the range, about 19,000 grouped from 105,000 band rows
-- at a million generated pledges for a minimum of $1B; here they are a few rows of this table.
--
-- Kept exact by triggers on pledge_bands itself, as pledge_groups (014) is: each change of a band moves the six
-- margins it belongs to by the same amounts. A bulk load sets them aside and refills the table from
-- band_margins_computed after pledge_bands (server/platform/bulk-load.ts).
CREATE TABLE band_margins (
  field                   TEXT    NOT NULL,
  value                   TEXT    NOT NULL,
  band                    INTEGER NOT NULL,
  pledge_count            INTEGER NOT NULL,
  disclosed_count         INTEGER NOT NULL,
  known_share_count       INTEGER NOT NULL,
  amount_usd              INTEGER NOT NULL,
  share_base_usd          INTEGER NOT NULL,
  us_usd                  INTEGER NOT NULL,
  no_horizon_count        INTEGER NOT NULL,
  outside_us_count        INTEGER NOT NULL,
  us_bound_positive_count INTEGER NOT NULL,
  CONSTRAINT band_margins_pk PRIMARY KEY (field, value, band)
) WITHOUT ROWID;

CREATE VIEW band_margins_computed (field, value, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count) AS
SELECT field, value, band, sum(pledge_count), sum(disclosed_count), sum(known_share_count), sum(amount_usd), sum(share_base_usd), sum(us_usd), sum(no_horizon_count), sum(outside_us_count), sum(us_bound_positive_count)
  FROM (SELECT 'sector' AS field, sector AS value, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count FROM pledge_bands
        UNION ALL SELECT 'status', status, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count FROM pledge_bands
        UNION ALL SELECT 'country', country, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count FROM pledge_bands
        UNION ALL SELECT 'lever', lever, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count FROM pledge_bands
        UNION ALL SELECT 'pledger_kind', pledger_kind, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count FROM pledge_bands
        UNION ALL SELECT 'commitment_kind', commitment_kind, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count FROM pledge_bands)
 GROUP BY field, value, band;

INSERT INTO band_margins SELECT * FROM band_margins_computed;

-- A band's row added, moved by an upsert (an UPDATE here) or removed: its six margins move by its sums, and a
-- margin left with no pledge goes.
CREATE TRIGGER pledge_bands_insert_band_margins AFTER INSERT ON pledge_bands
BEGIN
  INSERT INTO band_margins (field, value, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count)
  SELECT f.field, f.value, NEW.band, NEW.pledge_count, NEW.disclosed_count, NEW.known_share_count, NEW.amount_usd, NEW.share_base_usd, NEW.us_usd, NEW.no_horizon_count, NEW.outside_us_count, NEW.us_bound_positive_count
    FROM (SELECT 'sector' AS field, NEW.sector AS value
          UNION ALL SELECT 'status', NEW.status
          UNION ALL SELECT 'country', NEW.country
          UNION ALL SELECT 'lever', NEW.lever
          UNION ALL SELECT 'pledger_kind', NEW.pledger_kind
          UNION ALL SELECT 'commitment_kind', NEW.commitment_kind) f WHERE true
  ON CONFLICT (field, value, band) DO UPDATE SET
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

CREATE TRIGGER pledge_bands_update_band_margins AFTER UPDATE ON pledge_bands
BEGIN
  INSERT INTO band_margins (field, value, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count)
  SELECT f.field, f.value, OLD.band, -OLD.pledge_count, -OLD.disclosed_count, -OLD.known_share_count, -OLD.amount_usd, -OLD.share_base_usd, -OLD.us_usd, -OLD.no_horizon_count, -OLD.outside_us_count, -OLD.us_bound_positive_count
    FROM (SELECT 'sector' AS field, OLD.sector AS value
          UNION ALL SELECT 'status', OLD.status
          UNION ALL SELECT 'country', OLD.country
          UNION ALL SELECT 'lever', OLD.lever
          UNION ALL SELECT 'pledger_kind', OLD.pledger_kind
          UNION ALL SELECT 'commitment_kind', OLD.commitment_kind) f WHERE true
  ON CONFLICT (field, value, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count,
    outside_us_count = outside_us_count + excluded.outside_us_count,
    us_bound_positive_count = us_bound_positive_count + excluded.us_bound_positive_count;
  INSERT INTO band_margins (field, value, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count)
  SELECT f.field, f.value, NEW.band, NEW.pledge_count, NEW.disclosed_count, NEW.known_share_count, NEW.amount_usd, NEW.share_base_usd, NEW.us_usd, NEW.no_horizon_count, NEW.outside_us_count, NEW.us_bound_positive_count
    FROM (SELECT 'sector' AS field, NEW.sector AS value
          UNION ALL SELECT 'status', NEW.status
          UNION ALL SELECT 'country', NEW.country
          UNION ALL SELECT 'lever', NEW.lever
          UNION ALL SELECT 'pledger_kind', NEW.pledger_kind
          UNION ALL SELECT 'commitment_kind', NEW.commitment_kind) f WHERE true
  ON CONFLICT (field, value, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count,
    outside_us_count = outside_us_count + excluded.outside_us_count,
    us_bound_positive_count = us_bound_positive_count + excluded.us_bound_positive_count;
  DELETE FROM band_margins
   WHERE band = OLD.band AND pledge_count = 0 AND (field, value) IN (SELECT 'sector' AS field, OLD.sector AS value
          UNION ALL SELECT 'status', OLD.status
          UNION ALL SELECT 'country', OLD.country
          UNION ALL SELECT 'lever', OLD.lever
          UNION ALL SELECT 'pledger_kind', OLD.pledger_kind
          UNION ALL SELECT 'commitment_kind', OLD.commitment_kind);
END;

CREATE TRIGGER pledge_bands_delete_band_margins AFTER DELETE ON pledge_bands
BEGIN
  INSERT INTO band_margins (field, value, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count)
  SELECT f.field, f.value, OLD.band, -OLD.pledge_count, -OLD.disclosed_count, -OLD.known_share_count, -OLD.amount_usd, -OLD.share_base_usd, -OLD.us_usd, -OLD.no_horizon_count, -OLD.outside_us_count, -OLD.us_bound_positive_count
    FROM (SELECT 'sector' AS field, OLD.sector AS value
          UNION ALL SELECT 'status', OLD.status
          UNION ALL SELECT 'country', OLD.country
          UNION ALL SELECT 'lever', OLD.lever
          UNION ALL SELECT 'pledger_kind', OLD.pledger_kind
          UNION ALL SELECT 'commitment_kind', OLD.commitment_kind) f WHERE true
  ON CONFLICT (field, value, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count,
    outside_us_count = outside_us_count + excluded.outside_us_count,
    us_bound_positive_count = us_bound_positive_count + excluded.us_bound_positive_count;
  DELETE FROM band_margins
   WHERE band = OLD.band AND pledge_count = 0 AND (field, value) IN (SELECT 'sector' AS field, OLD.sector AS value
          UNION ALL SELECT 'status', OLD.status
          UNION ALL SELECT 'country', OLD.country
          UNION ALL SELECT 'lever', OLD.lever
          UNION ALL SELECT 'pledger_kind', OLD.pledger_kind
          UNION ALL SELECT 'commitment_kind', OLD.commitment_kind);
END;
