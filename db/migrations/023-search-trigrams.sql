-- A trigram index over the search texts (009), so that a search reads the few pledges whose text holds every
-- three-character piece of the term instead of matching every pledge's text: the pledges it names are then
-- matched with the same LIKE as before, so a search finds exactly what it found (pledges.sql.ts: searchHits).
--
-- External content (the text stays in search_texts alone) and detail=none (which pledges hold a trigram, not
-- where): a fraction of a full index's size and build time (docs/performance.md). Without positions the index
-- cannot tell "energy" from "ene…rgy": the LIKE over the pledges it names decides. columnsize=0: no per-row
-- sizes (they serve ranking, which a substring search does not do).
-- The tokenizer folds case (Unicode, where LIKE folds ASCII alone): it names every pledge LIKE matches, and
-- maybe a few more, which the LIKE then leaves out.
CREATE VIRTUAL TABLE search_fts USING fts5(
  text,
  content = 'search_texts',
  content_rowid = 'id',
  tokenize = 'trigram',
  detail = none,
  columnsize = 0
);

INSERT INTO search_fts (search_fts) VALUES ('rebuild');

-- Triggers keep the index to the texts on every write, by any connection, in the writer's transaction; a bulk
-- load sets them aside and rebuilds the index (bulk-load.ts). An entry is taken out with the text it was made of.
CREATE TRIGGER search_texts_insert_search_fts AFTER INSERT ON search_texts
BEGIN
  INSERT INTO search_fts (rowid, text) VALUES (NEW.id, NEW.text);
END;

-- 009's source triggers rewrite a text with REPLACE, which removes the old row without firing a delete trigger
-- (recursive triggers are off, SQLite's default): its entry is taken out before the new row goes in.
CREATE TRIGGER search_texts_replace_search_fts BEFORE INSERT ON search_texts
BEGIN
  INSERT INTO search_fts (search_fts, rowid, text) SELECT 'delete', id, text FROM search_texts WHERE id = NEW.id;
END;

CREATE TRIGGER search_texts_update_search_fts AFTER UPDATE ON search_texts
BEGIN
  INSERT INTO search_fts (search_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
  INSERT INTO search_fts (rowid, text) VALUES (NEW.id, NEW.text);
END;

CREATE TRIGGER search_texts_delete_search_fts AFTER DELETE ON search_texts
BEGIN
  INSERT INTO search_fts (search_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
END;
