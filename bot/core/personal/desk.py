"""A person's own settings in a channel, the use cases: `/streaks hide` and `/streaks show` (their
row on the board), `/practice away` (their away days). Anyone sets their own; every answer is
private. The rules are in away.py and bot/core/daily/streaks.py; the reveal reads the away days
(PracticeService.reveal), the board the hidden rows (PracticeService.board)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Protocol

from bot.core.calendar.holidays import HolidayArgs, format_dates, upcoming
from bot.core.daily.cycle import DailyCycle
from bot.core.daily.ports import PostStore, SubscriptionStore
from bot.core.daily.schedule import local_today
from bot.core.personal.away import KEEP_PAST, check_away
from bot.core.personal.ports import PersonalStore
from bot.core.shared.errors import UserError
from bot.core.shared.messages import Response
from bot.core.shared.models import Caller, PostStatus, Subscription, SubscriptionStatus
from bot.core.shared.ports import Clock

log = logging.getLogger("practicebot.personal")

AWAY_RULE = (
    "On those days a question you do not answer neither counts nor breaks your streak, "
    "and spends no freeze; an answer still counts."
)
SHOW_AGAIN = "/streaks show puts it back."


class PersonalDeskStore(PersonalStore, SubscriptionStore, PostStore, Protocol):
    """The person's settings, and the channel's subscription and today's post they depend on."""


class PersonalDesk:
    def __init__(self, store: PersonalDeskStore, cycle: DailyCycle, clock: Clock) -> None:
        self._store = store
        self._cycle = cycle
        self._clock = clock

    async def privacy(self, caller: Caller, hide: bool) -> Response:
        """`/streaks hide` (True) or `/streaks show` (False), for the caller in this channel."""
        subscription = await self._store.subscription_for(caller.channel)
        if subscription is None:
            raise UserError("This channel is not subscribed, so it has no board yet.")
        changed = await self._store.set_board_hidden(subscription.id, caller.user.id, hide)
        if hide:
            said = (
                "Your row is now left off this channel's board. Your streak counts as always, for you "
                "and for the team streak, and /streaks me shows it; the board only says how many "
                f"people keep theirs private. {SHOW_AGAIN}"
                if changed
                else f"Your row is already left off this channel's board. {SHOW_AGAIN}"
            )
        else:
            said = (
                "Your row is back on this channel's board."
                if changed
                else "Your row is on this channel's board already; /streaks hide leaves it off."
            )
        log.info(
            "board row %s in %s", "hidden" if hide else "shown", caller.channel, extra=subscription.log_extra
        )
        return Response.text(said)

    async def away(self, caller: Caller, args: HolidayArgs) -> Response:
        """List, add or remove the caller's away days here, under the subscription's lock: a
        reveal reads them in one piece, before or after a change, never during it."""
        subscription = await self._store.subscription_for(caller.channel)
        if subscription is None or subscription.status is SubscriptionStatus.UNSUBSCRIBED:
            raise UserError("This channel is not subscribed, so it has no questions to be away from.")
        zone = subscription.settings.schedule.timezone
        today = local_today(zone, self._clock.now())
        user = caller.user.id
        async with self._cycle.lock(subscription.id):
            held = await self._store.away_days(subscription.id, user)
            if args.verb == "list":
                coming = upcoming(held, today)
                if not coming:
                    return Response.text(
                        f"You have no away days ahead here. To set some: /practice away add {today}"
                    )
                return Response.text(f"Your away days here ({zone}): {format_dates(coming)}. {AWAY_RULE}")
            if args.verb == "add":
                new = check_away(held, args.dates, today, await self._revealed_today(subscription, today))
                await self._store.add_away_days(subscription.id, user, new, today - KEEP_PAST)
                said = (
                    f"Away days added ({zone}): {format_dates(new)}. {AWAY_RULE}"
                    if new
                    else "Those days are away days of yours already."
                )
            else:
                gone = await self._store.remove_away_days(subscription.id, user, args.dates)
                said = (
                    f"Away days removed: {format_dates(args.dates & held)}."
                    if gone
                    else f"None of {format_dates(args.dates)} was an away day of yours here."
                )
        log.info("away days %s in %s", args.verb, caller.channel, extra=subscription.log_extra)
        return Response.text(said)

    async def _revealed_today(self, subscription: Subscription, today: date) -> bool:
        """Today's post is revealed, or its reveal began (its answers are counted as of then, and
        its model answer may be in the thread while the rest is retried)."""
        post = await self._store.post_on(subscription.id, today)
        return post is not None and (post.status is PostStatus.REVEALED or post.reveal_started_at is not None)
