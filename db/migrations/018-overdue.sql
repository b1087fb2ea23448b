-- Overdue (issue 18 §2): a pledge's own "first tranche by" date, and an index of the announced pledges by the first
-- day they are overdue, so that counting the overdue pledges of a view reads only them.

-- 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD': the first tranche is due by the end of that day, month or year. NULL: the
-- pledge names no such date.
ALTER TABLE pledges ADD COLUMN first_tranche_by TEXT CONSTRAINT pledges_first_tranche_by_format
  CHECK (first_tranche_by IS NULL
      OR first_tranche_by GLOB '[0-9][0-9][0-9][0-9]'
      OR first_tranche_by GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'
      OR first_tranche_by GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]');

-- The first day an announced pledge is overdue: the earlier of the day after its horizon ends and the day after its
-- first tranche was due; '9999-12-31' when it has neither. The same text as DUE_ON in pledges.sql.ts, without the
-- table alias (docs/methodology.md, "Overdue"). Overdue is never stored: it depends on the reference date, which
-- each read compares with this. Every column the dashboard's grouped pass and its rankings read follows, so
-- that a view of the overdue pledges reads this index alone.
CREATE INDEX pledges_overdue_idx ON pledges ((min(
  coalesce(CASE
    WHEN horizon_end IS NOT NULL THEN date(horizon_end, '+1 day')
    WHEN horizon_years IS NOT NULL THEN date(coalesce(horizon_start, CASE length(announced_on)
      WHEN 4 THEN announced_on || '-12-31'
      WHEN 7 THEN date(announced_on || '-01', '+1 month', '-1 day')
      ELSE announced_on END), '+' || horizon_years || ' years')
  END, '9999-12-31'),
  coalesce(CASE length(first_tranche_by)
    WHEN 4 THEN (first_tranche_by + 1) || '-01-01'
    WHEN 7 THEN date(first_tranche_by || '-01', '+1 month')
    ELSE date(first_tranche_by, '+1 day')
  END, '9999-12-31'))),
  status, sector, country, lever, pledger_kind, commitment_kind, pledger, amount_usd, us_share_pct, announced_on, horizon_years,
  horizon_end, horizon_start, first_tranche_by) WHERE status = 'announced';

-- The waterfall's ledger (013) answers the filter's conditions from its own narrow table, overdue among them: it
-- gets the columns the due day is computed from, under the pledges' names, and its update trigger watches them.
ALTER TABLE pledge_ledger ADD COLUMN horizon_years REAL;
ALTER TABLE pledge_ledger ADD COLUMN horizon_end TEXT;
ALTER TABLE pledge_ledger ADD COLUMN horizon_start TEXT;
ALTER TABLE pledge_ledger ADD COLUMN first_tranche_by TEXT;

DROP VIEW pledge_ledger_computed;
CREATE VIEW pledge_ledger_computed (id, own, pledger, sector, status, country, lever, pledger_kind, commitment_kind, announced_on,
                                    amount_usd, new_money_usd, us_share_pct, horizon_years, horizon_end, horizon_start, first_tranche_by) AS
SELECT p.id,
       p.new_money_usd IS NOT NULL OR coalesce(p.amount_usd = 0, 0)
         OR EXISTS (SELECT 1 FROM pledge_relations r WHERE r.other_id = p.id AND r.kind IN ('supersedes', 'contains'))
         OR EXISTS (SELECT 1 FROM pledge_relations r WHERE r.pledge_id = p.id AND r.kind IN ('overlaps', 'repeats')),
       p.pledger, p.sector, p.status, p.country, p.lever, p.pledger_kind, p.commitment_kind, p.announced_on,
       p.amount_usd, p.new_money_usd, p.us_share_pct, p.horizon_years, p.horizon_end, p.horizon_start, p.first_tranche_by
  FROM pledges p
 WHERE p.new_money_usd IS NOT NULL OR p.amount_usd = 0
    OR EXISTS (SELECT 1 FROM pledge_relations r WHERE r.pledge_id = p.id)
    OR EXISTS (SELECT 1 FROM pledge_relations r WHERE r.other_id = p.id);

DROP TRIGGER pledges_update_pledge_ledger;
CREATE TRIGGER pledges_update_pledge_ledger
AFTER UPDATE OF id, pledger, sector, status, country, lever, pledger_kind, commitment_kind, announced_on, amount_usd, new_money_usd, us_share_pct,
                horizon_years, horizon_end, horizon_start, first_tranche_by ON pledges
BEGIN
  DELETE FROM pledge_ledger WHERE id IN (OLD.id, NEW.id);
  INSERT INTO pledge_ledger SELECT * FROM pledge_ledger_computed WHERE id = NEW.id;
END;

DELETE FROM pledge_ledger;
INSERT INTO pledge_ledger SELECT * FROM pledge_ledger_computed;
