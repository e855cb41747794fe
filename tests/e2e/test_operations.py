"""The operator's commands as real subprocesses over a real database that a real terminal-channel
session filled: `subscriptions list`, `export`, and what `run` does when nobody can type to it."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import clean_env

ROOT = Path(__file__).resolve().parents[2]
KOLKATA = ZoneInfo("Asia/Kolkata")


def practicebot(
    *args: str, stdin: int | str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = clean_env()
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin if isinstance(stdin, str) else None,
        stdin=None if isinstance(stdin, str) else stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=environ,
        check=False,
    )


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A day in the terminal channel: ana and a person with a formula for a name answer in time;
    ana marks 3 of the 5 key points covered."""
    db = tmp_path_factory.mktemp("ops") / "bot.sqlite3"
    hour = (datetime.now(UTC) + timedelta(hours=12)).hour  # the schedule never fires in the test
    session = [
        ":user ana",
        f"/practice subscribe {hour:02d}:30 Asia/Kolkata daily reveal=8h",
        "/practice post-now",
        "reply a full-duplex socket",
        ":user =HYPERLINK(evil)",
        "reply an upgraded HTTP connection",
        "/practice reveal-now",
        ":user ana",
        ":press covered:1:3",
    ]
    result = practicebot("run", "--database", str(db), stdin="\n".join(session) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Answered in time: ana, =HYPERLINK(evil)" in result.stdout
    return db


def test_subscriptions_list_shows_status_schedule_and_the_next_post_in_its_zone_and_utc(
    history: Path,
) -> None:
    result = practicebot("subscriptions", "list", "--database", str(history))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "#1 terminal workspace local channel practice - active"
    assert lines[1].endswith(":30 Asia/Kolkata every day, reveal after 8h, all levels, progressive")
    assert lines[2].startswith("  next post: ")
    local, utc = lines[2].removeprefix("  next post: ").split(" = ")
    wall = "%a %Y-%m-%d %H:%M"
    local_at = datetime.strptime(local.removesuffix(" Asia/Kolkata"), wall).replace(tzinfo=KOLKATA)
    utc_at = datetime.strptime(utc.split(" UTC")[0], wall).replace(tzinfo=UTC)
    assert local_at == utc_at  # the same instant, shown in both
    assert local_at.minute == 30  # India is UTC+5:30: the local post time, not UTC's
    assert utc.endswith(")") and "(in " in utc
    assert lines[-1] == "1 subscription, 1 active"


def test_export_replies_as_csv_with_formulas_defused(history: Path) -> None:
    result = practicebot("export", "replies", "--database", str(history))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["user_name"], r["on_time"]) for r in rows] == [
        ("ana", "true"),
        ("'=HYPERLINK(evil)", "true"),
    ]
    first = rows[0]
    assert first["platform"] == "terminal" and first["channel_id"] == "practice"
    assert first["question_id"] == "websockets-realtime/beginner-01"
    assert first["question_title"] == "What is WebSocket?"
    assert datetime.fromisoformat(first["replied_at"]).tzinfo is not None


def test_export_streaks_as_json_to_a_file(history: Path, tmp_path: Path) -> None:
    target = tmp_path / "records" / "streaks.json"
    result = practicebot(
        "export", "streaks", "--format", "json", "--output", str(target), "--database", str(history)
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"wrote 2 streaks to {target}"
    rows = json.loads(target.read_text())
    assert {r["user_name"]: (r["current"], r["best"], r["total"]) for r in rows} == {
        "ana": (1, 1, 1),
        "=HYPERLINK(evil)": (1, 1, 1),  # JSON is data, not a spreadsheet: kept as it is
    }
    assert rows[0]["team_current"] == 1 and rows[0]["freezes"] == 0
    assert {r["user_name"]: r["accuracy"] for r in rows} == {"ana": 60, "=HYPERLINK(evil)": None}  # 3 of 5
    other = practicebot(
        "export", "streaks", "--subscription", "2", "--format", "json", "--database", str(history)
    )
    assert json.loads(other.stdout) == []


def test_operations_commands_need_an_existing_database(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.sqlite3"
    for command in (["subscriptions", "list"], ["export", "replies"]):
        result = practicebot(*command, "--database", str(missing))
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"practicebot: there is no database at {missing} (set --database or PRACTICEBOT_DATABASE)"
        )
        assert not missing.exists()


NOTHING_TO_SERVE = """\
practicebot: no platform token is set and no terminal is attached (standard input is closed or /dev/null), so there is nobody to serve. Set one of:
  $DISCORD_TOKEN  for Discord
  $SLACK_BOT_TOKEN and $SLACK_APP_TOKEN  for Slack
or, for the local terminal channel, run it in a terminal (docker run -it ...).
"""


def test_run_without_a_token_or_a_terminal_exits_at_once_naming_the_variables(tmp_path: Path) -> None:
    started = time.monotonic()
    result = practicebot("run", "--database", str(tmp_path / "bot.sqlite3"), stdin=subprocess.DEVNULL)
    assert time.monotonic() - started < 10
    assert result.returncode == 1
    assert result.stderr == NOTHING_TO_SERVE
    assert result.stdout == ""


def test_run_with_standard_input_closed_is_the_same(tmp_path: Path) -> None:
    closed = subprocess.run(
        [
            "sh",
            "-c",
            'exec "$@" <&-',
            "sh",
            sys.executable,
            "-m",
            "bot",
            "run",
            "--database",
            str(tmp_path / "b"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=clean_env(),
        check=False,
    )
    assert closed.returncode == 1
    assert closed.stderr == NOTHING_TO_SERVE


def test_slack_http_mode_names_the_signing_secret(tmp_path: Path) -> None:
    config = tmp_path / "practicebot.toml"
    config.write_text('[slack]\nmode = "http"\n')
    result = practicebot("run", "--config", str(config), stdin=subprocess.DEVNULL)
    assert "  $SLACK_BOT_TOKEN and $SLACK_SIGNING_SECRET (HTTP mode)  for Slack\n" in result.stderr
    oauth = "  $SLACK_CLIENT_ID, $SLACK_CLIENT_SECRET and $SLACK_SIGNING_SECRET  for Slack in any number of"
    assert oauth in result.stderr


def test_a_session_from_a_file_or_a_pipe_still_opens_the_terminal_channel(tmp_path: Path) -> None:
    script = tmp_path / "session.txt"
    script.write_text("/question beginner\n:quit\n")
    with script.open() as from_file:
        result = practicebot("run", "--database", str(tmp_path / "bot.sqlite3"), stdin=from_file.fileno())
    assert result.returncode == 0, result.stderr
    assert "practicebot terminal channel #practice" in result.stdout
    piped = practicebot("run", "--database", str(tmp_path / "bot.sqlite3"), stdin=":quit\n")
    assert piped.returncode == 0, piped.stderr
    assert "practicebot terminal channel #practice" in piped.stdout


def test_a_database_folder_that_cannot_be_created_stops_start_up_with_what_to_fix(tmp_path: Path) -> None:
    """The same message as a Docker volume this user cannot write (root ignores file modes,
    so the folder here is blocked by a file of the same name)."""
    (tmp_path / "data").write_text("not a folder")
    database = tmp_path / "data" / "practicebot.sqlite3"
    result = practicebot("run", "--database", str(database), stdin=":quit\n")
    assert result.returncode == 1
    assert result.stderr.startswith(f"practicebot: cannot write the database {database}: ")
    assert "make its folder writable for that user. In Docker, mount a volume at /data" in result.stderr
    assert "Traceback" not in result.stderr
