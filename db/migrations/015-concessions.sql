-- Concessions (issue 18): what a pledger got in return (a tariff exemption or grace period, export licence or control
-- relief, a stake or revenue share the government took, a subsidy or faster permits), recorded as an event of the kind
-- 'concession' and linked, through pledge_events, to the pledges it answered. Its type is required for a concession
-- and NULL for every other kind: a CHECK that SQLite can only change by making the table again.
--
-- events is rebuilt as SQLite asks (migrate.ts runs this with foreign keys off and checks them before it commits, so
-- dropping the old table neither cascades to pledge_events nor leaves a dangling link). Its index and the triggers
-- that move the data version (006) go with the old table and are made again.
CREATE TABLE events_new (
  id              INTEGER PRIMARY KEY,
  occurred_on     TEXT    NOT NULL CONSTRAINT events_occurred_on_format
                    CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]'
                        OR occurred_on GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'
                        OR occurred_on GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
  title           TEXT    NOT NULL CONSTRAINT events_title_present CHECK (length(trim(title)) > 0),
  kind            TEXT    NOT NULL CONSTRAINT events_kind_valid
                    CHECK (kind IN ('export_controls', 'tariffs', 'subsidies', 'white_house_event', 'administration', 'market', 'other',
                                    'concession')),
  concession_type TEXT    CONSTRAINT events_concession_type_valid
                    CHECK (concession_type IS NULL OR concession_type IN ('tariff_relief', 'export_relief', 'government_stake',
                                                                          'subsidy_permits', 'other')),
  note            TEXT    NOT NULL DEFAULT '',
  -- The first source; further sources are in event_sources.
  source_url      TEXT    CONSTRAINT events_source_url_http
                    CHECK (source_url IS NULL OR source_url GLOB 'http://?*' OR source_url GLOB 'https://?*'),
  source_title    TEXT    NOT NULL DEFAULT '',
  created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CONSTRAINT events_concession_type_needed CHECK ((kind = 'concession') = (concession_type IS NOT NULL))
);

INSERT INTO events_new (id, occurred_on, title, kind, concession_type, note, source_url, source_title, created_at, updated_at)
SELECT id, occurred_on, title, kind, NULL, note, source_url, source_title, created_at, updated_at FROM events;

DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

CREATE INDEX events_occurred_on_idx ON events (occurred_on, id);
-- The concessions, oldest first, without reading the other events: /concessions and the timeline start here.
CREATE INDEX events_concessions_idx ON events (occurred_on, id) WHERE kind = 'concession';

CREATE TRIGGER events_insert_data_version AFTER INSERT ON events
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER events_update_data_version AFTER UPDATE ON events
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER events_delete_data_version AFTER DELETE ON events
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

-- An event's sources after its first (events.source_url), in order: the fact sheet gives two for many concessions.
CREATE TABLE event_sources (
  id       INTEGER PRIMARY KEY,
  event_id INTEGER NOT NULL CONSTRAINT event_sources_event_fk REFERENCES events (id) ON DELETE CASCADE,
  position INTEGER NOT NULL CONSTRAINT event_sources_position_positive CHECK (position >= 1),
  url      TEXT    NOT NULL CONSTRAINT event_sources_url_http CHECK (url GLOB 'http://?*' OR url GLOB 'https://?*'),
  title    TEXT    NOT NULL DEFAULT '',
  CONSTRAINT event_sources_position_unique UNIQUE (event_id, position)
);

CREATE TRIGGER event_sources_insert_data_version AFTER INSERT ON event_sources
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER event_sources_update_data_version AFTER UPDATE ON event_sources
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER event_sources_delete_data_version AFTER DELETE ON event_sources
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;
