"""The bookmark and review use cases: bookmark, list, remove, review, grade, remind.

PracticeService hands commands, button presses and its post wake-ups to a ReviewDesk; the desk
talks to ports only. Everything it answers is private to the caller.

A question still taking answers in a channel on the person's platform (any channel practicebot
posts in there: the simplest rule that holds whichever channels they are in, DMs included) keeps
its model answer hidden until its reveal: review does not deal it, and its Show answer refuses.
Otherwise a bookmark on today's post, then /review, would show the answer before the thread closes
(and defeat blind answers).

Button actions:
    bookmark:<question id>               keep the question for review
    review:next                          deal the most overdue card
    review-answer:<question id>          the model answer with the four grade buttons
    grade:<question id>:<again|hard|good|easy>
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from bot.core.daily.ports import PostStore, SubscriptionStore
from bot.core.daily.questions import QuestionBank
from bot.core.daily.schedule import local_today
from bot.core.review import messages as say
from bot.core.review.bookmarks import BOOKMARK_LIMIT, Added, due, next_due, parse_grade, pick, should_remind
from bot.core.review.cards import Grade, review
from bot.core.review.ports import ReviewStore
from bot.core.shared.errors import PlatformError, UserError
from bot.core.shared.messages import Response, level_line, moment
from bot.core.shared.models import ChannelRef, Question, Subscription, SubscriptionStatus
from bot.core.shared.ports import Clock, Platform

log = logging.getLogger("practicebot.review")

VERBS = frozenset({"bookmark", "review", "review-answer", "grade"})


class ReviewDeskStore(ReviewStore, SubscriptionStore, PostStore, Protocol):
    """The bookmarks, the reminder's channel, and which questions are still open for answers."""


class ReviewDesk:
    def __init__(
        self,
        store: ReviewDeskStore,
        platforms: Mapping[str, Platform],
        clock: Clock,
        bank: QuestionBank,
        level_size: Callable[[Question], int],
        limit: int = BOOKMARK_LIMIT,
    ) -> None:
        self.store = store
        self.platforms = platforms
        self.clock = clock
        self.bank = bank
        self.level_size = level_size
        self.limit = limit

    # ------------------------------------------------------------ buttons

    async def press(self, platform: str, user_id: str, verb: str, argument: str) -> Response:
        if verb == "bookmark":
            return await self.bookmark(platform, user_id, argument)
        if verb == "review":
            return await self.deal(platform, user_id)
        if verb == "review-answer":
            question = self._question(argument)
            await self.refuse_if_open(platform, question)
            return Response((say.review_answer(question),))
        question_id, _, grade_text = argument.rpartition(":")
        grade = parse_grade(grade_text)
        if grade is None or not question_id:
            raise UserError("That button no longer does anything.")
        return await self.grade(platform, user_id, question_id, grade)

    def _question(self, question_id: str) -> Question:
        question = self.bank.get(question_id)
        if question is None:
            raise UserError("That question is no longer in any pack.")
        return question

    async def refuse_if_open(self, platform: str, question: Question) -> None:
        """UserError while `question` takes answers in a channel on `platform`."""
        if question.id in await self.store.open_questions(platform):
            raise UserError(still_open(question))

    async def bookmark(self, platform: str, user_id: str, question_id: str) -> Response:
        question = self._question(question_id)
        added = await self.store.add_bookmark(platform, user_id, question_id, self.clock.now(), self.limit)
        title = say.title_of(question, question_id)
        if added is Added.ALREADY:
            return Response.text(f"{title} is already bookmarked. /review deals it back.")
        if added is Added.FULL:
            return Response.text(
                f"You have {self.limit} bookmarks, the most practicebot keeps per person. "
                "Remove one first: /bookmarks, then /bookmarks remove NUMBER."
            )
        return Response.text(f"Bookmarked {say.ended(title)} /review deals it back.")

    # ------------------------------------------------------------ commands

    async def show(self, platform: str, user_id: str) -> Response:
        kept = await self.store.bookmarks(platform, user_id)
        entries = [(b, self.bank.get(b.question_id)) for b in kept]
        return Response((say.bookmark_list(entries, self.clock.now(), self.limit),))

    async def remove(self, platform: str, user_id: str, ref: str) -> Response:
        chosen = pick(await self.store.bookmarks(platform, user_id), ref)
        await self.store.remove_bookmark(platform, user_id, chosen.question_id)
        title = say.title_of(self.bank.get(chosen.question_id), chosen.question_id)
        return Response.text(f"Removed {title} from your bookmarks, and its review history with it.")

    async def deal(self, platform: str, user_id: str) -> Response:
        """The most overdue card whose question is still loaded and not open for answers on the
        platform, or when the next one is due."""
        kept = [b for b in await self.store.bookmarks(platform, user_id) if self.bank.get(b.question_id)]
        if not kept:
            return Response.text("You have no bookmarks to review. Press Bookmark under a question first.")
        waiting = due(kept, self.clock.now())
        if not waiting:
            soonest = next_due(kept)
            assert soonest is not None
            return Response((say.nothing_due(self.bank.get(soonest.question_id), soonest),))
        hidden = await self.store.open_questions(platform)
        ready = [b for b in waiting if b.question_id not in hidden]
        if not ready:
            return Response.text(f"Your next card: {still_open(self._question(waiting[0].question_id))}")
        question = self._question(ready[0].question_id)
        level = level_line(question, self.level_size(question))
        return Response((say.review_card(question, level, len(ready)),))

    async def grade(self, platform: str, user_id: str, question_id: str, grade: Grade) -> Response:
        question = self._question(question_id)
        now = self.clock.now()
        kept = await self.store.bookmarks(platform, user_id)
        mine = next((b for b in kept if b.question_id == question_id), None)
        if mine is None:
            return Response.text(
                f"{say.title_of(question, question_id)} is not in your bookmarks any more, so there is "
                "nothing to grade. Bookmark it again to keep reviewing it."
            )
        if mine.card.due is not None and mine.card.due > now:
            return Response.text(
                f"You already graded {say.title_of(question, question_id)}: it comes back "
                f"{moment(mine.card.due)} ({moment(mine.card.due, 'R')})."
            )
        card = review(mine.card, grade, now)
        if not await self.store.save_card(platform, user_id, question_id, card):
            return Response.text("That bookmark was removed meanwhile; nothing to grade.")
        rest = [b for b in kept if b.question_id != question_id and self.bank.get(b.question_id)]
        more = len(due(rest, now))
        soonest = min([card.due, *(b.due_since for b in rest)]) if card.due else None
        return Response((say.graded(question, grade, card, more, soonest),))

    async def queue(self, platform: str, user_id: str, question_id: str, grade: Grade) -> bool:
        """Put a question into a person's review queue as if reviewed now with `grade` (the
        self-check at reveal): bookmarked if it is not yet. False if their bookmarks are full."""
        now = self.clock.now()
        added = await self.store.add_bookmark(platform, user_id, question_id, now, self.limit)
        if added is Added.FULL:
            return False
        mine = next(b for b in await self.store.bookmarks(platform, user_id) if b.question_id == question_id)
        return await self.store.save_card(platform, user_id, question_id, review(mine.card, grade, now))

    async def remind(self, caller_channel: ChannelRef, platform: str, user_id: str, on: bool) -> Response:
        if not on:
            was_on = await self.store.set_reminder(platform, user_id, None)
            return Response.text(
                "Review reminders are off." if was_on else "Review reminders were not on; nothing changed."
            )
        subscription = await self.store.subscription_for(caller_channel)
        if subscription is None or subscription.status is SubscriptionStatus.UNSUBSCRIBED:
            raise UserError(
                "Turn reminders on in a channel that gets the daily question: "
                "they come at its post time, only on days you have reviews due."
            )
        await self.store.set_reminder(platform, user_id, caller_channel)
        at = subscription.settings.schedule
        return Response.text(
            f"Review reminders are on: a private message at {at.at:%H:%M} {at.timezone} on the days this "
            "channel gets its question, when you have reviews due. /review remind off stops them."
        )

    # ------------------------------------------------------------ the post wake-up

    async def send_reminders(self, subscription: Subscription) -> int:
        """At a subscription's post time: remind those who turned it on there and have reviews
        due, once per local day. The day is claimed before sending, so a restart (or a retried
        wake-up) never reminds twice; a send that fails loses that day's reminder only. Never
        raises: the post wake-up it rides on must not fail for a reminder."""
        try:
            return await self._send_reminders(subscription)
        except Exception:
            log.exception("review reminders failed", extra={"subscription": subscription.id})
            return 0

    async def _send_reminders(self, subscription: Subscription) -> int:
        channel = subscription.channel
        platform = self.platforms.get(channel.platform)
        if platform is None:
            return 0
        now = self.clock.now()
        today = local_today(subscription.settings.schedule.timezone, now)
        sent = 0
        for reminder in await self.store.reminders_at(channel):
            kept = await self.store.bookmarks(reminder.platform, reminder.user_id)
            count = len(due([b for b in kept if self.bank.get(b.question_id)], now))
            if not should_remind(reminder, today, count):
                continue
            if not await self.store.claim_reminder(reminder.platform, reminder.user_id, today):
                continue
            try:
                await platform.send_private(channel, reminder.user_id, say.reminder(count))
            except PlatformError as exc:
                log.warning("review reminder to %s failed: %s", reminder.user_id, exc.reason)
                continue
            sent += 1
        if sent:
            log.info(
                "sent %d review reminders", sent, extra={"subscription": subscription.id, "channel": channel}
            )
        return sent


def still_open(question: Question) -> str:
    return (
        f"{say.title_of(question, question.id)} is open for answers in a channel right now. "
        "Its model answer comes with the reveal there; /review deals it after that."
    )
