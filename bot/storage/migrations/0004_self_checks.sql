-- practicebot schema, version 4: self-checks at reveal. Each person who answered a post marks how
-- many of its key points they covered; `total` is the question's count of key points when they
-- marked (a pack may change later). Marking again replaces the mark.
CREATE TABLE self_checks (
    post_id   INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL,
    covered   INTEGER NOT NULL CHECK (covered >= 0),
    total     INTEGER NOT NULL CHECK (total > 0 AND covered <= total),
    marked_at TEXT NOT NULL,
    PRIMARY KEY (post_id, user_id)
) WITHOUT ROWID;

-- The board's accuracy column, kept per channel and person in the transaction that stores a mark,
-- so /streaks reads one row per person instead of summing every self-check of the year.
CREATE TABLE self_check_totals (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    covered         INTEGER NOT NULL,
    total           INTEGER NOT NULL,
    checks          INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, user_id)
) WITHOUT ROWID;
