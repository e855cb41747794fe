"""The storage port of holidays and seasons (bot/storage/seasons.py implements it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol

from bot.core.calendar.seasons import SeasonState


class CalendarStore(Protocol):
    """A subscription's holidays and its seasons."""

    async def add_holidays(self, subscription_id: int, dates: Iterable[date], forget_before: date) -> int:
        """Hold these holidays (the subscription's `schedule.holidays`) and forget those before
        `forget_before`; returns how many were not held yet."""
        ...

    async def remove_holidays(self, subscription_id: int, dates: Iterable[date]) -> int:
        """Drop these holidays; returns how many were held."""
        ...

    async def start_season(self, subscription_id: int, now: datetime) -> int:
        """Start the next season in one transaction: this season's streaks, freezes and team
        streak from zero, best runs kept; the open post counts in the new season. Returns its number."""
        ...

    async def season_state(self, subscription_id: int) -> SeasonState:
        """The season in effect, since when, and the best runs of the seasons before it."""
        ...
