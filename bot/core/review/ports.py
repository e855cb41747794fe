"""The storage port of bookmarks and review (bot/storage/bookmarks.py implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from bot.core.review.bookmarks import Added, Bookmark, Reminder
from bot.core.review.cards import Card
from bot.core.shared.models import (
    ChannelRef,
)


class ReviewStore(Protocol):
    """One person's bookmarks on one platform, with their review cards and reminder."""

    async def add_bookmark(
        self, platform: str, user_id: str, question_id: str, at: datetime, limit: int
    ) -> Added: ...

    async def bookmarks(self, platform: str, user_id: str) -> list[Bookmark]:
        """Oldest first, with their review cards."""
        ...

    async def remove_bookmark(self, platform: str, user_id: str, question_id: str) -> bool: ...

    async def save_card(self, platform: str, user_id: str, question_id: str, card: Card) -> bool:
        """False if the question is not bookmarked (any more)."""
        ...

    async def most_bookmarked(
        self, subscription_id: int, question_ids: Sequence[str], limit: int
    ) -> list[tuple[str, int]]:
        """Among `question_ids`: (question id, how many of the channel's people, those who ever
        answered there, bookmarked it), most first."""
        ...

    async def set_reminder(self, platform: str, user_id: str, channel: ChannelRef | None) -> bool:
        """On at `channel`'s post time, or off (None); whether it was on before."""
        ...

    async def reminders_at(self, channel: ChannelRef) -> list[Reminder]: ...

    async def claim_reminder(self, platform: str, user_id: str, today: date) -> bool:
        """Mark the person reminded on `today`; False if they already were."""
        ...

    async def forget_bookmarks(self, platform: str, user_id: str) -> int: ...
