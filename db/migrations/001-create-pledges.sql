-- Pledges, their sources, political events and the links between them.
-- Dates are ISO text whose length is their precision: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'
-- (a month-only date such as the senators' letter of "2025-02" is never given an invented day).
-- Amounts are whole US dollars; NULL means undisclosed, never 0.

CREATE TABLE pledges (
  id               INTEGER PRIMARY KEY,
  pledger          TEXT    NOT NULL CONSTRAINT pledges_pledger_present CHECK (length(trim(pledger)) > 0),
  project          TEXT    NOT NULL DEFAULT '',
  amount_usd       INTEGER CONSTRAINT pledges_amount_non_negative
                     CHECK (amount_usd IS NULL OR (typeof(amount_usd) = 'integer' AND amount_usd >= 0))
                   -- $1 quadrillion, ten times world GDP: refuses typos, and keeps amounts and their sums exact
                   -- JavaScript numbers (below 2^53) for any realistic number of pledges.
                   CONSTRAINT pledges_amount_range CHECK (amount_usd IS NULL OR amount_usd <= 1000000000000000),
  amount_note      TEXT    NOT NULL DEFAULT '',
  us_share_pct     REAL    CONSTRAINT pledges_us_share_range
                     CHECK (us_share_pct IS NULL OR (us_share_pct >= 0 AND us_share_pct <= 100)),
  us_share_basis   TEXT    CONSTRAINT pledges_us_share_basis_valid
                     CHECK (us_share_basis IS NULL OR us_share_basis IN ('stated', 'inferred')),
  announced_on     TEXT    NOT NULL CONSTRAINT pledges_announced_on_format
                     CHECK (announced_on GLOB '[0-9][0-9][0-9][0-9]'
                         OR announced_on GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'
                         OR announced_on GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
  horizon_years    REAL    CONSTRAINT pledges_horizon_years_positive
                     CHECK (horizon_years IS NULL OR horizon_years > 0),
  horizon_end      TEXT    CONSTRAINT pledges_horizon_end_format
                     CHECK (horizon_end IS NULL OR horizon_end GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
  horizon_note     TEXT    NOT NULL DEFAULT '',
  sector           TEXT    NOT NULL DEFAULT '',
  country          TEXT    NOT NULL DEFAULT '',
  status           TEXT    NOT NULL DEFAULT 'announced' CONSTRAINT pledges_status_valid
                     CHECK (status IN ('announced', 'under_way', 'completed', 'stalled', 'withdrawn')),
  lever            TEXT    CONSTRAINT pledges_lever_valid
                     CHECK (lever IS NULL OR lever IN ('export_controls', 'tariffs', 'subsidies', 'white_house_event', 'other')),
  context_note     TEXT    NOT NULL DEFAULT '',
  created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX pledges_announced_on_idx ON pledges (announced_on, id);
CREATE INDEX pledges_amount_idx ON pledges (amount_usd, id);

CREATE TABLE pledge_sources (
  id        INTEGER PRIMARY KEY,
  pledge_id INTEGER NOT NULL CONSTRAINT pledge_sources_pledge_fk REFERENCES pledges (id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  url       TEXT    NOT NULL CONSTRAINT pledge_sources_url_http
              CHECK (url GLOB 'http://?*' OR url GLOB 'https://?*'),
  title     TEXT    NOT NULL DEFAULT '',
  CONSTRAINT pledge_sources_position_unique UNIQUE (pledge_id, position)
);

CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  occurred_on TEXT    NOT NULL CONSTRAINT events_occurred_on_format
                CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]'
                    OR occurred_on GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'
                    OR occurred_on GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
  title       TEXT    NOT NULL CONSTRAINT events_title_present CHECK (length(trim(title)) > 0),
  kind        TEXT    NOT NULL CONSTRAINT events_kind_valid
                CHECK (kind IN ('export_controls', 'tariffs', 'subsidies', 'white_house_event', 'administration', 'market', 'other')),
  note        TEXT    NOT NULL DEFAULT '',
  source_url  TEXT    CONSTRAINT events_source_url_http
                CHECK (source_url IS NULL OR source_url GLOB 'http://?*' OR source_url GLOB 'https://?*'),
  source_title TEXT   NOT NULL DEFAULT '',
  created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX events_occurred_on_idx ON events (occurred_on, id);

CREATE TABLE pledge_events (
  pledge_id INTEGER NOT NULL CONSTRAINT pledge_events_pledge_fk REFERENCES pledges (id) ON DELETE CASCADE,
  event_id  INTEGER NOT NULL CONSTRAINT pledge_events_event_fk REFERENCES events (id) ON DELETE CASCADE,
  CONSTRAINT pledge_events_pk PRIMARY KEY (pledge_id, event_id)
) WITHOUT ROWID;

CREATE INDEX pledge_events_event_idx ON pledge_events (event_id, pledge_id);

-- Small key/value facts about this database (for example, when the seed data went in).
CREATE TABLE app_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
