-- Each pledge's status steps, packed beside its facts (031) for the views as of a day: a blob a block of 4,096
-- pledges (the same blocks, the same pledges in the same order), holding each pledge's first due day and first
-- completion evidence whatever its status today, and its status steps in order (server/dashboard/dashboard.packing.ts).
-- A view as of a day with anything besides the day (a sector, an amount range, a search) read its pledges' statuses
-- then from status_spans in SQL: 90-190 ms of its dashboard at a million generated pledges, for the 90,000 pledges
-- whose status changed after the day. The packed pass now works them out from these blobs as it adds the pledges up
-- (docs/performance.md).
--
-- Packed with the facts, by the app: a block marked stale in pledge_facts_stale gets both blobs again. A status step
-- written, changed or removed marks its pledge's block stale, whether or not it changes the pledge's status today.
CREATE TABLE pledge_status_facts (
  block INTEGER PRIMARY KEY,
  data  BLOB    NOT NULL
);

CREATE TRIGGER status_changes_insert_pledge_facts_stale AFTER INSERT ON status_changes
BEGIN
  INSERT OR IGNORE INTO pledge_facts_stale (block) VALUES (NEW.pledge_id >> 12);
END;

CREATE TRIGGER status_changes_update_pledge_facts_stale AFTER UPDATE ON status_changes
BEGIN
  INSERT OR IGNORE INTO pledge_facts_stale (block) VALUES (OLD.pledge_id >> 12), (NEW.pledge_id >> 12);
END;

CREATE TRIGGER status_changes_delete_pledge_facts_stale AFTER DELETE ON status_changes
BEGIN
  INSERT OR IGNORE INTO pledge_facts_stale (block) VALUES (OLD.pledge_id >> 12);
END;

INSERT OR IGNORE INTO pledge_facts_stale (block) SELECT DISTINCT id >> 12 FROM pledges;
