-- practicebot schema, version 2: when a reveal began. A reveal interrupted by a crash is resent
-- with the same nonce (the platform recognises it), and replies are cut off at this instant.
ALTER TABLE posts ADD COLUMN reveal_started_at TEXT;
