-- The pledges the waterfall's ledger works out one by one (pledges.waterfall.sql.ts), kept in a narrow table of
-- their own: a pledge in any relation (either side), with a stated new part, or of $0, and the columns the
-- ledger and a dashboard filter read. The ledger used to find them through the relations and read each one's
-- row of the wide pledges table: at a million pledges about 50,000 rows scattered over the whole file (about
-- 120 ms); this table holds them in a few thousand pages.
--
-- own: the ledger works the pledge out itself (contained or superseded, overlapping or repeating, a stated new
-- part, $0); the others are only the far side of someone's relation, asked whether they are in the view and
-- what they hold.
--
-- Kept exact by the triggers below, after every write by any connection, like the other pre-grouped tables
-- (007–009): a bulk load sets them aside and refills the table from pledge_ledger_computed
-- (server/platform/bulk-load.ts). A filter condition on a column this table lacks must add it here.
CREATE TABLE pledge_ledger (
  id              INTEGER PRIMARY KEY,
  own             INTEGER NOT NULL,
  pledger         TEXT    NOT NULL,
  sector          TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  country         TEXT    NOT NULL,
  lever           TEXT,
  pledger_kind    TEXT,
  commitment_kind TEXT,
  announced_on    TEXT    NOT NULL,
  amount_usd      INTEGER,
  new_money_usd   INTEGER,
  us_share_pct    REAL
);

-- A pledge's row of pledge_ledger, if it has one: read by id (WHERE id = ?) in the triggers, whole in a refill.
CREATE VIEW pledge_ledger_computed (id, own, pledger, sector, status, country, lever, pledger_kind, commitment_kind, announced_on,
                                    amount_usd, new_money_usd, us_share_pct) AS
SELECT p.id,
       p.new_money_usd IS NOT NULL OR coalesce(p.amount_usd = 0, 0)
         OR EXISTS (SELECT 1 FROM pledge_relations r WHERE r.other_id = p.id AND r.kind IN ('supersedes', 'contains'))
         OR EXISTS (SELECT 1 FROM pledge_relations r WHERE r.pledge_id = p.id AND r.kind IN ('overlaps', 'repeats')),
       p.pledger, p.sector, p.status, p.country, p.lever, p.pledger_kind, p.commitment_kind, p.announced_on,
       p.amount_usd, p.new_money_usd, p.us_share_pct
  FROM pledges p
 WHERE p.new_money_usd IS NOT NULL OR p.amount_usd = 0
    OR EXISTS (SELECT 1 FROM pledge_relations r WHERE r.pledge_id = p.id)
    OR EXISTS (SELECT 1 FROM pledge_relations r WHERE r.other_id = p.id);

INSERT INTO pledge_ledger SELECT * FROM pledge_ledger_computed;

CREATE TRIGGER pledges_insert_pledge_ledger AFTER INSERT ON pledges
BEGIN
  INSERT OR REPLACE INTO pledge_ledger SELECT * FROM pledge_ledger_computed WHERE id = NEW.id;
END;

CREATE TRIGGER pledges_update_pledge_ledger
AFTER UPDATE OF id, pledger, sector, status, country, lever, pledger_kind, commitment_kind, announced_on, amount_usd, new_money_usd, us_share_pct ON pledges
BEGIN
  DELETE FROM pledge_ledger WHERE id IN (OLD.id, NEW.id);
  INSERT INTO pledge_ledger SELECT * FROM pledge_ledger_computed WHERE id = NEW.id;
END;

CREATE TRIGGER pledges_delete_pledge_ledger AFTER DELETE ON pledges
BEGIN
  DELETE FROM pledge_ledger WHERE id = OLD.id;
END;

-- A relation changes whether its two pledges are in the table, and whether the ledger works them out.
CREATE TRIGGER pledge_relations_insert_pledge_ledger AFTER INSERT ON pledge_relations
BEGIN
  DELETE FROM pledge_ledger WHERE id IN (NEW.pledge_id, NEW.other_id);
  INSERT INTO pledge_ledger SELECT * FROM pledge_ledger_computed WHERE id IN (NEW.pledge_id, NEW.other_id);
END;

CREATE TRIGGER pledge_relations_update_pledge_ledger AFTER UPDATE OF pledge_id, kind, other_id ON pledge_relations
BEGIN
  DELETE FROM pledge_ledger WHERE id IN (OLD.pledge_id, OLD.other_id, NEW.pledge_id, NEW.other_id);
  INSERT INTO pledge_ledger SELECT * FROM pledge_ledger_computed WHERE id IN (OLD.pledge_id, OLD.other_id, NEW.pledge_id, NEW.other_id);
END;

CREATE TRIGGER pledge_relations_delete_pledge_ledger AFTER DELETE ON pledge_relations
BEGIN
  DELETE FROM pledge_ledger WHERE id IN (OLD.pledge_id, OLD.other_id);
  INSERT INTO pledge_ledger SELECT * FROM pledge_ledger_computed WHERE id IN (OLD.pledge_id, OLD.other_id);
END;
