-- practicebot schema, version 3: streak freezes. A person earns one per `freeze_every` answered
-- posts and holds at most `freeze_cap`; a post missed while on a streak spends one instead of
-- breaking it. Rows from before start with none.
ALTER TABLE streaks ADD COLUMN freezes INTEGER NOT NULL DEFAULT 0;
