-- The dashboard's grouped pass without an amount range (no filter, or only sectors, statuses, countries, levers
-- and kinds: most views) added up every amount band (007) of every group: at a million generated pledges about
-- 190,000 rows summed into 19,500 groups (about 80 ms of SQL). pledge_groups holds those sums, the bands added
-- up, kept by triggers on pledge_bands itself: each change of a band moves its group by the same amounts.
--
-- Like the other pre-grouped tables, a bulk load sets the triggers aside and refills the table from
-- pledge_groups_computed (server/platform/bulk-load.ts), after pledge_bands.
CREATE TABLE pledge_groups (
  sector                  TEXT    NOT NULL,
  status                  TEXT    NOT NULL,
  country                 TEXT    NOT NULL,
  lever                   TEXT    NOT NULL,
  pledger_kind            TEXT    NOT NULL,
  commitment_kind         TEXT    NOT NULL,
  pledge_count            INTEGER NOT NULL,
  disclosed_count         INTEGER NOT NULL,
  known_share_count       INTEGER NOT NULL,
  amount_usd              INTEGER NOT NULL,
  share_base_usd          INTEGER NOT NULL,
  us_usd                  INTEGER NOT NULL,
  no_horizon_count        INTEGER NOT NULL,
  outside_us_count        INTEGER NOT NULL,
  us_bound_positive_count INTEGER NOT NULL,
  CONSTRAINT pledge_groups_pk PRIMARY KEY (sector, status, country, lever, pledger_kind, commitment_kind)
) WITHOUT ROWID;

CREATE VIEW pledge_groups_computed (sector, status, country, lever, pledger_kind, commitment_kind,
                                    pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count) AS
SELECT sector, status, country, lever, pledger_kind, commitment_kind,
       sum(pledge_count), sum(disclosed_count), sum(known_share_count), sum(amount_usd), sum(share_base_usd), sum(us_usd), sum(no_horizon_count),
       sum(outside_us_count), sum(us_bound_positive_count)
  FROM pledge_bands
 GROUP BY sector, status, country, lever, pledger_kind, commitment_kind;

INSERT INTO pledge_groups SELECT * FROM pledge_groups_computed;

CREATE TRIGGER pledge_bands_insert_pledge_groups AFTER INSERT ON pledge_bands
BEGIN
  INSERT INTO pledge_groups
  VALUES (NEW.sector, NEW.status, NEW.country, NEW.lever, NEW.pledger_kind, NEW.commitment_kind,
          NEW.pledge_count, NEW.disclosed_count, NEW.known_share_count, NEW.amount_usd, NEW.share_base_usd, NEW.us_usd, NEW.no_horizon_count,
          NEW.outside_us_count, NEW.us_bound_positive_count)
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind) DO UPDATE SET
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

-- The bands' triggers move a band by upsert (an UPDATE here), and delete it once it holds no pledge.
CREATE TRIGGER pledge_bands_update_pledge_groups AFTER UPDATE ON pledge_bands
BEGIN
  UPDATE pledge_groups SET
    pledge_count = pledge_count - OLD.pledge_count,
    disclosed_count = disclosed_count - OLD.disclosed_count,
    known_share_count = known_share_count - OLD.known_share_count,
    amount_usd = amount_usd - OLD.amount_usd,
    share_base_usd = share_base_usd - OLD.share_base_usd,
    us_usd = us_usd - OLD.us_usd,
    no_horizon_count = no_horizon_count - OLD.no_horizon_count,
    outside_us_count = outside_us_count - OLD.outside_us_count,
    us_bound_positive_count = us_bound_positive_count - OLD.us_bound_positive_count
  WHERE (sector, status, country, lever, pledger_kind, commitment_kind) = (OLD.sector, OLD.status, OLD.country, OLD.lever, OLD.pledger_kind, OLD.commitment_kind);
  INSERT INTO pledge_groups
  VALUES (NEW.sector, NEW.status, NEW.country, NEW.lever, NEW.pledger_kind, NEW.commitment_kind,
          NEW.pledge_count, NEW.disclosed_count, NEW.known_share_count, NEW.amount_usd, NEW.share_base_usd, NEW.us_usd, NEW.no_horizon_count,
          NEW.outside_us_count, NEW.us_bound_positive_count)
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count,
    outside_us_count = outside_us_count + excluded.outside_us_count,
    us_bound_positive_count = us_bound_positive_count + excluded.us_bound_positive_count;
  DELETE FROM pledge_groups
   WHERE pledge_count = 0
     AND (sector, status, country, lever, pledger_kind, commitment_kind) = (OLD.sector, OLD.status, OLD.country, OLD.lever, OLD.pledger_kind, OLD.commitment_kind);
END;

CREATE TRIGGER pledge_bands_delete_pledge_groups AFTER DELETE ON pledge_bands
BEGIN
  UPDATE pledge_groups SET
    pledge_count = pledge_count - OLD.pledge_count,
    disclosed_count = disclosed_count - OLD.disclosed_count,
    known_share_count = known_share_count - OLD.known_share_count,
    amount_usd = amount_usd - OLD.amount_usd,
    share_base_usd = share_base_usd - OLD.share_base_usd,
    us_usd = us_usd - OLD.us_usd,
    no_horizon_count = no_horizon_count - OLD.no_horizon_count,
    outside_us_count = outside_us_count - OLD.outside_us_count,
    us_bound_positive_count = us_bound_positive_count - OLD.us_bound_positive_count
  WHERE (sector, status, country, lever, pledger_kind, commitment_kind) = (OLD.sector, OLD.status, OLD.country, OLD.lever, OLD.pledger_kind, OLD.commitment_kind);
  DELETE FROM pledge_groups
   WHERE pledge_count = 0
     AND (sector, status, country, lever, pledger_kind, commitment_kind) = (OLD.sector, OLD.status, OLD.country, OLD.lever, OLD.pledger_kind, OLD.commitment_kind);
END;
