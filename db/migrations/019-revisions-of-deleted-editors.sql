-- Deleting an editor who had made changes failed: revisions.user_id is ON DELETE SET NULL (the history stays,
-- naming "a former editor"), and SQLite carries that out as an UPDATE of revisions, which the append-only trigger
-- refused. The trigger now lets through exactly that update: user_id emptied, every other column unchanged.
DROP TRIGGER revisions_append_only_update;
CREATE TRIGGER revisions_append_only_update BEFORE UPDATE ON revisions
WHEN NOT (OLD.user_id IS NOT NULL AND NEW.user_id IS NULL
          AND NEW.id IS OLD.id AND NEW.entity IS OLD.entity AND NEW.entity_id IS OLD.entity_id AND NEW.action IS OLD.action
          AND NEW.username IS OLD.username AND NEW.at IS OLD.at AND NEW.changes IS OLD.changes AND NEW.reason IS OLD.reason)
BEGIN
  SELECT RAISE(ABORT, 'revisions are append-only');
END;
