"""The README is checked like code: its configuration reference against what the loader accepts
and against config.example.toml, and every troubleshooting message against the text the code
really produces, so the guide cannot drift from the program."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest

from bot.config import SECTIONS, Config, ConfigError, PostgresConfig, ServerConfig, SlackConfig, load_config
from bot.core.commands.grammar import Practice, SubscribeArgs
from bot.core.daily.questions import QuestionBank
from bot.core.ownership.partitions import Lease
from bot.core.shared.errors import About, UserError
from bot.core.shared.models import Caller, User
from bot.ops.database import cannot_write, open_database
from bot.ops.lease import refusal
from bot.ops.stdin import nothing_to_serve
from bot.platforms.discord.adapter import _translate
from bot.platforms.slack.adapter import SlackPlatform
from bot.storage.sqlite import LATEST_VERSION
from tests.conftest import CHANNEL, Harness

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def reference() -> list[tuple[str, str, str, str]]:
    """(section, key, default, environment) for each row of the configuration reference."""
    block = README.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`(?:\[(\w+)\] )?(\w+)`", cells[0]) if len(cells) == 4 else None
        if match:
            rows.append((match[1] or "", match[2], cells[1], cells[2].strip("`")))
    return rows


def accepted_keys(tmp_path: Path) -> set[tuple[str, str]]:
    """What the loader accepts, from its own error for an unknown key (which lists them)."""
    keys: set[tuple[str, str]] = set()
    for section in ("", *SECTIONS):
        config = tmp_path / f"probe-{section or 'top'}.toml"
        config.write_text((f"[{section}]\n" if section else "") + "not_a_key = 1\n")
        with pytest.raises(ConfigError) as caught:
            load_config(config, {})
        allowed = caught.value.message.split("allowed here: ", 1)[1].split(", ")
        keys |= {(section, key) for key in allowed if not (section == "" and key in SECTIONS)}
    return keys


def example_keys() -> set[tuple[str, str]]:
    """Every key config.example.toml shows, commented-out ones included."""
    keys, section = set(), ""
    for line in (ROOT / "config.example.toml").read_text().splitlines():
        if header := re.fullmatch(r"\[(\w+)\]", line.strip()):
            section = header[1]
        elif key := re.match(r"#? ?(\w+) = ", line):
            keys.add((section, key[1]))
    return keys


def normalised(config: Config) -> Config:
    return dataclasses.replace(config, source=None, database=config.database.name)


def test_the_two_commands_stay_at_the_top() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    assert blocks[0].strip() == (
        "python3 -m venv .venv && .venv/bin/pip install -q -c constraints.txt -e . && .venv/bin/practicebot run"
    )
    assert blocks[1].strip() == (
        "python3 -m venv .venv && .venv/bin/pip install -q -c constraints.txt -e '.[dev]' && .venv/bin/python -m pytest -q"
    )
    assert blocks[1].strip() in (ROOT / ".ci" / "run").read_text()
    assert README.index(blocks[1]) < README.index("## What it is")


def test_the_reference_lists_exactly_what_the_code_accepts_and_the_example_shows(tmp_path: Path) -> None:
    documented = {(section, key) for section, key, _, _ in reference()}
    assert documented == accepted_keys(tmp_path)
    assert documented == example_keys()
    assert len(documented) == len(reference()), "a key is listed twice"


def test_every_documented_default_is_the_real_default(tmp_path: Path) -> None:
    built_in = normalised(load_config(None, {}))
    for section, key, default, _ in reference():
        if default == "unset":
            assert getattr(getattr(built_in, section) if section else built_in, key) is None
            continue
        config = tmp_path / "one.toml"
        config.write_text((f"[{section}]\n" if section else "") + f"{key} = {default.strip('`')}\n")
        tomllib.loads(config.read_text())  # the cell is a TOML value
        assert normalised(load_config(config, {})) == built_in, f"[{section}] {key} = {default}"


def test_every_documented_variable_overrides_and_every_override_is_documented() -> None:
    documented = {env for _, _, _, env in reference() if env}
    source = (ROOT / "bot" / "config.py").read_text()
    # where a secret is read, named by a setting: no override
    secrets = {ServerConfig().metrics_token_env, PostgresConfig().password_env}
    read = set(re.findall(r'"(PRACTICEBOT_[A-Z_]+)"', source)) - {"PRACTICEBOT_CONFIG", *secrets}
    assert documented == read
    samples = {
        "PRACTICEBOT_DATABASE": "/elsewhere/bot.sqlite3",
        "PRACTICEBOT_LOG_LEVEL": "DEBUG",
        "PRACTICEBOT_LOG_FORMAT": "json",
        "PRACTICEBOT_MONITORING": "1",
        "PRACTICEBOT_HOST": "0.0.0.0",
    }
    built_in = load_config(None, {})
    for variable in documented:
        assert load_config(None, {variable: samples[variable]}) != built_in, variable


def _documented(message: str) -> None:
    assert message in README, f"the README does not show:\n{message}"


def test_troubleshooting_unknown_key_and_time_zone(tmp_path: Path) -> None:
    config = tmp_path / "practicebot.toml"
    config.write_text('[slack]\ntoken = "xoxb-123"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(config, {})
    _documented(f"practicebot: {caught.value.message}".replace(str(config), "practicebot.toml"))
    config.write_text('[defaults]\ntimezone = "Europe/Berln"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(config, {})
    _documented(caught.value.message.split(": ", 2)[2])


def test_troubleshooting_missing_slack_app_token() -> None:
    with pytest.raises(UserError) as caught:
        SlackPlatform(SlackConfig(), "xoxb-1")
    _documented(f"practicebot: {caught.value.message}")


async def test_troubleshooting_lost_discord_access(tmp_path: Path, bank: QuestionBank) -> None:
    answer = SimpleNamespace(status=403, reason="Forbidden")  # what discord.py reads of a response
    lost = _translate(discord.Forbidden(answer, {"code": 50001, "message": "Missing Access"}))
    harness = await Harness(tmp_path / "bot.sqlite3", bank, datetime(2026, 3, 2, 6, 0, tzinfo=UTC)).start()
    admin = Caller(CHANNEL, User("lead", "lead"), is_admin=True)
    try:
        await harness.service.handle(admin, Practice("subscribe", SubscribeArgs()))
        harness.platform.failures[CHANNEL.channel_id] = lost
        await harness.service.handle(admin, Practice("post-now"))
        status = await harness.service.handle(admin, Practice("status"))
    finally:
        await harness.store.close()
    [line] = [line for line in status.messages[0].body.splitlines() if line.startswith("Status: ")]
    _documented(line)
    gone = _translate(discord.NotFound(answer, {"code": 10003, "message": "Unknown Channel"}))
    _documented(f"`{gone.reason}`")


def test_troubleshooting_a_discord_forum_that_requires_tags() -> None:
    answer = SimpleNamespace(status=400, reason="Bad Request")
    body = {"code": 40067, "message": "A tag is required to create a forum post in this channel"}
    refused = _translate(discord.HTTPException(answer, body))
    assert refused.about is About.CHANNEL  # the subscription pauses, with this as its reason
    _documented(f"Status: paused: {refused.reason}")


async def test_upgrading_shows_the_message_for_a_database_newer_than_the_code(tmp_path: Path) -> None:
    database = tmp_path / "practicebot.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(UserError) as caught:
        await open_database(database)
    message = f"practicebot: {caught.value.message}".replace(str(database), "/data/practicebot.sqlite3")
    assert re.sub(r"\d+", "N", message) in re.sub(r"\d+", "N", README.replace("\n", " "))


def test_troubleshooting_no_token_no_terminal_and_an_unwritable_database() -> None:
    _documented(f"practicebot: {nothing_to_serve(load_config(None, {}))}\n")
    unwritable = sqlite3.OperationalError("unable to open database file")
    who = "practicebot (uid 10001)"  # the image's user
    _documented(f"practicebot: {cannot_write(Path('/data/practicebot.sqlite3'), unwritable, who)}\n")


def test_troubleshooting_a_second_practicebot_on_the_same_database() -> None:
    since, renewed, expires = (
        datetime(2026, 12, 7, 15, *at, tzinfo=UTC) for at in ((20, 1), (31, 2), (31, 32))
    )
    holder = Lease("slack", "web-1 pid 4242", "web-1", 4242, "", since, renewed, expires)
    _documented(f"practicebot: {refusal(['slack'], [holder])}\n")


def test_secrets_files_are_never_committed_or_copied_into_an_image() -> None:
    for ignore in (".gitignore", ".dockerignore"):
        assert ".env" in (ROOT / ignore).read_text(encoding="utf-8").split(), ignore


def test_the_systemd_unit_runs_the_bot_with_tokens_from_an_environment_file_only() -> None:
    unit = (ROOT / "practicebot.service").read_text(encoding="utf-8")
    settings = [line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#")]
    keys = {key: value for key, value in settings}
    assert keys["ExecStart"].split()[0].endswith("/practicebot")
    assert keys["ExecStart"].split()[1] == "run"
    assert keys["EnvironmentFile"].startswith("/")
    assert keys["User"] != "root"
    # no token or secret inline: only names that the config reads from the environment file
    assert not any(name in unit.split("#")[0] for name in ("TOKEN=", "SECRET="))
    for line in unit.splitlines():
        if line.startswith("Environment="):
            assert "TOKEN" not in line and "SECRET" not in line, line
    assert "practicebot.service" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_constraints_pin_every_dependency_within_its_range() -> None:
    """constraints.txt (what the README's commands, CI and the Dockerfile install through) pins
    each of pyproject's requirements, runtime and dev, to a version its range admits."""
    from packaging.requirements import Requirement

    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-").replace(".", "-")] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for spec in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        requirement = Requirement(spec)
        name = requirement.name.lower().replace("_", "-").replace(".", "-")
        assert name in pins, f"{requirement.name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {spec}"


def layout_of_core() -> dict[str, str]:
    """README's layout map of bot/core: each `  folder/` entry (or `  file.py`) and its text."""
    block = README.split("## Layout", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    core = block.split("bot/core/", 1)[1].split("\nbot/", 1)[0]
    entries: dict[str, str] = {}
    current = ""
    for line in core.splitlines():
        if re.match(r"^  \S", line):
            current, _, text = line.strip().partition(" ")
            entries[current] = text
        elif current:
            entries[current] += " " + line.strip()
    return entries


def test_the_layout_map_names_every_core_folder_and_module() -> None:
    """A newcomer finds a feature by the map: every folder and module of bot/core is on it, and
    every module it names exists."""
    entries = layout_of_core()
    core = ROOT / "bot" / "core"
    folders = {f"{d.name}/" for d in core.iterdir() if d.is_dir() and (d / "__init__.py").exists()}
    top = {f.name for f in core.glob("*.py") if f.name != "__init__.py"}
    assert set(entries) == folders | top
    for folder in folders:
        on_disk = {f.name for f in (core / folder).glob("*.py") if f.name != "__init__.py"}
        named = set(re.findall(r"\b(\w+\.py)\b", entries[folder]))
        assert named == on_disk, folder
