-- As of a date (issue 18): the change log as it stood on a date, the revisions written before the next day, newest
-- first (changesPage in server/changes/changes.repository.ts). The pledges' statuses on a date are read from
-- status_spans (021).
CREATE INDEX revisions_at_idx ON revisions (at, id);
