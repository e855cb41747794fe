"""The ports every feature talks through: the clock, the timer, metrics and the chat platform.
Adapters implement them; tests use `Fake*` versions. Storage ports live beside their feature
(`daily/ports.py`, `review/ports.py`, ...); `bot/core/store.py` sums them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.shared.messages import Message, Picture
from bot.core.shared.models import (
    ChannelRef,
    PostedRef,
    User,
)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class Timer(Protocol):
    """Wakes the service at an instant. It holds no state worth keeping: the Store is the truth
    and every wake-up is re-armed from it at start-up. Arming an id again replaces it."""

    def wake_post(self, subscription_id: int, at: datetime) -> None: ...

    def wake_reveal(self, post_id: int, at: datetime) -> None: ...

    def cancel_post(self, subscription_id: int) -> None: ...

    def wake_recap(self, subscription_id: int, at: datetime) -> None:
        """The subscription's weekly recap (id `recap:<subscription>`)."""
        ...


class Metrics(Protocol):
    """What happened, counted for monitoring (bot/ops/metrics.py exports it to Prometheus).
    Every method is cheap and never raises; `NoMetrics` is the default."""

    def posted(self, platform: str) -> None:
        """A daily question went out."""
        ...

    def revealed(self, platform: str) -> None:
        """A post closed: its model answer is in the thread and its streaks are counted."""
        ...

    def replied(self, platform: str, on_time: bool) -> None:
        """A new answer was stored."""
        ...

    def command_handled(self, platform: str, command: str, seconds: float) -> None:
        """A command or button press was answered after `seconds`."""
        ...

    def platform_failed(self, platform: str, permanent: bool) -> None:
        """A call to a platform failed (permanent: the subscription pauses)."""
        ...

    def rate_limited(self, platform: str) -> None:
        """A platform answered 429, including answers its library retried on its own."""
        ...

    def job_started(self, job: str, lateness_seconds: float) -> None:
        """A scheduled wake-up (`post`, `reveal` or `recap`) started this late after its due time."""
        ...


class NoMetrics:
    """The Metrics port that counts nothing."""

    def posted(self, platform: str) -> None:
        pass

    def revealed(self, platform: str) -> None:
        pass

    def replied(self, platform: str, on_time: bool) -> None:
        pass

    def command_handled(self, platform: str, command: str, seconds: float) -> None:
        pass

    def platform_failed(self, platform: str, permanent: bool) -> None:
        pass

    def rate_limited(self, platform: str) -> None:
        pass

    def job_started(self, job: str, lateness_seconds: float) -> None:
        pass


class Platform(Protocol):
    """One chat platform. Calls raise `PlatformError` when they fail."""

    name: str

    def owns(self, channel: ChannelRef) -> bool:
        """Whether this process serves the channel. A platform split over several processes
        (Discord shards) schedules, posts, reveals and catches up only in its own part; a
        process that owns no part of a channel leaves its subscription alone."""
        ...

    async def receiving(self) -> None:
        """Return once the platform's events reach the service (Discord: once READY); at once
        where they already do. Sending works before that."""
        ...

    async def post_question(
        self, channel: ChannelRef, message: Message, nonce: str, *, resend: bool = False
    ) -> PostedRef:
        """Post the daily question and open a thread from it. Idempotent per `nonce`: when
        `resend` is set (the post may have gone out before a crash), a post that already went
        out with this nonce is returned instead of posting again."""
        ...

    async def reply_in_thread(
        self, channel: ChannelRef, thread_id: str, message: Message, *, nonce: str = "", resend: bool = False
    ) -> None:
        """Post in the thread of a daily post (the reveal). With a `nonce` and `resend`, a reply
        that already went out with that nonce is not posted again."""
        ...

    async def thread_replies(self, channel: ChannelRef, thread_id: str) -> list[tuple[User, datetime]]:
        """The people who wrote in the thread and when (bots excluded), read back from the
        platform: replies made while the bot was not connected are not lost."""
        ...

    async def edit_post(self, channel: ChannelRef, message_id: str, message: Message) -> None:
        """Replace the daily post's content (to say it is revealed)."""
        ...

    async def send_private(self, channel: ChannelRef, user_id: str, message: Message) -> None:
        """A direct message to one person (Discord DM, Slack IM), who is a member of `channel`'s
        workspace: the review reminder."""
        ...

    async def post_picture(
        self, channel: ChannelRef, message: Message, picture: Picture, nonce: str, *, resend: bool = False
    ) -> None:
        """Post a message in the channel with `picture` attached (the weekly recap). With
        `resend` (it may have gone out before a crash), one already sent with `nonce` is not
        posted again."""
        ...
