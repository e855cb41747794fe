"""The few daily-cycle operations the other desks use, as a port: PracticeService implements it,
and a desk receives it through its constructor, so no desk imports the service."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Protocol

from bot.core.shared.errors import PlatformError
from bot.core.shared.models import ChannelRef, Post, Subscription
from bot.core.shared.ports import Platform


class DailyCycle(Protocol):
    def lock(self, subscription_id: int) -> asyncio.Lock:
        """The subscription's lock: posting, revealing and what changes them take it in turn."""
        ...

    def owns(self, channel: ChannelRef) -> bool:
        """Whether this process serves the channel (another process may serve the rest)."""
        ...

    def platform_of(self, subscription: Subscription) -> Platform:
        """The platform the subscription's channel is on; PlatformError if it is not connected."""
        ...

    async def platform_failed(
        self,
        subscription: Subscription,
        exc: PlatformError,
        item: str,
        *,
        last_try: bool = False,
        pauses: bool = True,
    ) -> bool:
        """Log, count and act on a failed item; True if it is given up (the channel moves on)."""
        ...

    async def post_in(self, channel: ChannelRef, post_id: int) -> Post | None:
        """The post a button or form names, if it was posted in `channel`."""
        ...

    async def post_day(
        self, subscription: Subscription, local_date: date, scheduled_at: datetime, *, locked: bool = False
    ) -> Post | None:
        """Post the day's question (claimed first, so never twice)."""
        ...

    async def arm_next_post(self, subscription: Subscription, now: datetime) -> datetime:
        """Wake at the next occurrence, or sooner to retry a post that could not be sent."""
        ...

    async def reveal(self, subscription: Subscription, post: Post, *, last_try: bool = False) -> None:
        """Show the model answer, close the post, count the streaks (under the caller's lock)."""
        ...

    async def run_post(self, subscription_id: int) -> None:
        """The subscription's wake-up: post what is due, record what was missed, re-arm."""
        ...
