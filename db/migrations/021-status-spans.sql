-- As of a day (issue 18), the pledges whose status changed after it, each with its status then, read as one range
-- of one table instead of a row of the wide pledges table each (about 90,000 at a million generated pledges).
--
-- A row per status step: the status the pledge held until that step (held_until, the step's date), since the step
-- before (held_from; NULL: since its announcement), announced when no step came before. As of a day D, a pledge
-- whose status changed after D has exactly one row with held_until > D and held_from <= D (or NULL): the first step
-- after D, whose status_then is the pledge's status on D (statusAsOf in server/pledges/pledges.dates.sql.ts).
-- Steps are ordered by date, then id; dates compare as text, as everywhere (a month or a year counts from its
-- first day).
--
-- The row carries the pledge's today's status and the columns a dashboard's filter and grouped pass read, under
-- the pledges' names, so that the filter's WHERE clause runs on it as on pledges p (as pledge_ledger, 013). Kept
-- exact by the triggers below; a bulk load sets them aside and refills the table from status_spans_computed
-- (server/platform/bulk-load.ts). A filter condition on a column this table lacks must add it here.
CREATE TABLE status_spans (
  held_until       TEXT    NOT NULL,
  step_id          INTEGER NOT NULL,
  held_from        TEXT,
  status_then      TEXT    NOT NULL,
  id               INTEGER NOT NULL,
  status           TEXT    NOT NULL,
  pledger          TEXT    NOT NULL,
  sector           TEXT    NOT NULL,
  country          TEXT    NOT NULL,
  lever            TEXT,
  pledger_kind     TEXT,
  commitment_kind  TEXT,
  announced_on     TEXT    NOT NULL,
  amount_usd       INTEGER,
  us_share_pct     REAL,
  horizon_years    REAL,
  horizon_end      TEXT,
  horizon_start    TEXT,
  first_tranche_by TEXT,
  PRIMARY KEY (held_until, step_id)
) WITHOUT ROWID;
CREATE INDEX status_spans_pledge_idx ON status_spans (id);

CREATE VIEW status_spans_computed (held_until, step_id, held_from, status_then, id, status, pledger, sector, country, lever,
                                   pledger_kind, commitment_kind, announced_on, amount_usd, us_share_pct, horizon_years,
                                   horizon_end, horizon_start, first_tranche_by) AS
SELECT s.changed_on, s.id, s.held_from, s.status_then, p.id, p.status, p.pledger, p.sector, p.country, p.lever,
       p.pledger_kind, p.commitment_kind, p.announced_on, p.amount_usd, p.us_share_pct, p.horizon_years, p.horizon_end,
       p.horizon_start, p.first_tranche_by
  FROM (SELECT id, pledge_id, changed_on,
               lag(changed_on) OVER steps AS held_from,
               coalesce(lag(status) OVER steps, 'announced') AS status_then
          FROM status_changes WINDOW steps AS (PARTITION BY pledge_id ORDER BY changed_on, id)) s
  JOIN pledges p ON p.id = s.pledge_id;

INSERT INTO status_spans SELECT * FROM status_spans_computed;

-- A step written, changed or removed: its pledge's rows again (the window reads that pledge's steps alone).
CREATE TRIGGER status_changes_insert_status_spans AFTER INSERT ON status_changes
BEGIN
  DELETE FROM status_spans WHERE id = NEW.pledge_id;
  INSERT INTO status_spans SELECT * FROM status_spans_computed WHERE id = NEW.pledge_id;
END;

CREATE TRIGGER status_changes_update_status_spans AFTER UPDATE ON status_changes
BEGIN
  DELETE FROM status_spans WHERE id IN (OLD.pledge_id, NEW.pledge_id);
  INSERT INTO status_spans SELECT * FROM status_spans_computed WHERE id IN (OLD.pledge_id, NEW.pledge_id);
END;

CREATE TRIGGER status_changes_delete_status_spans AFTER DELETE ON status_changes
BEGIN
  DELETE FROM status_spans WHERE id = OLD.pledge_id;
  INSERT INTO status_spans SELECT * FROM status_spans_computed WHERE id = OLD.pledge_id;
END;

CREATE TRIGGER pledges_update_status_spans
AFTER UPDATE OF id, status, pledger, sector, country, lever, pledger_kind, commitment_kind, announced_on, amount_usd,
                us_share_pct, horizon_years, horizon_end, horizon_start, first_tranche_by ON pledges
BEGIN
  DELETE FROM status_spans WHERE id IN (OLD.id, NEW.id);
  INSERT INTO status_spans SELECT * FROM status_spans_computed WHERE id = NEW.id;
END;

CREATE TRIGGER pledges_delete_status_spans AFTER DELETE ON pledges
BEGIN
  DELETE FROM status_spans WHERE id = OLD.id;
END;
