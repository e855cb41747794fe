"""Bookmarks and review in the terminal channel, as a real `practicebot run` subprocess: the
reminder printed as a private message at the post time, the Bookmark button of the daily post,
/bookmarks, /review with its grade buttons, remove and junk; then a restart that reminds nobody."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.shared.models import Order
from bot.platforms.shell import CHANNEL
from bot.storage.sqlite import SqliteStore
from tests.conftest import subscribe_due
from tests.e2e.test_terminal import run_bot

Q1, Q2 = "websockets-realtime/beginner-01", "websockets-realtime/beginner-02"
ANA = "terminal:ana"


async def seed(db: Path) -> None:
    """The terminal channel subscribed to a time two minutes ago (the bot posts at start-up, and
    that wake-up is the reminder's), and ana with one bookmark and the reminder on there."""
    store = await SqliteStore.open(db)
    try:
        await subscribe_due(store, [CHANNEL], order=Order.PROGRESSIVE)
        now = datetime.now(UTC)
        await store.add_bookmark("terminal", ANA, Q2, now - timedelta(days=1), 200)
        await store.set_reminder("terminal", ANA, CHANNEL)
    finally:
        await store.close()


async def test_review_in_the_terminal_channel_then_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    await seed(db)
    first = run_bot(
        db,
        [
            ":user ana",
            f":press bookmark:{Q1}",
            f":press bookmark:{Q1}",
            "/bookmarks",
            "/review",
            ":press show answer",
            ':press "Good"',
            "/bookmarks remove 5",
            "/bookmarks remove two",
            "/review remind maybe",
            "/bookmarks remove 1",
            "/bookmarks",
        ],
    )
    out = first.stdout
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    assert out.count("--- new question in #practice ---") == 1
    assert "] Bookmark" in out  # on the daily post
    assert out.count("--- private message to ana (only they can see this) ---") == 1
    assert "1 bookmarked question due for review" in out
    assert "Bookmarked What is WebSocket? /review deals it back." in out
    assert "What is WebSocket? is already bookmarked." in out
    assert "1. How does WebSocket differ from HTTP? - due now\n2. What is WebSocket? - due now" in out
    assert "] Show answer" in out
    assert "] Again  [" in out and "] Easy" in out
    assert "Graded good: How does WebSocket differ from HTTP? comes back" in out
    assert "1 more card due now." in out
    assert "] Next review" in out
    assert "There is no bookmark 5: yours are numbered 1 to 2" in out
    assert "'two' is not a bookmark number or a question id" in out
    assert "/review remind takes on or off" in out
    assert "Removed How does WebSocket differ from HTTP? from your bookmarks" in out
    assert out.rstrip().endswith(
        "1. What is WebSocket? - due now\n(1 of 200 · /review deals the most overdue · /bookmarks remove NUMBER)"
    )

    second = run_bot(db, [":user ana", "/bookmarks"])
    assert second.returncode == 0, second.stderr
    assert "private message" not in second.stdout  # reminded today already, and nothing posted twice
    assert "--- new question" not in second.stdout
    assert "1. What is WebSocket? - due now" in second.stdout
