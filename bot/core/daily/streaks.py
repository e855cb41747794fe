"""Streak arithmetic, pure (DESIGN.md section 3).

A subscription's posts form a sequence; skipped and paused days are not in it. A user answered
a post if they replied in its thread before the reveal. `advance` moves the stored state over
one closed post (the incremental path the bot runs); `from_history` recomputes everything from
the sequence. A property test holds the two equal.

Streak freezes forgive a miss the way learning apps do: a person earns one freeze per `every`
answered posts and holds at most `cap`; a post they miss while on a streak spends one instead of
ending the streak (the streak keeps its length). `Freezes()` without arguments turns them off.

Away days are one person's holidays: a post on a day they set as away that they did not answer
neither counts nor breaks their streak and spends no freeze (as if that post were not in their
sequence); an answer on an away day counts as usual. The board can leave people off (`hidden`):
their streak counts the same, only their row is not shown.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.core.shared.models import StreakRow, TeamStreak, User


@dataclass(frozen=True, slots=True)
class Streak:
    current: int = 0
    best: int = 0
    total: int = 0
    freezes: int = 0  # held, ready to save the streak from a miss


@dataclass(frozen=True, slots=True)
class Freezes:
    every: int = 0  # answered posts per freeze earned; 0: no freezes
    cap: int = 0  # most freezes held at once


NO_STREAK = Streak()
NO_TEAM = TeamStreak(current=0, best=0)
NO_FREEZES = Freezes()
DEFAULT_FREEZES = Freezes(every=7, cap=2)  # the config's defaults (freeze_every, freeze_cap)


def _step(old: Streak, answered: bool, rule: Freezes) -> Streak:
    if answered:
        current, total = old.current + 1, old.total + 1
        earned = 1 if rule.every and total % rule.every == 0 else 0
        return Streak(current, max(old.best, current), total, min(rule.cap, old.freezes + earned))
    held = min(old.freezes, rule.cap)  # a lower cap (or freezes turned off) applies to what is held
    if old.current and held:
        return Streak(old.current, old.best, old.total, held - 1)  # a freeze saves the streak
    return Streak(0, old.best, old.total, held)


def advance(
    state: Mapping[str, Streak],
    answerers: Iterable[str],
    rule: Freezes = NO_FREEZES,
    away: Collection[str] = frozenset(),
) -> dict[str, Streak]:
    """The state after one more closed post that `answerers` answered on time; the people `away`
    that day who did not answer keep their streak exactly as it was."""
    answered = set(answerers)
    return {
        user: _day(state.get(user, NO_STREAK), user in answered, user in away, rule)
        for user in set(state) | answered
    }


def _day(old: Streak, answered: bool, away: bool, rule: Freezes) -> Streak:
    if away and not answered:  # nothing changes, but a lower cap applies to what is held, as on any day
        return old if old.freezes <= rule.cap else replace(old, freezes=rule.cap)
    return _step(old, answered, rule)


def advance_team(team: TeamStreak, answer_count: int, min_answers: int) -> TeamStreak:
    if answer_count >= min_answers:
        current = team.current + 1
        return TeamStreak(current, max(team.best, current))
    return TeamStreak(0, team.best)


def from_history(
    closed: Sequence[Iterable[str]],
    rule: Freezes = NO_FREEZES,
    away: Sequence[Collection[str]] = (),
) -> dict[str, Streak]:
    """Recompute every user's streak from the answerers of each closed post, oldest first;
    `away[i]`, if given, is who was away on post i's day."""
    posts = [set(answerers) for answerers in closed]
    absent = [*away, *([frozenset()] * (len(posts) - len(away)))]
    result: dict[str, Streak] = {}
    for user in set().union(*posts):
        first = next(i for i, answerers in enumerate(posts) if user in answerers)
        current = best = total = held = 0
        for answerers, gone in zip(posts[first:], absent[first:], strict=True):
            # a person's history starts with their first answer
            if user in answerers:
                current, total = current + 1, total + 1
                best = max(best, current)
                if rule.every and total % rule.every == 0:
                    held = min(rule.cap, held + 1)
            elif user in gone:
                continue  # away that day: the post is not in their sequence
            elif current and held:
                held -= 1
            else:
                current = 0
        result[user] = Streak(current, best, total, held)
    return result


def team_from_history(answer_counts: Sequence[int], min_answers: int) -> TeamStreak:
    current = best = 0
    for count in answer_counts:
        current = current + 1 if count >= min_answers else 0
        best = max(best, current)
    return TeamStreak(current, best)


def top_rows(
    state: Mapping[str, Streak],
    open_answerers: Iterable[str],
    names: Mapping[str, str],
    limit: int,
    only: str | None = None,
    hidden: Collection[str] = frozenset(),
) -> tuple[tuple[StreakRow, ...], int]:
    """The board's first `limit` rows (or, with `only`, that person's row alone) and how many
    people are on it. An answer to the open post already extends its author's streak. Board
    order: current, then best, then total, all descending; then name and id for stability.
    The people `hidden` are left off the board (and its count), but not off their own row.
    Only the rows shown are built: a busy channel's board shows twenty of a thousand people."""
    opened = set(open_answerers)
    keys: list[tuple[int, int, int, str, str]] = []
    for user in opened.union(state) if opened else state:
        if user in hidden and user != only:
            continue
        s = _with_open(state, user, opened)
        if s.total > 0:
            keys.append((-s.current, -s.best, -s.total, names.get(user, user).lower(), user))
    if only is not None:
        chosen = [key for key in keys if key[4] == only]
    else:
        chosen = heapq.nsmallest(limit, keys) if limit < len(keys) else sorted(keys)
    rows = []
    for current, best, total, _, user in chosen:
        freezes = state.get(user, NO_STREAK).freezes
        rows.append(StreakRow(User(user, names.get(user, user)), -current, -best, -total, freezes))
    return tuple(rows), len(keys)


def kept_private(state: Mapping[str, Streak], open_answerers: Iterable[str], hidden: Iterable[str]) -> int:
    """How many of the people `hidden` would be on the board (the board says how many, not who)."""
    opened = set(open_answerers)
    return sum(1 for user in set(hidden) if _with_open(state, user, opened).total > 0)


def _with_open(state: Mapping[str, Streak], user: str, opened: set[str]) -> Streak:
    """A person's streak as the board shows it: an answer to the open post already counts."""
    s = state.get(user, NO_STREAK)
    if user not in opened:
        return s
    current = s.current + 1
    return Streak(current, max(s.best, current), s.total + 1, s.freezes)
