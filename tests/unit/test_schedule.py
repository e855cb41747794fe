from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.daily.schedule import (
    ScheduleError,
    format_days,
    format_duration,
    local_instant,
    next_occurrence,
    occurrences,
    parse_days,
    parse_duration,
    parse_reveal,
    parse_time,
    parse_timezone,
)
from bot.core.shared.models import Schedule

BERLIN = ZoneInfo("Europe/Berlin")
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Santiago",
         "Pacific/Chatham", "Europe/London", "UTC", "Asia/Tehran", "Australia/Lord_Howe"]  # fmt: skip


def test_nine_oclock_berlin_moves_with_both_2026_dst_changes() -> None:
    schedule = Schedule(time(9, 0), "Europe/Berlin", frozenset(range(7)))
    start = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    spring = [at for _, at in _take(occurrences(schedule, start), 4)]
    assert spring == [
        datetime(2026, 3, 28, 8, 0, tzinfo=UTC),  # CET, UTC+1
        datetime(2026, 3, 29, 7, 0, tzinfo=UTC),  # CEST from 29 March, UTC+2
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 7, 0, tzinfo=UTC),
    ]
    autumn = [at for _, at in _take(occurrences(schedule, datetime(2026, 10, 23, 12, tzinfo=UTC)), 3)]
    assert autumn == [
        datetime(2026, 10, 24, 7, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 8, 0, tzinfo=UTC),  # back to CET on 25 October
        datetime(2026, 10, 26, 8, 0, tzinfo=UTC),
    ]


def test_time_in_the_spring_gap_posts_at_the_first_valid_instant_after_it() -> None:
    # 02:30 does not exist in Berlin on 29 March 2026: clocks jump from 02:00 to 03:00
    assert local_instant(date(2026, 3, 29), time(2, 30), BERLIN) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_time_repeated_at_fall_back_happens_once_at_its_first_occurrence() -> None:
    schedule = Schedule(time(2, 30), "Europe/Berlin", frozenset(range(7)))
    after = datetime(2026, 10, 24, 12, tzinfo=UTC)
    first_two = _take(occurrences(schedule, after), 2)
    assert first_two[0] == (date(2026, 10, 25), datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # 02:30 CEST
    assert first_two[1][0] == date(2026, 10, 26)  # not 02:30 CET on the same date again


def test_weekdays_only_skip_the_weekend() -> None:
    schedule = Schedule(time(9, 0), "UTC", parse_days("mon-fri"))
    friday_evening = datetime(2026, 3, 6, 18, tzinfo=UTC)
    assert next_occurrence(schedule, friday_evening) == (
        date(2026, 3, 9),
        datetime(2026, 3, 9, 9, tzinfo=UTC),
    )


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    days=st.frozensets(st.integers(0, 6), min_size=1),
    start=st.datetimes(
        min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive; values get UTC
        max_value=datetime(2028, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_occurrences_are_one_per_scheduled_local_date_in_order(
    zone: str, at: time, days: frozenset[int], start: datetime
) -> None:
    schedule = Schedule(at, zone, days)
    tz = ZoneInfo(zone)
    seen = _take(occurrences(schedule, start), 20)
    dates = [d for d, _ in seen]
    instants = [i for _, i in seen]
    assert instants == sorted(instants) and len(set(instants)) == len(instants)
    assert len(set(dates)) == len(dates)  # never two posts on one local date
    assert all(i > start for i in instants)
    for day, instant in seen:
        assert day.weekday() in days
        local = instant.astimezone(tz)
        assert local.date() == day
        wall = datetime.combine(day, at)
        # on time, or (only inside a spring-forward gap) within the gap's length after it
        assert local.replace(tzinfo=None) >= wall
        assert local.replace(tzinfo=None) - wall <= timedelta(hours=1)
    # no scheduled date was skipped between the first and last occurrence
    day = dates[0]
    while day < dates[-1]:
        if day.weekday() in days:
            assert day in dates
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:00", "'25:00' is not a time of day"),
        ("9am", "'9am' is not a time: use 24-hour HH:MM"),
        ("12:60", "not a time of day"),
    ],
)
def test_bad_times_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_time(text)


def test_unknown_time_zone_suggests_the_nearest_name() -> None:
    with pytest.raises(
        ScheduleError, match=r"unknown time zone 'Europe/Berln' - did you mean Europe/Berlin\?"
    ):
        parse_timezone("Europe/Berln")
    with pytest.raises(ScheduleError, match="did you mean Europe/Berlin"):
        parse_timezone("Berlin")
    assert parse_timezone("europe/berlin") == "Europe/Berlin"


@pytest.mark.parametrize(
    ("text", "message"),
    [("-3h", "negative"), ("0m", "zero"), ("soon", "not a duration"), ("3x", "not a duration")],
)
def test_bad_durations_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_duration(text)


def test_reveal_is_a_duration_up_to_a_week_or_next() -> None:
    assert parse_reveal("next").is_next
    assert parse_reveal("1h30m").after == timedelta(minutes=90)
    with pytest.raises(ScheduleError, match="over 7 days"):
        parse_reveal("8d")


def test_days_and_durations_round_trip_to_readable_text() -> None:
    assert format_days(parse_days("mon-fri")) == "mon-fri"
    assert format_days(parse_days("fri-mon")) == "mon,fri,sat,sun"
    assert format_days(parse_days("daily")) == "daily"
    assert format_duration(parse_duration("1d2h5m")) == "1d2h5m"
    assert format_duration(parse_duration("90s")) == "1m30s"
    with pytest.raises(ScheduleError, match="not a list of days"):
        parse_days("mon-funday")


def _take(iterator, n):  # type: ignore[no-untyped-def]
    return [next(iterator) for _ in range(n)]
