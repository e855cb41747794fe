"""The weekly recap's use cases: arm it, send it once a week, set it, send one now.

Ordering rules, as for the daily post (bot/core/daily/service.py):
- a week's recap is claimed in the Store (unique per subscription and ISO week) before it is sent;
- a claimed recap found later (a crash, a platform error) is resent with its nonce, so the
  platform recognises it, and only within the grace; past it, it is recorded as skipped;
- a platform that refuses it for good skips that week's recap and pauses nothing: the daily
  post finds out for itself whether the channel is gone.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.core.daily.cycle import DailyCycle
from bot.core.daily.ports import PostStore, ReplyStore, SubscriptionStore
from bot.core.daily.questions import QuestionBank
from bot.core.daily.schedule import local_today
from bot.core.personal.ports import PersonalStore
from bot.core.recap.ports import RecapPictures, RecapStore
from bot.core.recap.rules import (
    BOOKMARKED_LISTED,
    PostCount,
    RecapRow,
    RecapStatus,
    RecapTime,
    WeekFigures,
    format_recap,
    latest_recap,
    next_recap,
    recap_message,
    week_days,
    week_figures,
    week_of,
)
from bot.core.review.ports import ReviewStore
from bot.core.shared import messages as say
from bot.core.shared.errors import PlatformError, UserError, as_platform_error
from bot.core.shared.messages import Message, Picture, Response
from bot.core.shared.models import Subscription, SubscriptionStatus
from bot.core.shared.ports import Clock, Metrics, Timer

log = logging.getLogger("practicebot.recap")

RETRY_AFTER = timedelta(minutes=1)


class RecapDeskStore(
    RecapStore, SubscriptionStore, PostStore, ReplyStore, ReviewStore, PersonalStore, Protocol
):
    """The recaps, and what a week's figures are read from: streaks (less the people who keep
    theirs off the board, and the away days), and the most bookmarked."""


class RecapDesk:
    """`default`: the recap of a subscription that set none (None: off); `grace`: how late a
    missed one still goes out; `team_min_answers`: as for the team streak."""

    def __init__(
        self,
        store: RecapDeskStore,
        cycle: DailyCycle,
        clock: Clock,
        timer: Timer,
        bank: QuestionBank,
        metrics: Metrics,
        pictures: RecapPictures,
        *,
        default: RecapTime | None,
        grace: timedelta,
        team_min_answers: int,
    ) -> None:
        self._store = store
        self._cycle = cycle
        self._clock = clock
        self._timer = timer
        self._bank = bank
        self._metrics = metrics
        self._pictures = pictures
        self._default = default
        self._grace = grace
        self._team_min_answers = team_min_answers
        self._locks: dict[int, asyncio.Lock] = {}

    @property
    def default(self) -> RecapTime | None:
        return self._default

    @property
    def grace(self) -> timedelta:
        return self._grace

    # ------------------------------------------------------------ start-up and arming

    async def start(self, subscriptions: Sequence[Subscription]) -> None:
        """Arm every active subscription's recap: one missed while the bot was down and still
        within the grace at once (the wake-up finds out whether it went out), else the next."""
        times = await self._store.recap_times()
        now = self._clock.now()
        # most subscriptions share a few (time, zone) pairs: work each out once
        instants: dict[tuple[RecapTime, str], tuple[datetime, datetime]] = {}
        for subscription in subscriptions:
            if subscription.status is not SubscriptionStatus.ACTIVE:
                continue
            setting = times.get(subscription.id, self.default)
            if setting is None:
                continue
            key = (setting, subscription.settings.schedule.timezone)
            if key not in instants:
                instants[key] = (latest_recap(*key, now)[1], next_recap(*key, now)[1])
            last, upcoming = instants[key]
            due = now - last <= self.grace and last > subscription.schedule_from
            self._timer.wake_recap(subscription.id, now if due else upcoming)

    async def setting(self, subscription_id: int) -> RecapTime | None:
        chosen, setting = await self._store.recap_time(subscription_id)
        return setting if chosen else self.default

    async def arm(self, subscription: Subscription) -> datetime | None:
        """Wake at the next recap (after a subscribe, a resume or a new recap time)."""
        setting = await self.setting(subscription.id)
        if setting is None:
            return None
        _, at = next_recap(setting, subscription.settings.schedule.timezone, self._clock.now())
        self._timer.wake_recap(subscription.id, at)
        return at

    # ------------------------------------------------------------ the weekly wake-up

    async def run(self, subscription_id: int) -> None:
        """Send this week's recap if it is due and not sent yet, then wake for the next one.
        Paused and unsubscribed channels get none, and are not woken again until resumed."""
        async with self._locks.setdefault(subscription_id, asyncio.Lock()):
            subscription = await self._store.subscription(subscription_id)
            if subscription is None or subscription.status is not SubscriptionStatus.ACTIVE:
                return
            if not self._cycle.owns(subscription.channel):
                return
            setting = await self.setting(subscription_id)
            if setting is None:
                return
            now = self._clock.now()
            timezone = subscription.settings.schedule.timezone
            local_date, at = latest_recap(setting, timezone, now)
            retry = False
            if at > subscription.schedule_from:
                retry = await self._due(subscription, local_date, at, now)
            _, next_at = next_recap(setting, timezone, now)
            self._timer.wake_recap(subscription_id, min(next_at, now + RETRY_AFTER) if retry else next_at)

    async def _due(self, subscription: Subscription, local_date: date, at: datetime, now: datetime) -> bool:
        """The recap due at `at`: sent if still owed; True if it must be tried again soon."""
        store = self._store
        row = await store.recap_of_week(subscription.id, week_of(local_date))
        if row is None:
            if now - at > self.grace:
                log.warning(
                    "no recap for the week of %s in %s: missed by %s",
                    local_date,
                    subscription.channel,
                    now - at,
                    extra=subscription.log_extra,
                )
                return False
            row = await store.claim_recap(
                subscription.id, week_of(local_date), local_date, at, secrets.token_hex(10)
            )
            if row is None:  # claimed meanwhile by another process on the same database
                return False
            return not await self._deliver(subscription, row, resend=False)
        if row.status is not RecapStatus.CLAIMED:
            return False
        if now - row.scheduled_at > self.grace:
            await store.mark_recap(row.id, RecapStatus.SKIPPED, now, "could not be sent within the grace")
            return False
        return not await self._deliver(subscription, row, resend=True)

    async def _deliver(self, subscription: Subscription, row: RecapRow, *, resend: bool) -> bool:
        """Send a claimed recap; False if it stays claimed for another try."""
        try:
            message, picture = await self.compose(subscription, row.local_date)
            await self._cycle.platform_of(subscription).post_picture(
                subscription.channel, message, picture, row.nonce, resend=resend
            )
        except Exception as exc:
            failure = as_platform_error(exc)
            if await self._cycle.platform_failed(subscription, failure, f"recap {row.id}", pauses=False):
                now = self._clock.now()
                await self._store.mark_recap(row.id, RecapStatus.SKIPPED, now, failure.reason)
                return True
            return False
        await self._store.mark_recap(row.id, RecapStatus.SENT, self._clock.now())
        log.info(
            "sent the recap for %s to %s", row.local_date, subscription.channel, extra=subscription.log_extra
        )
        return True

    # ------------------------------------------------------------ content

    async def figures(self, subscription: Subscription, last: date) -> WeekFigures:
        store = self._store
        streaks, names = await store.streak_state(subscription.id)
        hidden = await store.board_hidden(subscription.id)  # named on no board, nor in "kept their streak"
        team, _ = await store.team_streak(subscription.id)
        posts = await store.post_counts(subscription.id)
        return week_figures(
            last,
            posts,
            {user: streak for user, streak in streaks.items() if user not in hidden},
            names,
            team,
            self._team_min_answers,
            excused=await self._excused(subscription.id, posts, last),
        )

    async def _excused(self, subscription_id: int, posts: Sequence[PostCount], last: date) -> Counter[str]:
        """Per person, the week's closed posts on their away days that they did not answer."""
        store, days = self._store, week_days(last)
        excused: Counter[str] = Counter()
        for count in posts:
            if not (count.closed and days[0] <= count.local_date <= last):
                continue
            away = await store.away_on(subscription_id, count.local_date)
            post = await store.post_on(subscription_id, count.local_date) if away else None
            if post is not None:
                excused.update(away - (await store.on_time_answerers(post.id)).keys())
        return excused

    async def compose(self, subscription: Subscription, last: date) -> tuple[Message, Picture]:
        figures = await self.figures(subscription, last)
        bookmarked = await self._store.most_bookmarked(subscription.id, figures.questions, BOOKMARKED_LISTED)
        titles = {q: question.title for q in figures.questions if (question := self._bank.get(q))}
        titles |= {q: question.title for q, _ in bookmarked if (question := self._bank.get(q))}
        # drawn in a thread: tens of milliseconds of pure Python that would otherwise hold up the
        # event loop (gateway heartbeats, interaction acks) once per channel at the recap hour
        picture = await asyncio.to_thread(self._pictures.recap, figures)
        return recap_message(figures, bookmarked, titles), picture

    # ------------------------------------------------------------ commands

    async def show(self, subscription: Subscription) -> Response:
        setting = await self.setting(subscription.id)
        return Response.text(f"{self.status_line(subscription, setting)}. {_HOW}")

    def status_line(self, subscription: Subscription, setting: RecapTime | None) -> str:
        if setting is None:
            return "Weekly recap: off"
        timezone = subscription.settings.schedule.timezone
        line = f"Weekly recap: {format_recap(setting)} {timezone}"
        if subscription.status is SubscriptionStatus.ACTIVE:
            _, at = next_recap(setting, timezone, self._clock.now())
            line += f", next {say.moment(at)}"
        return line

    async def change(self, subscription: Subscription, setting: RecapTime | None) -> Response:
        await self._store.set_recap_time(subscription.id, setting)
        if setting is None:
            return Response.text(
                "Weekly recap turned off here. /practice recap fri 16:00 turns it on again.", private=False
            )
        timezone = subscription.settings.schedule.timezone
        text = f"This channel gets a weekly recap on {format_recap(setting)} {timezone}."
        if subscription.status is SubscriptionStatus.ACTIVE:
            at = await self.arm(subscription)
            assert at is not None
            text += f" Next: {say.moment(at)} ({say.moment(at, 'R')})."
        else:
            text += f" It starts once the channel is active again (now {subscription.status.value})."
        return Response.text(text, private=False)

    async def send_now(self, subscription: Subscription) -> Response:
        """A recap of the seven days up to today, sent now for trying it out: it does not count
        as the week's, so the scheduled one still comes."""
        today = local_today(subscription.settings.schedule.timezone, self._clock.now())
        message, picture = await self.compose(subscription, today)
        try:
            await self._cycle.platform_of(subscription).post_picture(
                subscription.channel, message, picture, secrets.token_hex(10)
            )
        except PlatformError as exc:
            self._metrics.platform_failed(subscription.channel.platform, exc.final)
            raise UserError(f"The recap could not be sent: {exc.reason}") from None
        return Response.text("Sent a recap of the last seven days. The weekly one still comes on schedule.")


_HOW = "Change it with /practice recap <day> <HH:MM> (like fri 16:00), or /practice recap off"
