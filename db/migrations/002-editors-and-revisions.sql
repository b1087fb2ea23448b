-- Editors, their sessions and API tokens; the append-only revision log; the status timeline.

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL CONSTRAINT users_username_format
                  CHECK (length(username) BETWEEN 1 AND 64 AND username NOT GLOB '*[^A-Za-z0-9._-]*'),
  -- "scrypt$N$r$p$salt$hash", salt and hash in base64.
  password_hash TEXT NOT NULL,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CONSTRAINT users_username_unique UNIQUE (username COLLATE NOCASE)
);

CREATE TABLE sessions (
  sid        TEXT PRIMARY KEY,
  data       TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL CONSTRAINT api_tokens_user_fk REFERENCES users (id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  -- SHA-256 of the token, hex: the token itself is shown once and never stored.
  token_hash   TEXT NOT NULL CONSTRAINT api_tokens_hash_unique UNIQUE,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  last_used_at TEXT,
  revoked_at   TEXT
);

-- Append-only: rows are inserted in the same transaction as the change they describe, never updated.
-- No foreign key to the entity: a deleted pledge keeps its history.
CREATE TABLE revisions (
  id         INTEGER PRIMARY KEY,
  entity     TEXT NOT NULL CONSTRAINT revisions_entity_valid CHECK (entity IN ('pledge', 'event')),
  entity_id  INTEGER NOT NULL,
  action     TEXT NOT NULL CONSTRAINT revisions_action_valid CHECK (action IN ('create', 'update', 'delete')),
  user_id    INTEGER CONSTRAINT revisions_user_fk REFERENCES users (id) ON DELETE SET NULL,
  username   TEXT NOT NULL,
  at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  -- {"field": {"from": old, "to": new}, ...}
  changes    TEXT NOT NULL CONSTRAINT revisions_changes_json CHECK (json_valid(changes)),
  reason     TEXT NOT NULL DEFAULT ''
);

CREATE INDEX revisions_entity_idx ON revisions (entity, entity_id, id);

CREATE TRIGGER revisions_append_only_update BEFORE UPDATE ON revisions
BEGIN
  SELECT RAISE(ABORT, 'revisions are append-only');
END;

CREATE TRIGGER revisions_append_only_delete BEFORE DELETE ON revisions
BEGIN
  SELECT RAISE(ABORT, 'revisions are append-only');
END;

-- Each step of a pledge's status after the announcement, with its date and evidence.
CREATE TABLE status_changes (
  id           INTEGER PRIMARY KEY,
  pledge_id    INTEGER NOT NULL CONSTRAINT status_changes_pledge_fk REFERENCES pledges (id) ON DELETE CASCADE,
  status       TEXT NOT NULL CONSTRAINT status_changes_status_valid
                 CHECK (status IN ('announced', 'under_way', 'completed', 'stalled', 'withdrawn')),
  changed_on   TEXT NOT NULL CONSTRAINT status_changes_changed_on_format
                 CHECK (changed_on GLOB '[0-9][0-9][0-9][0-9]'
                     OR changed_on GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'
                     OR changed_on GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
  evidence_url TEXT NOT NULL CONSTRAINT status_changes_evidence_http
                 CHECK (evidence_url GLOB 'http://?*' OR evidence_url GLOB 'https://?*'),
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX status_changes_pledge_idx ON status_changes (pledge_id, changed_on, id);
