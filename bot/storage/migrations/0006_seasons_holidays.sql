-- practicebot schema, version 4: holidays and seasons.
-- Holidays: local dates (in the subscription's zone) skipped like days off.
CREATE TABLE holidays (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    local_date      TEXT NOT NULL,               -- YYYY-MM-DD
    PRIMARY KEY (subscription_id, local_date)
) WITHOUT ROWID;
-- Seasons: existing data is season 1, since the subscription was created. A new season zeroes
-- streaks and the team streak and keeps the best runs before it in the *_best_before columns.
ALTER TABLE subscriptions ADD COLUMN season INTEGER NOT NULL DEFAULT 1;
ALTER TABLE subscriptions ADD COLUMN season_started_at TEXT;  -- NULL: season 1, since created_at
ALTER TABLE subscriptions ADD COLUMN team_best_before INTEGER NOT NULL DEFAULT 0;
ALTER TABLE streaks ADD COLUMN best_before INTEGER NOT NULL DEFAULT 0;
-- the season a post counts in: the one in effect when it closed (set again at close)
ALTER TABLE posts ADD COLUMN season INTEGER NOT NULL DEFAULT 1;
