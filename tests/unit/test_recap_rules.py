"""The weekly recap's rules: when it is due (across daylight-saving changes, in many zones), what
an admin may type, the week's figures, and what the message says."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.commands.grammar import Practice, RecapChange, parse_line
from bot.core.daily.streaks import Streak, from_history, team_from_history
from bot.core.recap.rules import (
    DEFAULT_RECAP,
    PostCount,
    RecapTime,
    heat_level,
    latest_recap,
    next_recap,
    parse_recap,
    recap_message,
    week_figures,
    week_of,
)
from bot.core.shared.errors import UserError
from bot.core.shared.models import TeamStreak, User

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Santiago",
         "Pacific/Chatham", "Europe/London", "UTC", "Asia/Tehran", "Australia/Lord_Howe"]  # fmt: skip
instants = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive; values get UTC
    max_value=datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
recap_times = st.builds(
    RecapTime, st.integers(0, 6), st.times().map(lambda t: t.replace(second=0, microsecond=0))
)


# ---------------------------------------------------------------- when


@settings(max_examples=300, deadline=None)
@given(setting=recap_times, zone=st.sampled_from(ZONES), after=instants)
def test_the_next_recap_is_on_the_configured_weekday_at_the_local_time(
    setting: RecapTime, zone: str, after: datetime
) -> None:
    local_date, at = next_recap(setting, zone, after)
    assert after < at <= after + timedelta(days=8)
    local = at.astimezone(ZoneInfo(zone))
    assert local_date.weekday() == setting.weekday
    assert local.date() == local_date
    if local.time() != setting.at:
        # only where the wall time does not exist that day (spring forward): the first instant after
        wall = datetime.combine(local_date, setting.at)
        assert (
            wall.replace(tzinfo=ZoneInfo(zone))
            .astimezone(UTC)
            .astimezone(ZoneInfo(zone))
            .replace(tzinfo=None)
            != wall
        )
        assert local.replace(tzinfo=None) > wall
    # nothing on that weekday and time fell between `after` and it
    previous_date, previous = latest_recap(setting, zone, at - timedelta(seconds=1))
    assert previous <= after
    assert previous_date == local_date - timedelta(days=7)


@settings(max_examples=200, deadline=None)
@given(setting=recap_times, zone=st.sampled_from(ZONES), now=instants)
def test_recaps_come_once_a_week_in_distinct_iso_weeks(setting: RecapTime, zone: str, now: datetime) -> None:
    dates, at = [], now
    for _ in range(4):
        local_date, at = next_recap(setting, zone, at)
        dates.append(local_date)
    assert [b - a for a, b in itertools.pairwise(dates)] == [timedelta(days=7)] * 3
    assert len({week_of(d) for d in dates}) == 4
    last_date, last = latest_recap(setting, zone, now)
    assert last <= now < next_recap(setting, zone, now)[1]
    assert next_recap(setting, zone, last)[0] == last_date + timedelta(days=7)


def test_friday_four_pm_in_berlin_moves_with_the_clocks() -> None:
    setting = RecapTime(4, time(16, 0))
    before_spring = next_recap(setting, "Europe/Berlin", datetime(2026, 3, 23, tzinfo=UTC))
    after_spring = next_recap(setting, "Europe/Berlin", datetime(2026, 3, 30, tzinfo=UTC))
    assert before_spring == (date(2026, 3, 27), datetime(2026, 3, 27, 15, 0, tzinfo=UTC))  # CET
    assert after_spring == (date(2026, 4, 3), datetime(2026, 4, 3, 14, 0, tzinfo=UTC))  # CEST


def test_a_recap_in_the_spring_gap_goes_out_at_the_first_valid_instant() -> None:
    # Sunday 29 March 2026, 02:30 does not exist in Berlin
    assert next_recap(RecapTime(6, time(2, 30)), "Europe/Berlin", datetime(2026, 3, 27, tzinfo=UTC)) == (
        date(2026, 3, 29),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    )


# ---------------------------------------------------------------- what admins type


def test_recap_commands_parse() -> None:
    assert parse_line("/practice recap fri 16:00") == Practice("recap", recap=RecapChange(DEFAULT_RECAP))
    assert parse_line("/practice recap Monday 9:05") == Practice(
        "recap", recap=RecapChange(RecapTime(0, time(9, 5)))
    )
    assert parse_line("/practice recap off") == Practice("recap", recap=RecapChange(None))
    assert parse_line("/practice recap") == Practice("recap")
    assert parse_line("/practice recap-now") == Practice("recap-now")


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["fry", "16:00"], "'fry' is not a day of the week: use mon, tue, wed, thu, fri, sat, sun"),
        (["fri", "25:00"], "'25:00' is not a time of day: hours go 00-23 and minutes 00-59"),
        (["fri", "4pm"], "'4pm' is not a time: use 24-hour HH:MM"),
        (["fri"], "/practice recap takes a day and a time, like /practice recap fri 16:00, or off"),
        (["fri", "16:00", "weekly"], "/practice recap takes a day and a time"),
        (["off", "16:00"], "/practice recap off takes nothing after it"),
    ],
)
def test_bad_recap_settings_get_a_specific_answer(words: list[str], message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_recap(words)
    assert message in caught.value.message


# ---------------------------------------------------------------- the week's figures

FRIDAY = date(2026, 3, 6)


def _posts(counts: list[int | None], last: date = FRIDAY) -> list[PostCount]:
    """One post a day ending on `last` (None: no post that day), all closed."""
    days = len(counts)
    return [
        PostCount(last - timedelta(days=days - 1 - i), f"q{i}", True, n)
        for i, n in enumerate(counts)
        if n is not None
    ]


@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.one_of(st.none(), st.integers(0, 6)), min_size=1, max_size=120))
def test_per_day_and_heat_map_count_each_days_answers(counts: list[int | None]) -> None:
    posts = _posts(counts)
    figures = week_figures(FRIDAY, posts, {}, {}, TeamStreak(0, 0))
    by_day = {p.local_date: p.answers for p in posts}
    assert [d for d, _ in figures.per_day] == [FRIDAY - timedelta(days=6 - i) for i in range(7)]
    assert all(n == by_day.get(d) for d, n in figures.per_day)
    assert figures.heat[-1] == tuple(n for _, n in figures.per_day)
    assert len(figures.heat) == 12 and all(len(week) == 7 for week in figures.heat)
    assert sum(n or 0 for week in figures.heat for n in week) == sum(
        n for d, n in by_day.items() if d > FRIDAY - timedelta(days=84)
    )
    assert figures.answers == sum(n or 0 for _, n in figures.per_day)
    # the chart's last bar is the team streak over every closed post
    assert figures.team_by_week[-1] == team_from_history([p.answers for p in posts], 1).current


@settings(max_examples=200, deadline=None)
@given(
    history=st.lists(st.frozensets(st.sampled_from("abcd")), min_size=1, max_size=30),
)
def test_kept_their_streak_means_answered_every_post_closed_this_week(history: list[frozenset[str]]) -> None:
    """Without freezes: a person kept their streak iff they answered every post of the week."""
    posts = [PostCount(FRIDAY - timedelta(days=len(history) - 1 - i), f"q{i}", True, len(a))
             for i, a in enumerate(history)]  # fmt: skip
    streaks = from_history(history)
    figures = week_figures(FRIDAY, posts, streaks, {u: u.upper() for u in "abcd"}, TeamStreak(0, 0))
    this_week = history[-7:]
    expected = {u for u in "abcd" if all(u in answered for answered in this_week)}
    assert {user.id for user, _ in figures.kept} == expected
    assert [current for _, current in figures.kept] == sorted((c for _, c in figures.kept), reverse=True)


def test_heat_levels_split_the_busiest_day_in_quarters() -> None:
    assert [heat_level(n, 8) for n in (None, 0, 1, 2, 3, 4, 5, 8)] == [-1, 0, 1, 1, 2, 2, 3, 4]
    assert heat_level(3, 0) == 0


# ---------------------------------------------------------------- what it says


def test_the_message_names_who_kept_their_streak_and_leaves_out_empty_bookmarks() -> None:
    posts = _posts([None, None, 3, 2, 0, 1, 2])
    streaks = {"u1": Streak(5, 5, 5), "u2": Streak(0, 3, 3), "u3": Streak(2, 4, 9)}
    figures = week_figures(
        FRIDAY, posts, streaks, {"u1": "Ana *bold*", "u2": "Bo", "u3": "Cy"}, TeamStreak(4, 9)
    )
    message = recap_message(figures, [], {})
    fields = {f.name: f.value for f in message.fields}
    assert message.title == "Weekly recap: 28 Feb - 6 Mar"
    assert "5 questions and 8 answers this week" in message.body
    assert fields["Kept their streak"] == "<u:u1|Ana \\*bold\\*> (5)"  # Cy's 2 do not span the week's 5
    assert fields["Team streak"] == "4 (best 9)"
    assert fields["Answers per day"] == "Sat - · Sun - · Mon 3 · Tue 2 · Wed 0 · Thu 1 · Fri 2"
    assert "Most bookmarked" not in fields
    with_bookmarks = recap_message(figures, [("q2", 3), ("gone", 1)], {"q2": "What is WebSocket?"})
    assert {f.name: f.value for f in with_bookmarks.fields}["Most bookmarked"] == (
        "- What is WebSocket? (3 bookmarks)\n- gone (1 bookmark)"
    )


def test_a_week_without_questions_says_so() -> None:
    figures = week_figures(FRIDAY, [], {}, {}, TeamStreak(0, 2))
    message = recap_message(figures, [], {})
    assert message.body.startswith("No questions went out this week")
    assert {f.name: f.value for f in message.fields}["Kept their streak"] == "nobody this week"
    assert figures.questions == () and figures.posts == 0


def test_the_weeks_questions_are_listed_for_the_bookmark_counts() -> None:
    posts = _posts([2, None, 1, 1, 0, 3, 1, 1, 2])  # nine days: the first two are last week's
    figures = week_figures(FRIDAY, posts, {}, {}, TeamStreak(0, 0))
    assert figures.questions == ("q2", "q3", "q4", "q5", "q6", "q7", "q8")


def test_a_user_named_like_a_mention_is_shown_inert() -> None:
    figures = week_figures(
        FRIDAY, _posts([1]), {"x": Streak(1, 1, 1)}, {"x": "<@everyone>"}, TeamStreak(1, 1)
    )
    kept = {f.name: f.value for f in recap_message(figures, [], {}).fields}["Kept their streak"]
    assert kept == "<u:x|\\@everyone> (1)"
    assert figures.kept[0][0] == User("x", "<@everyone>")
