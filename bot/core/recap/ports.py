"""The ports the weekly recap needs: its storage (bot/storage/recaps.py implements it)
and the picture (bot/render/recap_image.py implements it)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from bot.core.recap.rules import PostCount, RecapRow, RecapStatus, RecapTime, WeekFigures
from bot.core.shared.messages import Picture


class RecapStore(Protocol):
    """Each subscription's recap time and the recaps claimed and sent, one per ISO week."""

    async def recap_times(self) -> dict[int, RecapTime | None]:
        """The recap time each subscription set (None: turned off); absent ones use the default."""
        ...

    async def recap_time(self, subscription_id: int) -> tuple[bool, RecapTime | None]:
        """(whether the subscription set one, the setting: None is off)."""
        ...

    async def set_recap_time(self, subscription_id: int, setting: RecapTime | None) -> None: ...

    async def claim_recap(
        self, subscription_id: int, week: date, local_date: date, scheduled_at: datetime, nonce: str
    ) -> RecapRow | None:
        """Write the week's recap as `claimed`, before it is sent; None if the week has one."""
        ...

    async def recap_of_week(self, subscription_id: int, week: date) -> RecapRow | None: ...

    async def mark_recap(self, recap_id: int, status: RecapStatus, at: datetime, note: str = "") -> None:
        """Settle a claimed recap as sent or skipped."""
        ...

    async def post_counts(self, subscription_id: int) -> list[PostCount]:
        """Every post that went out (open or closed) with its on-time answers, oldest first."""
        ...


class RecapPictures(Protocol):
    """Draws the recap's picture from its figures (bot/render/recap_image.py: Pillow). Called
    in a worker thread: pure computation, no event loop."""

    def recap(self, figures: WeekFigures) -> Picture: ...
