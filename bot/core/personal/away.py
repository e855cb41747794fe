"""Away days: one person's holidays in one channel. Pure.

    /practice away                                  your coming away days (private)
    /practice away add 2026-12-24 2026-12-31..2027-01-01
    /practice away remove 2026-12-24

The words are those of /practice holidays (bot/core/calendar/holidays.py): the same verbs, local
dates in the channel's zone, `YYYY-MM-DD` or an inclusive range `A..B` of at most `MAX_RANGE`
days. Anyone sets their own. A daily post on an away day that the person did not answer neither
counts nor breaks their streak, and spends no freeze (bot/core/daily/streaks.py); an answer that
day counts as usual.

Days in the past are refused, and so is today once today's question is revealed (its streaks are
counted: an away day set afterwards could change nothing); so are days more than `MAX_AHEAD`
ahead. At most `MAX_AWAY` coming away days are held per person and channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot.core.calendar.holidays import MAX_RANGE, HolidayArgs, format_dates, holiday_args, upcoming
from bot.core.shared.errors import UserError

ACTION = "away"
MAX_AWAY = MAX_RANGE  # coming away days one person holds in one channel: one longest range
MAX_AHEAD = timedelta(days=366)  # the furthest ahead an away day may be
KEEP_PAST = timedelta(days=366)  # past away days kept this long: a reveal late after downtime reads them


class AwayError(UserError):
    """Away days that cannot be set; the message says which and why, and nothing was changed."""


def away_args(words: Sequence[str]) -> HolidayArgs:
    """`/practice away [list | add DATES | remove DATES]`, read like /practice holidays."""
    return holiday_args(words, ACTION, f" (at most {MAX_AWAY} coming away days are held)")


def check_away(
    held: frozenset[date], adding: frozenset[date], today: date, revealed_today: bool
) -> frozenset[date]:
    """The away days to add (those not held yet), or an error: a day in the past (today too, once
    `revealed_today`), one more than `MAX_AHEAD` ahead, or more than `MAX_AWAY` coming days held."""
    past = sorted(d for d in adding if d < today)
    if past:
        raise AwayError(
            f"{format_dates(past)} {_is(past)} in the past here (today is {today}): "
            "away days are for days to come, nothing was added"
        )
    if revealed_today and today in adding:
        raise AwayError(
            f"today's question here is revealed already and your streak counted it, so {today} "
            "cannot be an away day any more. Nothing was added"
        )
    last = today + MAX_AHEAD
    far = sorted(d for d in adding if d > last)
    if far:
        raise AwayError(
            f"{format_dates(far)} {_is(far)} too far ahead: away days go at most {MAX_AHEAD.days} days "
            f"ahead (up to {last}). Nothing was added"
        )
    new = adding - held
    coming = len(upcoming(held, today)) + len(new)
    if coming > MAX_AWAY:
        raise AwayError(
            f"that makes {coming} coming away days; you can hold at most {MAX_AWAY} here. Nothing was added"
        )
    return new


def _is(dates: Sequence[date]) -> str:
    return "is" if len(dates) == 1 else "are"
