"""Bookmarks and their review queue: pure rules, no I/O.

A bookmark belongs to one person on one platform (not to a channel): what they keep follows them
from channel to channel. Each bookmark carries its SM-2 card (bot/core/review/cards.py). The queue
deals the most overdue card first: a never-reviewed card is due since it was bookmarked.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.core.review.cards import Card, Grade, is_due
from bot.core.shared.errors import UserError, shown

BOOKMARK_LIMIT = 200  # per person and platform: enough to prepare for any interview, bounded storage


class Added(enum.StrEnum):
    """What bookmarking a question did."""

    ADDED = "added"
    ALREADY = "already"
    FULL = "full"


@dataclass(frozen=True, slots=True)
class Bookmark:
    question_id: str
    created_at: datetime
    card: Card = field(default_factory=Card)

    @property
    def due_since(self) -> datetime:
        """When the card became due (a new card: when it was bookmarked)."""
        return self.card.due if self.card.due is not None else self.created_at


@dataclass(frozen=True, slots=True)
class Reminder:
    """An opt-in daily reminder: sent at the post time of the channel where it was turned on."""

    platform: str
    user_id: str
    last_reminded: date | None


def due(bookmarks: Sequence[Bookmark], now: datetime) -> list[Bookmark]:
    """The cards due at `now`, most overdue first (ties: oldest bookmark, then question id)."""
    waiting = [b for b in bookmarks if is_due(b.card, now)]
    return sorted(waiting, key=lambda b: (b.due_since, b.created_at, b.question_id))


def next_due(bookmarks: Sequence[Bookmark]) -> Bookmark | None:
    """The card that comes back soonest (for "nothing due: next one at ...")."""
    return min(bookmarks, key=lambda b: (b.due_since, b.created_at, b.question_id), default=None)


def should_remind(reminder: Reminder, today: date, due_count: int) -> bool:
    """Once per local day, and only when something is due."""
    return due_count > 0 and reminder.last_reminded != today


_QUESTION_ID = re.compile(r"[\w.-]+/[\w.-]+")


def pick(bookmarks: Sequence[Bookmark], ref: str) -> Bookmark:
    """The bookmark `/bookmarks remove REF` means: its number in the list (from 1) or its question
    id. A clear UserError for anything else."""
    text = ref.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        number = int(text)
        if not bookmarks:
            raise UserError("You have no bookmarks to remove.")
        if not 1 <= number <= len(bookmarks):
            raise UserError(
                f"There is no bookmark {number}: yours are numbered 1 to {len(bookmarks)} (see /bookmarks)."
            )
        return bookmarks[number - 1]
    if _QUESTION_ID.fullmatch(text):
        found = next((b for b in bookmarks if b.question_id == text), None)
        if found is None:
            raise UserError(f"'{shown(text)}' is not among your bookmarks (see /bookmarks).")
        return found
    raise UserError(
        f"'{shown(text)}' is not a bookmark number or a question id: "
        "try /bookmarks remove 2 or /bookmarks remove websockets-realtime/beginner-01"
    )


def parse_grade(text: str) -> Grade | None:
    try:
        return Grade(text.strip().lower())
    except ValueError:
        return None
