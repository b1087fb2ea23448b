-- As of a date (issue 18). The pledges whose status changed after the date are found by the steps' dates, the
-- few of a recent date without reading every step (statusAsOf in pledges.sql.ts).
CREATE INDEX status_changes_changed_on_idx ON status_changes (changed_on, pledge_id);
-- The change log as it stood on a date: the revisions written before the next day, newest first (changesPage).
CREATE INDEX revisions_at_idx ON revisions (at, id);
-- The dates of the pledges by id: the pledges whose status changed after an as-of date are looked up in it (their
-- announcement and first due day) without reading their rows (keptStatuses in pledges.as-of.sql.ts).
CREATE INDEX pledges_as_of_idx ON pledges (id, announced_on, horizon_start, horizon_end, horizon_years, first_tranche_by);
