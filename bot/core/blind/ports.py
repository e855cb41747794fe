"""The storage port of blind answers (bot/storage/blind_answers.py implements it)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.blind.rules import Saved
from bot.core.shared.models import (
    User,
)


class BlindStore(Protocol):
    """Answers written in a private form, kept hidden until the reveal."""

    async def save_blind_answer(self, post_id: int, user: User, body: str, at: datetime) -> Saved | None:
        """Store a blind answer to an open post (replacing the person's text, keeping the first
        time) and count it as their reply; None if the post takes no answers any more."""
        ...

    async def blind_answer(self, post_id: int, user_id: str) -> str | None: ...

    async def blind_answers(self, post_id: int) -> list[tuple[User, str]]:
        """A post's blind answers, first answered first."""
        ...
