-- practicebot schema: failures. A post, reveal, recap or read-back that keeps failing for a reason
-- retrying will not fix is given up after a few tries, so one bad item never stops a channel;
-- each keeps its tries and last reason here, and admins see the given-up ones in /practice status.
CREATE TABLE failures (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    item            TEXT NOT NULL,               -- 'post 12', 'reveal of post 12', 'recap 3'
    tries           INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    failed_at       TEXT NOT NULL,
    given_up        INTEGER NOT NULL DEFAULT 0 CHECK (given_up IN (0, 1)),
    PRIMARY KEY (subscription_id, item)
) WITHOUT ROWID;
