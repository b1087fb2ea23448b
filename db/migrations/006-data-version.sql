-- A counter that moves with every change to the tracker's data (pledges, their sources and events, the
-- events, status changes) and only then. The read caches compare it, so that what many requests write
-- (a signed-in editor's session expiry on every page, sign-ins, tokens) no longer throws the dashboard's
-- aggregates away; a change made by any connection (the server, an import from the command line, the
-- sqlite3 tool) moves it, since the triggers live in the database.
INSERT INTO app_meta (key, value) VALUES ('data_version', '0') ON CONFLICT (key) DO NOTHING;

CREATE TRIGGER pledges_insert_data_version AFTER INSERT ON pledges
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER pledges_update_data_version AFTER UPDATE ON pledges
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER pledges_delete_data_version AFTER DELETE ON pledges
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER pledge_sources_insert_data_version AFTER INSERT ON pledge_sources
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER pledge_sources_update_data_version AFTER UPDATE ON pledge_sources
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER pledge_sources_delete_data_version AFTER DELETE ON pledge_sources
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER pledge_events_insert_data_version AFTER INSERT ON pledge_events
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER pledge_events_update_data_version AFTER UPDATE ON pledge_events
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER pledge_events_delete_data_version AFTER DELETE ON pledge_events
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

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

CREATE TRIGGER status_changes_insert_data_version AFTER INSERT ON status_changes
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER status_changes_update_data_version AFTER UPDATE ON status_changes
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER status_changes_delete_data_version AFTER DELETE ON status_changes
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;
