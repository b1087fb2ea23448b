-- The public change log (/changes, issue 18): the revisions newest first, a page at a time.
--
-- An index on the id alone: the log's pages skip whole pages of revisions by id, and its count reads the
-- narrowest index; this one holds a few bytes a revision where the table holds every change's JSON.
CREATE INDEX revisions_id_idx ON revisions (id);

-- The log names each editor by their public display name (or "A former editor" once deleted): renaming or
-- deleting an editor changes what the cached public pages show, so it moves the data version as a data change
-- does. Sign-ins, password changes and tokens still leave it alone.
CREATE TRIGGER users_display_name_data_version AFTER UPDATE OF display_name ON users
WHEN old.display_name IS NOT new.display_name
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;

CREATE TRIGGER users_delete_data_version AFTER DELETE ON users
BEGIN
  UPDATE app_meta SET value = value + 1 WHERE key = 'data_version';
END;
