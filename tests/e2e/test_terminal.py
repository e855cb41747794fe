"""`practicebot run` as a real subprocess: type a session into the terminal channel, read what it
prints, restart it, and check nothing was posted twice and the streaks survived."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.core.daily.questions import load_bank, resolve_pack
from bot.core.daily.streaks import Freezes
from bot.core.shared.models import User
from bot.platforms.shell import CHANNEL
from tests.conftest import clean_env, seed_streaks
from tests.e2e.calendar_seed import seed_holidays

ROOT = Path(__file__).resolve().parents[2]


def run_bot(
    db: Path, lines: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = clean_env()
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--database", str(db)],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=environ,
        check=False,
    )


@pytest.fixture
def quiet_hour() -> str:
    """A post time twelve hours away, so the schedule itself never fires during the test."""
    return f"{(datetime.now(UTC) + timedelta(hours=12)).hour:02d}:00"


def test_a_whole_day_in_the_terminal_channel_then_a_restart(tmp_path: Path, quiet_hour: str) -> None:
    db = tmp_path / "bot.sqlite3"
    first = run_bot(
        db,
        [
            ":user ana",
            f"/practice subscribe {quiet_hour} UTC daily reveal=8h",
            "/practice post-now",
            "reply A persistent, full-duplex connection over one TCP socket.",
            ":user bo",
            "reply It upgrades an HTTP/1.1 request with a 101.",
            "reply and a second reply does not count twice",
            "/practice reveal-now",
            ":user cy",
            "reply too late, but kept",
            "/streaks",
            ":quit",
        ],
    )
    out = first.stdout
    assert first.returncode == 0, first.stderr
    assert f"This channel now gets a question at {quiet_hour} UTC every day" in out
    assert out.count("--- new question in #practice ---") == 1
    assert "== What is WebSocket? ==" in out  # progressive: beginner 1 first
    assert "Level: Beginner · 1 of 20" in out
    assert "[thread] bo: It upgrades an HTTP/1.1 request with a 101." in out
    assert "your first answer is the one that counts" in out
    assert "== Model answer: What is WebSocket? ==" in out
    assert "Answered in time: ana, bo" in out
    assert (
        "(the question post was edited: Revealed: the model answer is in the thread. 2 people answered" in out
    )
    assert "1. ana - current 1, best 1, total 1\n2. bo - current 1, best 1, total 1" in out
    assert "Team streak: 1 (best 1)" in out
    assert (
        "[thread] cy: too late, but kept\n(the answer is already revealed: yours is kept as a late answer)"
        in out
    )
    assert "Traceback" not in first.stderr

    second = run_bot(db, [":user ana", "/streaks", "/practice status", "/practice post-now"])
    assert second.returncode == 0, second.stderr
    assert "--- new question" not in second.stdout  # nothing posted again at start-up
    assert "1. ana - current 1, best 1, total 1" in second.stdout
    assert "Progress: 1 of 49 questions (round 1)" in second.stdout
    assert "Today's question is already posted here" in second.stdout


async def test_a_freeze_keeps_a_streak_over_a_missed_post_on_the_board(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    ana, bo = User("terminal:ana", "ana"), User("terminal:bo", "bo")
    bank = load_bank([resolve_pack("websockets-realtime")])
    await seed_streaks(db, bank, CHANNEL, [{ana, bo}, {ana}], Freezes(every=2, cap=2))
    config = tmp_path / "practicebot.toml"
    config.write_text('freeze_every = 2\nfreeze_cap = 2\ncommand_cooldown = "0s"\n')
    result = run_bot(
        db,
        [
            ":user lead",
            "/streaks",
            "/practice resume",
            "/practice post-now",
            ":user bo",
            "reply ana misses this one",
            ":user lead",
            "/practice reveal-now",
            "/streaks",
            ":user ana",
            "/streaks me",
        ],
        env={"PRACTICEBOT_CONFIG": str(config)},
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    before, after = out.split("Posted today's question.")
    assert "1. ana - current 2, best 2, total 2, 1 freeze held\n2. bo - current 0, best 1, total 1" in before
    # ana missed it and kept her streak with the freeze; bo's second answer earned one (freeze_every = 2)
    assert "1. ana - current 2, best 2, total 2\n2. bo - current 1, best 1, total 2, 1 freeze held" in after
    assert after.rstrip().endswith("current 2, best 2, total 2")  # ana's /streaks me: none held now
    assert "Traceback" not in result.stderr


def test_bad_input_in_the_terminal_gets_specific_answers(tmp_path: Path) -> None:
    result = run_bot(
        tmp_path / "bot.sqlite3",
        [
            "/practice subscribe 25:00",
            "/practice subscribe 09:00 Europe/Berln",
            "/practice subscribe reveal=-3h",
            "/question expert",
            "reply nothing is open",
            "/streaks",
            "hello?",
            "/practice post-now",
        ],
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "'25:00' is not a time of day: hours go 00-23 and minutes 00-59" in out
    assert "unknown time zone 'Europe/Berln' - did you mean Europe/Berlin?" in out
    assert "'-3h' is negative: a duration must be positive" in out
    assert "unknown level 'expert': choose beginner, intermediate, advanced" in out
    assert "There is no question to answer yet." in out
    assert "This channel is not subscribed, so it has no streaks yet." in out
    assert "Type :help for commands" in out
    assert "This channel is not subscribed. Start with /practice subscribe." in out
    assert "Traceback" not in result.stderr


def test_a_self_check_after_the_reveal_shows_as_accuracy_on_the_board(
    tmp_path: Path, quiet_hour: str
) -> None:
    result = run_bot(
        tmp_path / "bot.sqlite3",
        [
            ":user ana",
            f"/practice subscribe {quiet_hour} UTC daily reveal=8h",
            "/practice post-now",
            "reply A persistent, full-duplex connection over one TCP socket.",
            ":user bo",
            "reply It upgrades an HTTP request.",
            "/practice reveal-now",
            ":user ana",
            ":press covered:1:3",
            ":user cy",
            ":press covered:1:5",
            ":press covered:1:9",
            "/streaks",
        ],
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    reveal = out.split("== Model answer: What is WebSocket? ==")[1]
    assert "Key points:\n  - [ ] Standardized as RFC 6455" in reveal
    assert "] 0 of 5  [" in reveal
    assert "] 5 of 5  [" in reveal
    assert (
        "(only you can see this)\nMarked 3 of 5 key points for What is WebSocket? It is in your /review queue."
        in out
    )
    assert (
        "(only you can see this)\nOnly people who answered What is WebSocket? in its thread can self-check it."
        in out
    )
    assert "What is WebSocket? has 5 key points: mark a number from 0 to 5." in out
    assert "1. ana - current 1, best 1, total 1, accuracy 60%\n2. bo - current 1, best 1, total 1\n" in out
    assert "Traceback" not in result.stderr


async def test_holidays_and_a_new_season_in_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    bank = load_bank([resolve_pack("websockets-realtime")])
    due = await seed_holidays(db, bank, CHANNEL, User("terminal:ana", "ana"))
    holiday, tomorrow = due.date(), due.date() + timedelta(days=1)
    config = tmp_path / "practicebot.toml"
    config.write_text('command_cooldown = "0s"\n')
    result = run_bot(
        db,
        [
            ":user ana",
            "/practice status",
            "/streaks",
            "/practice holidays add 2026-12-31..2026-12-24",
            f"/practice holidays add {tomorrow}",
            "/practice holidays",
            "/practice new-season",
            "/practice new-season confirm",
            "/streaks",
            "/streaks me",
            f"/practice holidays remove {holiday}",
            "reply back after the holiday",
            "/practice reveal-now",
            "/streaks",
        ],
        env={"PRACTICEBOT_CONFIG": str(config)},
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    # one post, only once the holiday is removed (its time had passed at start-up, inside the grace)
    before_removal, after_removal = out.split("--- new question in #practice ---")
    assert f"Holidays removed: {holiday}." in after_removal
    assert f"Holidays: {holiday}" in before_removal and "Season: 1, since" in before_removal
    assert "1. ana - current 2, best 2, total 2" in before_removal  # unbroken over the holiday
    assert "runs backwards: write the earlier date first, like 2026-12-24..2026-12-31" in before_removal
    assert f"Holidays added: {tomorrow}." in before_removal
    assert f"skipped like days off: {holiday}..{tomorrow}" in before_removal
    assert "To go ahead: /practice new-season confirm" in before_removal
    assert "Season 2 starts now" in before_removal
    assert "No answers yet this season. Team streak: 0 (best 0, best ever 2)." in before_removal
    assert f"(Season 2 since {datetime.now(UTC).date()})" in before_removal
    assert "No answers this season yet; your best ever here is 2." in before_removal
    assert after_removal.rstrip().splitlines()[-2] == "1. ana - current 1, best 1, total 1, best ever 2"
    assert "Traceback" not in result.stderr


def test_recap_now_prints_the_recap_and_writes_its_picture_beside_the_database(
    tmp_path: Path, quiet_hour: str
) -> None:
    db = tmp_path / "data" / "bot.sqlite3"
    result = run_bot(
        db,
        [
            ":user lead",
            f"/practice subscribe {quiet_hour} UTC daily reveal=8h",
            "/practice post-now",
            "reply first",
            ":user bo",
            "reply second",
            ":user lead",
            "/practice reveal-now",
            "/practice recap",
            "/practice recap fry 16:00",
            "/practice recap sat 10:00",
            "/practice status",
            "/practice recap-now",
        ],
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Weekly recap: fri 16:00 UTC, next " in out  # the config's default
    assert "'fry' is not a day of the week: use mon, tue, wed, thu, fri, sat, sun" in out
    assert "This channel gets a weekly recap on sat 10:00 UTC." in out
    assert "Weekly recap: sat 10:00 UTC, next " in out
    assert "== Weekly recap: " in out
    assert "Kept their streak: bo (1), lead (1)" in out
    assert "Team streak: 1 (best 1)" in out
    [path_line] = [line for line in out.splitlines() if line.startswith("(picture, ")]
    assert path_line.startswith("(picture, 1280x480: ")
    picture = Path(path_line.removeprefix("(picture, 1280x480: ").rstrip(")"))
    assert picture.parent == db.parent.resolve() / "recaps"
    assert picture.name.startswith("recap-") and picture.suffix == ".png"  # recap-<its local date>.png
    assert picture.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(picture) as image:
        image.load()
        assert image.size == (1280, 480)
    assert "Sent a recap of the last seven days" in out
    assert "Traceback" not in result.stderr


def test_the_terminal_prompt_short_buttons_quotes_zone_and_markdown(tmp_path: Path, quiet_hour: str) -> None:
    result = run_bot(
        tmp_path / "bot.sqlite3",
        [
            ':user "chen li"',
            f"/practice subscribe {quiet_hour} Asia/Tokyo daily reveal=8h",
            "/practice post-now",
            ":press 1",
            ":press bookmark",
            ":press 99",
            ":press Launch",
            "/practice status",
            "reply a \x1b[31mred\x1b[0m answer",
        ],
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "You are now 'chen li'." in out
    assert "[1] Bookmark\n  (:press NUMBER or :press LABEL)" in out  # listed under the daily post
    assert out.count("Bookmarked What is WebSocket?") == 1 and "is already bookmarked" in out
    assert "There is no button '99' here" in out and "There is no button 'Launch' here" in out
    assert " JST (in " in out  # the status's next question, in the channel's zone
    assert "**" not in out and "\x1b" not in out  # not a tty: Markdown as plain text, no ANSI
    assert "[thread] chen li: a \\x1b[31mred\\x1b[0m answer" in out  # typed escapes shown, not run
    assert "Traceback" not in result.stderr
