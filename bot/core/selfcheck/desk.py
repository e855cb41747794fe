"""Self-check at reveal, the use case: a person who answered marks how many key points they
covered; the mark feeds their accuracy on the board and their review queue.

The rules (buttons, parsing, grade, accuracy) are in bot/core/selfcheck/rules.py."""

from __future__ import annotations

from typing import Protocol

from bot.core.daily.cycle import DailyCycle
from bot.core.daily.questions import QuestionBank
from bot.core.review.cards import Grade
from bot.core.review.messages import ended
from bot.core.review.ports import ReviewStore
from bot.core.selfcheck import rules as selfcheck
from bot.core.selfcheck.ports import SelfCheckStore
from bot.core.shared.errors import UserError
from bot.core.shared.messages import Response
from bot.core.shared.models import Caller, PostStatus
from bot.core.shared.ports import Clock


class ReviewQueue(Protocol):
    async def queue(self, platform: str, user_id: str, question_id: str, grade: Grade) -> bool:
        """Bookmark the question if it is not yet and grade its card; False if bookmarks are full."""
        ...


class SelfCheckDeskStore(SelfCheckStore, ReviewStore, Protocol):
    """The marks, and the person's bookmarks their first mark may add to."""


class SelfCheckDesk:
    def __init__(
        self,
        store: SelfCheckDeskStore,
        cycle: DailyCycle,
        clock: Clock,
        bank: QuestionBank,
        review: ReviewQueue,
    ) -> None:
        self._store = store
        self._cycle = cycle
        self._clock = clock
        self._bank = bank
        self._review = review

    async def press(self, caller: Caller, argument: str) -> Response:
        """A press of "<n> of <N>" under a reveal: the presser answered the post (on time or
        late) and covered n of its N key points. Marking again replaces the mark, with no
        deadline: it is the person's own honest count, and a slip of the finger must be mendable."""
        mark = selfcheck.parse(argument)
        post = await self._cycle.post_in(caller.channel, mark.post_id)
        if post is None:
            raise UserError("That self-check is for a question that was not posted in this channel.")
        question = self._bank.get(post.question_id)
        if question is None:
            raise UserError("That question is no longer in any pack, so it cannot be self-checked.")
        if post.status is not PostStatus.REVEALED:
            raise UserError(
                f"{question.title} is not revealed yet: mark your self-check under its model answer."
            )
        total = len(question.key_points)
        if mark.covered > total:
            raise UserError(f"{question.title} has {total} key points: mark a number from 0 to {total}.")
        if not await self._store.has_answered(post.id, caller.user.id):
            raise UserError(
                f"Only people who answered {question.title} in its thread can self-check it. "
                "Answer the next question and mark yours at its reveal."
            )
        before = await self._store.save_self_check(
            post.id, caller.user.id, mark.covered, total, self._clock.now()
        )
        queued = ""
        if before is None:
            queued = await self._queue(caller, question.id, selfcheck.grade(mark.covered, total))
        changed = "" if before is None or before == mark.covered else f" (was {before})"
        return Response.text(
            f"Marked {mark.covered} of {total} key points{changed} for {ended(question.title)}{queued}"
        )

    async def _queue(self, caller: Caller, question_id: str, grade: Grade) -> str:
        """The first mark of a post feeds the person's review queue, graded by how much it covered:
        short of every key point the question is bookmarked (if it is not yet) and graded, so
        SM-2 brings it back the sooner the less was covered; everything covered grades it only
        if it is bookmarked already. A re-mark changes the accuracy only: grading one answer
        twice would compound. Returns what to add to the press's answer."""
        platform, user_id = caller.channel.platform, caller.user.id
        if grade is Grade.EASY:
            mine = {b.question_id for b in await self._store.bookmarks(platform, user_id)}
            if question_id in mine:
                await self._review.queue(platform, user_id, question_id, grade)
            return ""
        if not await self._review.queue(platform, user_id, question_id, grade):
            return " Your bookmarks are full, so it is not in /review: remove some with /bookmarks remove."
        return " It is in your /review queue."
