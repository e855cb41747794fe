"""The `practicebot` command as a user runs it: real subprocesses."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.storage.sqlite import LATEST_VERSION
from tests.conftest import clean_env, write_pack

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = clean_env()
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=environ,
        check=False,
    )


def test_check_reports_the_config_and_the_pack_by_level() -> None:
    result = cli(
        "check", "--config", str(ROOT / "config.example.toml"), env={"DISCORD_TOKEN": "secret-value-123"}
    )
    assert result.returncode == 0, result.stderr
    assert (
        "pack websockets-realtime: 49 questions (20 beginner, 19 intermediate, 10 advanced)" in result.stdout
    )
    assert "discord: $DISCORD_TOKEN set" in result.stdout
    assert "slack: $SLACK_BOT_TOKEN not set" in result.stdout
    assert "secret-value-123" not in result.stdout + result.stderr  # names, never values


def test_check_fails_with_file_line_and_option(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('database = "x.db"\n\n[defaults]\ndays = "mon-funday"\n')
    result = cli("check", "--config", str(config))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"practicebot: {config}:4: [defaults] days: 'mon-funday' is not a list of days: "
        "use mon-fri, mon,wed,fri, daily or weekends"
    )


def test_check_reports_every_problem_of_a_broken_pack(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "mine")
    (pack / "beginner" / "02-q.md").write_text("+++\nid = 'mine/x'\n+++\n")
    config = tmp_path / "practicebot.toml"
    config.write_text('packs = ["mine"]\n')
    result = cli("check", cwd=tmp_path)
    assert result.returncode == 1
    assert f"{pack.resolve() / 'beginner' / '02-q.md'}: level: required field is missing" in result.stderr
    assert "beginner should number 1..3: missing [2]" in result.stderr


def test_questions_list_and_show() -> None:
    listed = cli("questions", "list", "--level", "advanced")
    assert listed.returncode == 0
    assert len(listed.stdout.splitlines()) == 10
    assert listed.stdout.startswith("websockets-realtime/advanced-01")
    shown = cli("questions", "show", "websockets-realtime/beginner-03")
    assert shown.returncode == 0
    assert shown.stdout.startswith("What is the WebSocket handshake?\n")
    assert "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in shown.stdout
    missing = cli("questions", "show", "beginner-3")
    assert missing.returncode == 1 and "no question 'beginner-3'" in missing.stderr


def test_db_backup_and_migrate(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    latest = LATEST_VERSION
    assert f"schema version {latest} (latest {latest})" in cli("db", "migrate", "--database", str(db)).stdout
    backup = cli("db", "backup", str(tmp_path / "copy.sqlite3"), "--database", str(db))
    assert backup.returncode == 0, backup.stderr
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA user_version").fetchone() == (latest,)
    nothing = cli("db", "backup", str(tmp_path / "x.sqlite3"), "--database", str(tmp_path / "none.sqlite3"))
    assert nothing.returncode == 1 and "there is no database at" in nothing.stderr


def test_db_backup_refuses_what_would_fail_or_lose_the_copy(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    assert cli("db", "migrate", "--database", str(db)).returncode == 0
    itself = cli("db", "backup", str(db), "--database", str(db))
    assert itself.returncode == 1 and "is the live database itself" in itself.stderr
    assert "Traceback" not in itself.stderr
    folder = tmp_path / "backups"
    folder.mkdir()
    dated = cli("db", "backup", str(folder), "--database", str(db))
    assert dated.returncode == 0, dated.stderr
    [copy] = folder.iterdir()
    assert copy.name.startswith("bot-") and copy.suffix == ".sqlite3"
    assert str(copy) in dated.stdout
    again = cli("db", "backup", str(copy), "--database", str(db))
    assert again.returncode == 1 and "exists already" in again.stderr
    nowhere = cli("db", "backup", str(tmp_path / "no" / "such" / "x.sqlite3"), "--database", str(db))
    assert nowhere.returncode == 1 and "does not exist" in nowhere.stderr
    assert "Traceback" not in nowhere.stderr


def test_backup_export_and_list_read_an_old_database_without_migrating_it(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    with sqlite3.connect(db) as old:  # the database as an older practicebot left it
        old.execute("CREATE TABLE t (x)")
        old.execute(f"PRAGMA user_version = {LATEST_VERSION - 1}")
    backup = cli("db", "backup", str(tmp_path / "before-upgrade.sqlite3"), "--database", str(db))
    assert backup.returncode == 0, backup.stderr
    for command in (("subscriptions", "list"), ("export", "streaks")):
        refused = cli(*command, "--database", str(db))
        assert refused.returncode == 1, command
        assert f"schema version {LATEST_VERSION - 1}" in refused.stderr and "db migrate" in refused.stderr
    with sqlite3.connect(db) as after, sqlite3.connect(tmp_path / "before-upgrade.sqlite3") as copy:
        assert after.execute("PRAGMA user_version").fetchone() == (LATEST_VERSION - 1,)  # not migrated
        assert copy.execute("PRAGMA user_version").fetchone() == (LATEST_VERSION - 1,)
        assert after.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # not even switched to WAL


def test_a_damaged_database_says_so_and_what_to_do(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not sqlite at all " * 512)
    for command in (("db", "migrate"), ("subscriptions", "list"), ("db", "backup", str(tmp_path / "b"))):
        result = cli(*command, "--database", str(garbage))
        assert result.returncode == 1, command
        assert "is damaged (file is not a database)" in result.stderr, command
        assert "restore the last backup" in result.stderr and "writable" not in result.stderr
        assert "Traceback" not in result.stderr
    db = tmp_path / "bot.sqlite3"
    assert cli("db", "migrate", "--database", str(db)).returncode == 0
    with sqlite3.connect(db) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        [root] = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'subscriptions'").fetchone()
    with db.open("r+b") as raw:  # one damaged page: the subscriptions table's
        raw.seek((root - 1) * page_size)
        raw.write(b"\xff" * page_size)
    listed = cli("subscriptions", "list", "--database", str(db))
    assert listed.returncode == 1
    assert "is damaged (database disk image is malformed)" in listed.stderr, listed.stderr
    assert "Traceback" not in listed.stderr


def test_the_console_script_is_the_same_program() -> None:
    script = shutil.which("practicebot", path=str(Path(sys.executable).parent))
    assert script is not None, "pip install -e . should have installed the practicebot script"
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    commands = [
        line.split()[0] for line in result.stdout.splitlines() if line.startswith("    ") and line[4] != " "
    ]
    assert commands == [
        "run", "check", "questions", "pack", "db", "discord", "slack", "subscriptions", "export", "health"
    ]  # fmt: skip


def test_discord_invite_url_asks_for_exactly_the_permissions_the_bot_needs() -> None:
    needed = {"view_channel": 10, "send_messages": 11, "embed_links": 14, "attach_files": 15,
              "read_message_history": 16, "create_public_threads": 35, "send_messages_in_threads": 38}  # fmt: skip
    fake_token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake.token"  # base64("123456789012345678")
    result = cli("discord", "invite-url", env={"DISCORD_TOKEN": fake_token})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "https://discord.com/oauth2/authorize?client_id=123456789012345678&scope=bot+applications.commands"
        f"&permissions={sum(1 << bit for bit in needed.values())}"
    )
    missing = cli("discord", "invite-url")
    assert missing.returncode == 1
    assert "pass --application-id" in missing.stderr
    malformed = cli("discord", "invite-url", env={"DISCORD_TOKEN": "abc"})
    assert malformed.returncode == 1
    assert "$DISCORD_TOKEN does not look like a bot token" in malformed.stderr
    assert "or set $DISCORD_TOKEN" not in malformed.stderr
    assert "abc" not in malformed.stderr.replace("$DISCORD_TOKEN", "")


def test_slack_manifest_prints_yaml_and_refuses_a_plain_http_url() -> None:
    result = cli("slack", "manifest")
    assert result.returncode == 0, result.stderr
    assert "socket_mode_enabled: true" in result.stdout
    refused = cli("slack", "manifest", "--request-url", "http://bot.example.com")
    assert refused.returncode == 1
    assert "must be a public https:// URL" in refused.stderr
    oauth = cli("slack", "manifest", "--request-url", "https://bot.example.com", "--oauth")
    assert oauth.returncode == 0 and "https://bot.example.com/slack/oauth_redirect" in oauth.stdout
    alone = cli("slack", "manifest", "--oauth")
    assert alone.returncode == 1 and "--oauth needs --request-url" in alone.stderr
