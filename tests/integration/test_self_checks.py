"""Self-checks through the real service and a real SQLite file: who may mark, what a mark
changes on the board, what junk changes (nothing), and the store's running totals held equal
to a from-scratch sum."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.selfcheck import rules as selfcheck
from bot.core.shared.messages import Response
from bot.core.shared.models import Accuracy, Caller, ChannelRef, PostedRef, TeamStreak, User
from bot.storage.sqlite import LATEST_VERSION, SqliteStore, migrate
from tests.conftest import CHANNEL, DEFAULTS, OTHER_CHANNEL, Harness, open_store
from tests.integration.test_service import ANA, BO, CY, MONDAY_0600, reply, say

DAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def press(h: Harness, action: str, user: User = ANA, channel: ChannelRef = CHANNEL) -> Response:
    return await h.service.handle_action(Caller(channel, user, False), action)


def said(response: Response) -> str:
    assert response.private, "a self-check answer is for the presser only"
    [message] = response.messages
    return message.body


async def a_revealed_day(h: Harness, offset: int, *people: User) -> int:
    """Post day `offset`, the people reply, reveal it; the post's id."""
    await h.run_until(DAY + timedelta(days=offset))
    for person in people:
        await reply(h, person)
    post = await h.store.open_post(1)
    assert post is not None
    await h.run_until(DAY + timedelta(days=offset, hours=8))
    return post.id


async def board_lines(h: Harness) -> list[str]:
    return (await say(h, "/streaks", user=CY)).messages[0].body.splitlines()


async def test_people_who_answered_mark_their_key_points_and_the_board_shows_their_accuracy(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=timedelta(0)).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    first = await a_revealed_day(h, 0, ANA, BO)
    [reveal] = h.platform.of("thread")
    checks = [b for b in reveal.message.buttons if b.action.startswith("covered:")]
    assert [b.action for b in checks] == [f"covered:{first}:{n}" for n in range(4)]
    assert [b.label for b in checks] == ["0 of 3", "1 of 3", "2 of 3", "3 of 3"]

    assert said(await press(h, f"covered:{first}:2")) == (
        "Marked 2 of 3 key points for Beginner question 1? It is in your /review queue."
    )
    assert await board_lines(h) == [
        "1. Ana - current 1, best 1, total 1, accuracy 66%",
        "2. Bo - current 1, best 1, total 1",  # Bo has not marked one: no accuracy
    ]
    second = await a_revealed_day(h, 1, ANA)
    assert said(await press(h, f"covered:{second}:3")).startswith("Marked 3 of 3 key points")
    assert (await board_lines(h))[0] == "1. Ana - current 2, best 2, total 2, accuracy 83%"  # 5 of 6
    me = await say(h, "/streaks me", user=ANA)
    assert me.private
    assert me.messages[0].body == (
        "current 2, best 2, total 2, accuracy 83% (5 of 6 key points over 2 self-checks)"
    )
    # short of every point: in the review queue, graded "hard" (back tomorrow); all covered: not added
    [queued] = await h.store.bookmarks("fake", ANA.id)
    assert queued.question_id == "testpack/beginner-01"
    assert queued.card.repetitions == 1 and queued.card.due == DAY + timedelta(hours=8, days=1)


async def test_marking_again_replaces_the_mark(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=timedelta(0)).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    post = await a_revealed_day(h, 0, ANA)
    await press(h, f"covered:{post}:0")
    [queued] = await h.store.bookmarks("fake", ANA.id)
    assert (
        said(await press(h, f"covered:{post}:3"))
        == "Marked 3 of 3 key points (was 0) for Beginner question 1?"
    )
    assert await h.store.bookmarks("fake", ANA.id) == [queued], "one answer is graded once"
    assert said(await press(h, f"covered:{post}:3")) == "Marked 3 of 3 key points for Beginner question 1?"
    assert await h.store.accuracy(1) == {"u-ana": Accuracy(3, 3, 1)}  # one self-check, not three
    assert (await board_lines(h))[0].endswith("accuracy 100%")


async def test_a_late_answer_may_be_self_checked_but_nobody_else_may(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=timedelta(0)).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    post = await a_revealed_day(h, 0, ANA)
    stored = await h.store.post(post)
    assert stored is not None and stored.thread_id is not None
    assert await h.service.record_reply(CHANNEL, stored.thread_id, CY)  # after the reveal: late
    assert said(await press(h, f"covered:{post}:1", user=CY)).startswith("Marked 1 of 3")
    refused = said(await press(h, f"covered:{post}:3", user=BO))
    assert refused == (
        "Only people who answered Beginner question 1? in its thread can self-check it. "
        "Answer the next question and mark yours at its reveal."
    )
    assert set(await h.store.accuracy(1)) == {"u-cy"}  # Bo's press changed nothing


async def test_junk_presses_get_a_specific_private_answer_and_change_nothing(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=timedelta(0)).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h", channel=OTHER_CHANNEL)
    post = await a_revealed_day(h, 0, ANA)
    await h.run_until(DAY + timedelta(days=1))  # the next day's post is open, not revealed
    await reply(h, ANA)
    open_post = await h.store.open_post(1)
    assert open_post is not None
    cases = {
        f"covered:{post}:4": "Beginner question 1? has 3 key points: mark a number from 0 to 3.",
        f"covered:{post}:-1": "-1 key points is negative: a self-check counts from 0.",
        f"covered:{post}:lots": "'lots' is not a number of key points: use a whole number from 0.",
        "covered:999999:1": "That self-check is for a question that was not posted in this channel.",
        "covered:nine:1": "That self-check button is not one practicebot made ('nine:1').",
        "covered:": "That self-check button is not one practicebot made ('').",
        f"covered:{open_post.id}:1": "Beginner question 2? is not revealed yet: mark your self-check under its model answer.",
    }
    for action, answer in cases.items():
        assert said(await press(h, action)) == answer, action
    elsewhere = await press(h, f"covered:{post}:1", channel=OTHER_CHANNEL)  # the post is in CHANNEL
    assert said(elsewhere) == "That self-check is for a question that was not posted in this channel."
    assert await h.store.accuracy(1) == {} and await h.store.accuracy(2) == {}


async def test_forget_me_deletes_the_persons_self_checks(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=timedelta(0)).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    post = await a_revealed_day(h, 0, ANA, BO)
    await press(h, f"covered:{post}:2", user=ANA)
    await press(h, f"covered:{post}:1", user=BO)
    await say(h, "/practice forget-me confirm", user=ANA)
    assert await h.store.accuracy(1) == {"u-bo": Accuracy(1, 3, 1)}
    assert not await h.store.has_answered(post, "u-ana")


# ---------------------------------------------------------------- the store's running totals

MARKS = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(["u1", "u2", "u3"]), st.integers(0, 6), st.integers(3, 6)),
    max_size=25,
)


@settings(max_examples=25, deadline=None)
@given(marks=MARKS)
def test_running_totals_equal_the_sum_of_everyones_last_marks(marks: list[tuple[int, str, int, int]]) -> None:
    """Marks on four posts of two channels, some replacing earlier ones: the totals the board reads
    equal a from-scratch tally of each person's last mark per post."""

    async def check(path: Path) -> None:
        store = await open_store(path)
        try:
            posts = []
            for index, channel in enumerate([CHANNEL, CHANNEL, OTHER_CHANNEL, CHANNEL]):
                subscription = await store.save_subscription(channel, DEFAULTS, DAY, DAY)
                post = await store.claim_post(
                    subscription.id, date(2026, 3, 2 + index), "q", DAY, f"n{index}"
                )
                assert post is not None
                posts.append((post.id, subscription.id))
            last: dict[tuple[int, str], tuple[int, int, int]] = {}
            for post_index, user, covered, total in marks:
                post_id, subscription_id = posts[post_index]
                covered = min(covered, total)
                before = await store.save_self_check(post_id, user, covered, total, DAY)
                previous = last.get((post_id, user))
                assert before == (previous[0] if previous else None)
                last[(post_id, user)] = (covered, total, subscription_id)
            for subscription_id in {s for _, s in posts}:
                expected = {
                    user: selfcheck.tally(
                        (c, t) for (_, u), (c, t, s) in last.items() if u == user and s == subscription_id
                    )
                    for user in {u for (_, u), (_, _, s) in last.items() if s == subscription_id}
                }
                assert await store.accuracy(subscription_id) == expected
        finally:
            await store.close()

    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(check(Path(folder) / "marks.sqlite3"))


@pytest.mark.sqlite_only  # an old SQLite file upgraded
async def test_version_3_upgrades_to_self_checks(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        assert await migrate(db, target=3) == (0, 3)
    store = await SqliteStore.open(path)
    try:
        assert await store.schema_version() == LATEST_VERSION >= 4
        subscription = await store.save_subscription(CHANNEL, DEFAULTS, DAY, DAY)
        post = await store.claim_post(subscription.id, date(2026, 3, 2), "q", DAY, "n")
        assert post is not None
        await store.mark_posted(post.id, PostedRef("m", "t"), DAY, DAY + timedelta(hours=8))
        await store.close_post(post.id, DAY + timedelta(hours=8), {}, {}, TeamStreak(0, 0))
        assert await store.save_self_check(post.id, "u1", 4, 5, DAY) is None
        assert await store.accuracy(subscription.id) == {"u1": Accuracy(4, 5, 1)}
    finally:
        await store.close()
