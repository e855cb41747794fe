"""The weekly recap: when it is due, what the week's figures are, and what it says. Pure.

A subscription gets one recap a week, on a weekday at a local time in its own zone (the config's
`[defaults] recap`, or `/practice recap <day> <HH:MM>`; `off` turns it off). A recap covers the
seven local days that end on its own date. It is sent at most once per ISO week of that date, so
moving the recap day within a week never sends a second one; a recap missed while the bot was
down is sent late only within `RECAP_GRACE`.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.daily.schedule import DAY_NAMES, ScheduleError, next_occurrence, occurrences, parse_time
from bot.core.daily.streaks import Streak, team_from_history
from bot.core.shared.errors import UserError, shown
from bot.core.shared.messages import Field, Message, bullets, person, plural
from bot.core.shared.models import Schedule, TeamStreak, User

RECAP_GRACE = timedelta(hours=12)  # a recap missed while the bot was down is sent this late at most
HEAT_WEEKS = 12  # columns of the picture's heat map, and bars of its streak chart
KEPT_LISTED = 30  # names shown under "Kept their streak"; the rest are counted
BOOKMARKED_LISTED = 5
_DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class RecapError(UserError):
    """A recap day or time that cannot be used."""


@dataclass(frozen=True, slots=True)
class RecapTime:
    """When the weekly recap goes out: a weekday (0 = Monday) at a local wall time."""

    weekday: int
    at: time

    def __str__(self) -> str:
        return f"{DAY_NAMES[self.weekday]} {self.at:%H:%M}"


DEFAULT_RECAP = RecapTime(4, time(16, 0))  # the config's default: fri 16:00


class RecapStatus(enum.StrEnum):
    CLAIMED = "claimed"  # row written, not yet known to be on the platform
    SENT = "sent"
    SKIPPED = "skipped"  # missed (bot down past the grace, or the platform refused it for good)


@dataclass(frozen=True, slots=True)
class RecapRow:
    """A week's recap of one subscription, claimed before it is sent: one per ISO week."""

    id: int
    subscription_id: int
    week: date  # Monday of the ISO week of `local_date`
    local_date: date  # the recap's own local date: the last day it covers
    status: RecapStatus
    nonce: str
    scheduled_at: datetime


@dataclass(frozen=True, slots=True)
class PostCount:
    """A daily post that went out (open or closed) and how many people answered it in time."""

    local_date: date
    question_id: str
    closed: bool
    answers: int


# ---------------------------------------------------------------- what people type


def parse_recap(words: Sequence[str]) -> RecapTime | None:
    """`fri 16:00` -> RecapTime; `off` -> None (no recap)."""
    if [w.lower() for w in words] == ["off"]:
        return None
    if words and words[0].lower() == "off":
        raise RecapError("/practice recap off takes nothing after it: it turns the weekly recap off")
    if len(words) != 2:
        raise RecapError(
            "/practice recap takes a day and a time, like /practice recap fri 16:00, or off to stop it"
        )
    return RecapTime(parse_weekday(words[0]), _time(words[1]))


def parse_recap_text(text: str) -> RecapTime | None:
    """The config's `[defaults] recap`: `"fri 16:00"` or `"off"`."""
    return parse_recap(text.split())


def parse_weekday(text: str) -> int:
    day = text.strip().lower()[:3]
    if len(text.strip()) < 3 or day not in DAY_NAMES or not _DAY_WORDS[day].startswith(text.strip().lower()):
        raise RecapError(f"'{shown(text)}' is not a day of the week: use {', '.join(DAY_NAMES)}")
    return DAY_NAMES.index(day)


_DAY_WORDS = dict(zip(DAY_NAMES, ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                  "sunday"), strict=True))  # fmt: skip


def _time(text: str) -> time:
    try:
        return parse_time(text)
    except ScheduleError as exc:
        raise RecapError(exc.message) from None


def format_recap(setting: RecapTime | None) -> str:
    return "off" if setting is None else str(setting)


# ---------------------------------------------------------------- when


def recap_schedule(setting: RecapTime, timezone: str) -> Schedule:
    return Schedule(at=setting.at, timezone=timezone, days=frozenset({setting.weekday}))


def next_recap(setting: RecapTime, timezone: str, after: datetime) -> tuple[date, datetime]:
    """The first recap strictly after `after`: (its local date, its UTC instant). Daylight-saving
    changes follow the daily post's rules (bot/core/daily/schedule.py)."""
    return next_occurrence(recap_schedule(setting, timezone), after)


def latest_recap(setting: RecapTime, timezone: str, now: datetime) -> tuple[date, datetime]:
    """The newest recap at or before `now`."""
    found: tuple[date, datetime] | None = None
    for local_date, at in occurrences(recap_schedule(setting, timezone), now - timedelta(days=9)):
        if at > now:
            break
        found = (local_date, at)
    assert found is not None, "a weekly schedule has an occurrence in any nine days"
    return found


def week_of(local_date: date) -> date:
    """The Monday of the ISO week: a recap is sent at most once per such week."""
    return local_date - timedelta(days=local_date.weekday())


# ---------------------------------------------------------------- the week's figures


@dataclass(frozen=True, slots=True)
class WeekFigures:
    last: date  # the recap's local date; the week is the seven days ending on it
    per_day: tuple[tuple[date, int | None], ...]  # answers per day; None: no question that day
    kept: tuple[tuple[User, int], ...]  # who kept their streak all week, with its length
    team: TeamStreak
    questions: tuple[str, ...]  # ids of the questions posted this week, oldest first
    # the picture: HEAT_WEEKS columns (oldest first) of seven days, like per_day
    heat: tuple[tuple[int | None, ...], ...]
    team_by_week: tuple[int, ...]  # the team streak at the end of each column's week

    @property
    def first(self) -> date:
        return self.per_day[0][0]

    @property
    def answers(self) -> int:
        return sum(n or 0 for _, n in self.per_day)

    @property
    def posts(self) -> int:
        return sum(1 for _, n in self.per_day if n is not None)


def week_days(last: date) -> tuple[date, ...]:
    return tuple(last - timedelta(days=6 - i) for i in range(7))


def week_figures(
    last: date,
    posts: Sequence[PostCount],
    streaks: Mapping[str, Streak],
    names: Mapping[str, str],
    team: TeamStreak,
    team_min_answers: int = 1,
    weeks: int = HEAT_WEEKS,
    excused: Mapping[str, int] | None = None,
) -> WeekFigures:
    """The figures of the week ending on `last` (a local date) from every post that went out,
    the stored streaks (over closed posts) and the team streak.

    "Kept their streak": people whose current streak spans every post closed this week (a
    freeze that saved it counts), and at least one. `excused[user]`: how many of those posts
    fell on the person's away days unanswered; they are not theirs to span (not in their streak)."""
    answers = {p.local_date: p.answers for p in posts}
    days = week_days(last)
    per_day = tuple((day, answers.get(day)) for day in days)
    closed_this_week = sum(1 for p in posts if p.closed and days[0] <= p.local_date <= last)
    away = excused or {}
    kept_ids = [
        user for user, s in streaks.items() if s.current >= max(1, closed_this_week - away.get(user, 0))
    ]
    kept = sorted(
        ((User(user, names.get(user, user)), streaks[user].current) for user in kept_ids),
        key=lambda pair: (-pair[1], pair[0].name.lower(), pair[0].id),
    )
    heat = tuple(
        tuple(answers.get(day) for day in week_days(last - timedelta(days=7 * (weeks - 1 - column))))
        for column in range(weeks)
    )
    closed = sorted((p for p in posts if p.closed), key=lambda p: p.local_date)
    team_by_week = tuple(
        team_from_history(
            [p.answers for p in closed if p.local_date <= last - timedelta(days=7 * (weeks - 1 - column))],
            team_min_answers,
        ).current
        for column in range(weeks)
    )
    questions = tuple(
        p.question_id for p in sorted(posts, key=lambda p: p.local_date) if p.local_date in days
    )
    return WeekFigures(last, per_day, tuple(kept), team, questions, heat, team_by_week)


def heat_level(answers: int | None, most: int) -> int:
    """A day's shade: -1 no question, 0 nobody answered, 1-4 a quarter of the busiest day each."""
    if answers is None:
        return -1
    if answers <= 0 or most <= 0:
        return 0
    return min(4, max(1, math.ceil(4 * answers / most)))


# ---------------------------------------------------------------- what it says


def recap_message(
    figures: WeekFigures, most_bookmarked: Sequence[tuple[str, int]], titles: Mapping[str, str]
) -> Message:
    """The recap. `most_bookmarked` is (question id, bookmarks), busiest first; empty, the section
    is left out. `titles` names the questions."""
    if figures.posts:
        body = (
            f"{plural(figures.posts, 'question')} and {plural(figures.answers, 'answer')} this week. "
            "The picture shows answers per day over the last 12 weeks and the team streak."
        )
    else:
        body = "No questions went out this week. The picture shows the last 12 weeks."
    kept = [f"{person(user)} ({current})" for user, current in figures.kept[:KEPT_LISTED]]
    if len(figures.kept) > KEPT_LISTED:
        kept.append(f"and {len(figures.kept) - KEPT_LISTED} more")
    per_day = " · ".join(
        f"{_DAY_LABELS[day.weekday()]} {'-' if n is None else n}" for day, n in figures.per_day
    )
    fields = [
        Field("Kept their streak", ", ".join(kept) if kept else "nobody this week"),
        Field("Team streak", f"{figures.team.current} (best {figures.team.best})"),
        Field("Answers per day", per_day),
    ]
    if most_bookmarked:
        lines = [
            f"{titles.get(question_id, question_id)} ({plural(count, 'bookmark')})"
            for question_id, count in most_bookmarked[:BOOKMARKED_LISTED]
        ]
        fields.append(Field("Most bookmarked", bullets(lines)))
    return Message(
        title=f"Weekly recap: {day_label(figures.first)} - {day_label(figures.last)}",
        body=body,
        fields=tuple(fields),
    )


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_label(day: date) -> str:
    """`4 Dec`: a date nobody misreads, whichever way round their own dates go (and in English
    whatever the host's locale, unlike strftime's %b)."""
    return f"{day.day} {MONTHS[day.month - 1]}"


def picture_name(last: date) -> str:
    return f"recap-{last.isoformat()}.png"
