-- practicebot schema, version 4: bookmarks and their review cards, and the opt-in reminder.
-- A bookmark is one person's on one platform (not a channel's). Its SM-2 card lives in the same
-- row: due_at NULL means never reviewed, due since created_at.
CREATE TABLE bookmarks (
    platform TEXT NOT NULL,
    user_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    repetitions INTEGER NOT NULL DEFAULT 0,
    ease REAL NOT NULL DEFAULT 2.5,
    interval_seconds INTEGER NOT NULL DEFAULT 0,
    due_at TEXT,
    PRIMARY KEY (platform, user_id, question_id)
);
CREATE INDEX bookmarks_by_question ON bookmarks (question_id);
-- The reminder goes out at the daily post time of the channel where it was turned on, at most
-- once per local date of that channel's subscription (last_reminded survives restarts).
CREATE TABLE review_reminders (
    platform TEXT NOT NULL,
    user_id TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    last_reminded TEXT,
    PRIMARY KEY (platform, user_id)
);
CREATE INDEX review_reminders_by_channel ON review_reminders (platform, workspace_id, channel_id);
