-- practicebot schema: which packs a channel draws from, the question an admin chose for the next
-- post, and packs kept in the database (issue 20).
-- `packs`: pack ids separated by commas, in the order given; '' is the default (every configured
-- pack and the channel's own questions). `next_question`: posted next, then cleared.
ALTER TABLE subscriptions ADD COLUMN packs TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN next_question TEXT;
-- A pack imported from chat, or a channel's own pack (its approved suggestions): the pack's
-- files as the loader reads them (pack.toml and one Markdown file per question), so the one
-- judge of what a pack may hold reads these too. `scope`: the workspace that may draw from it
-- (`platform:workspace_id`); pack ids are unique across scopes, so a question id names one question.
CREATE TABLE stored_packs (
    pack_id     TEXT PRIMARY KEY,
    scope       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE stored_pack_files (
    pack_id     TEXT NOT NULL REFERENCES stored_packs (pack_id) ON DELETE CASCADE,
    path        TEXT NOT NULL,  -- relative to the pack's folder: pack.toml, beginner/01-x.md
    text        TEXT NOT NULL,
    PRIMARY KEY (pack_id, path)
);
