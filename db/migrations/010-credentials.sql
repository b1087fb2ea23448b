-- Credentials that a copy of the database cannot replay, ids that are never reused, public names.
--
-- users is rebuilt with AUTOINCREMENT: a deleted editor's id is never given to the next one, so nothing that
-- still names the old id (a session, a token, a signed cookie) can open the new account. migrate.ts runs a
-- migration with foreign keys off and checks them before it commits, so dropping the old table neither
-- cascades to api_tokens nor empties revisions.user_id.
CREATE TABLE users_new (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  username           TEXT NOT NULL CONSTRAINT users_username_format
                       CHECK (length(username) BETWEEN 1 AND 64 AND username NOT GLOB '*[^A-Za-z0-9._-]*'),
  -- The name readers see in histories and the change log; the username, needed to sign in, stays private.
  display_name       TEXT NOT NULL CONSTRAINT users_display_name_format
                       CHECK (length(trim(display_name)) BETWEEN 1 AND 80 AND display_name NOT GLOB '*[' || char(1) || '-' || char(31) || char(127) || ']*'),
  -- "scrypt$N$r$p$salt$hash", salt and hash in base64.
  password_hash      TEXT NOT NULL,
  -- Moves when the password changes or the account is locked: sessions, tokens and recognised-device cookies
  -- made under an older version no longer open the account.
  credential_version INTEGER NOT NULL DEFAULT 1,
  created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CONSTRAINT users_username_unique UNIQUE (username COLLATE NOCASE)
);

INSERT INTO users_new (id, username, display_name, password_hash, created_at)
SELECT id, username, 'Editor ' || id, password_hash, created_at FROM users;

DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- Sessions are found by a SHA-256 of their id: the cookie holds the id, the database never does, so a backup or
-- a copy of the file opens no account. The old rows were stored by their raw id: they go (editors sign in again).
DROP TABLE sessions;
CREATE TABLE sessions (
  sid_hash   TEXT PRIMARY KEY,
  -- The signed-in editor, if any: deleting the editor deletes their sessions.
  user_id    INTEGER CONSTRAINT sessions_user_fk REFERENCES users (id) ON DELETE CASCADE,
  data       TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- A token is made under its editor's credential version and works only while that version holds.
ALTER TABLE api_tokens ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
