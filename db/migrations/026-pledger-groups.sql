-- The pledger facet pre-grouped by the six fields the dashboard's grouped pass groups by (sector, status, country,
-- lever and the two kinds, as pledge_groups spells them: no lever 'none', no kind 'unknown'): each pledger's count
-- and summed amount per group. A view filtered by those fields alone (sector=Energy, status and country, ...) adds
-- up the rows of the groups it selects, a few thousand at a million generated pledges, instead of grouping every
-- pledge it holds by pledger through the cube index (about 100,000 index entries for one sector out of ten).
--
-- Kept exact by the triggers below, like pledger_months (008); a bulk load sets them aside and refills the table from
-- pledger_groups_computed (server/platform/bulk-load.ts).
CREATE TABLE pledger_groups (
  sector          TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  country         TEXT    NOT NULL,
  lever           TEXT    NOT NULL,
  pledger_kind    TEXT    NOT NULL,
  commitment_kind TEXT    NOT NULL,
  pledger         TEXT    NOT NULL,
  pledge_count    INTEGER NOT NULL,
  amount_usd      INTEGER NOT NULL,
  CONSTRAINT pledger_groups_pk PRIMARY KEY (sector, status, country, lever, pledger_kind, commitment_kind, pledger)
) WITHOUT ROWID;

-- Grouped by the stored columns in the cube index's order, so that a refill walks that index without sorting; a
-- lever or kind stored as NULL and one named 'none' or 'unknown' cannot both be (the pledges' CHECKs), so the
-- groups are those of the spelled values.
CREATE VIEW pledger_groups_computed (sector, status, country, lever, pledger_kind, commitment_kind, pledger, pledge_count, amount_usd) AS
SELECT sector, status, country, coalesce(lever, 'none'), coalesce(pledger_kind, 'unknown'), coalesce(commitment_kind, 'unknown'), pledger,
       count(*), coalesce(sum(amount_usd), 0)
  FROM pledges INDEXED BY pledges_cube_idx
 GROUP BY sector, status, country, lever, pledger_kind, commitment_kind, pledger;

INSERT INTO pledger_groups SELECT * FROM pledger_groups_computed;

-- Statistics for the planner, which then reads a selection of later fields (a status and a country) by skipping
-- through the few sectors rather than scanning the table.
ANALYZE pledger_groups;

CREATE TRIGGER pledges_insert_pledger_groups AFTER INSERT ON pledges
BEGIN
  INSERT INTO pledger_groups
  VALUES (NEW.sector, NEW.status, NEW.country, coalesce(NEW.lever, 'none'), coalesce(NEW.pledger_kind, 'unknown'),
          coalesce(NEW.commitment_kind, 'unknown'), NEW.pledger, 1, coalesce(NEW.amount_usd, 0))
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, pledger) DO UPDATE SET
    pledge_count = pledge_count + 1,
    amount_usd = amount_usd + excluded.amount_usd;
END;

CREATE TRIGGER pledges_delete_pledger_groups AFTER DELETE ON pledges
BEGIN
  UPDATE pledger_groups SET pledge_count = pledge_count - 1, amount_usd = amount_usd - coalesce(OLD.amount_usd, 0)
   WHERE sector = OLD.sector AND status = OLD.status AND country = OLD.country AND lever = coalesce(OLD.lever, 'none')
     AND pledger_kind = coalesce(OLD.pledger_kind, 'unknown') AND commitment_kind = coalesce(OLD.commitment_kind, 'unknown')
     AND pledger = OLD.pledger;
  DELETE FROM pledger_groups
   WHERE sector = OLD.sector AND status = OLD.status AND country = OLD.country AND lever = coalesce(OLD.lever, 'none')
     AND pledger_kind = coalesce(OLD.pledger_kind, 'unknown') AND commitment_kind = coalesce(OLD.commitment_kind, 'unknown')
     AND pledger = OLD.pledger AND pledge_count = 0;
END;

-- The pledge leaves its old group and joins its new one (the same, when only its amount changed).
CREATE TRIGGER pledges_update_pledger_groups
AFTER UPDATE OF sector, status, country, lever, pledger_kind, commitment_kind, pledger, amount_usd ON pledges
BEGIN
  UPDATE pledger_groups SET pledge_count = pledge_count - 1, amount_usd = amount_usd - coalesce(OLD.amount_usd, 0)
   WHERE sector = OLD.sector AND status = OLD.status AND country = OLD.country AND lever = coalesce(OLD.lever, 'none')
     AND pledger_kind = coalesce(OLD.pledger_kind, 'unknown') AND commitment_kind = coalesce(OLD.commitment_kind, 'unknown')
     AND pledger = OLD.pledger;
  DELETE FROM pledger_groups
   WHERE sector = OLD.sector AND status = OLD.status AND country = OLD.country AND lever = coalesce(OLD.lever, 'none')
     AND pledger_kind = coalesce(OLD.pledger_kind, 'unknown') AND commitment_kind = coalesce(OLD.commitment_kind, 'unknown')
     AND pledger = OLD.pledger AND pledge_count = 0;
  INSERT INTO pledger_groups
  VALUES (NEW.sector, NEW.status, NEW.country, coalesce(NEW.lever, 'none'), coalesce(NEW.pledger_kind, 'unknown'),
          coalesce(NEW.commitment_kind, 'unknown'), NEW.pledger, 1, coalesce(NEW.amount_usd, 0))
  ON CONFLICT (sector, status, country, lever, pledger_kind, commitment_kind, pledger) DO UPDATE SET
    pledge_count = pledge_count + 1,
    amount_usd = amount_usd + excluded.amount_usd;
END;
