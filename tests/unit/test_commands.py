from __future__ import annotations

from datetime import time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.commands.grammar import (
    AskQuestion,
    CommandError,
    Practice,
    ShowStreaks,
    parse,
    parse_line,
)
from bot.core.shared.errors import UserError
from bot.core.shared.models import Order


def test_subscribe_takes_positional_words_by_their_shape() -> None:
    command = parse_line("/practice subscribe 09:00 Europe/Berlin mon-fri 8h beginner,advanced shuffled")
    assert isinstance(command, Practice)
    args = command.subscribe
    assert args is not None
    assert args.time == time(9, 0)
    assert args.timezone == "Europe/Berlin"
    assert args.days == frozenset(range(5))
    assert args.reveal is not None and args.reveal.after == timedelta(hours=8)
    assert args.levels == ("beginner", "advanced")
    assert args.order is Order.SHUFFLED


def test_subscribe_takes_key_value_pairs_and_aliases() -> None:
    command = parse("practice", "subscribe time=7:30 tz=Asia/Tokyo days=daily reveal=next level=all")
    assert isinstance(command, Practice) and command.subscribe is not None
    assert command.subscribe.time == time(7, 30)
    assert command.subscribe.timezone == "Asia/Tokyo"
    assert command.subscribe.reveal is not None and command.subscribe.reveal.is_next


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/practice subscribe 25:00", "'25:00' is not a time of day"),
        ("/practice subscribe reveal=-3h", "'-3h' is negative"),
        (
            "/practice subscribe Europe/Berln",
            "unknown time zone 'Europe/Berln' - did you mean Europe/Berlin?",
        ),
        (
            "/practice subscribe levels=expert",
            "unknown level 'expert': choose beginner, intermediate, advanced",
        ),
        ("/practice subscribe colour=red", "unknown option 'colour': use time, timezone, days, reveal"),
        ("/practice subscribe 09:00 10:00", "time is given twice ('09:00' and '10:00')"),
        ("/practice subscribe banana", "'banana' is not a time (09:00), time zone"),
        ("/practice dance", "unknown /practice action 'dance'"),
        ("/practice status now", "/practice status takes no arguments (got 'now')"),
        ("/question expert", "unknown level 'expert'"),
        ("/question beginner advanced", "/question takes at most one level"),
        ("/streaks you", "/streaks takes nothing, 'me', 'hide' or 'show', not 'you'"),
        ("/weather", "unknown command '/weather': try /practice help"),
        ("/practise status", "unknown command '/practise' - did you mean /practice?"),
        ("/practice stauts", "unknown /practice action 'stauts' - did you mean /practice status?"),
        ("/practice subscribe 09:00 berlin", "- did you mean Europe/Berlin?"),
        ("/practice subscribe new_york", "- did you mean America/New_York?"),
        ("/practice subscribe shufled", "- did you mean shuffled?"),
        ("/practice subscribe reveel=8h", "unknown option 'reveel' - did you mean reveal?"),
        ("practice status", "commands start with /"),
    ],
)
def test_bad_arguments_get_a_specific_message(line: str, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_line(line)
    assert message in caught.value.message


def test_simple_commands() -> None:
    assert parse_line("/question") == AskQuestion(None)
    assert parse_line("/question Advanced") == AskQuestion("advanced")
    assert parse_line("/streaks me") == ShowStreaks(me=True)
    assert parse_line("/practice") == Practice("help")
    assert parse_line("/practice post-now") == Practice("post-now")


def test_oversized_and_control_character_input_is_refused_without_echoing_it_raw() -> None:
    with pytest.raises(CommandError, match="commands take at most 500"):
        parse("practice", "subscribe " + "x" * 600)
    with pytest.raises(CommandError) as caught:
        parse("practice", "subscribe \x1b[31mred")
    assert "\x1b" not in caught.value.message


@given(st.text(max_size=200))
def test_any_text_either_parses_or_is_refused_with_a_message(text: str) -> None:
    for name in ("practice", "question", "streaks"):
        try:
            parse(name, text)
        except UserError as exc:
            assert exc.message and len(exc.message) < 400
