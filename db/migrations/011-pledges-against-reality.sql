-- Pledges against reality (issue 17): who pledges (a company, a government, a joint venture or fund), what kind of
-- commitment it is, when its horizon starts, the part described as new money, relations between pledges, and a
-- note on each status step.

ALTER TABLE pledges ADD COLUMN pledger_kind TEXT CONSTRAINT pledges_pledger_kind_valid
  CHECK (pledger_kind IS NULL OR pledger_kind IN ('company', 'government', 'joint_venture'));
ALTER TABLE pledges ADD COLUMN commitment_kind TEXT CONSTRAINT pledges_commitment_kind_valid
  CHECK (commitment_kind IS NULL OR commitment_kind IN ('capital_spending', 'fund', 'purchases_trade', 'mixed'));
-- NULL: the horizon starts on the announced date.
ALTER TABLE pledges ADD COLUMN horizon_start TEXT CONSTRAINT pledges_horizon_start_format
  CHECK (horizon_start IS NULL OR horizon_start GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]');
-- The part the pledger described as new; NULL when it said nothing (unknown, never assumed to be all or none).
ALTER TABLE pledges ADD COLUMN new_money_usd INTEGER CONSTRAINT pledges_new_money_range
  CHECK (new_money_usd IS NULL OR (typeof(new_money_usd) = 'integer' AND new_money_usd >= 0
         AND (amount_usd IS NULL OR new_money_usd <= amount_usd)));

ALTER TABLE status_changes ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- "pledge_id KIND other_id": P40 supersedes P06 (P06 is counted once, at P40's figure); P54 contains P17 (P17's
-- money, or amount_usd of it, is inside P54); P15 overlaps P08 (amount_usd dollars are counted in both; NULL when
-- the size is unknown); P49 repeats P... (amount_usd of it re-announces that earlier pledge, or, with no other
-- pledge, an earlier plan the tracker does not hold). docs/methodology.md says how the waterfall reads them.
CREATE TABLE pledge_relations (
  id           INTEGER PRIMARY KEY,
  pledge_id    INTEGER NOT NULL CONSTRAINT pledge_relations_pledge_fk REFERENCES pledges (id) ON DELETE CASCADE,
  kind         TEXT    NOT NULL CONSTRAINT pledge_relations_kind_valid
                 CHECK (kind IN ('supersedes', 'contains', 'overlaps', 'repeats')),
  other_id     INTEGER CONSTRAINT pledge_relations_other_fk REFERENCES pledges (id) ON DELETE CASCADE,
  amount_usd   INTEGER CONSTRAINT pledge_relations_amount_range
                 CHECK (amount_usd IS NULL OR (typeof(amount_usd) = 'integer' AND amount_usd >= 0 AND amount_usd <= 1000000000000000)),
  note         TEXT    NOT NULL DEFAULT '',
  source_url   TEXT    CONSTRAINT pledge_relations_source_http
                 CHECK (source_url IS NULL OR source_url GLOB 'http://?*' OR source_url GLOB 'https://?*'),
  source_title TEXT    NOT NULL DEFAULT '',
  created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CONSTRAINT pledge_relations_other_needed CHECK (other_id IS NOT NULL OR kind = 'repeats'),
  CONSTRAINT pledge_relations_not_itself CHECK (other_id IS NULL OR other_id <> pledge_id)
);
CREATE UNIQUE INDEX pledge_relations_unique ON pledge_relations (pledge_id, kind, coalesce(other_id, 0));
CREATE INDEX pledge_relations_other_idx ON pledge_relations (other_id, kind);

CREATE TRIGGER pledge_relations_insert_data_version AFTER INSERT ON pledge_relations
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;
CREATE TRIGGER pledge_relations_update_data_version AFTER UPDATE ON pledge_relations
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;
CREATE TRIGGER pledge_relations_delete_data_version AFTER DELETE ON pledge_relations
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

-- A horizon now runs from its start (else the announcement) to its end: the indexes that carry what the per-year
-- figure reads carry the start too; the two kinds join the fields the dashboard's grouped pass groups by.
DROP INDEX pledges_cube_idx;
CREATE INDEX pledges_cube_idx ON pledges
  (sector, status, country, lever, pledger_kind, commitment_kind, pledger, amount_usd, us_share_pct, announced_on, horizon_years,
   horizon_end, horizon_start);
DROP INDEX pledges_sector_idx;
CREATE INDEX pledges_sector_idx ON pledges (sector, announced_on, amount_usd, horizon_years, horizon_end, horizon_start);
DROP INDEX pledges_status_idx;
CREATE INDEX pledges_status_idx ON pledges (status, announced_on, amount_usd, horizon_years, horizon_end, horizon_start);
DROP INDEX pledges_country_idx;
CREATE INDEX pledges_country_idx ON pledges (country, announced_on, amount_usd, horizon_years, horizon_end, horizon_start);
DROP INDEX pledges_lever_idx;
CREATE INDEX pledges_lever_idx ON pledges (lever, announced_on, amount_usd, horizon_years, horizon_end, horizon_start);
DROP INDEX pledges_pledger_idx;
CREATE INDEX pledges_pledger_idx ON pledges (pledger, announced_on, amount_usd, horizon_years, horizon_end, horizon_start);
-- Each kind leads an index of its own, as every facet field does (dashboard.summary.ts reads one when it is the only
-- field chosen).
CREATE INDEX pledges_pledger_kind_idx ON pledges (pledger_kind, announced_on, amount_usd, horizon_years, horizon_end, horizon_start);
CREATE INDEX pledges_commitment_kind_idx ON pledges (commitment_kind, announced_on, amount_usd, horizon_years, horizon_end, horizon_start);
DROP INDEX pledges_announced_on_idx;
CREATE INDEX pledges_announced_on_idx ON pledges
  (announced_on, amount_usd, horizon_years, horizon_end, horizon_start, us_share_pct, sector, status, country, lever, pledger,
   pledger_kind, commitment_kind);
-- The same text as PER_YEAR in pledges.sql.ts, without the table alias: a horizon runs from its start (else the
-- announcement) to the end of its end date, in calendar months.
DROP INDEX pledges_per_year_idx;
CREATE INDEX pledges_per_year_idx ON pledges ((CAST(round(amount_usd / (CASE
  WHEN horizon_years IS NOT NULL THEN horizon_years
  WHEN horizon_end IS NOT NULL AND horizon_end >= coalesce(horizon_start, substr(announced_on || '-01-01', 1, 10))
  THEN ((strftime('%Y', date(horizon_end, '+1 day')) - strftime('%Y', coalesce(horizon_start, substr(announced_on || '-01-01', 1, 10)))) * 12 + strftime('%m', date(horizon_end, '+1 day')) - strftime('%m', coalesce(horizon_start, substr(announced_on || '-01-01', 1, 10)))
        + (strftime('%d', date(horizon_end, '+1 day')) - strftime('%d', coalesce(horizon_start, substr(announced_on || '-01-01', 1, 10)))) / 30.4375) / 12.0
END)) AS INTEGER)) DESC) WHERE amount_usd IS NOT NULL;

-- The amount bands (007) group by the two kinds as well ('unknown' when none is recorded, as the filter spells
-- it), and count what has no horizon with the same test as PER_YEAR, the start included: the table, its views and
-- its triggers are made again.
DROP TRIGGER pledges_bands_insert;
DROP TRIGGER pledges_bands_delete;
DROP TRIGGER pledges_bands_update;
DROP TRIGGER pledges_bands_update_before;
DROP VIEW pledge_bands_computed;
DROP VIEW pledge_band_terms;
DROP TABLE pledge_bands;

CREATE TABLE pledge_bands (
  sector            TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  country           TEXT    NOT NULL,
  lever             TEXT    NOT NULL,
  pledger_kind      TEXT    NOT NULL,
  commitment_kind   TEXT    NOT NULL,
  band              INTEGER NOT NULL,
  pledge_count      INTEGER NOT NULL,
  disclosed_count   INTEGER NOT NULL,
  known_share_count INTEGER NOT NULL,
  amount_usd        INTEGER NOT NULL,
  share_base_usd    INTEGER NOT NULL,
  us_usd            INTEGER NOT NULL,
  no_horizon_count  INTEGER NOT NULL,
  CONSTRAINT pledge_bands_pk PRIMARY KEY (sector, status, country, lever, pledger_kind, commitment_kind, band)
) WITHOUT ROWID;

CREATE VIEW pledge_band_terms (id, sector, status, country, lever, pledger_kind, commitment_kind, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count) AS
SELECT id, sector, status, country, coalesce(lever, 'none'), coalesce(pledger_kind, 'unknown'), coalesce(commitment_kind, 'unknown'),
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
         AND NOT coalesce(horizon_end IS NOT NULL
                          AND horizon_end >= coalesce(horizon_start, substr(announced_on || '-01-01', 1, 10)), 0)
  FROM pledges;

CREATE VIEW pledge_bands_computed (sector, status, country, lever, pledger_kind, commitment_kind, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count) AS
SELECT sector, status, country, lever, pledger_kind, commitment_kind, band, sum(pledge_count), sum(disclosed_count), sum(known_share_count),
       sum(amount_usd), sum(share_base_usd), sum(us_usd), sum(no_horizon_count)
  FROM pledge_band_terms
 GROUP BY sector, status, country, lever, pledger_kind, commitment_kind, band;

INSERT INTO pledge_bands SELECT * FROM pledge_bands_computed;

CREATE TRIGGER pledges_bands_insert AFTER INSERT ON pledges
BEGIN
  INSERT INTO pledge_bands
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count
    FROM pledge_band_terms WHERE id = NEW.id
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, band) DO UPDATE SET
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
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, band, -pledge_count, -disclosed_count, -known_share_count, -amount_usd,
         -share_base_usd, -us_usd, -no_horizon_count
    FROM pledge_band_terms WHERE id = OLD.id
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count;
  DELETE FROM pledge_bands
   WHERE pledge_count = 0
     AND (sector, status, country, lever, pledger_kind, commitment_kind, band) = (SELECT sector, status, country, lever, pledger_kind, commitment_kind, band FROM pledge_band_terms WHERE id = OLD.id);
END;

CREATE TRIGGER pledges_bands_update_before
BEFORE UPDATE OF sector, status, country, lever, pledger_kind, commitment_kind, amount_usd, us_share_pct, announced_on, horizon_years, horizon_end, horizon_start ON pledges
BEGIN
  INSERT INTO pledge_bands
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, band, -pledge_count, -disclosed_count, -known_share_count, -amount_usd,
         -share_base_usd, -us_usd, -no_horizon_count
    FROM pledge_band_terms WHERE id = OLD.id
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count;
  DELETE FROM pledge_bands
   WHERE pledge_count = 0
     AND (sector, status, country, lever, pledger_kind, commitment_kind, band) = (SELECT sector, status, country, lever, pledger_kind, commitment_kind, band FROM pledge_band_terms WHERE id = OLD.id);
END;

CREATE TRIGGER pledges_bands_update
AFTER UPDATE OF sector, status, country, lever, pledger_kind, commitment_kind, amount_usd, us_share_pct, announced_on, horizon_years, horizon_end, horizon_start ON pledges
BEGIN
  INSERT INTO pledge_bands
  SELECT sector, status, country, lever, pledger_kind, commitment_kind, band, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count
    FROM pledge_band_terms WHERE id = NEW.id
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, band) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count;
END;
