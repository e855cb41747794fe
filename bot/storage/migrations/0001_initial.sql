-- practicebot schema, version 1. Times are UTC ISO-8601 text with microseconds, so they sort.

CREATE TABLE subscriptions (
    id             INTEGER PRIMARY KEY,
    platform       TEXT NOT NULL,
    workspace_id   TEXT NOT NULL,
    channel_id     TEXT NOT NULL,
    post_time      TEXT NOT NULL,                -- HH:MM, local
    timezone       TEXT NOT NULL,                -- IANA name
    days           TEXT NOT NULL,                -- weekday numbers, 0 = Monday: "0,1,2,3,4"
    reveal_minutes INTEGER,                      -- NULL: reveal just before the next post
    levels         TEXT NOT NULL,                -- "beginner,intermediate"
    question_order TEXT NOT NULL CHECK (question_order IN ('progressive', 'shuffled')),
    status         TEXT NOT NULL CHECK (status IN ('active', 'paused', 'unsubscribed')),
    status_reason  TEXT NOT NULL DEFAULT '',
    schedule_from  TEXT NOT NULL,                -- occurrences after this are owed a post
    team_current   INTEGER NOT NULL DEFAULT 0,
    team_best      INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (platform, workspace_id, channel_id)
);

CREATE TABLE posts (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    local_date      TEXT NOT NULL,               -- YYYY-MM-DD in the subscription's zone
    question_id     TEXT NOT NULL,               -- '' for a skipped day
    status          TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'revealed', 'skipped')),
    nonce           TEXT NOT NULL,
    scheduled_at    TEXT NOT NULL,
    posted_at       TEXT,
    reveal_at       TEXT,
    revealed_at     TEXT,
    message_id      TEXT,
    thread_id       TEXT,
    note            TEXT NOT NULL DEFAULT '',
    UNIQUE (subscription_id, local_date)         -- at most one post per local date
);
CREATE INDEX posts_by_thread ON posts (thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX posts_in_flight ON posts (status) WHERE status IN ('claimed', 'posted');

CREATE TABLE replies (
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    replied_at TEXT NOT NULL,
    on_time    INTEGER NOT NULL CHECK (on_time IN (0, 1)),
    PRIMARY KEY (post_id, user_id)               -- one answer per person per post
) WITHOUT ROWID;

CREATE TABLE streaks (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    user_name       TEXT NOT NULL,
    current         INTEGER NOT NULL,
    best            INTEGER NOT NULL,
    total           INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, user_id)
) WITHOUT ROWID;
