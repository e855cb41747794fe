"""Holidays as rules: the schedule skips them like days off in every zone and across DST, the
streaks never see them, and what admins type is checked with specific messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import islice, takewhile
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.calendar.holidays import (
    MAX_HELD,
    HolidayArgs,
    HolidayError,
    check_adding,
    format_dates,
    parse_dates,
    upcoming,
)
from bot.core.commands.grammar import CommandError, Practice, parse_line
from bot.core.daily.schedule import next_occurrence, occurrences
from bot.core.daily.streaks import Freezes, from_history
from bot.core.shared.models import Schedule

# zones with DST both ways, half-hour and 45-minute offsets, and none
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "America/Santiago", "Pacific/Chatham",
         "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]  # fmt: skip
# around the 2026 changes: Europe in March and October, the southern hemisphere in April and October
STARTS = st.datetimes(
    min_value=datetime(2026, 2, 15),  # noqa: DTZ001 - hypothesis bounds are naive; values get UTC
    max_value=datetime(2026, 11, 15),  # noqa: DTZ001
    timezones=st.just(UTC),
)
WINDOW = 60  # days of occurrences looked at


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Schedule, datetime]:
    """A schedule with holidays among the 60 local days after a start instant."""
    start = draw(STARTS)
    zone = draw(st.sampled_from(ZONES))
    first = start.astimezone(ZoneInfo(zone)).date()
    holidays = draw(
        st.frozensets(st.integers(-1, WINDOW).map(lambda n: first + timedelta(days=n)), max_size=30)
    )
    schedule = Schedule(
        at=draw(st.sampled_from([time(0, 0), time(2, 30), time(9, 0), time(23, 59)])),  # 02:30: in DST gaps
        timezone=zone,
        days=draw(st.frozensets(st.integers(0, 6), min_size=1)),
        holidays=holidays,
    )
    return schedule, start


def window(schedule: Schedule, start: datetime) -> list[tuple[date, datetime]]:
    end = start + timedelta(days=WINDOW)
    return list(takewhile(lambda occurrence: occurrence[1] <= end, occurrences(schedule, start)))


def without_holidays(schedule: Schedule) -> Schedule:
    return Schedule(schedule.at, schedule.timezone, schedule.days)


@settings(max_examples=300, deadline=None)
@given(drawn=schedules())
def test_an_occurrence_never_falls_on_a_holiday_or_a_day_off(drawn: tuple[Schedule, datetime]) -> None:
    schedule, start = drawn
    seen = window(schedule, start)
    for day, at in seen:
        assert day not in schedule.holidays
        assert day.weekday() in schedule.days
        assert at.astimezone(ZoneInfo(schedule.timezone)).date() == day  # the local date, across DST
    # exactly the plain schedule's occurrences minus the holidays: nothing moved, nothing added
    assert seen == [o for o in window(without_holidays(schedule), start) if o[0] not in schedule.holidays]
    # the next post (what /practice status shows) is the first one after the holidays
    day, at = next_occurrence(schedule, start)
    assert day not in schedule.holidays and at > start


@settings(max_examples=200, deadline=None)
@given(drawn=schedules(), data=st.data())
def test_removing_holidays_only_adds_occurrences(
    drawn: tuple[Schedule, datetime], data: st.DataObject
) -> None:
    schedule, start = drawn
    kept = data.draw(
        st.frozensets(st.sampled_from(sorted(schedule.holidays)))
        if schedule.holidays
        else st.just(frozenset())
    )
    fewer = Schedule(schedule.at, schedule.timezone, schedule.days, kept)
    before, after = set(window(schedule, start)), set(window(fewer, start))
    assert before <= after
    assert {day for day, _ in after - before} <= schedule.holidays - kept


@settings(max_examples=200, deadline=None)
@given(drawn=schedules(), data=st.data(), rule=st.sampled_from([Freezes(), Freezes(every=3, cap=2)]))
def test_a_holiday_is_no_occurrence_for_the_streaks(
    drawn: tuple[Schedule, datetime], data: st.DataObject, rule: Freezes
) -> None:
    plain, start = without_holidays(drawn[0]), drawn[1]
    plain_days = [day for day, _ in window(plain, start)]
    answered = data.draw(st.frozensets(st.sampled_from(plain_days)) if plain_days else st.just(frozenset()))
    missed = sorted(set(plain_days) - answered)
    off = data.draw(st.frozensets(st.sampled_from(missed)) if missed else st.just(frozenset()))
    schedule = Schedule(plain.at, plain.timezone, plain.days, off)  # some missed days become holidays
    # the streak sequence is the posts: one per occurrence, none on a holiday
    posts = [day for day, _ in window(schedule, start)]
    assert set(posts) == set(plain_days) - off
    history = [frozenset({"ana"} if day in answered else set()) for day in posts]
    plain_history = [frozenset({"ana"} if day in answered else set()) for day in plain_days]
    if not answered:
        return
    with_holidays, without = from_history(history, rule)["ana"], from_history(plain_history, rule)["ana"]
    # a missed day that became a holiday is no miss: the streak never gets shorter, the total stays
    assert with_holidays.current >= without.current and with_holidays.total == without.total
    # declare every missed day after the first answer a holiday, and the streak is unbroken
    if all(day in answered or day in off for day in plain_days if day >= min(answered)):
        assert with_holidays.current == with_holidays.best == len(answered)


def test_christmas_holidays_in_berlin_skip_to_the_next_working_day() -> None:
    schedule = Schedule(
        time(9, 0),
        "Europe/Berlin",
        frozenset(range(5)),
        parse_dates(["2026-12-24..2026-12-25", "2026-12-28"]),
    )
    after = datetime(2026, 12, 23, 12, tzinfo=UTC)
    days = [day for day, _ in islice(occurrences(schedule, after), 3)]
    assert days == [date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)]


def test_dates_and_ranges_parse_inclusively_and_format_back_as_ranges() -> None:
    dates = parse_dates(["2026-12-24", "2026-12-31..2027-01-02,2026-12-25"])
    assert len(dates) == 5
    assert format_dates(dates) == "2026-12-24..2026-12-25, 2026-12-31..2027-01-02"
    assert parse_line("/practice holidays add 2026-12-24 2026-12-31..2027-01-01") == Practice(
        "holidays", holidays=HolidayArgs("add", parse_dates(["2026-12-24", "2026-12-31..2027-01-01"]))
    )
    assert parse_line("/practice holidays") == Practice("holidays", holidays=HolidayArgs("list"))
    assert parse_line("/practice new-season confirm") == Practice("new-season", confirm=True)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/practice holidays add christmas", "'christmas' is not a date: use YYYY-MM-DD"),
        ("/practice holidays add 2026-02-30", "'2026-02-30' is not a day of the calendar"),
        ("/practice holidays add 2026-12-31..2026-12-24", "runs backwards: write the earlier date first"),
        ("/practice holidays add 2026-01-01..2026-12-31", "is 365 days; a range spans at most 92"),
        ("/practice holidays add", "give the dates to add"),
        ("/practice holidays clear", "'clear' is not a holidays action"),
        ("/practice holidays list 2026-12-24", "takes no dates"),
        ("/practice new-season now", "takes no arguments"),
    ],
)
def test_bad_holiday_and_season_arguments_get_specific_messages(line: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        parse_line(line)


def test_adding_refuses_past_dates_and_more_than_the_cap() -> None:
    today = date(2026, 12, 1)
    with pytest.raises(HolidayError, match=r"2026-11-30 is in the past here \(today is 2026-12-01\)"):
        check_adding(frozenset(), frozenset({date(2026, 11, 30), today}), today)
    assert check_adding(frozenset({today}), frozenset({today, date(2026, 12, 2)}), today) == {
        date(2026, 12, 2)
    }
    full = frozenset(today + timedelta(days=i) for i in range(MAX_HELD))
    with pytest.raises(HolidayError, match="at most 366 are held"):
        check_adding(full, frozenset({today + timedelta(days=MAX_HELD)}), today)
    past = frozenset({today - timedelta(days=1)})
    assert check_adding(full - {today} | past, frozenset({today}), today) == {
        today
    }  # the past is not counted
    assert upcoming(full | past, today)[0] == today
