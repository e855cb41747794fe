"""The storage port of suggestions (bot/storage/suggestions.py implements it). The channel's own
pack that approved suggestions join is bot/core/catalog/ports.py's OwnPack."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.catalog.ports import Draft
from bot.core.shared.models import User
from bot.core.suggest.rules import Suggestion


class SuggestionStore(Protocol):
    """Each channel's review queue: suggestions numbered 1, 2, ... per subscription."""

    async def approved_questions(self, platform: str, author_id: str) -> list[str]:
        """The ids of the questions a person's approved suggestions became, on `platform`."""
        ...

    async def add_suggestion(
        self, subscription_id: int, author: User, draft: Draft, at: datetime, cap: int
    ) -> tuple[int, int] | None:
        """Queue a suggestion under the channel's next number: (its number, how many the author
        now has pending there); None, and nothing stored, if they already had `cap` pending."""
        ...

    async def pending_count(self, subscription_id: int, author_id: str) -> int: ...

    async def pending_suggestions(self, subscription_id: int) -> list[Suggestion]:
        """The channel's pending suggestions, oldest first."""
        ...

    async def suggestion(self, subscription_id: int, number: int) -> Suggestion | None: ...

    async def decide_suggestion(
        self,
        subscription_id: int,
        number: int,
        status: str,
        decided_by: str,
        at: datetime,
        *,
        reason: str = "",
        question_id: str = "",
    ) -> bool:
        """Mark a pending suggestion approved or rejected (by whom, why, as which question);
        False if it was not pending any more."""
        ...
