"""A person's own settings as rules and words: /streaks hide|show and /practice away, read by the
one grammar; away days checked with specific refusals; the board's and /streaks me's wording."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.calendar.holidays import HolidayArgs, parse_dates
from bot.core.commands.grammar import CommandError, Practice, ShowStreaks, parse, parse_line
from bot.core.daily.messages import board, my_streak
from bot.core.personal.away import MAX_AHEAD, MAX_AWAY, AwayError, check_away
from bot.core.shared.models import Board, StreakRow, TeamStreak, User

TODAY = date(2026, 12, 1)


# ---------------------------------------------------------------- /streaks hide | show


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", ShowStreaks()),
        ("me", ShowStreaks(me=True)),
        ("hide", ShowStreaks(hide=True)),
        ("SHOW", ShowStreaks(hide=False)),
        ("  hide  ", ShowStreaks(hide=True)),
    ],
)
def test_streaks_takes_me_hide_or_show(text: str, command: ShowStreaks) -> None:
    assert parse("streaks", text) == command
    assert parse("streaks", text, admin=False) == command  # anyone's own setting


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "/streaks hid",
            "/streaks takes nothing, 'me', 'hide' or 'show', not 'hid' - did you mean /streaks hide?",
        ),
        ("/streaks me hide", "/streaks takes nothing, 'me', 'hide' or 'show', not 'me hide'"),
        ("/streaks hide show", "not 'hide show'"),
        ("/streaks @everyone", "not '@everyone'"),
    ],
)
def test_streaks_refuses_anything_else_by_name(line: str, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_line(line)
    assert message in caught.value.message


@given(st.text(max_size=800))
def test_any_words_after_streaks_make_a_command_or_a_specific_refusal(text: str) -> None:
    try:
        command = parse("streaks", text)
    except CommandError as exc:
        said = exc.message
        assert said.startswith(("/streaks takes nothing, 'me', 'hide' or 'show'", "that is "))
        assert all(ch.isprintable() for ch in said) and len(said) < 200  # quoted back safely, short
    else:
        assert [word.lower() for word in text.split()] in ([], ["me"], ["hide"], ["show"])
        assert isinstance(command, ShowStreaks)


# ---------------------------------------------------------------- /practice away


def test_practice_away_reads_like_practice_holidays() -> None:
    dates = parse_dates(["2026-12-24", "2026-12-31..2027-01-01"])
    assert parse_line("/practice away") == Practice("away", away=HolidayArgs("list"))
    assert parse_line("/practice away list") == Practice("away", away=HolidayArgs("list"))
    assert parse_line("/practice away add 2026-12-24 2026-12-31..2027-01-01") == Practice(
        "away", away=HolidayArgs("add", dates)
    )
    assert parse_line("/practice away REMOVE 2026-12-24,2026-12-31..2027-01-01") == Practice(
        "away", away=HolidayArgs("remove", dates)
    )
    # not an admin command: a non-admin's words are read like anyone's
    assert parse_line("/practice away add 2026-12-24", admin=False) == Practice(
        "away", away=HolidayArgs("add", frozenset({date(2026, 12, 24)}))
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "/practice away clear",
            "'clear' is not an away action: use /practice away, /practice away add 2026-12-24",
        ),
        ("/practice away add", "give the dates to add, like /practice away add 2026-12-24"),
        ("/practice away list 2026-12-24", "/practice away list takes no dates (got '2026-12-24')"),
        ("/practice away add tomorrow", "'tomorrow' is not a date: use YYYY-MM-DD"),
        ("/practice away add 2026-02-30", "'2026-02-30' is not a day of the calendar"),
        ("/practice away add 2026-12-31..2026-12-24", "runs backwards: write the earlier date first"),
        (
            "/practice away add 2026-01-01..2026-12-31",
            "'2026-01-01..2026-12-31' is 365 days; a range spans at most 92 (at most 92 coming away days are held)",
        ),
        ("/practice awya", "unknown /practice action 'awya' - did you mean /practice away?"),
        ("/practice away add " + "2026-12-24 " * 60, "commands take at most 500"),
    ],
)
def test_bad_away_arguments_get_specific_messages(line: str, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_line(line, admin=False)
    assert message in caught.value.message


@given(verb=st.sampled_from(["add", "remove", "list", ""]), junk=st.text(max_size=600))
def test_any_text_after_practice_away_makes_dates_or_a_specific_refusal(verb: str, junk: str) -> None:
    try:
        command = parse("practice", f"away {verb} {junk}", admin=False)
    except CommandError as exc:
        said = exc.message
        assert said and all(ch.isprintable() for ch in said) and len(said) < 300  # quoted back safely
    else:
        assert isinstance(command, Practice) and command.away is not None
        assert all(isinstance(day, date) for day in command.away.dates)


# ---------------------------------------------------------------- which days may be set


def test_away_days_are_days_to_come_today_included_until_its_reveal() -> None:
    assert check_away(frozenset(), frozenset({TODAY}), TODAY, revealed_today=False) == {TODAY}
    with pytest.raises(AwayError, match=r"2026-11-30 is in the past here \(today is 2026-12-01\)"):
        check_away(frozenset(), frozenset({TODAY - timedelta(days=1), TODAY}), TODAY, revealed_today=False)
    with pytest.raises(AwayError, match="today's question here is revealed already"):
        check_away(frozenset(), frozenset({TODAY, TODAY + timedelta(days=1)}), TODAY, revealed_today=True)
    tomorrow = TODAY + timedelta(days=1)
    assert check_away(frozenset(), frozenset({tomorrow}), TODAY, revealed_today=True) == {tomorrow}


def test_away_days_go_at_most_a_year_ahead() -> None:
    last = TODAY + MAX_AHEAD
    assert check_away(frozenset(), frozenset({last}), TODAY, revealed_today=False) == {last}
    with pytest.raises(AwayError, match=rf"{last + timedelta(days=1)} is too far ahead: .* \(up to {last}\)"):
        check_away(frozenset(), frozenset({last, last + timedelta(days=1)}), TODAY, revealed_today=False)


def test_a_person_holds_at_most_the_cap_of_coming_away_days() -> None:
    full = frozenset(TODAY + timedelta(days=i) for i in range(MAX_AWAY))
    assert check_away(frozenset(), full, TODAY, revealed_today=False) == full
    with pytest.raises(AwayError, match=f"that makes {MAX_AWAY + 1} coming away days; you can hold at most"):
        check_away(full, frozenset({TODAY + timedelta(days=MAX_AWAY)}), TODAY, revealed_today=False)
    assert check_away(full, full, TODAY, revealed_today=False) == frozenset()  # held already: nothing new
    past = frozenset({TODAY - timedelta(days=3)})
    assert check_away(full - {TODAY} | past, frozenset({TODAY}), TODAY, revealed_today=False) == {TODAY}


# ---------------------------------------------------------------- what the board and /streaks me say

ANA, BO = User("ana", "Ana"), User("bo", "Bo")


def a_board(rows: tuple[StreakRow, ...], private: int, people: int | None = None) -> Board:
    return Board(rows=rows, team=TeamStreak(3, 4), closed_posts=5, people=people, private=private)


def test_the_board_counts_private_rows_without_naming_anyone() -> None:
    row = StreakRow(ANA, 2, 2, 2)
    assert (
        board(a_board((row,), 2)).body
        == "1. Ana - current 2, best 2, total 2\n... and 2 people who keep their streak private"
    )
    assert board(a_board((row,), 1)).body.endswith("... and 1 person who keeps their streak private")
    assert board(a_board((row,), 0)).body == "1. Ana - current 2, best 2, total 2"
    only_private = board(a_board((), 1))
    assert (
        only_private.body
        == "Nobody on the board yet, beside 1 person who keeps their streak private. Team streak: 3 (best 4)."
    )
    assert board(a_board((), 0)).body == "No answers yet. Team streak: 3 (best 4)."
    many = board(a_board((row,) * 3, 4, people=30), limit=3)
    assert many.body.splitlines()[-2:] == [
        "... and 27 more",
        "... and 4 people who keep their streak private",
    ]


def test_streaks_me_says_the_row_is_hidden_and_how_to_show_it() -> None:
    row = StreakRow(ANA, 2, 3, 4)
    hidden = my_streak(a_board((row,), 0), ANA, hidden=True)
    assert hidden.body == (
        "current 2, best 3, total 4\n"
        "Your row is hidden from this channel's board; your streak counts as always. /streaks show puts it back."
    )
    assert my_streak(a_board((row,), 0), ANA).body == "current 2, best 3, total 4"
    nothing = my_streak(a_board((), 0), BO, hidden=True)
    assert nothing.body.startswith("You have not answered a question here yet.\nYour row is hidden")
