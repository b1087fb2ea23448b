-- The waterfall from announced to new US investment (issue 17 §3; docs/methodology.md).
--
-- The pledges that stated their new part are read one by one by the waterfall's ledger, with those in a relation
-- and those of $0 (pledges.waterfall.sql.ts): this index finds them without reading every pledge, as the amount
-- index finds those of $0.
CREATE INDEX pledges_new_money_idx ON pledges (new_money_usd) WHERE new_money_usd IS NOT NULL;

-- The US part of an amount becomes exact integer arithmetic (the share in hundredths of a percent, rounded half
-- up; the amount split so that no product passes 64 bits), the same text as usPart in pledges.waterfall.sql.ts,
-- instead of a float product: the headline's US figure and the waterfall's never differ by a rounding.
--
-- The amount bands (007, 011) gain what the waterfall needs of the pledges it does not read one by one, so that a
-- dashboard filtered by amounts and the grouped fields alone (or not at all) gets the waterfall of the vast
-- majority of its pledges without reading them (the same text as rowTerms in pledges.waterfall.sql.ts):
--   outside_us_count         disclosed amounts above zero with a part outside the US, or an unknown share
--   us_bound_positive_count  disclosed amounts whose US part (all of it when the share is unknown) is above zero
ALTER TABLE pledge_bands ADD COLUMN outside_us_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pledge_bands ADD COLUMN us_bound_positive_count INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER pledges_bands_insert;
DROP TRIGGER pledges_bands_delete;
DROP TRIGGER pledges_bands_update_before;
DROP TRIGGER pledges_bands_update;
DROP VIEW pledge_bands_computed;
DROP VIEW pledge_band_terms;

CREATE VIEW pledge_band_terms (id, sector, status, country, lever, pledger_kind, commitment_kind, band,
                               pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count) AS
SELECT id, sector, status, country, coalesce(lever, 'none'), coalesce(pledger_kind, 'unknown'), coalesce(commitment_kind, 'unknown'),
       CASE WHEN amount_usd IS NULL THEN -1
            ELSE length(amount_usd) * 3 + CASE WHEN substr(amount_usd, 1, 1) >= '5' THEN 2 WHEN substr(amount_usd, 1, 1) >= '2' THEN 1 ELSE 0 END
       END,
       1,
       amount_usd IS NOT NULL,
       amount_usd IS NOT NULL AND us_share_pct IS NOT NULL,
       coalesce(amount_usd, 0),
       CASE WHEN us_share_pct IS NOT NULL THEN coalesce(amount_usd, 0) ELSE 0 END,
       coalesce((amount_usd / 10000 * CAST(round(us_share_pct * 100) AS INTEGER) + (amount_usd % 10000 * CAST(round(us_share_pct * 100) AS INTEGER) + 5000) / 10000), 0),
       amount_usd IS NOT NULL AND horizon_years IS NULL
         AND NOT coalesce(horizon_end IS NOT NULL
                          AND horizon_end >= coalesce(horizon_start, substr(announced_on || '-01-01', 1, 10)), 0),
       coalesce(amount_usd > 0 AND (us_share_pct IS NULL OR ((us_share_pct < 99.99 OR CAST(round(us_share_pct * 100) AS INTEGER) < 10000) AND (amount_usd > 5000 OR amount_usd * (10000 - CAST(round(us_share_pct * 100) AS INTEGER)) > 5000))), 0),
       coalesce(amount_usd > 0 AND (us_share_pct IS NULL OR ((us_share_pct > 0.01 OR CAST(round(us_share_pct * 100) AS INTEGER) > 0) AND (amount_usd >= 5000 OR amount_usd * CAST(round(us_share_pct * 100) AS INTEGER) >= 5000))), 0)
  FROM pledges;

CREATE VIEW pledge_bands_computed (sector, status, country, lever, pledger_kind, commitment_kind, band,
                                   pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count) AS
SELECT sector, status, country, lever, pledger_kind, commitment_kind, band, sum(pledge_count), sum(disclosed_count), sum(known_share_count), sum(amount_usd), sum(share_base_usd), sum(us_usd), sum(no_horizon_count), sum(outside_us_count), sum(us_bound_positive_count)
  FROM pledge_band_terms
 GROUP BY sector, status, country, lever, pledger_kind, commitment_kind, band;

DELETE FROM pledge_bands;
INSERT INTO pledge_bands SELECT * FROM pledge_bands_computed;

CREATE TRIGGER pledges_bands_insert AFTER INSERT ON pledges
BEGIN
  INSERT INTO pledge_bands
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, band,
         pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count
    FROM pledge_band_terms WHERE id = NEW.id
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, band) DO UPDATE SET
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

CREATE TRIGGER pledges_bands_delete BEFORE DELETE ON pledges
BEGIN
  INSERT INTO pledge_bands
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, band,
         -pledge_count, -disclosed_count, -known_share_count, -amount_usd, -share_base_usd, -us_usd, -no_horizon_count, -outside_us_count, -us_bound_positive_count
    FROM pledge_band_terms WHERE id = OLD.id
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count,
    outside_us_count = outside_us_count + excluded.outside_us_count,
    us_bound_positive_count = us_bound_positive_count + excluded.us_bound_positive_count;
  DELETE FROM pledge_bands
   WHERE pledge_count = 0
     AND (sector, status, country, lever, pledger_kind, commitment_kind, band) = (SELECT sector, status, country, lever, pledger_kind, commitment_kind, band FROM pledge_band_terms WHERE id = OLD.id);
END;

CREATE TRIGGER pledges_bands_update_before
BEFORE UPDATE OF sector, status, country, lever, pledger_kind, commitment_kind, amount_usd, us_share_pct, announced_on, horizon_years, horizon_end, horizon_start ON pledges
BEGIN
  INSERT INTO pledge_bands
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, band,
         -pledge_count, -disclosed_count, -known_share_count, -amount_usd, -share_base_usd, -us_usd, -no_horizon_count, -outside_us_count, -us_bound_positive_count
    FROM pledge_band_terms WHERE id = OLD.id
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count,
    outside_us_count = outside_us_count + excluded.outside_us_count,
    us_bound_positive_count = us_bound_positive_count + excluded.us_bound_positive_count;
  DELETE FROM pledge_bands
   WHERE pledge_count = 0
     AND (sector, status, country, lever, pledger_kind, commitment_kind, band) = (SELECT sector, status, country, lever, pledger_kind, commitment_kind, band FROM pledge_band_terms WHERE id = OLD.id);
END;

CREATE TRIGGER pledges_bands_update
AFTER UPDATE OF sector, status, country, lever, pledger_kind, commitment_kind, amount_usd, us_share_pct, announced_on, horizon_years, horizon_end, horizon_start ON pledges
BEGIN
  INSERT INTO pledge_bands
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, band,
         pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count
    FROM pledge_band_terms WHERE id = NEW.id
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, band) DO UPDATE SET
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
