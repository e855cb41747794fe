-- practicebot schema: forget-me tombstones. A person who ran /practice forget-me on a platform is
-- remembered only as (platform, user id, when): anything of theirs dated up to that instant that
-- comes back later (a thread read back from the platform at start-up, a retried event) is not
-- stored again. What they do after it counts as usual; the row holds nothing they wrote.
CREATE TABLE forgotten (
    platform        TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    forgotten_at    TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;
