"""A person's own settings in a channel: their row on the board, and their away days."""
