-- Overdue on today's date, without a lookup per pledge. A pledge is overdue when it is still announced, due, and has no
-- completion evidence (a status step to under way or completed) dated on or before the day (overdueCondition in
-- server/pledges/pledges.dates.sql.ts). Asking status_changes for that evidence once per announced pledge cost about
-- 3 µs each: 300 of the 360 ms that counting the 93,229 overdue pledges took at a million generated pledges.
--
-- A pledge announced today (its stored status) with evidence is rare: it went under way or was completed, then
-- went back to announced. This table holds those pledges, each with the day of its first evidence, so that a read
-- of today's overdue pledges leaves out the few it lists (one list read once per statement) instead of asking for
-- each pledge. Dates compare as text, as everywhere. An as-of view, whose statuses are those of its day, still asks
-- status_changes.
--
-- Kept exact by the triggers below; a bulk load sets them aside and refills the table from
-- announced_evidence_computed (server/platform/bulk-load.ts).
CREATE TABLE announced_evidence (
  id          INTEGER PRIMARY KEY,
  evidence_on TEXT    NOT NULL
);

-- Each announced pledge asks for its first evidence: one pledge's row for a trigger, and, for a bulk load's refill,
-- a lookup per announced pledge (0.75 s at a million; grouping every step of evidence first took 3.6 s).
CREATE VIEW announced_evidence_computed (id, evidence_on) AS
SELECT id, evidence_on
  FROM (SELECT p.id, (SELECT min(c.changed_on) FROM status_changes c
                       WHERE c.pledge_id = p.id AND c.status IN ('under_way', 'completed')) AS evidence_on
          FROM pledges p WHERE p.status = 'announced')
 WHERE evidence_on IS NOT NULL;

INSERT INTO announced_evidence SELECT * FROM announced_evidence_computed;

-- A step written, changed or removed, or a pledge's status changed: that pledge's row again.
CREATE TRIGGER status_changes_insert_announced_evidence AFTER INSERT ON status_changes
BEGIN
  DELETE FROM announced_evidence WHERE id = NEW.pledge_id;
  INSERT INTO announced_evidence SELECT * FROM announced_evidence_computed WHERE id = NEW.pledge_id;
END;

CREATE TRIGGER status_changes_update_announced_evidence AFTER UPDATE ON status_changes
BEGIN
  DELETE FROM announced_evidence WHERE id IN (OLD.pledge_id, NEW.pledge_id);
  INSERT INTO announced_evidence SELECT * FROM announced_evidence_computed WHERE id IN (OLD.pledge_id, NEW.pledge_id);
END;

CREATE TRIGGER status_changes_delete_announced_evidence AFTER DELETE ON status_changes
BEGIN
  DELETE FROM announced_evidence WHERE id = OLD.pledge_id;
  INSERT INTO announced_evidence SELECT * FROM announced_evidence_computed WHERE id = OLD.pledge_id;
END;

CREATE TRIGGER pledges_update_announced_evidence AFTER UPDATE OF id, status ON pledges
BEGIN
  DELETE FROM announced_evidence WHERE id IN (OLD.id, NEW.id);
  INSERT INTO announced_evidence SELECT * FROM announced_evidence_computed WHERE id IN (OLD.id, NEW.id);
END;

CREATE TRIGGER pledges_delete_announced_evidence AFTER DELETE ON pledges
BEGIN
  DELETE FROM announced_evidence WHERE id = OLD.id;
END;
