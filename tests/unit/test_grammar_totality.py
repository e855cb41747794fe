"""Whatever a person types, the grammar answers with a Command or a UserError, never another
exception (issue 15 case 11: huge numbers overflowed a timedelta and killed the terminal channel)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, load_config
from bot.core.blind import rules as blind
from bot.core.calendar.holidays import HolidayArgs
from bot.core.commands.grammar import CommandError, Practice, parse, parse_line, subscribe_args
from bot.core.selfcheck import rules as selfcheck
from bot.core.shared.errors import NotAllowed, UserError

NAMES = ("practice", "question", "streaks", "bookmarks", "review", "practise", "x")
WORDS = st.sampled_from(
    ["subscribe", "reveal=", "reveal", "holidays", "add", "recap", "fri", "09:00", "UTC", "next", "confirm",
     "remove", "remind", "on", "me", "blind", "daily", "levels=", "all", "2026-12-24..", "9" * 30, "d", "h",
     "pack", "import", "export", "into=", "format=", "csv", "apkg", "packs=", "pack=", "a,b", "x/y"]
)  # fmt: skip
NUMBERS = st.integers(min_value=0, max_value=10**40).map(str)
TOKEN = st.one_of(st.text(max_size=30), WORDS, NUMBERS, st.builds(lambda a, b: a + b, NUMBERS, WORDS))


@given(name=st.sampled_from(NAMES), words=st.lists(TOKEN, max_size=8))
def test_any_words_make_a_command_or_a_clear_refusal(name: str, words: list[str]) -> None:
    try:
        parse(name, " ".join(words))
    except UserError as exc:
        assert exc.message


@given(st.text(max_size=600))
def test_any_line_makes_a_command_or_a_clear_refusal(line: str) -> None:
    try:
        parse_line("/" + line)
    except UserError as exc:
        assert exc.message


@given(key=st.sampled_from(["reveal", "time", "days", "timezone", "levels"]), number=NUMBERS,
       unit=st.sampled_from(["d", "h", "m", "s", "d1h", ""]))  # fmt: skip
def test_huge_numbers_in_subscribe_options_are_refused_clearly(key: str, number: str, unit: str) -> None:
    try:
        subscribe_args({key: number + unit})
    except CommandError as exc:
        assert exc.message


@pytest.mark.parametrize("reveal", ["99999999999999999999d", "9" * 400 + "m", "999999999h"])
def test_an_enormous_reveal_says_it_is_too_long(reveal: str) -> None:
    with pytest.raises(CommandError, match="too long"):
        parse("practice", f"subscribe reveal={reveal}")


@pytest.mark.parametrize("key", ["misfire_grace", "command_cooldown"])
def test_an_enormous_config_duration_is_a_config_error_with_its_line(tmp_path: Path, key: str) -> None:
    path = tmp_path / "practicebot.toml"
    path.write_text(f'{key} = "{"9" * 5000}d"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"practicebot.toml:1: {key}: .*too long"):
        load_config(path)


@given(st.one_of(st.text(max_size=40), NUMBERS, st.sampled_from(["²", "١٢", "-1", "+1", "9" * 25])))
def test_forged_blind_and_self_check_ids_are_refused_clearly(junk: str) -> None:
    for parser, argument in (
        (blind.post_id_of, junk),
        (selfcheck.parse, f"{junk}:1"),
        (selfcheck.parse, f"1:{junk}"),
    ):
        try:
            value = parser(argument)
        except UserError:
            continue
        assert value is not None


@pytest.mark.parametrize(
    ("line", "refusal"),
    [
        ("/practice subscribe reveal=99999999999999999999d", "/practice subscribe is for channel admins"),
        ("/practice subscribe nonsense", "/practice subscribe is for channel admins"),
        ("/practice recap someday", "/practice recap is for channel admins"),
        ("/practice holidays add 2026-02-30", "/practice holidays add is for channel admins"),
    ],
)
def test_a_non_admin_is_refused_before_the_arguments_are_read(line: str, refusal: str) -> None:
    with pytest.raises(NotAllowed, match=refusal):
        parse_line(line, admin=False)
    with pytest.raises(NotAllowed, match="subscribe is for channel admins"):
        subscribe_args({"reveal": "9" * 30 + "d"}, admin=False)


def test_a_non_admin_still_reads_what_anyone_may() -> None:
    assert parse_line("/practice holidays", admin=False) == Practice("holidays", holidays=HolidayArgs("list"))
    assert parse_line("/practice status", admin=False) == Practice("status")
