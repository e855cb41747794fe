-- The order a person added their bookmarks in: the numbering /bookmarks shows, and what
-- `/review` and the exports follow. SQLite's rowid held it; PostgreSQL has no rowid, so the
-- order is a column of its own. Bookmarks made before this count in time order (two made in
-- the same microsecond, by question id).
ALTER TABLE bookmarks ADD COLUMN added INTEGER NOT NULL DEFAULT 0;
UPDATE bookmarks SET added = (
    SELECT COUNT(*) FROM bookmarks b
    WHERE b.platform = bookmarks.platform AND b.user_id = bookmarks.user_id
      AND (b.created_at < bookmarks.created_at
           OR (b.created_at = bookmarks.created_at AND b.question_id <= bookmarks.question_id))
);
