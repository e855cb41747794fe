-- practicebot schema: leases. A process that schedules posts and reveals holds one row per
-- partition it serves (bot/core/partitions.py: `discord`, `discord:shard:I/N`, `slack`), renews
-- it every third of its time to live, and deletes it when it stops cleanly. A second process for
-- a partition that overlaps a live row refuses to start, naming the holder; a row whose holder
-- stopped renewing it is taken over once `expires_at` has passed.
CREATE TABLE leases (
    partition       TEXT PRIMARY KEY,
    holder          TEXT NOT NULL,   -- host, pid and start instant: unique per process
    host            TEXT NOT NULL,
    pid             INTEGER NOT NULL,
    process_space   TEXT NOT NULL,   -- where the pid means something (Linux: boot id, pid namespace)
    started_at      TEXT NOT NULL,
    heartbeat_at    TEXT NOT NULL,
    expires_at      TEXT NOT NULL
) WITHOUT ROWID;
