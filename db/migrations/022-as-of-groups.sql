-- As of a day (issue 18 §5): the dashboard's grouped pass on any day without a pass over the pledges. Each pledge,
-- from its announcement on, holds one status at a time and is overdue or not (docs/methodology.md, "As of a date"
-- and "Overdue"). Those pieces of its history begin and end on the days its status steps, its due day and its first
-- completion evidence fall on. A piece adds the pledge to its group (status, overdue and the grouped fields) on its
-- first day and takes it out on its end day: the groups as of a day D are then the sums of the edges dated up to D.
-- status_margins holds those sums per field, month and day (server/dashboard/dashboard.as-of.ts).
--
-- Dates compare as text, as everywhere: a step, a due day or evidence dated to a month or a year counts from its first
-- day; '9999-12-31' is "never due" (DUE_ON in server/pledges/pledges.dates.sql.ts, whose text the due day repeats).

-- The status each pledge held from its announcement on (a span over before it is left out), read from its status
-- spans (021): until each step, the status before it; after its last step (or, with none, all along) its current
-- status (end NULL). While announced, with its due day (NULL: never due) and the day of its first completion evidence
-- (a step to under way or completed). Views rather than common table expressions, so that a trigger's condition on
-- the pledge's id reaches every table read (a CTE read twice is computed whole once).
CREATE VIEW status_held (id, start, end, status, due, evidence) AS
SELECT id, max(coalesce(held_from, announced_on), announced_on), held_until, status, CASE WHEN status = 'announced' THEN nullif(due, '9999-12-31') END,
       evidence
  FROM (SELECT p.id, p.held_from, p.held_until, p.status_then AS status, p.announced_on, min(
         coalesce(CASE
           WHEN p.horizon_end IS NOT NULL THEN date(p.horizon_end, '+1 day')
           WHEN p.horizon_years IS NOT NULL THEN date(coalesce(p.horizon_start, CASE length(p.announced_on)
             WHEN 4 THEN p.announced_on || '-12-31'
             WHEN 7 THEN date(p.announced_on || '-01', '+1 month', '-1 day')
             ELSE p.announced_on END), '+' || p.horizon_years || ' years')
         END, '9999-12-31'),
         coalesce(CASE length(p.first_tranche_by)
           WHEN 4 THEN (p.first_tranche_by + 1) || '-01-01'
           WHEN 7 THEN date(p.first_tranche_by || '-01', '+1 month')
           ELSE date(p.first_tranche_by, '+1 day')
         END, '9999-12-31')) AS due, (SELECT min(c.changed_on) FROM status_changes c WHERE c.pledge_id = p.id AND c.status IN ('under_way', 'completed')) AS evidence
          FROM status_spans p
        UNION ALL
        SELECT p.id, (SELECT max(t.held_until) FROM status_spans t WHERE t.id = p.id), NULL, p.status, p.announced_on, min(
         coalesce(CASE
           WHEN p.horizon_end IS NOT NULL THEN date(p.horizon_end, '+1 day')
           WHEN p.horizon_years IS NOT NULL THEN date(coalesce(p.horizon_start, CASE length(p.announced_on)
             WHEN 4 THEN p.announced_on || '-12-31'
             WHEN 7 THEN date(p.announced_on || '-01', '+1 month', '-1 day')
             ELSE p.announced_on END), '+' || p.horizon_years || ' years')
         END, '9999-12-31'),
         coalesce(CASE length(p.first_tranche_by)
           WHEN 4 THEN (p.first_tranche_by + 1) || '-01-01'
           WHEN 7 THEN date(p.first_tranche_by || '-01', '+1 month')
           ELSE date(p.first_tranche_by, '+1 day')
         END, '9999-12-31')), (SELECT min(c.changed_on) FROM status_changes c WHERE c.pledge_id = p.id AND c.status IN ('under_way', 'completed'))
          FROM pledges p)
 WHERE held_until IS NULL OR held_until > max(coalesce(held_from, announced_on), announced_on);

-- While announced and due, overdue from the due day until the evidence or the span's end (od: a window left).
CREATE VIEW status_windows (id, start, end, status, od, od_from, od_until) AS
SELECT id, start, end, status, due IS NOT NULL AND (od_until IS NULL OR od_from < od_until), od_from, od_until
  FROM (SELECT id, start, end, status, due, max(start, due) AS od_from,
               CASE WHEN end IS NULL THEN evidence WHEN evidence IS NULL THEN end ELSE min(end, evidence) END AS od_until
          FROM status_held);

-- The pieces of each pledge's history: [start, end) (end NULL: so today, and on) with one status, overdue or not.
-- A span with an overdue window is cut in up to three: before it, the window, after it.
CREATE VIEW status_pieces (id, start, end, status, overdue) AS
SELECT w.id,
       CASE k.piece WHEN 0 THEN w.start WHEN 1 THEN w.od_from ELSE w.od_until END,
       CASE k.piece WHEN 0 THEN CASE WHEN w.od THEN w.od_from ELSE w.end END WHEN 1 THEN w.od_until ELSE w.end END,
       w.status, k.piece = 1
  FROM status_windows w JOIN (SELECT 0 AS piece UNION ALL SELECT 1 UNION ALL SELECT 2) k
 WHERE CASE k.piece
         WHEN 0 THEN NOT w.od OR w.start < w.od_from
         WHEN 1 THEN w.od
         ELSE w.od AND w.od_until IS NOT NULL AND (w.end IS NULL OR w.od_until < w.end)
       END;

-- An edge: a pledge entering (sign 1) or leaving (sign -1) a group on a day, with its terms (pledge_band_terms, 012)
-- and the grouped fields, so that a month's edges are read without the pledges.
CREATE TABLE status_edges (
  day                     TEXT    NOT NULL,
  id                      INTEGER NOT NULL,
  sign                    INTEGER NOT NULL,
  status                  TEXT    NOT NULL,
  overdue                 INTEGER NOT NULL,
  sector                  TEXT    NOT NULL,
  country                 TEXT    NOT NULL,
  lever                   TEXT    NOT NULL,
  pledger_kind            TEXT    NOT NULL,
  commitment_kind         TEXT    NOT NULL,
  disclosed_count         INTEGER NOT NULL,
  known_share_count       INTEGER NOT NULL,
  amount_usd              INTEGER NOT NULL,
  share_base_usd          INTEGER NOT NULL,
  us_usd                  INTEGER NOT NULL,
  no_horizon_count        INTEGER NOT NULL,
  outside_us_count        INTEGER NOT NULL,
  us_bound_positive_count INTEGER NOT NULL,
  PRIMARY KEY (id, day, sign, status, overdue)
) WITHOUT ROWID;

CREATE VIEW status_edges_computed (day, id, sign, status, overdue, sector, country, lever, pledger_kind, commitment_kind, disclosed_count,
                                   known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count,
                                   us_bound_positive_count) AS
SELECT e.day, e.id, e.sign, e.status, e.overdue, t.sector, t.country, t.lever, t.pledger_kind, t.commitment_kind, t.disclosed_count,
       t.known_share_count, t.amount_usd, t.share_base_usd, t.us_usd, t.no_horizon_count, t.outside_us_count, t.us_bound_positive_count
  FROM (SELECT p.id, CASE s.sign WHEN 1 THEN p.start ELSE p.end END AS day, s.sign, p.status, p.overdue
          FROM status_pieces p JOIN (SELECT 1 AS sign UNION ALL SELECT -1) s
         WHERE s.sign = 1 OR p.end IS NOT NULL) e
  JOIN pledge_band_terms t ON t.id = e.id;

INSERT INTO status_edges SELECT * FROM status_edges_computed;

-- The edges added up per field of the dashboard's facets, per month (grain 'm', period 'YYYY-MM', or 'YYYY' for a day
-- known to the year only, which sorts before its months) and per day (grain 'd', period the day as written): for each
-- field, value and whether overdue, the pledges entering less those leaving, and their sums. A view without a
-- selection reads only these per-field sums (its facets, totals, levers and waterfall each add up one field), so the
-- groups as of a day D are the months before D's month and the days of its month up to D: a few thousand rows. (A
-- sum all zero is left out.)
CREATE TABLE status_margins (
  grain                   TEXT    NOT NULL,
  period                  TEXT    NOT NULL,
  field                   TEXT    NOT NULL,
  value                   TEXT    NOT NULL,
  overdue                 INTEGER NOT NULL,
  pledge_count            INTEGER NOT NULL,
  disclosed_count         INTEGER NOT NULL,
  known_share_count       INTEGER NOT NULL,
  amount_usd              INTEGER NOT NULL,
  share_base_usd          INTEGER NOT NULL,
  us_usd                  INTEGER NOT NULL,
  no_horizon_count        INTEGER NOT NULL,
  outside_us_count        INTEGER NOT NULL,
  us_bound_positive_count INTEGER NOT NULL,
  PRIMARY KEY (grain, period, field, value, overdue)
) WITHOUT ROWID;

-- Per day and field first (one grouping of the edges per field), then the days added up into months.
CREATE VIEW status_margins_computed (grain, period, field, value, overdue, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count) AS
WITH days (period, field, value, overdue, pledge_count, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count) AS (
  SELECT day, 'sector' AS field, sector AS value, overdue, sum(sign), sum(sign * disclosed_count), sum(sign * known_share_count), sum(sign * amount_usd), sum(sign * share_base_usd), sum(sign * us_usd), sum(sign * no_horizon_count), sum(sign * outside_us_count), sum(sign * us_bound_positive_count)
    FROM status_edges GROUP BY day, sector, overdue
  UNION ALL
  SELECT day, 'status' AS field, status AS value, overdue, sum(sign), sum(sign * disclosed_count), sum(sign * known_share_count), sum(sign * amount_usd), sum(sign * share_base_usd), sum(sign * us_usd), sum(sign * no_horizon_count), sum(sign * outside_us_count), sum(sign * us_bound_positive_count)
    FROM status_edges GROUP BY day, status, overdue
  UNION ALL
  SELECT day, 'country' AS field, country AS value, overdue, sum(sign), sum(sign * disclosed_count), sum(sign * known_share_count), sum(sign * amount_usd), sum(sign * share_base_usd), sum(sign * us_usd), sum(sign * no_horizon_count), sum(sign * outside_us_count), sum(sign * us_bound_positive_count)
    FROM status_edges GROUP BY day, country, overdue
  UNION ALL
  SELECT day, 'lever' AS field, lever AS value, overdue, sum(sign), sum(sign * disclosed_count), sum(sign * known_share_count), sum(sign * amount_usd), sum(sign * share_base_usd), sum(sign * us_usd), sum(sign * no_horizon_count), sum(sign * outside_us_count), sum(sign * us_bound_positive_count)
    FROM status_edges GROUP BY day, lever, overdue
  UNION ALL
  SELECT day, 'pledger_kind' AS field, pledger_kind AS value, overdue, sum(sign), sum(sign * disclosed_count), sum(sign * known_share_count), sum(sign * amount_usd), sum(sign * share_base_usd), sum(sign * us_usd), sum(sign * no_horizon_count), sum(sign * outside_us_count), sum(sign * us_bound_positive_count)
    FROM status_edges GROUP BY day, pledger_kind, overdue
  UNION ALL
  SELECT day, 'commitment_kind' AS field, commitment_kind AS value, overdue, sum(sign), sum(sign * disclosed_count), sum(sign * known_share_count), sum(sign * amount_usd), sum(sign * share_base_usd), sum(sign * us_usd), sum(sign * no_horizon_count), sum(sign * outside_us_count), sum(sign * us_bound_positive_count)
    FROM status_edges GROUP BY day, commitment_kind, overdue
)
SELECT g.grain, substr(d.period, 1, g.length), d.field, d.value, d.overdue, sum(d.pledge_count), sum(d.disclosed_count), sum(d.known_share_count), sum(d.amount_usd), sum(d.share_base_usd), sum(d.us_usd), sum(d.no_horizon_count), sum(d.outside_us_count), sum(d.us_bound_positive_count)
  FROM days d CROSS JOIN (SELECT 'm' AS grain, 7 AS length UNION ALL SELECT 'd', 10) g
 GROUP BY g.grain, substr(d.period, 1, g.length), d.field, d.value, d.overdue
HAVING sum(d.pledge_count) <> 0 OR sum(d.disclosed_count) <> 0 OR sum(d.known_share_count) <> 0 OR sum(d.amount_usd) <> 0 OR sum(d.share_base_usd) <> 0 OR sum(d.us_usd) <> 0 OR sum(d.no_horizon_count) <> 0 OR sum(d.outside_us_count) <> 0 OR sum(d.us_bound_positive_count) <> 0;

INSERT INTO status_margins SELECT * FROM status_margins_computed;

-- An edge written or removed moves its month's and its day's sums, for each field.
CREATE TRIGGER status_edges_insert_margins AFTER INSERT ON status_edges
BEGIN
  INSERT INTO status_margins
  SELECT g.grain, substr(NEW.day, 1, g.length), f.field, CASE f.field WHEN 'sector' THEN NEW.sector WHEN 'status' THEN NEW.status WHEN 'country' THEN NEW.country WHEN 'lever' THEN NEW.lever WHEN 'pledger_kind' THEN NEW.pledger_kind WHEN 'commitment_kind' THEN NEW.commitment_kind END, NEW.overdue, NEW.sign, NEW.sign * NEW.disclosed_count, NEW.sign * NEW.known_share_count, NEW.sign * NEW.amount_usd, NEW.sign * NEW.share_base_usd, NEW.sign * NEW.us_usd, NEW.sign * NEW.no_horizon_count, NEW.sign * NEW.outside_us_count, NEW.sign * NEW.us_bound_positive_count
    FROM (SELECT 'm' AS grain, 7 AS length UNION ALL SELECT 'd', 10) g CROSS JOIN (SELECT 'sector' AS field UNION ALL SELECT 'status' UNION ALL SELECT 'country' UNION ALL SELECT 'lever' UNION ALL SELECT 'pledger_kind' UNION ALL SELECT 'commitment_kind') f WHERE true
  ON CONFLICT (grain, period, field, value, overdue) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count,
    outside_us_count = outside_us_count + excluded.outside_us_count,
    us_bound_positive_count = us_bound_positive_count + excluded.us_bound_positive_count;
  -- A sum left all zero goes (one statement a grain and field: each a seek of the key).
  DELETE FROM status_margins WHERE grain = 'm' AND period = substr(NEW.day, 1, 7) AND field = 'sector' AND value = NEW.sector AND overdue = NEW.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'm' AND period = substr(NEW.day, 1, 7) AND field = 'status' AND value = NEW.status AND overdue = NEW.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'm' AND period = substr(NEW.day, 1, 7) AND field = 'country' AND value = NEW.country AND overdue = NEW.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'm' AND period = substr(NEW.day, 1, 7) AND field = 'lever' AND value = NEW.lever AND overdue = NEW.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'm' AND period = substr(NEW.day, 1, 7) AND field = 'pledger_kind' AND value = NEW.pledger_kind AND overdue = NEW.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'm' AND period = substr(NEW.day, 1, 7) AND field = 'commitment_kind' AND value = NEW.commitment_kind AND overdue = NEW.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'd' AND period = substr(NEW.day, 1, 10) AND field = 'sector' AND value = NEW.sector AND overdue = NEW.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'd' AND period = substr(NEW.day, 1, 10) AND field = 'status' AND value = NEW.status AND overdue = NEW.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'd' AND period = substr(NEW.day, 1, 10) AND field = 'country' AND value = NEW.country AND overdue = NEW.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'd' AND period = substr(NEW.day, 1, 10) AND field = 'lever' AND value = NEW.lever AND overdue = NEW.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'd' AND period = substr(NEW.day, 1, 10) AND field = 'pledger_kind' AND value = NEW.pledger_kind AND overdue = NEW.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'd' AND period = substr(NEW.day, 1, 10) AND field = 'commitment_kind' AND value = NEW.commitment_kind AND overdue = NEW.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
END;

CREATE TRIGGER status_edges_delete_margins AFTER DELETE ON status_edges
BEGIN
  INSERT INTO status_margins
  SELECT g.grain, substr(OLD.day, 1, g.length), f.field, CASE f.field WHEN 'sector' THEN OLD.sector WHEN 'status' THEN OLD.status WHEN 'country' THEN OLD.country WHEN 'lever' THEN OLD.lever WHEN 'pledger_kind' THEN OLD.pledger_kind WHEN 'commitment_kind' THEN OLD.commitment_kind END, OLD.overdue, -OLD.sign, -OLD.sign * OLD.disclosed_count, -OLD.sign * OLD.known_share_count, -OLD.sign * OLD.amount_usd, -OLD.sign * OLD.share_base_usd, -OLD.sign * OLD.us_usd, -OLD.sign * OLD.no_horizon_count, -OLD.sign * OLD.outside_us_count, -OLD.sign * OLD.us_bound_positive_count
    FROM (SELECT 'm' AS grain, 7 AS length UNION ALL SELECT 'd', 10) g CROSS JOIN (SELECT 'sector' AS field UNION ALL SELECT 'status' UNION ALL SELECT 'country' UNION ALL SELECT 'lever' UNION ALL SELECT 'pledger_kind' UNION ALL SELECT 'commitment_kind') f WHERE true
  ON CONFLICT (grain, period, field, value, overdue) DO UPDATE SET
    pledge_count = pledge_count + excluded.pledge_count,
    disclosed_count = disclosed_count + excluded.disclosed_count,
    known_share_count = known_share_count + excluded.known_share_count,
    amount_usd = amount_usd + excluded.amount_usd,
    share_base_usd = share_base_usd + excluded.share_base_usd,
    us_usd = us_usd + excluded.us_usd,
    no_horizon_count = no_horizon_count + excluded.no_horizon_count,
    outside_us_count = outside_us_count + excluded.outside_us_count,
    us_bound_positive_count = us_bound_positive_count + excluded.us_bound_positive_count;
  -- A sum left all zero goes (one statement a grain and field: each a seek of the key).
  DELETE FROM status_margins WHERE grain = 'm' AND period = substr(OLD.day, 1, 7) AND field = 'sector' AND value = OLD.sector AND overdue = OLD.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'm' AND period = substr(OLD.day, 1, 7) AND field = 'status' AND value = OLD.status AND overdue = OLD.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'm' AND period = substr(OLD.day, 1, 7) AND field = 'country' AND value = OLD.country AND overdue = OLD.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'm' AND period = substr(OLD.day, 1, 7) AND field = 'lever' AND value = OLD.lever AND overdue = OLD.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'm' AND period = substr(OLD.day, 1, 7) AND field = 'pledger_kind' AND value = OLD.pledger_kind AND overdue = OLD.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'm' AND period = substr(OLD.day, 1, 7) AND field = 'commitment_kind' AND value = OLD.commitment_kind AND overdue = OLD.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'd' AND period = substr(OLD.day, 1, 10) AND field = 'sector' AND value = OLD.sector AND overdue = OLD.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'd' AND period = substr(OLD.day, 1, 10) AND field = 'status' AND value = OLD.status AND overdue = OLD.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'd' AND period = substr(OLD.day, 1, 10) AND field = 'country' AND value = OLD.country AND overdue = OLD.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'd' AND period = substr(OLD.day, 1, 10) AND field = 'lever' AND value = OLD.lever AND overdue = OLD.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'd' AND period = substr(OLD.day, 1, 10) AND field = 'pledger_kind' AND value = OLD.pledger_kind AND overdue = OLD.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
  DELETE FROM status_margins WHERE grain = 'd' AND period = substr(OLD.day, 1, 10) AND field = 'commitment_kind' AND value = OLD.commitment_kind AND overdue = OLD.overdue
     AND pledge_count = 0 AND disclosed_count = 0 AND known_share_count = 0 AND amount_usd = 0 AND share_base_usd = 0 AND us_usd = 0 AND no_horizon_count = 0 AND outside_us_count = 0 AND us_bound_positive_count = 0;
END;

-- A pledge written, changed or removed: its edges again.
CREATE TRIGGER pledges_insert_status_edges AFTER INSERT ON pledges
BEGIN
  INSERT INTO status_edges SELECT * FROM status_edges_computed WHERE id = NEW.id;
END;

CREATE TRIGGER pledges_update_status_edges
AFTER UPDATE OF id, status, sector, country, lever, pledger_kind, commitment_kind, announced_on, amount_usd, us_share_pct, horizon_years,
                horizon_end, horizon_start, first_tranche_by ON pledges
BEGIN
  DELETE FROM status_edges WHERE id IN (OLD.id, NEW.id)
    AND (day, id, sign, status, overdue, sector, country, lever, pledger_kind, commitment_kind, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count) NOT IN (SELECT * FROM status_edges_computed WHERE id IN (OLD.id, NEW.id));
  INSERT INTO status_edges SELECT * FROM status_edges_computed WHERE id IN (OLD.id, NEW.id)
  EXCEPT SELECT * FROM status_edges WHERE id IN (OLD.id, NEW.id);
END;

CREATE TRIGGER pledges_delete_status_edges AFTER DELETE ON pledges
BEGIN
  DELETE FROM status_edges WHERE id = OLD.id;
END;

-- A step's spans (kept by 021's triggers, which take a pledge's spans out and put them back whole, one row a step):
-- the pledge's edges are computed again once its last span is back, or once its last span is gone (no step left).
-- Only the edges that differ are taken out and put in, so that an edit that changes no edge moves no sum.
CREATE TRIGGER status_spans_insert_status_edges AFTER INSERT ON status_spans
WHEN (SELECT count(*) FROM status_spans WHERE id = NEW.id) = (SELECT count(*) FROM status_changes WHERE pledge_id = NEW.id)
BEGIN
  DELETE FROM status_edges WHERE id = NEW.id
    AND (day, id, sign, status, overdue, sector, country, lever, pledger_kind, commitment_kind, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count) NOT IN (SELECT * FROM status_edges_computed WHERE id = NEW.id);
  INSERT INTO status_edges SELECT * FROM status_edges_computed WHERE id = NEW.id
  EXCEPT SELECT * FROM status_edges WHERE id = NEW.id;
END;

CREATE TRIGGER status_spans_delete_status_edges AFTER DELETE ON status_spans
WHEN NOT EXISTS (SELECT 1 FROM status_changes WHERE pledge_id = OLD.id)
BEGIN
  DELETE FROM status_edges WHERE id = OLD.id
    AND (day, id, sign, status, overdue, sector, country, lever, pledger_kind, commitment_kind, disclosed_count, known_share_count, amount_usd, share_base_usd, us_usd, no_horizon_count, outside_us_count, us_bound_positive_count) NOT IN (SELECT * FROM status_edges_computed WHERE id = OLD.id);
  INSERT INTO status_edges SELECT * FROM status_edges_computed WHERE id = OLD.id
  EXCEPT SELECT * FROM status_edges WHERE id = OLD.id;
END;
