"""Local time + IANA zone + weekdays -> UTC instants, and the small time grammar users type.

Pure functions. The rules for daylight-saving changes:
- a local time that does not exist (spring forward) happens at the first valid instant after it;
- a local time that exists twice (fall back) happens at its first occurrence;
- either way a local date has at most one instant, so at most one post.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.shared.errors import UserError, shown
from bot.core.shared.models import Reveal, Schedule
from bot.core.shared.typos import closest

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_ALIASES = {
    "daily": frozenset(range(7)),
    "everyday": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_DURATION = re.compile(r"(\d+)\s*([dhms])")
_UNITS = {
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}


class ScheduleError(UserError):
    """A time, zone, day list or duration the user typed that cannot be used."""


# ---------------------------------------------------------------- parsing what users type


def parse_time(text: str) -> time:
    """`09:00`, `9:30`, `21:05` -> a wall-clock time (24-hour, minute precision)."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match:
        raise ScheduleError(f"'{shown(text)}' is not a time: use 24-hour HH:MM, like 09:00 or 17:30")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ScheduleError(f"'{shown(text)}' is not a time of day: hours go 00-23 and minutes 00-59")
    return time(hour, minute)


@functools.cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


POPULAR_ZONES = (
    "UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
    "America/Sao_Paulo", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney",
)  # fmt: skip


def suggest_zones(typed: str, limit: int = 25) -> list[str]:
    """Zone names for autocomplete: those starting with what was typed (or whose city does),
    then those containing it."""
    text = typed.strip().lower()
    if not text:
        return list(POPULAR_ZONES[:limit])
    names = sorted(_zone_names().values())
    starts = [n for n in names if n.lower().startswith(text) or n.lower().rsplit("/", 1)[-1].startswith(text)]
    contains = [n for n in names if text in n.lower() and n not in starts]
    return (starts + contains)[:limit]


def zone_for_city(text: str) -> str | None:
    """`berlin` -> Europe/Berlin, `new_york` or `new york` -> America/New_York; else None."""
    city = "/" + "_".join(text.strip().lower().split())
    if len(city) < 3:
        return None
    return next((zone for zone in sorted(_zone_names().values()) if zone.lower().endswith(city)), None)


def parse_timezone(text: str) -> str:
    """An IANA zone name, canonical spelling; a near miss gets a suggestion."""
    name = text.strip()
    canonical = _zone_names().get(name.lower())
    if canonical is None:
        if name.upper() == "UTC":
            return "UTC"
        near = closest(name, _zone_names().values()) or zone_for_city(name)
        hint = f" - did you mean {near}?" if near else " - use an IANA name like Europe/Berlin"
        raise ScheduleError(f"unknown time zone '{shown(name)}'{hint}")
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # listed but unreadable tzdata entry
        raise ScheduleError(f"time zone '{canonical}' cannot be loaded: {exc}") from exc
    return canonical


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri`, `mon,wed,fri`, `sat-sun`, `daily`, `weekdays`, `weekends` -> weekday numbers."""
    spec = text.strip().lower().replace(" ", "")
    if spec in DAY_ALIASES:
        return DAY_ALIASES[spec]
    days: set[int] = set()
    for part in spec.split(","):
        ends = part.split("-")
        if len(ends) > 2 or not all(end in DAY_NAMES for end in ends):
            raise ScheduleError(
                f"'{shown(text)}' is not a list of days: use mon-fri, mon,wed,fri, daily or weekends"
            )
        first, last = DAY_NAMES.index(ends[0]), DAY_NAMES.index(ends[-1])
        span = (last - first) % 7
        days.update((first + i) % 7 for i in range(span + 1))
    return frozenset(days)


def format_days(days: frozenset[int]) -> str:
    for alias in ("daily", "weekdays", "weekends"):
        if days == DAY_ALIASES[alias]:
            return {"weekdays": "mon-fri", "weekends": "sat-sun"}.get(alias, alias)
    return ",".join(DAY_NAMES[d] for d in sorted(days))


MAX_DURATION = timedelta(days=366)  # no setting needs longer; bigger numbers are typos or attacks


def parse_duration(text: str) -> timedelta:
    """`8h`, `90m`, `1h30m`, `2d`, `3s` -> a positive duration of at most a year (a bigger number
    is refused here, before it can overflow a timedelta)."""
    spec = text.strip().lower()
    if spec.startswith("-"):
        raise ScheduleError(f"'{shown(text)}' is negative: a duration must be positive, like 8h or 90m")
    if not spec or _DURATION.sub("", spec).strip():
        raise ScheduleError(f"'{shown(text)}' is not a duration: use minutes, hours or days, like 90m, 8h")
    parts = _DURATION.findall(spec)
    limit = int(MAX_DURATION.total_seconds())
    small = all(len(n.lstrip("0")) <= len(str(limit)) for n, _ in parts)  # int() of a huge one is slow
    seconds = sum(int(n) * int(_UNITS[unit].total_seconds()) for n, unit in parts) if small else limit + 1
    if seconds > limit:
        raise ScheduleError(
            f"'{shown(text)}' is too long: a duration is at most {format_duration(MAX_DURATION)}"
        )
    if seconds <= 0:
        raise ScheduleError(f"'{shown(text)}' is zero: a duration must be positive, like 8h or 90m")
    return timedelta(seconds=seconds)


def on_days(days: frozenset[int]) -> str:
    """`every day`, `on mon-fri`, `on mon,wed,fri`: the days in a sentence."""
    return "every day" if days == DAY_ALIASES["daily"] else f"on {format_days(days)}"


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 24 * 3600)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")) if n]
    return "".join(parts) or "0s"


MAX_REVEAL = timedelta(days=7)
REVEAL_RULE = (
    "a reveal is whole minutes, hours or days after the post (like 90m, 8h or 2d, at most 7d) or 'next'"
)


def parse_reveal(text: str) -> Reveal:
    """`next` (just before the next post) or a delay after posting in whole minutes, at most 7
    days. The same rule for the command and the config: seconds are refused, not rounded."""
    if text.strip().lower() == "next":
        return Reveal(after=None)
    try:
        after = parse_duration(text)
    except ScheduleError as exc:
        raise ScheduleError(f"{exc.message}; {REVEAL_RULE}") from None
    if after % timedelta(minutes=1):
        raise ScheduleError(f"reveal '{shown(text)}' is not whole minutes: {REVEAL_RULE}")
    if after > MAX_REVEAL:
        raise ScheduleError(f"reveal '{shown(text)}' is over 7 days: use a shorter delay or 'next'")
    return Reveal(after=after)


def check_reveal_fits(reveal: Reveal, days: frozenset[int]) -> None:
    """A delay must end before the next post can come: past it, the next post reveals the open
    question first, so `reveal=100h` on mon-fri would quietly mean `next`. Refused instead."""
    if reveal.after is None or not days:
        return
    ordered = sorted(days)
    gap = min((b - a) % 7 or 7 for a, b in zip(ordered, [*ordered[1:], ordered[0]], strict=True))
    if reveal.after >= timedelta(days=gap):
        on = on_days(days)
        apart = "1 day" if gap == 1 else f"{gap} days"
        raise ScheduleError(
            f"reveal after {format_duration(reveal.after)} comes after the next post ({on}, posts can be "
            f"{apart} apart): use less than {gap * 24}h, or 'next' to reveal just before the next post"
        )


_FIXED_ZONES = {"EST": "America/New_York", "MST": "America/Denver", "HST": "Pacific/Honolulu"}


def zone_note(timezone: str) -> str:
    """A word about a zone that keeps one offset all year (`EST`, `Etc/GMT+5`), since people who
    type EST usually mean New York's clock, which changes in summer. Empty for the others."""
    zone = ZoneInfo(timezone)
    offsets = {datetime(2026, month, 1, tzinfo=UTC).astimezone(zone).utcoffset() or timedelta(0)
               for month in (1, 7)}  # fmt: skip
    a_place = "/" in timezone and not timezone.startswith("Etc/")
    if len(offsets) > 1 or a_place or offsets == {timedelta(0)}:
        return ""
    [offset] = offsets
    hours = f"UTC{'+' if offset >= timedelta(0) else '-'}{abs(offset) // timedelta(hours=1):02d}:00"
    place = _FIXED_ZONES.get(timezone, "America/New_York")
    return (
        f"Note: {timezone} is a fixed offset ({hours}) with no daylight saving, so the post time "
        f"moves by an hour against local clocks in summer. For a place's clock use its zone, like {place}."
    )


def format_reveal(reveal: Reveal) -> str:
    return "next" if reveal.after is None else format_duration(reveal.after)


# ---------------------------------------------------------------- instants


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time `at` on `day` in `zone`, by the module's DST rules."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first  # exists (if it exists twice, fold=0 is the first occurrence)
    # In a gap: fold=1 lands before it, fold=0 after it; find the transition between them.
    lo = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    hi = first
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def occurrences(schedule: Schedule, after: datetime) -> Iterator[tuple[date, datetime]]:
    """Every (local date, UTC instant) of the schedule strictly after `after`, in order. The
    schedule's holidays are skipped exactly like the weekdays it does not post on."""
    zone = ZoneInfo(schedule.timezone)
    day = after.astimezone(zone).date() - timedelta(days=1)
    while True:
        if day.weekday() in schedule.days and day not in schedule.holidays:
            instant = local_instant(day, schedule.at, zone)
            if instant > after:
                yield day, instant
        day += timedelta(days=1)


def next_occurrence(schedule: Schedule, after: datetime) -> tuple[date, datetime]:
    """The first occurrence after `after`: not on a day off, not on a holiday."""
    return next(occurrences(schedule, after))


def next_post(schedule: Schedule, now: datetime, last_posted: date | None) -> datetime:
    """When the channel's next question really goes out: the first occurrence after `now` on a
    local date after the newest post's (`last_posted`), since a day posted by hand (post-now)
    is not posted again at its scheduled time. Status, the CLI list and confirmations use it."""
    return next(at for day, at in occurrences(schedule, now) if last_posted is None or day > last_posted)


def local_today(timezone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def format_relative(delta: timedelta) -> str:
    """`in 3h 20m`, `in 2d 4h`, `now`: for status lines."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return "now" if seconds >= 0 else "overdue"
    minutes = seconds // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"in {days}d {hours}h"
    if hours:
        return f"in {hours}h {minutes}m"
    return f"in {minutes}m"
