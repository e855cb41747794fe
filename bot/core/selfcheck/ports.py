"""The storage port of self-checks (bot/storage/self_checks.py implements it)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.shared.models import (
    Accuracy,
)


class SelfCheckStore(Protocol):
    """A person's marks of how many key points they covered, and their accuracy."""

    async def has_answered(self, post_id: int, user_id: str) -> bool:
        """Whether the person replied to the post, on time or late."""
        ...

    async def save_self_check(
        self, post_id: int, user_id: str, covered: int, total: int, at: datetime
    ) -> int | None:
        """Store a person's self-check of a post (replacing theirs) and their accuracy in its
        channel, in one transaction. Returns the count it replaced; None for a first mark."""
        ...

    async def accuracy(self, subscription_id: int) -> dict[str, Accuracy]:
        """Each person's summed self-checks in the channel (only people with at least one)."""
        ...
