"""Which questions a channel draws from: the configured packs, packs kept in the database, and a
channel's own questions (issue 20)."""
