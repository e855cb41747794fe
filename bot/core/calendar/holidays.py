"""Holidays: local dates a subscription skips like the weekdays it does not post on. Pure.

    /practice holidays                              the coming holidays (anyone)
    /practice holidays add 2026-12-24 2026-12-31..2027-01-01
    /practice holidays remove 2026-12-24

Dates are local dates in the subscription's zone, `YYYY-MM-DD`, or an inclusive range `A..B`.
Adding a date already past is refused (it could change nothing: the day is posted or skipped
already); today is allowed. At most `MAX_HELD` coming dates are held, and one range spans at
most `MAX_RANGE` days: a longer break is a pause. A person's away days (bot/core/personal/away.py)
are written the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.shared.errors import UserError, shown

MAX_HELD = 366  # coming holidays held per subscription
MAX_RANGE = 92  # days in one range
KEEP_PAST = timedelta(days=366)  # past holidays kept this long (catch-up after downtime reads them)
VERBS = ("list", "add", "remove")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class HolidayError(UserError):
    """Dates typed for /practice holidays (or /practice away) that cannot be used; the message
    says which and why."""


@dataclass(frozen=True, slots=True)
class HolidayArgs:
    verb: str  # one of VERBS
    dates: frozenset[date] = frozenset()


PAUSE_HINT = " (for a longer break, /practice pause and /practice resume)"


def holiday_args(words: Sequence[str], action: str = "holidays", longer: str = PAUSE_HINT) -> HolidayArgs:
    """`[]` or `["list"]`, `["add", "2026-12-24", "2026-12-31..2027-01-01"]`, `["remove", ...]`.
    `action`: the /practice action these words follow (holidays, or a person's away days) and
    `longer` what a range too long is told to do instead, both for the messages."""
    if not words:
        return HolidayArgs("list")
    verb = words[0].lower()
    if verb not in VERBS:
        article = "an" if action[:1] in "aeiou" else "a"
        raise HolidayError(
            f"'{shown(words[0])}' is not {article} {action} action: use /practice {action}, "
            f"/practice {action} add 2026-12-24 or /practice {action} remove 2026-12-24"
        )
    if verb == "list":
        if len(words) > 1:
            raise HolidayError(f"/practice {action} list takes no dates (got '{shown(words[1])}')")
        return HolidayArgs("list")
    if len(words) == 1:
        raise HolidayError(
            f"give the dates to {verb}, like /practice {action} {verb} 2026-12-24 2026-12-31..2027-01-01"
        )
    return HolidayArgs(verb, parse_dates(words[1:], longer))


def parse_dates(words: Iterable[str], longer: str = PAUSE_HINT) -> frozenset[date]:
    """`2026-12-24`, `2026-12-31..2027-01-01` (inclusive), separated by spaces or commas."""
    dates: set[date] = set()
    for word in (part for text in words for part in text.split(",") if part.strip()):
        first, dots, last = word.strip().partition("..")
        start = _date(first, word)
        end = _date(last, word) if dots else start
        if end < start:
            raise HolidayError(
                f"'{shown(word)}' runs backwards: write the earlier date first, like {end}..{start}"
            )
        span = (end - start).days + 1
        if span > MAX_RANGE:
            raise HolidayError(f"'{shown(word)}' is {span} days; a range spans at most {MAX_RANGE}{longer}")
        dates.update(start + timedelta(days=i) for i in range(span))
    return frozenset(dates)


def _date(text: str, word: str) -> date:
    value = text.strip()
    if not _DATE.fullmatch(value):
        raise HolidayError(
            f"'{shown(word)}' is not a date: use YYYY-MM-DD, or a range like 2026-12-24..2026-12-26"
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HolidayError(f"'{shown(value)}' is not a day of the calendar") from None


def check_adding(held: frozenset[date], adding: frozenset[date], today: date) -> frozenset[date]:
    """The dates to add (those not held yet), or an error: a past date, or too many held."""
    past = sorted(d for d in adding if d < today)
    if past:
        raise HolidayError(
            f"{format_dates(past)} {'is' if len(past) == 1 else 'are'} in the past here (today is {today}): "
            "holidays are for days to come, nothing was added"
        )
    new = adding - held
    coming = len(upcoming(held, today)) + len(new)
    if coming > MAX_HELD:
        raise HolidayError(
            f"that makes {coming} coming holidays; at most {MAX_HELD} are held. Nothing was added"
        )
    return new


def upcoming(held: Iterable[date], today: date) -> list[date]:
    return sorted(d for d in held if d >= today)


def format_dates(dates: Iterable[date]) -> str:
    """Sorted, consecutive days joined into ranges: `2026-12-24, 2026-12-31..2027-01-01`."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(dates)):
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return ", ".join(str(a) if a == b else f"{a}..{b}" for a, b in runs)
