"""The storage ports of the daily cycle: subscriptions, posts, replies and streaks, failures.
bot/storage/store.py implements them (failures in bot/storage/failures.py). Each method is one
transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from bot.core.daily.streaks import Streak
from bot.core.shared.models import (
    ChannelRef,
    Failure,
    Post,
    PostedRef,
    StoredReply,
    Subscription,
    SubscriptionSettings,
    SubscriptionStatus,
    TeamStreak,
    User,
)


class SubscriptionStore(Protocol):
    """A channel's subscription: its settings and whether it is active."""

    async def subscription_for(self, channel: ChannelRef) -> Subscription | None: ...

    async def subscription(self, subscription_id: int) -> Subscription | None: ...

    async def subscriptions(self, status: SubscriptionStatus | None = None) -> list[Subscription]: ...

    async def save_subscription(
        self,
        channel: ChannelRef,
        settings: SubscriptionSettings,
        schedule_from: datetime,
        now: datetime,
    ) -> Subscription:
        """Create or update the channel's subscription and make it active."""
        ...

    async def set_status(
        self,
        subscription_id: int,
        status: SubscriptionStatus,
        reason: str,
        now: datetime,
        schedule_from: datetime | None = None,
    ) -> None: ...

    async def set_next_question(self, subscription_id: int, question_id: str | None, now: datetime) -> None:
        """The question the next post takes (None: drawn as usual); the claim of a post with
        that question clears it."""
        ...


class PostStore(Protocol):
    """The daily posts, claimed before they are sent so none goes out twice."""

    async def claim_post(
        self,
        subscription_id: int,
        local_date: date,
        question_id: str,
        scheduled_at: datetime,
        nonce: str,
        chosen: str | None = None,
    ) -> Post | None:
        """Write the post as `claimed`, before it is sent; None if that date already has one.
        A claim of the subscription's `next_question` clears it in the same transaction, and so
        does a claim that passes `chosen` by (the admin's choice it read, no longer loaded)."""
        ...

    async def mark_posted(
        self, post_id: int, ref: PostedRef, posted_at: datetime, reveal_at: datetime
    ) -> None: ...

    async def mark_skipped(self, post_id: int, note: str) -> None: ...

    async def mark_revealing(self, post_id: int, at: datetime) -> datetime:
        """Record when the reveal began (kept from the first attempt); returns that instant."""
        ...

    async def record_skip(
        self, subscription_id: int, local_date: date, scheduled_at: datetime, note: str
    ) -> bool:
        """Record a day that passed without a post; False if that date already has a row."""
        ...

    async def post(self, post_id: int) -> Post | None: ...

    async def post_on(self, subscription_id: int, local_date: date) -> Post | None: ...

    async def last_post(self, subscription_id: int) -> Post | None:
        """The newest row of any status."""
        ...

    async def last_scheduled(self) -> dict[int, datetime]:
        """When each subscription's newest row (of any status) was due, by subscription id."""
        ...

    async def open_post(self, subscription_id: int) -> Post | None:
        """The newest post still taking answers (status `posted`)."""
        ...

    async def open_questions(self, platform: str) -> set[str]:
        """The questions of the posts still taking answers in any channel on `platform`: their
        model answers stay hidden there until the reveal (review and /question keep to it)."""
        ...

    async def posts_with_status(self, *statuses: str) -> list[Post]: ...

    async def post_by_thread(self, channel: ChannelRef, thread_id: str) -> Post | None:
        """The daily post whose thread this is; `channel` is the channel the post is in."""
        ...

    async def question_history(self, subscription_id: int) -> list[str]:
        """Question ids sent to this subscription (claimed, posted, revealed), oldest first."""
        ...


class ReplyStore(Protocol):
    """Who answered which post, and the streaks a closed post produces."""

    async def add_reply(self, post_id: int, user: User, at: datetime, on_time: bool) -> bool:
        """Store a reply; False if this user already answered this post."""
        ...

    async def add_thread_reply(
        self, channel: ChannelRef, thread_id: str, user: User, at: datetime
    ) -> StoredReply | None:
        """Store a reply written in the thread of a daily post of `channel` (open: on time, or
        revealed: late); None if the thread is no daily post's or this user already answered it."""
        ...

    async def replies(self, post_id: int) -> list[tuple[User, datetime, bool]]: ...

    async def on_time_answerers(self, post_id: int) -> dict[str, str]:
        """Who answered the post in time: user id -> name (the board's view of an open post)."""
        ...

    async def streak_state(self, subscription_id: int) -> tuple[dict[str, Streak], dict[str, str]]:
        """Stored streaks over closed posts (user id -> streak) and the users' names."""
        ...

    async def team_streak(self, subscription_id: int) -> tuple[TeamStreak, int]:
        """The team streak and how many posts are closed."""
        ...

    async def close_post(
        self,
        post_id: int,
        revealed_at: datetime,
        streaks: Mapping[str, Streak],
        names: Mapping[str, str],
        team: TeamStreak,
    ) -> None:
        """Mark the post revealed and store the streaks it produces, in one transaction.
        Replies stored at or after `revealed_at` become late."""
        ...

    async def closed_history(self, subscription_id: int) -> Sequence[frozenset[str]]:
        """The on-time answerers of each closed post, oldest first (for from-scratch checks)."""
        ...

    async def forget_user(self, platform: str, user_id: str, at: datetime) -> tuple[int, int]:
        """Delete a person's replies, streak rows, self-checks, blind answers, away days and board
        setting on one platform, for good: what of theirs is dated up to `at` is never stored
        again (a thread read back later). Returns (replies, streak rows)."""
        ...


class FailureStore(Protocol):
    """Items given up after their tries, for admins (/practice status)."""

    async def record_failure(
        self, subscription_id: int, item: str, reason: str, at: datetime, max_tries: int
    ) -> bool:
        """Count one more failed try of `item` with its reason; True once it has failed
        `max_tries` times (it is given up, and `failures` lists it)."""
        ...

    async def failures(self, subscription_id: int) -> list[Failure]:
        """The newest items given up in this subscription."""
        ...
