"""The ports the core talks through. Adapters implement them; tests use `Fake*` versions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from bot.core.blind.rules import Saved
from bot.core.calendar.seasons import SeasonState
from bot.core.daily.streaks import Streak
from bot.core.recap.rules import PostCount, RecapRow, RecapStatus, RecapTime
from bot.core.review.bookmarks import Added, Bookmark, Reminder
from bot.core.review.cards import Card
from bot.core.shared.messages import Message, Picture
from bot.core.shared.models import (
    Accuracy,
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


class Store(Protocol):
    """Everything that must survive a restart. Each method is one transaction."""

    # subscriptions
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

    # posts
    async def claim_post(
        self,
        subscription_id: int,
        local_date: date,
        question_id: str,
        scheduled_at: datetime,
        nonce: str,
    ) -> Post | None:
        """Write the post as `claimed`, before it is sent; None if that date already has one."""
        ...

    async def mark_posted(
        self, post_id: int, ref: PostedRef, posted_at: datetime, reveal_at: datetime
    ) -> None: ...

    async def mark_skipped(self, post_id: int, note: str) -> None: ...

    async def mark_revealing(self, post_id: int, at: datetime) -> datetime:
        """Record when the reveal began (kept from the first attempt); returns that instant."""
        ...

    async def forget_user(self, platform: str, user_id: str, at: datetime) -> tuple[int, int]:
        """Delete a person's replies, streak rows, self-checks and blind answers on one platform,
        for good: what of theirs is dated up to `at` is never stored again (a thread read back
        later). Returns (replies, streak rows)."""
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

    # replies and streaks
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

    # self-checks
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

    # blind answers
    async def save_blind_answer(self, post_id: int, user: User, body: str, at: datetime) -> Saved | None:
        """Store a blind answer to an open post (replacing the person's text, keeping the first
        time) and count it as their reply; None if the post takes no answers any more."""
        ...

    async def blind_answer(self, post_id: int, user_id: str) -> str | None: ...

    async def blind_answers(self, post_id: int) -> list[tuple[User, str]]:
        """A post's blind answers, first answered first."""
        ...

    # bookmarks and review (one person on one platform)
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
    # holidays and seasons
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

    # failures
    async def record_failure(
        self, subscription_id: int, item: str, reason: str, at: datetime, max_tries: int
    ) -> bool:
        """Count one more failed try of `item` with its reason; True once it has failed
        `max_tries` times (it is given up, and `failures` lists it)."""
        ...

    async def failures(self, subscription_id: int) -> list[Failure]:
        """The newest items given up in this subscription."""
        ...

    # weekly recaps
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
