-- practicebot schema: a person's own settings in a channel (issue 20 section 3), deleted by forget-me.
-- board_hidden: people who keep their row off the channel's board (/streaks hide); a row is the
-- whole setting, none is /streaks show. Their streak is counted as for anyone.
CREATE TABLE board_hidden (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    PRIMARY KEY (subscription_id, user_id)
) WITHOUT ROWID;
-- away_days: one person's holidays (/practice away), local dates in the channel's zone; read by
-- date when that day's post closes, by person for /practice away.
CREATE TABLE away_days (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    local_date      TEXT NOT NULL,               -- YYYY-MM-DD
    PRIMARY KEY (subscription_id, user_id, local_date)
) WITHOUT ROWID;
CREATE INDEX away_days_by_date ON away_days (subscription_id, local_date);
