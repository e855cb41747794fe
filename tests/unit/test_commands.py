from __future__ import annotations

from datetime import time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.commands.grammar import (
    AskQuestion,
    CommandError,
    PackArgs,
    Practice,
    ShowStreaks,
    parse,
    parse_line,
)
from bot.core.shared.errors import NotAllowed, UserError
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
        ("/streaks you", "/streaks takes nothing or 'me'"),
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


# ---------------------------------------------------------------- packs, next (issue 20)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("pack import", PackArgs("import")),
        ("pack import into=Team-Onboarding", PackArgs("import", into="team-onboarding")),
        ("pack export", PackArgs("export")),
        ("pack export apkg", PackArgs("export", format="apkg")),
        ("pack export onboarding format=YAML", PackArgs("export", pack="onboarding", format="yaml")),
        ("pack export format=json pack=own", PackArgs("export", pack="own", format="json")),
    ],
)
def test_pack_import_and_export_take_their_options(words: str, expected: PackArgs) -> None:
    assert parse("practice", words) == Practice("pack", pack=expected)


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("pack", "/practice pack takes import or export"),
        ("pack delete", "/practice pack takes import or export, not 'delete'"),
        ("pack import onboarding", "/practice pack import takes into=NAME, not 'onboarding'"),
        ("pack export into=x", "/practice pack export takes a pack and a format, not 'into=x'"),
        ("pack export a b", "pack is given twice ('a' and 'b')"),
        ("pack export format=pdf", "unknown format 'pdf': choose csv, json, yaml, apkg"),
        ("pack import into=../etc", "'../etc' is not a pack id: lowercase letters, digits and -, at most 60"),
        (
            "next nope",
            "'nope' is not a question id: PACK/NAME, like websockets-realtime/beginner-01 (/question shows ids)",
        ),
        ("next a/b c/d", "/practice next takes one question id, like websockets-realtime/beginner-01"),
        ("subscribe packs=", "packs is empty: give pack ids, like packs=websockets-realtime, or all"),
        (
            "subscribe packs=a," + ",".join(f"p{n}" for n in range(20)),
            "that is 21 packs; a channel draws from at most 20",
        ),
    ],
)
def test_junk_pack_and_next_arguments_get_a_specific_refusal(words: str, message: str) -> None:
    with pytest.raises(CommandError) as refused:
        parse("practice", words)
    assert refused.value.message == message


def test_packs_keep_their_order_without_repeats_and_all_means_the_default() -> None:
    chosen = parse("practice", "subscribe pack=b,a,b")
    assert isinstance(chosen, Practice) and chosen.subscribe is not None
    assert chosen.subscribe.packs == ("b", "a")
    every = parse("practice", "subscribe packs=all")
    assert isinstance(every, Practice) and every.subscribe is not None and every.subscribe.packs == ()


def test_pack_import_and_next_are_refused_to_non_admins_before_their_arguments_are_read() -> None:
    for words in ("pack import into=%%%", "next ???"):
        with pytest.raises(NotAllowed):
            parse("practice", words, admin=False)
    assert parse("practice", "pack export", admin=False) == Practice("pack", pack=PackArgs("export"))
