"""Bookmarks, review and the reminder through the real service and a real SQLite file; the clock
and the platform are fakes of our own ports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.core.commands.grammar import parse_line
from bot.core.review.bookmarks import BOOKMARK_LIMIT
from bot.core.review.cards import Grade
from bot.core.shared.messages import Response
from bot.core.shared.models import Caller, User
from tests.conftest import CHANNEL, OTHER_CHANNEL, Harness

ANA = User("U-ana", "ana")
BO = User("U-bo", "bo")
MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
Q1, Q2, Q3 = "testpack/beginner-01", "testpack/beginner-02", "testpack/advanced-01"


def said(response: Response) -> str:
    parts = []
    for m in response.messages:
        parts += [m.title, m.body, *(f"{f.name}: {f.value}" for f in m.fields), m.footer]
        parts += [f"[{b.label} -> {b.action}]" for b in m.buttons]
    return "\n".join(p for p in parts if p)


async def run(h: Harness, line: str, user: User = ANA, channel: object = CHANNEL) -> Response:
    caller = Caller(channel, user, is_admin=True)  # type: ignore[arg-type]
    return await h.service.handle(caller, parse_line(line))


async def press(h: Harness, action: str, user: User = ANA) -> Response:
    return await h.service.handle_action(Caller(CHANNEL, user, is_admin=False), action)


async def test_the_daily_post_reveal_and_question_card_carry_a_bookmark_button(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY).start()
    await run(h, "/practice subscribe 09:00 UTC daily")
    await run(h, "/practice post-now")
    await run(h, "/practice reveal-now")
    [post] = h.platform.of("post")
    [reveal] = h.platform.of("thread")
    [edited] = h.platform.of("edit")
    for message in (post.message, reveal.message, edited.message):
        assert f"[Bookmark -> bookmark:{Q1}]" in said(Response((message,)))
    card = await run(h, "/question advanced")
    assert f"[Bookmark -> bookmark:{Q3}]" in said(card)
    answer = await press(h, f"answer:{Q3}")
    assert f"[Bookmark -> bookmark:{Q3}]" in said(answer)


async def test_bookmark_list_review_grade_and_remove(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY).start()
    assert "Bookmarked Beginner question 1? /review deals it back." in said(await press(h, f"bookmark:{Q1}"))
    assert "already bookmarked" in said(await press(h, f"bookmark:{Q1}"))
    h.clock.advance(timedelta(minutes=1))
    await press(h, f"bookmark:{Q3}")
    listed = said(await run(h, "/bookmarks"))
    assert "1. Beginner question 1? - due now\n2. Advanced question 1? - due now" in listed
    assert "None yet" in said(await run(h, "/bookmarks", user=BO))  # per person, not per channel
    assert listed == said(await run(h, "/bookmarks", channel=OTHER_CHANNEL))  # the same in another channel

    dealt = await run(h, "/review")
    assert dealt.private
    text = said(dealt)
    assert "Beginner question 1?" in text  # bookmarked first: the most overdue
    assert f"[Show answer -> review-answer:{Q1}]" in text
    answer = said(await press(h, f"review-answer:{Q1}"))
    assert "The model answer to beginner question 1." in answer
    for grade in ("again", "hard", "good", "easy"):
        assert f"-> grade:{Q1}:{grade}]" in answer

    graded = said(await press(h, f"grade:{Q1}:good"))
    tomorrow = int((h.clock.now() + timedelta(days=1)).timestamp())
    assert f"Graded good: Beginner question 1? comes back <t:{tomorrow}:F>" in graded
    assert "1 more card due now." in graded
    assert "[Next review -> review:next]" in graded
    assert "You already graded" in said(await press(h, f"grade:{Q1}:easy"))  # a double press
    assert "Advanced question 1?" in said(await press(h, "review:next"))
    last = said(await press(h, f"grade:{Q3}:again"))
    assert "Nothing else is due. The next one is due" in last
    assert "Next review" not in last
    nothing = said(await run(h, "/review"))
    assert f"Nothing is due for review. Next: Beginner question 1? <t:{tomorrow}:F>" in nothing

    listed = said(await run(h, "/bookmarks"))
    assert f"1. Beginner question 1? - due <t:{tomorrow}:F>" in listed
    assert "Removed Advanced question 1?" in said(await run(h, "/bookmarks remove 2"))
    assert "There is no bookmark 2: yours are numbered 1 to 1" in said(await run(h, "/bookmarks remove 2"))
    assert "not a bookmark number or a question id" in said(await run(h, "/bookmarks remove soon"))
    assert "is not among your bookmarks" in said(await run(h, "/bookmarks remove testpack/nope-01"))
    assert "Removed Beginner question 1?" in said(await run(h, f"/bookmarks remove {Q1}"))
    assert "not in your bookmarks any more" in said(await press(h, f"grade:{Q1}:good"))
    assert "no bookmarks to review" in said(await run(h, "/review"))


async def test_the_card_state_survives_a_restart_and_intervals_grow(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY).start()
    await press(h, f"bookmark:{Q2}")
    days = []
    for _ in range(3):
        await press(h, f"grade:{Q2}:good")
        [kept] = await h.store.bookmarks("fake", ANA.id)
        assert kept.card.due is not None
        days.append(kept.card.interval.days)
        await h.restart(down_for=kept.card.due - h.clock.now())
    assert days == [1, 6, 15]


async def test_a_full_set_of_bookmarks_refuses_more(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY).start()
    h.service.review.limit = 2
    await press(h, f"bookmark:{Q1}")
    await press(h, f"bookmark:{Q2}")
    refused = said(await press(h, f"bookmark:{Q3}"))
    assert "You have 2 bookmarks, the most practicebot keeps per person" in refused
    assert len(await h.store.bookmarks("fake", ANA.id)) == 2
    assert BOOKMARK_LIMIT == 200
    assert "no longer in any pack" in said(await press(h, "bookmark:otherpack/beginner-01"))
    assert "no longer does anything" in said(await press(h, f"grade:{Q1}:brilliant"))


async def test_the_reminder_comes_once_a_day_at_post_time_and_not_again_after_a_restart(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY).start()
    refused = said(await run(h, "/review remind on", channel=OTHER_CHANNEL))
    assert "in a channel that gets the daily question" in refused
    await run(h, "/practice subscribe 09:00 UTC daily")
    assert "Review reminders are on" in said(await run(h, "/review remind on"))
    await run(h, "/review remind on", user=BO)  # bo has nothing due: no reminder for him
    await press(h, f"bookmark:{Q1}")

    await h.run_until(MONDAY.replace(hour=9, minute=30))
    [reminder] = h.platform.of("private")
    assert reminder.ref == ANA.id
    assert "1 bookmarked question due for review" in said(Response((reminder.message,)))

    await h.service.run_post(1)  # a second wake-up on the same day
    await h.restart(timedelta(minutes=5))
    await h.service.run_post(1)
    assert len(h.platform.of("private")) == 1

    await press(h, f"grade:{Q1}:good")  # due again tomorrow at this time: before Wednesday's post
    await h.run_until(MONDAY.replace(hour=9, minute=30) + timedelta(days=1))
    assert len(h.platform.of("private")) == 1  # Tuesday 09:00: graded at 09:35, due 09:35
    await h.run_until(MONDAY.replace(hour=9, minute=30) + timedelta(days=2))
    assert len(h.platform.of("private")) == 2
    assert "Review reminders are off." in said(await run(h, "/review remind off"))
    await press(h, f"grade:{Q1}:again")
    await h.run_until(MONDAY.replace(hour=9, minute=30) + timedelta(days=4))
    assert len(h.platform.of("private")) == 2


async def test_forget_me_deletes_bookmarks_and_the_reminder(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY).start()
    await run(h, "/practice subscribe 09:00 UTC daily")
    await press(h, f"bookmark:{Q1}")
    await press(h, f"bookmark:{Q1}", user=BO)
    await run(h, "/review remind on")
    done = said(await run(h, "/practice forget-me confirm"))
    assert "1 bookmark deleted" in done
    assert await h.store.bookmarks("fake", ANA.id) == []
    assert await h.store.reminders_at(CHANNEL) == []
    assert len(await h.store.bookmarks("fake", BO.id)) == 1


async def test_queue_bookmarks_and_grades(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY).start()
    assert await h.service.review.queue("fake", ANA.id, Q2, Grade.HARD)
    [kept] = await h.store.bookmarks("fake", ANA.id)
    assert kept.card.repetitions == 1
    assert kept.card.due == MONDAY + timedelta(days=1)
    assert "Nothing is due for review" in said(await run(h, "/review"))


async def test_most_bookmarked_counts_the_channels_people_among_the_given_questions(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY).start()
    await run(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    await h.run_until(MONDAY + timedelta(hours=3))
    post = await h.store.open_post(1)
    assert post is not None and post.thread_id is not None
    cy, stranger = User("U-cy", "cy"), User("U-dee", "dee")
    for user in (ANA, BO, cy):  # the channel's people: they answered here
        assert await h.service.record_reply(CHANNEL, post.thread_id, user)
    for user in (ANA, BO, cy, stranger):  # the stranger never answered here: not counted
        await press(h, f"bookmark:{Q3}", user=user)
    for user in (ANA, BO):
        await press(h, f"bookmark:{Q2}", user=user)
    await press(h, f"bookmark:{Q1}")
    assert await h.store.most_bookmarked(1, [Q1, Q2, Q3], 2) == [(Q3, 3), (Q2, 2)]
    assert await h.store.most_bookmarked(1, [Q1, Q2], 5) == [(Q2, 2), (Q1, 1)]
    assert await h.store.most_bookmarked(1, [], 5) == []
    assert await h.store.most_bookmarked(2, [Q3], 5) == []  # no such channel


async def test_an_open_question_is_not_dealt_nor_its_answer_shown_until_its_reveal(
    harness_factory: Callable[..., Harness],
) -> None:
    """Issue 15.6: Bookmark on the open daily post, then /review, then Show answer gave the model
    answer away while the thread still took answers (blind mode included)."""
    h = await harness_factory(MONDAY).start()
    await run(h, "/practice subscribe 09:00 UTC daily answers=blind")
    await press(h, f"bookmark:{Q2}")  # an older bookmark, due now
    await run(h, "/practice post-now")  # today's question: Q1
    await press(h, f"bookmark:{Q1}")
    h.clock.advance(timedelta(minutes=1))
    # from another channel on the same platform too: the question is open somewhere they may be
    for channel in (CHANNEL, OTHER_CHANNEL):
        dealt = said(await run(h, "/review", channel=channel))
        assert "Beginner question 2?" in dealt and "Beginner question 1?" not in dealt
    hidden = said(await press(h, f"review-answer:{Q1}"))
    assert "Beginner question 1? is open for answers in a channel right now" in hidden
    assert "The model answer to beginner question 1." not in hidden
    assert "The model answer to beginner question 1." not in said(await press(h, f"answer:{Q1}"))
    await press(h, f"grade:{Q2}:good")
    alone = said(await run(h, "/review"))
    assert "Your next card: Beginner question 1? is open for answers" in alone
    for _ in range(12):  # a random /question never draws it, so its Show answer never shows it
        h.clock.advance(timedelta(seconds=5))
        assert "Beginner question 1?" not in said(await run(h, "/question beginner"))

    await run(h, "/practice reveal-now")
    assert "The model answer to beginner question 1." in said(await press(h, f"review-answer:{Q1}"))
    assert "The model answer to beginner question 1." in said(await press(h, f"answer:{Q1}"))
    assert "Beginner question 1?" in said(await run(h, "/review"))
