"""/practice: a channel's subscription and its admin actions (subscribe, pause, resume, status,
post-now, reveal-now, holidays, new season, recap), and forget-me (a person's own away days are
bot/core/personal/desk.py's). Admin actions are checked on every call. Posting and revealing
themselves stay in the daily cycle (PracticeService), under its per-subscription lock; this desk
asks it to through the DailyCycle port.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from bot.core.blind import rules as blind
from bot.core.calendar.holidays import KEEP_PAST, HolidayArgs, check_adding, format_dates, upcoming
from bot.core.calendar.ports import CalendarStore
from bot.core.commands.grammar import ADMIN_ACTIONS, HELP, SUBSCRIBE_KEYS, Practice, SubscribeArgs
from bot.core.daily.cycle import DailyCycle
from bot.core.daily.messages import failure_line
from bot.core.daily.ports import FailureStore, PostStore, ReplyStore, SubscriptionStore
from bot.core.daily.questions import QuestionBank, progress
from bot.core.daily.schedule import (
    check_reveal_fits,
    format_relative,
    format_reveal,
    local_today,
    next_post,
    on_days,
    zone_note,
)
from bot.core.recap.desk import RecapDesk
from bot.core.review.ports import ReviewStore
from bot.core.shared import messages as say
from bot.core.shared.errors import NotAllowed, UserError
from bot.core.shared.messages import Message, Response
from bot.core.shared.models import (
    LEVELS,
    Caller,
    ChannelRef,
    PostStatus,
    Schedule,
    Subscription,
    SubscriptionSettings,
    SubscriptionStatus,
)
from bot.core.shared.ports import Clock, Timer

log = logging.getLogger("practicebot.channel")


class ChannelStore(
    SubscriptionStore, PostStore, ReplyStore, FailureStore, CalendarStore, ReviewStore, Protocol
):
    """The subscription and its posts, holidays and seasons; what forget-me deletes."""


class ChannelDesk:
    """`defaults`: the settings of a channel's first subscribe, before its own options."""

    def __init__(
        self,
        store: ChannelStore,
        cycle: DailyCycle,
        clock: Clock,
        timer: Timer,
        bank: QuestionBank,
        recaps: RecapDesk,
        defaults: SubscriptionSettings,
        forgetting: Callable[[str, str], Awaitable[object]] | None = None,
    ) -> None:
        """`forgetting(platform, user_id)`: what other features do first when a person asks to
        be forgotten (the suggestions desk takes their credit off approved questions)."""
        self._store = store
        self._forgetting = forgetting
        self._cycle = cycle
        self._clock = clock
        self._timer = timer
        self._bank = bank
        self._recaps = recaps
        self._defaults = defaults

    async def handle(self, caller: Caller, command: Practice) -> Response:
        action = command.action
        if action == "help":
            return Response.text(HELP)
        if action == "forget-me":
            return await self._forget(caller, command.confirm)
        if action in ADMIN_ACTIONS and not caller.is_admin:
            raise NotAllowed(f"/practice {action} is for channel admins.")
        if action == "subscribe":
            assert command.subscribe is not None
            return await self._subscribe(caller.channel, command.subscribe)
        subscription = await self._store.subscription_for(caller.channel)
        if subscription is None or (
            subscription.status is SubscriptionStatus.UNSUBSCRIBED and action != "status"
        ):
            raise UserError("This channel is not subscribed. Start with /practice subscribe.")
        if action == "holidays":
            assert command.holidays is not None
            return await self._holidays(caller, subscription, command.holidays)
        if action == "new-season":
            return await self._new_season(subscription, command.confirm, command.season)
        if action == "next":
            return await self._next(subscription, command.question)
        handlers: dict[str, Callable[[Subscription], Awaitable[Response]]] = {
            "unsubscribe": self._unsubscribe,
            "pause": self._pause,
            "resume": self._resume,
            "status": self._status,
            "post-now": self._post_now,
            "reveal-now": self._reveal_now,
            "recap": lambda s: (
                self._recaps.change(s, command.recap.setting) if command.recap else self._recaps.show(s)
            ),
            "recap-now": self._recaps.send_now,
        }
        return await handlers[action](subscription)

    async def _forget(self, caller: Caller, confirmed: bool) -> Response:
        if not confirmed:
            return Response.text(
                "This deletes your answers, streaks, bookmarks, away days and board setting everywhere "
                "practicebot runs on this platform, and withdraws your suggestions still waiting for review. "
                "Nobody else's history changes, and it cannot be undone. "
                "To go ahead: /practice forget-me confirm"
            )
        if self._forgetting is not None:  # before the rows that say what is theirs are gone
            await self._forgetting(caller.channel.platform, caller.user.id)
        kept = await self._store.forget_bookmarks(caller.channel.platform, caller.user.id)
        replies, rows = await self._store.forget_user(  # last: it empties the log
            caller.channel.platform, caller.user.id, self._clock.now()
        )
        log.info("forgot a person on %s: %d replies, %d streak rows", caller.channel.platform, replies, rows)
        return Response.text(
            f"Done: {say.plural(replies, 'answer')}, {say.plural(rows, 'streak record')} and "
            f"{say.plural(kept, 'bookmark')} deleted."
        )

    async def _subscribe(self, channel: ChannelRef, args: SubscribeArgs) -> Response:
        existing = await self._store.subscription_for(channel)
        base = existing.settings if existing else self._defaults
        schedule = Schedule(
            at=args.time or base.schedule.at,
            timezone=args.timezone or base.schedule.timezone,
            days=args.days or base.schedule.days,
        )
        settings = SubscriptionSettings(
            schedule=schedule,
            reveal=args.reveal or base.reveal,
            levels=args.levels or base.levels,
            order=args.order or base.order,
            blind=base.blind if args.blind is None else args.blind,
            packs=base.packs if args.packs is None else args.packs,
        )
        check_reveal_fits(settings.reveal, schedule.days)
        # only packs named now: one chosen before and gone since is left out, not a refusal
        self._check_packs(channel, args.packs or ())
        if not self._bank.channel_deck(channel, settings.levels, settings.packs):
            raise UserError(f"no questions at level {', '.join(settings.levels)} in this channel's packs")
        now = self._clock.now()
        subscription = await self._store.save_subscription(channel, settings, now, now)
        await self._cycle.arm_next_post(subscription, now)
        await self._recaps.arm(subscription)
        log.info("subscribed %s: %s", channel, _describe(settings), extra=subscription.log_extra)
        verb = "now gets" if existing is None or existing.status is not SubscriptionStatus.ACTIVE else "gets"
        at = await self._next_post(subscription, now)  # with its holidays
        said = [f"This channel {verb} a question {_describe(settings)}."]
        if existing is not None:  # subscribing again changes only what is given
            given = [key for key in SUBSCRIBE_KEYS if getattr(args, _FIELDS.get(key, key)) is not None]
            said.append(f"Changed: {', '.join(given)}; the rest as before." if given else "Nothing changed.")
        said.append(f"Next: {say.moment(at)} ({say.moment(at, 'R')}).")
        note = zone_note(schedule.timezone)
        return Response.text(" ".join(said) + (f"\n{note}" if note else ""), private=False)

    def _check_packs(self, channel: ChannelRef, packs: tuple[str, ...]) -> None:
        unknown = [pack for pack in packs if not self._bank.visible(pack, channel)]
        if unknown:
            have = [p.id for p in self._bank.packs if self._bank.visible(p.id, channel)]
            raise UserError(
                f"no pack {', '.join(unknown)} here: this channel can draw from {', '.join(have)}"
            )

    async def _next(self, subscription: Subscription, question_id: str | None) -> Response:
        """Show, or choose, the question the next post takes."""
        if question_id is None:
            chosen = subscription.next_question
            question = self._bank.get_for(chosen, subscription.channel) if chosen else None
            if question is None:
                return Response.text(
                    "The next question is drawn as usual. Choose one: /practice next QUESTION-ID"
                )
            return Response.text(f"Next question, chosen by an admin: {question.title} ({question.id})")
        question = self._bank.get_for(question_id, subscription.channel)
        if question is None:
            raise UserError(f"no question {question_id} in the packs this channel can use")
        await self._store.set_next_question(subscription.id, question.id, self._clock.now())
        at = await self._next_post(subscription, self._clock.now())
        return Response.text(
            f"The next post here ({say.moment(at)}) is {question.title} ({question.id}); "
            "after it, questions are drawn as usual."
        )

    async def _unsubscribe(self, subscription: Subscription) -> Response:
        now = self._clock.now()
        await self._store.set_status(subscription.id, SubscriptionStatus.UNSUBSCRIBED, "", now)
        self._timer.cancel_post(subscription.id)
        return Response.text(
            "Unsubscribed: no more daily questions here. History and streaks are kept; "
            "/practice subscribe starts again.",
            private=False,
        )

    async def _pause(self, subscription: Subscription) -> Response:
        if subscription.status is SubscriptionStatus.PAUSED:
            raise UserError("Already paused. /practice resume continues.")
        await self._store.set_status(
            subscription.id, SubscriptionStatus.PAUSED, "paused by an admin", self._clock.now()
        )
        self._timer.cancel_post(subscription.id)
        return Response.text(
            "Paused: no questions until /practice resume. Paused days do not break streaks.",
            private=False,
        )

    async def _resume(self, subscription: Subscription) -> Response:
        if subscription.status is SubscriptionStatus.ACTIVE:
            raise UserError("This channel is not paused.")
        now = self._clock.now()
        await self._store.set_status(subscription.id, SubscriptionStatus.ACTIVE, "", now, schedule_from=now)
        resumed = await self._store.subscription(subscription.id)
        assert resumed is not None
        await self._cycle.arm_next_post(resumed, now)
        await self._recaps.arm(resumed)
        at = await self._next_post(resumed, now)
        return Response.text(
            f"Resumed. Next question {say.moment(at)} ({say.moment(at, 'R')}).", private=False
        )

    async def _next_post(self, subscription: Subscription, now: datetime) -> datetime:
        last = await self._store.last_post(subscription.id)
        return next_post(subscription.settings.schedule, now, last.local_date if last else None)

    async def _status(self, subscription: Subscription) -> Response:
        now = self._clock.now()
        settings = subscription.settings
        lines = [f"Schedule: {_describe(settings)}"]
        if subscription.status is SubscriptionStatus.ACTIVE:
            at = await self._next_post(subscription, now)
            lines.append(f"Next question: {say.moment(at)} ({format_relative(at - now)})")
        else:
            reason = f": {subscription.status_reason}" if subscription.status_reason else ""
            lines.append(f"Status: {subscription.status.value}{reason}")
        for failure in await self._store.failures(subscription.id):
            lines.append(f"Given up: {failure_line(failure)}")
        open_post = await self._store.open_post(subscription.id)
        if open_post is not None and open_post.reveal_at is not None:
            question = self._bank.get(open_post.question_id)
            title = question.title if question else open_post.question_id
            lines.append(f"Open question: {title} - reveal {say.moment(open_post.reveal_at)}")
        if chosen := subscription.next_question:
            gone = self._bank.get_for(chosen, subscription.channel) is None  # post_day passes it by then
            said = ", no longer loaded here: the next post is drawn as usual" if gone else ""
            lines.append(f"Next question, chosen by an admin: {chosen}{said}")
        lines += self._progress(subscription, await self._store.question_history(subscription.id))
        lines.append(f"Answers: {blind.describe(settings.blind)}")
        coming = upcoming(settings.schedule.holidays, local_today(settings.schedule.timezone, now))
        if coming:
            lines.append(f"Holidays: {format_dates(coming)}")
        season = await self._store.season_state(subscription.id)
        lines.append(f"Season: {season.number}, since {season.started_on}")
        lines.append(self._recaps.status_line(subscription, await self._recaps.setting(subscription.id)))
        return Response((Message(title="Practice status", body="\n".join(lines)),))

    def _progress(self, subscription: Subscription, history: list[str]) -> list[str]:
        """The whole deck's round, and how far each pack is through its part of it."""
        settings = subscription.settings
        packs = self._bank.channel_packs(subscription.channel, settings.packs)
        deck = self._bank.deck(settings.levels, packs)
        where, seen = progress(deck, history)
        lines = [f"Progress: {where.done} of {where.size} questions (round {where.round})"]
        if len(packs) > 1 or settings.packs:
            for pack in packs:
                part = [q for q in deck if q.pack == pack.id]
                done = sum(1 for q in part if q.id in seen)
                lines.append(f"  {pack.id}: {done} of {len(part)}")
            drawn = {pack.id for pack in packs}
            lines += [f"  {pid}: not loaded now, left out" for pid in settings.packs if pid not in drawn]
        return lines

    async def _post_now(self, subscription: Subscription) -> Response:
        if subscription.status is not SubscriptionStatus.ACTIVE:
            raise UserError(f"This channel is {subscription.status.value}: /practice resume first.")
        now = self._clock.now()
        today = local_today(subscription.settings.schedule.timezone, now)
        existing = await self._store.post_on(subscription.id, today)
        if existing is not None and existing.status is PostStatus.SKIPPED:
            raise UserError(
                f"Today was recorded as skipped ({existing.note}); the next question comes on schedule."
            )
        if existing is not None and existing.status is not PostStatus.CLAIMED:
            raise UserError("Today's question is already posted here; the next one comes on schedule.")
        post = await self._cycle.post_day(subscription, today, now)
        await self._cycle.arm_next_post(subscription, now)
        if post is None or post.status is not PostStatus.POSTED:
            raise UserError("The question could not be posted; see /practice status.")
        return Response.text("Posted today's question.")

    async def _reveal_now(self, subscription: Subscription) -> Response:
        async with self._cycle.lock(subscription.id):
            post = await self._store.open_post(subscription.id)
            if post is None:
                raise UserError("There is no open question to reveal.")
            await self._cycle.reveal(subscription, post)
        return Response.text("Revealed.")

    async def _holidays(self, caller: Caller, subscription: Subscription, args: HolidayArgs) -> Response:
        """List, add or remove holidays; a change re-arms the wake-up (a post already out stays)."""
        zone = subscription.settings.schedule.timezone
        now = self._clock.now()
        today = local_today(zone, now)
        held = subscription.settings.schedule.holidays
        if args.verb == "list":
            coming = upcoming(held, today)
            if not coming:
                return Response.text(f"No holidays ahead. Admins add them: /practice holidays add {today}")
            return Response.text(f"Holidays here ({zone}), skipped like days off: {format_dates(coming)}")
        if not caller.is_admin:
            raise NotAllowed(f"/practice holidays {args.verb} is for channel admins.")
        async with self._cycle.lock(subscription.id):
            if args.verb == "add":
                new = check_adding(held, args.dates, today)
                await self._store.add_holidays(subscription.id, new, today - KEEP_PAST)
                said = f"Holidays added: {format_dates(new)}." if new else "Those days are holidays already."
            else:
                gone = await self._store.remove_holidays(subscription.id, args.dates)
                said = (
                    f"Holidays removed: {format_dates(args.dates & held)}."
                    if gone
                    else f"None of {format_dates(args.dates)} was a holiday here."
                )
        await self._cycle.run_post(subscription.id)  # re-arms: due, missed or not, by the new calendar
        changed = await self._store.subscription(subscription.id)
        assert changed is not None
        if changed.status is SubscriptionStatus.ACTIVE:
            at = await self._next_post(changed, self._clock.now())
            said += f" Next question: {say.moment(at)} ({say.moment(at, 'R')})."
        log.info("holidays %s in %s: %s", args.verb, subscription.channel, said, extra=subscription.log_extra)
        return Response.text(said, private=False)

    async def _new_season(self, subscription: Subscription, confirmed: bool, season: int | None) -> Response:
        """`confirm N` names the season it starts, so a repeated or replayed confirm starts nothing."""
        if not confirmed:
            return Response.text(
                f"This ends season {subscription.season} here and starts season {subscription.season + 1}: "
                "everyone's current streak, total and freezes and the team streak start from zero. "
                "Posts, answers and each person's best ever are kept. "
                f"To go ahead: /practice new-season confirm {subscription.season + 1}"
            )
        # under the subscription's lock: a reveal in progress writes its streaks into the season
        # it began in, before the reset, never into the new one
        async with self._cycle.lock(subscription.id):
            current = (await self._store.season_state(subscription.id)).number
            if season is not None and season != current + 1:
                if season <= current:
                    return Response.text(f"Season {season} already started.")
                return Response.text(
                    f"This is season {current}: to start season {current + 1}, "
                    f"/practice new-season confirm {current + 1}"
                )
            number = await self._store.start_season(subscription.id, self._clock.now())
        log.info("season %d started in %s", number, subscription.channel, extra=subscription.log_extra)
        return Response.text(
            f"Season {number} starts now: the board starts from zero. Best ever streaks are kept.",
            private=False,
        )


_FIELDS = {"answers": "blind"}  # the SubscribeArgs field of a subscribe option, where the names differ


def _describe(settings: SubscriptionSettings) -> str:
    schedule = settings.schedule
    levels = "all levels" if settings.levels == LEVELS else ", ".join(settings.levels)
    reveal = "before the next post" if settings.reveal.is_next else "after " + format_reveal(settings.reveal)
    return (
        f"at {schedule.at:%H:%M} {schedule.timezone} {on_days(schedule.days)}, "
        f"reveal {reveal}, {levels}, {settings.order.value}"
        + (", blind answers" if settings.blind else "")
        + (f", packs {','.join(settings.packs)}" if settings.packs else "")
    )
