-- What a search's dashboard adds up of each pledge, packed: 4,096 pledges (by id: block = id >> 12) a blob, each
-- pledge's amount, US part, flags and codes for its grouped fields, its day, its pledger, the first day it is
-- overdue and its first completion evidence (server/dashboard/dashboard.packed.ts). A search matching 10-50 % of a
-- million pledges had its grouped pass, overdue count, timeline and pledger facet read by id and sorted in SQL:
-- about 1.8 s of `ing`'s 2.9 s. Read from these blobs and added up in JavaScript it takes a tenth of that
-- (docs/performance.md).
--
-- The blobs are packed by the app, not by SQL: the triggers below mark a block stale when one of its pledges (or
-- its completion evidence) changes, and the next read that needs the blobs packs the stale blocks again (about
-- 17 ms a block). A bulk load sets the triggers aside and marks every block stale (server/platform/bulk-load.ts);
-- the server packs them before it listens.
CREATE TABLE pledge_facts (
  block INTEGER PRIMARY KEY,
  data  BLOB    NOT NULL
);

-- The values the blobs hold as codes, shared by every block: 'group' (the six grouped fields joined by NUL, as
-- the dashboard spells them), 'day' (announced days, due days and evidence days, compared as text) and 'pledger'.
-- Only ever added to: a code keeps its value, so a blob packed earlier still reads right.
CREATE TABLE pledge_fact_codes (
  kind  TEXT    NOT NULL,
  code  INTEGER NOT NULL,
  value TEXT    NOT NULL,
  CONSTRAINT pledge_fact_codes_pk PRIMARY KEY (kind, code),
  CONSTRAINT pledge_fact_codes_value UNIQUE (kind, value)
) WITHOUT ROWID;

-- Blocks whose blob is missing or no longer says what their pledges do.
CREATE TABLE pledge_facts_stale (
  block INTEGER PRIMARY KEY
);

INSERT INTO pledge_facts_stale SELECT DISTINCT id >> 12 FROM pledges;

CREATE TRIGGER pledges_insert_pledge_facts_stale AFTER INSERT ON pledges
BEGIN
  INSERT OR IGNORE INTO pledge_facts_stale (block) VALUES (NEW.id >> 12);
END;

CREATE TRIGGER pledges_update_pledge_facts_stale AFTER UPDATE ON pledges
BEGIN
  INSERT OR IGNORE INTO pledge_facts_stale (block) VALUES (OLD.id >> 12), (NEW.id >> 12);
END;

CREATE TRIGGER pledges_delete_pledge_facts_stale AFTER DELETE ON pledges
BEGIN
  INSERT OR IGNORE INTO pledge_facts_stale (block) VALUES (OLD.id >> 12);
END;

-- A pledge's completion evidence moves with its status steps (025's triggers keep announced_evidence).
CREATE TRIGGER announced_evidence_insert_pledge_facts_stale AFTER INSERT ON announced_evidence
BEGIN
  INSERT OR IGNORE INTO pledge_facts_stale (block) VALUES (NEW.id >> 12);
END;

CREATE TRIGGER announced_evidence_update_pledge_facts_stale AFTER UPDATE ON announced_evidence
BEGIN
  INSERT OR IGNORE INTO pledge_facts_stale (block) VALUES (OLD.id >> 12), (NEW.id >> 12);
END;

CREATE TRIGGER announced_evidence_delete_pledge_facts_stale AFTER DELETE ON announced_evidence
BEGIN
  INSERT OR IGNORE INTO pledge_facts_stale (block) VALUES (OLD.id >> 12);
END;
