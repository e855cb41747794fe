"""A person's own settings in the terminal channel, as a real `practicebot run` subprocess: bo
keeps his row off the board, ana sets today as an away day and misses the question; the board
counts bo without naming him and ana's streak stands; a restart keeps both; forget-me ends them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.daily.questions import load_bank, resolve_pack
from bot.core.daily.streaks import Freezes
from bot.core.shared.models import User
from bot.platforms.shell import CHANNEL
from bot.storage.sqlite import SqliteStore
from tests.conftest import seed_streaks
from tests.e2e.test_terminal import run_bot

PRIVATE = "1 person who keeps their streak private"


async def test_hidden_row_and_away_day_in_the_terminal_then_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    ana, bo = User("terminal:ana", "ana"), User("terminal:bo", "bo")
    bank = load_bank([resolve_pack("websockets-realtime")])
    await seed_streaks(db, bank, CHANNEL, [{ana, bo}, {ana, bo}], Freezes())  # no freezes: a miss breaks
    config = tmp_path / "practicebot.toml"
    config.write_text('freeze_every = 0\ncommand_cooldown = "0s"\n')
    today = datetime.now(UTC).date()  # the seeded channel's zone is UTC
    first = run_bot(
        db,
        [
            ":user bo",
            "/streaks hide",
            "/streaks hid",
            ":user ana",
            f"/practice away add {today - timedelta(days=1)}",
            f"/practice away add {today}",
            "/practice away",
            "/practice away clear",
            ":user lead",
            "/practice resume",
            "/practice post-now",
            ":user bo",
            "reply bo answers, ana is away",
            ":user lead",
            "/practice reveal-now",
            "/streaks",
            ":user bo",
            "/streaks me",
        ],
        env={"PRACTICEBOT_CONFIG": str(config)},
    )
    out = first.stdout
    assert first.returncode == 0, first.stderr
    assert "Your row is now left off this channel's board." in out
    assert "/streaks takes nothing, 'me', 'hide' or 'show', not 'hid' - did you mean /streaks hide?" in out
    assert f"{today - timedelta(days=1)} is in the past here (today is {today})" in out
    assert f"Away days added (UTC): {today}." in out
    assert f"Your away days here (UTC): {today}." in out
    assert "'clear' is not an away action: use /practice away" in out
    after = out.split("Revealed.")[1]
    assert f"1. ana - current 2, best 2, total 2\n... and {PRIVATE}" in after  # unbroken while away
    assert "bo - current" not in after.split("Your streak")[0]  # never named on the board
    assert (
        "current 3, best 3, total 3\n"
        "Your row is hidden from this channel's board; your streak counts as always. /streaks show puts it back."
    ) in after
    assert "Traceback" not in first.stderr

    second = run_bot(
        db,
        [":user lead", "/streaks", ":user bo", "/practice forget-me confirm"],
        env={"PRACTICEBOT_CONFIG": str(config)},
    )
    assert second.returncode == 0, second.stderr
    assert f"1. ana - current 2, best 2, total 2\n... and {PRIVATE}" in second.stdout  # kept over a restart
    store = await SqliteStore.open(db)
    try:
        assert await store.board_hidden(1) == set()  # forget-me took bo's setting with his rows
        assert await store.away_days(1, ana.id) == frozenset({today})  # and nobody else's
    finally:
        await store.close()
