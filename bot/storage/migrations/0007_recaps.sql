-- practicebot schema, version 4: the weekly recap. A subscription without a recap_settings row
-- uses the config's `[defaults] recap`; a row with weekday NULL has the recap turned off.
CREATE TABLE recap_settings (
    subscription_id INTEGER PRIMARY KEY REFERENCES subscriptions (id) ON DELETE CASCADE,
    weekday         INTEGER CHECK (weekday BETWEEN 0 AND 6),   -- 0 = Monday; NULL: off
    at              TEXT                                        -- HH:MM, local; NULL: off
);

-- One recap per subscription and ISO week, claimed before it is sent (like a daily post).
CREATE TABLE recaps (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    week            TEXT NOT NULL,               -- YYYY-MM-DD, the Monday of the recap's ISO week
    local_date      TEXT NOT NULL,               -- the recap's local date: the last day it covers
    status          TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'skipped')),
    nonce           TEXT NOT NULL,
    scheduled_at    TEXT NOT NULL,
    sent_at         TEXT,
    note            TEXT NOT NULL DEFAULT '',
    UNIQUE (subscription_id, week)               -- never twice in a week
);
