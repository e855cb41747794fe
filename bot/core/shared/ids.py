"""Row ids read back from text a platform hands us (button ids can be forged by anyone)."""

from __future__ import annotations

import re

MAX_ROW_ID = 2**63 - 1  # SQLite's INTEGER: a bigger Python int cannot even be bound as a parameter
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def row_id(text: str) -> int | None:
    """`"42"` -> 42; anything else (other digits such as `²`, signs, huge numbers) -> None."""
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= MAX_ROW_ID else None
