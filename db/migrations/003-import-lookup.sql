-- Imports identify a pledge without an id by pledger, project and announcement date.
CREATE INDEX pledges_identity_idx ON pledges (pledger, project, announced_on);
