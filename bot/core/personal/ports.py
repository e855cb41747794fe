"""The storage port of a person's own settings in a channel (bot/storage/personal.py implements
it). Each method is one transaction; forget-me deletes both (ReplyStore.forget_user)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol


class PersonalStore(Protocol):
    """Who keeps their row off a channel's board, and each person's away days there."""

    async def set_board_hidden(self, subscription_id: int, user_id: str, hidden: bool) -> bool:
        """Leave the person's row off the board (or put it back); False if it already was so."""
        ...

    async def board_hidden(self, subscription_id: int) -> set[str]:
        """The people who keep their row off this subscription's board."""
        ...

    async def away_days(self, subscription_id: int, user_id: str) -> frozenset[date]:
        """The person's away days here, past ones (still kept) included."""
        ...

    async def add_away_days(
        self, subscription_id: int, user_id: str, dates: Iterable[date], forget_before: date
    ) -> int:
        """Hold these away days and forget the person's before `forget_before`; how many are new."""
        ...

    async def remove_away_days(self, subscription_id: int, user_id: str, dates: Iterable[date]) -> int:
        """Drop these away days; how many were held."""
        ...

    async def away_on(self, subscription_id: int, local_date: date) -> set[str]:
        """Who is away on this local date here (read when that day's post closes)."""
        ...
