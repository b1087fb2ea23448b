-- The pledger facet pre-grouped by month: each pledger's count and sum per period of announcement (the month,
-- or the year alone for pledges announced with a year only). A dashboard filtered by dates alone (or not at
-- all) adds up the whole months its range covers and reads from the table only the pledges of the one or two
-- months it cuts, instead of every pledge in the range. Triggers keep it exact, as for pledge_bands (007).
CREATE TABLE pledger_months (
  -- substr(announced_on, 1, 7): '2025-04', or '2025' for a year alone. The smallest date of its pledges.
  period       TEXT    NOT NULL,
  pledger      TEXT    NOT NULL,
  pledge_count INTEGER NOT NULL,
  amount_usd   INTEGER NOT NULL,
  CONSTRAINT pledger_months_pk PRIMARY KEY (period, pledger)
) WITHOUT ROWID;

CREATE VIEW pledger_months_computed (period, pledger, pledge_count, amount_usd) AS
SELECT substr(announced_on, 1, 7), pledger, count(*), coalesce(sum(amount_usd), 0)
  FROM pledges
 GROUP BY 1, 2;

INSERT INTO pledger_months SELECT * FROM pledger_months_computed;

CREATE TRIGGER pledges_months_insert AFTER INSERT ON pledges
BEGIN
  INSERT INTO pledger_months VALUES (substr(NEW.announced_on, 1, 7), NEW.pledger, 1, coalesce(NEW.amount_usd, 0))
  ON CONFLICT (period, pledger) DO UPDATE SET
    pledge_count = pledge_count + 1,
    amount_usd = amount_usd + excluded.amount_usd;
END;

CREATE TRIGGER pledges_months_delete AFTER DELETE ON pledges
BEGIN
  UPDATE pledger_months SET pledge_count = pledge_count - 1, amount_usd = amount_usd - coalesce(OLD.amount_usd, 0)
   WHERE period = substr(OLD.announced_on, 1, 7) AND pledger = OLD.pledger;
  DELETE FROM pledger_months WHERE period = substr(OLD.announced_on, 1, 7) AND pledger = OLD.pledger AND pledge_count = 0;
END;

CREATE TRIGGER pledges_months_update AFTER UPDATE OF pledger, announced_on, amount_usd ON pledges
BEGIN
  UPDATE pledger_months SET pledge_count = pledge_count - 1, amount_usd = amount_usd - coalesce(OLD.amount_usd, 0)
   WHERE period = substr(OLD.announced_on, 1, 7) AND pledger = OLD.pledger;
  DELETE FROM pledger_months WHERE period = substr(OLD.announced_on, 1, 7) AND pledger = OLD.pledger AND pledge_count = 0;
  INSERT INTO pledger_months VALUES (substr(NEW.announced_on, 1, 7), NEW.pledger, 1, coalesce(NEW.amount_usd, 0))
  ON CONFLICT (period, pledger) DO UPDATE SET
    pledge_count = pledge_count + 1,
    amount_usd = amount_usd + excluded.amount_usd;
END;
