"""Blind answers, the use cases: open the form, take a submission, publish at the reveal.

The rules and wording are in bot/core/blind/rules.py; this is the thin async part over the Store.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Protocol

from bot.core.blind import rules as blind
from bot.core.blind.ports import BlindStore
from bot.core.daily.cycle import DailyCycle
from bot.core.daily.ports import PostStore, SubscriptionStore
from bot.core.daily.questions import QuestionBank
from bot.core.shared.errors import UserError
from bot.core.shared.messages import Response
from bot.core.shared.models import Caller, ChannelRef, Post, PostStatus, Question, Subscription, User
from bot.core.shared.ports import Clock, Metrics, Platform

log = logging.getLogger("practicebot.blind")


class BlindDeskStore(BlindStore, SubscriptionStore, PostStore, Protocol):
    """The blind answers, and the channel's open post they are written to."""


class BlindDesk:
    def __init__(
        self, store: BlindDeskStore, cycle: DailyCycle, clock: Clock, bank: QuestionBank, metrics: Metrics
    ) -> None:
        self._store = store
        self._cycle = cycle
        self._clock = clock
        self._bank = bank
        self._metrics = metrics

    async def _post_here(self, caller: Caller, argument: str) -> tuple[Post, Question]:
        """The post a button or form names, if it is in the caller's channel, and its question."""
        post = await self._cycle.post_in(caller.channel, blind.post_id_of(argument))
        if post is None:
            raise UserError("That Answer button is for a question that was not posted in this channel.")
        question = self._bank.get(post.question_id)
        if question is None:
            raise UserError("That question is no longer in any pack.")
        return post, question

    async def open_post_id(self, channel: ChannelRef) -> int | None:
        """The channel's open post if its subscription takes blind answers (for platforms without
        forms: the terminal channel's `reply TEXT` submits to it)."""
        store = self._store
        subscription = await store.subscription_for(channel)
        if subscription is None or not subscription.settings.blind:
            return None
        post = await store.open_post(subscription.id)
        return None if post is None else post.id

    async def open_form(self, caller: Caller, argument: str) -> Response:
        """The Answer button: the private form, pre-filled with the person's current answer."""
        post, question = await self._post_here(caller, argument)
        if not _takes_answers(post):
            raise UserError(blind.CLOSED)
        current = await self._store.blind_answer(post.id, caller.user.id)
        return blind.form(question, post.id, current)

    async def submit(self, caller: Caller, argument: str, values: Mapping[str, str]) -> Response:
        """A submitted form. A refused one (empty, too long) comes back as the form again with
        the reason; one that arrives once answers have closed, with its text quoted back."""
        text = values.get(blind.ANSWER_FIELD, "")
        post, question = await self._post_here(caller, argument)
        if not _takes_answers(post):
            return blind.too_late(question, post.id, text)
        try:
            answer = blind.check_answer(text)
        except blind.AnswersError as exc:
            return blind.form(question, post.id, text, error=exc.message)
        try:
            saved = await self._store.save_blind_answer(post.id, caller.user, answer, self._clock.now())
        except Exception as exc:  # the database cannot be written (a full disk): keep the text
            log.error("could not save a blind answer to post %s: %r", post.id, exc)
            return blind.too_late(question, post.id, text, why=NOT_SAVED)
        if saved is None:  # the reveal began meanwhile
            return blind.too_late(question, post.id, text)
        if saved.counted:
            self._metrics.replied(caller.channel.platform, True)
        log.info(
            "blind answer by %s to post %s (%s)",
            caller.user.id,
            post.id,
            "first" if saved.first else "replaced",
            extra={"subscription": post.subscription_id, "channel": caller.channel},
        )
        return Response.text(blind.SAVED if saved.first else blind.REPLACED)

    async def publish(
        self, platform: Platform, subscription: Subscription, post: Post, question: Question, *, resend: bool
    ) -> None:
        """At the reveal, before the model answer: every blind answer together in the thread.
        Its own nonce, so a reveal resent after a crash does not post them twice."""
        answers: list[tuple[User, str]] = await self._store.blind_answers(post.id)
        if not answers:
            return
        assert post.thread_id is not None
        await platform.reply_in_thread(
            subscription.channel,
            post.thread_id,
            blind.answers_message(question, answers),
            nonce=post.nonce + "a",
            resend=resend,
        )


NOT_SAVED = (
    "Your answer could not be saved just now (the bot cannot write its database), so here it is "
    "back: send it again in a few minutes."
)


def _takes_answers(post: Post) -> bool:
    """Answers close when the reveal starts."""
    return post.status is PostStatus.POSTED and post.reveal_started_at is None
