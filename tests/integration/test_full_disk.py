"""A full disk (issue 15, case 4), for real: SQLite's `max_page_count` caps the real file at its
size and the free room is filled, so writes fail with SQLITE_FULL "database or disk is full". A
reply written meanwhile is not lost: it is read back from the thread before the reveal."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.core.blind import rules as blind
from bot.core.blind.desk import NOT_SAVED
from tests.conftest import CHANNEL, Harness
from tests.integration.test_blind_answers import blind_day, submit
from tests.integration.test_service import ANA, MONDAY_0600, say

FULL = "database or disk is full"


async def fill_the_disk(h: Harness, table: str = "replies") -> None:
    """No page left: the file may not grow, and the last page of `table` (replies or
    blind_answers) is packed with rows smaller than a real one (`free_the_disk` removes them)."""
    db = h.store._db.connection  # type: ignore[attr-defined]
    (pages,) = await (await db.execute("PRAGMA page_count")).fetchone()  # type: ignore[misc]
    await db.execute(f"PRAGMA max_page_count = {int(pages)}")
    at = "'2026-03-02T09:00:00.000000+00:00'"
    insert = {
        "replies": f"INSERT INTO replies VALUES (1, ?, '', {at}, 0)",
        "blind_answers": f"INSERT INTO blind_answers VALUES (1, ?, '', '', {at}, {at})",
    }[table]
    for n in range(100_000):
        try:
            await db.execute(insert, (f"f{n:06d}",))
            await db.commit()
        except sqlite3.OperationalError as exc:
            assert str(exc) == FULL
            break
    else:
        raise AssertionError("the database never filled up")
    await db.rollback()


async def free_the_disk(h: Harness) -> None:
    db = h.store._db.connection  # type: ignore[attr-defined]
    await db.execute("DELETE FROM replies WHERE user_id LIKE 'f%'")
    await db.execute("DELETE FROM blind_answers WHERE user_id LIKE 'f%'")
    await db.commit()
    await db.execute("PRAGMA max_page_count = 1073741823")


@pytest.mark.sqlite_only  # SQLite's max_page_count fills the real file
async def test_a_reply_written_while_the_disk_is_full_is_read_back_before_the_reveal(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe")
    await h.run_until(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    thread = await h.service.open_thread(CHANNEL)
    assert thread is not None
    await fill_the_disk(h)

    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    h.platform.history[thread] = [(ANA, at)]  # in the thread on the platform
    assert not await h.service.record_reply(CHANNEL, thread, ANA, at)  # not stored: the disk is full
    assert ANA not in [user for user, _, _ in await h.store.replies(1)]

    await free_the_disk(h)
    await h.run_until(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    [reveal] = h.platform.of("thread")
    answered = [f.value for f in reveal.message.fields if f.name == "Answered in time"]
    assert answered == ["<u:u-ana|Ana>"]
    board = await say(h, "/streaks")
    assert board.messages[0].body.splitlines()[0] == "1. Ana - current 1, best 1, total 1"


@pytest.mark.sqlite_only  # SQLite's max_page_count fills the real file
async def test_a_blind_answer_sent_while_the_disk_is_full_comes_back_with_why(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600).start()
    post_id = await blind_day(h)
    await fill_the_disk(h, "blind_answers")
    text = "My *whole* answer, typed for ten minutes"
    refused = await submit(h, post_id, text)
    assert refused.form is not None  # Slack: the form stays open with it
    assert refused.form.fields[0].value == text
    assert refused.form.error == NOT_SAVED
    assert refused.messages[0].body == f"{NOT_SAVED}\n\nMy \\*whole\\* answer, typed for ten minutes"
    await free_the_disk(h)
    assert (await submit(h, post_id, text)).messages[0].body == blind.SAVED
