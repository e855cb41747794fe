-- practicebot schema: blind answers. A blind subscription takes answers through a private form;
-- they stay here, unseen, until the reveal publishes them all together in the thread.
ALTER TABLE subscriptions ADD COLUMN blind INTEGER NOT NULL DEFAULT 0;  -- 1: answers=blind

-- One answer per person and post; a second submission before the reveal replaces the text and
-- keeps answered_at (the first submission's time is the one that counts, as in replies).
CREATE TABLE blind_answers (
    post_id         INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    user_name       TEXT NOT NULL,
    body            TEXT NOT NULL,
    answered_at     TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (post_id, user_id)
) WITHOUT ROWID;
