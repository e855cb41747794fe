-- practicebot schema: member suggestions (bot/core/suggest). Each channel's review queue,
-- numbered 1, 2, ... per subscription; a suggestion stays once decided (approved: the question
-- it became in the channel's own pack; rejected: why), so numbers are never reused.
CREATE TABLE suggestions (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    number          INTEGER NOT NULL,
    author_id       TEXT NOT NULL,
    author_name     TEXT NOT NULL,
    level           TEXT NOT NULL,
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL,
    answer          TEXT NOT NULL,
    key_points      TEXT NOT NULL,  -- one per line (each is a single line)
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at      TEXT NOT NULL,
    decided_at      TEXT,
    decided_by      TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    question_id     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (subscription_id, number)
) WITHOUT ROWID;

-- the per-person cap counts these
CREATE INDEX suggestions_pending ON suggestions (subscription_id, author_id) WHERE status = 'pending';
