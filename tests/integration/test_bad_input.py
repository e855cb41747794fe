"""Bad input is refused with a specific message and changes nothing; nothing a person types is
echoed in a way that pings or breaks formatting. Hypothesis feeds junk to every entry point:
command text (Slack, the terminal), typed options (Discord), question files and config files."""

from __future__ import annotations

import io
import random
import tomllib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import build_service
from bot.config import ConfigError, load_config
from bot.core.commands.grammar import SUBSCRIBE_KEYS, CommandError, subscribe_args
from bot.core.daily.questions import PackError, load_pack
from bot.core.daily.service import ServiceSettings
from bot.core.shared.errors import UserError
from bot.platforms.discord import render as discord_render
from bot.platforms.shell import TerminalChannel
from bot.platforms.slack import render as slack_render
from bot.storage.sqlite import SqliteStore
from tests.conftest import DEFAULTS, FakeClock, FakeTimer, open_store, question_file, write_pack

NASTY = st.sampled_from(
    [
        "@everyone", "@here", "<!channel>", "<!here>", "<!everyone>", "<@U123>", "<@&123456789012345678>",
        "<#C123>", "'; DROP TABLE posts; --", "\x00", "\x1b[31m", "\u202e", "```", "**", "~~~", "<t:0:R>",
        "<u:1|x>", "a" * 3000, "\n" * 50, "💥", "Europe/Berlin\x00",
    ]
)  # fmt: skip
JUNK = st.one_of(st.text(max_size=200), NASTY, st.lists(NASTY, max_size=5).map(" ".join))


@pytest.fixture
async def terminal(tmp_path: Path) -> AsyncIterator[tuple[TerminalChannel, io.StringIO, SqliteStore]]:
    out = io.StringIO()
    shell = TerminalChannel(io.StringIO(), out, user="ana")
    store = await open_store(tmp_path / "bot.sqlite3")
    bank_dir = write_pack(tmp_path / "packs")
    from bot.core.daily.questions import load_bank

    service = build_service(
        store,
        {"terminal": shell},
        FakeClock(datetime(2026, 3, 2, 8, tzinfo=UTC)),
        FakeTimer(),
        load_bank([bank_dir]),
        ServiceSettings(DEFAULTS),
        random.Random(3),
    )
    shell._service = service
    yield shell, out, store
    await store.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    line=JUNK,
    command=st.sampled_from(
        ["", "/practice ", "/practice subscribe ", "/question ", "/streaks ", "reply ", ":user ", ":press "]
    ),
)
async def test_any_line_in_the_terminal_gets_an_answer_and_no_traceback(
    terminal: tuple[TerminalChannel, io.StringIO, SqliteStore], line: str, command: str
) -> None:
    shell, out, store = terminal
    before = out.tell()
    keep_going = await shell.handle_line((command + line).strip())
    assert keep_going in (True, False)
    said = out.getvalue()[before:]
    assert "Traceback" not in said
    if (command + line).strip() and not (command + line).strip().startswith((":quit", ":q", ":exit")):
        assert said.strip(), f"no answer to {command + line!r}"
    assert await store.integrity_check() == "ok"


@settings(max_examples=300, deadline=None)
@given(options=st.dictionaries(st.sampled_from(SUBSCRIBE_KEYS), JUNK, max_size=6))
def test_any_discord_options_either_validate_or_get_a_specific_message(options: dict[str, str]) -> None:
    try:
        subscribe_args(options)
    except CommandError as exc:
        assert exc.message
        assert len(exc.message) < 400
        assert "\x1b" not in exc.message and "\x00" not in exc.message


@settings(max_examples=200, deadline=None)
@given(front=st.text(max_size=400), body=st.text(max_size=200))
def test_any_question_file_loads_or_names_the_problem(
    tmp_path_factory: pytest.TempPathFactory, front: str, body: str
) -> None:
    folder = write_pack(tmp_path_factory.mktemp("pack"))
    target = folder / "beginner" / "01-q.md"
    target.write_text(f"+++\n{front}\n+++\n{body}", encoding="utf-8")
    try:
        load_pack(folder)
    except PackError as exc:
        assert exc.problems
        assert all(str(p.path) in str(p) for p in exc.problems)


@settings(max_examples=200, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.builds(lambda k, v: f"{k} = {v}\n", st.text(max_size=20), st.text(max_size=20)),
    )
)
def test_any_config_file_loads_or_names_the_file(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("config") / "practicebot.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path, {})
    except ConfigError as exc:
        assert str(path) in exc.message


@given(name=st.one_of(NASTY, st.text(max_size=80)))
def test_nothing_a_person_writes_pings_or_breaks_formatting(name: str) -> None:
    """Names and echoed input through both renderers: Slack sees no live <!...>/<@...>, Discord
    sends every message with allowed_mentions none."""
    from bot.core.shared.errors import shown
    from bot.core.shared.messages import Field, Message, person, plain
    from bot.core.shared.models import User

    user = User("U1", name)
    message = Message(
        body=f"unknown option '{shown(name)}'", fields=(Field("Answered in time", person(user)),)
    )
    for part in slack_render.render(message):
        for block in part.blocks:
            mrkdwn = (block.get("text") or {}).get("text", "")
            for live in ("<!channel", "<!here", "<!everyone", "<@", "<#"):
                assert live not in mrkdwn
    plain_name = plain(name)
    assert "@everyone" not in plain_name.replace("\\@", "")
    for part in discord_render.render(message):
        assert all(len(embed) <= 6000 for embed in part.embeds)
    assert discord_render.NO_MENTIONS.everyone is False
    assert discord_render.NO_MENTIONS.users is False
    assert discord_render.NO_MENTIONS.roles is False


def test_question_file_helper_is_valid_toml() -> None:
    """The fuzz above starts from a valid file: make sure the helper itself parses."""
    front = question_file("p", "beginner", 1).split("+++")[1]
    assert tomllib.loads(front)["id"] == "p/beginner-01"


def test_user_error_is_the_only_refusal_type() -> None:
    assert issubclass(CommandError, UserError)
    assert issubclass(ConfigError, UserError)
    assert issubclass(PackError, UserError)
