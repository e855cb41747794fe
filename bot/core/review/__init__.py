"""Bookmarks and spaced review: SM-2 cards, the queue, /bookmarks and /review, the reminder."""
