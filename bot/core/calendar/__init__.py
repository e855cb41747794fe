"""Holidays (days a channel skips) and seasons (the board from zero, best runs kept)."""
