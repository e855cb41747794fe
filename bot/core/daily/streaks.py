"""Streak arithmetic, pure (DESIGN.md section 3).

A subscription's posts form a sequence; skipped and paused days are not in it. A user answered
a post if they replied in its thread before the reveal. `advance` moves the stored state over
one closed post (the incremental path the bot runs); `from_history` recomputes everything from
the sequence. A property test holds the two equal.

Streak freezes forgive a miss the way learning apps do: a person earns one freeze per `every`
answered posts and holds at most `cap`; a post they miss while on a streak spends one instead of
ending the streak (the streak keeps its length). `Freezes()` without arguments turns them off.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

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
    state: Mapping[str, Streak], answerers: Iterable[str], rule: Freezes = NO_FREEZES
) -> dict[str, Streak]:
    """The state after one more closed post that `answerers` answered on time."""
    answered = set(answerers)
    return {user: _step(state.get(user, NO_STREAK), user in answered, rule) for user in set(state) | answered}


def advance_team(team: TeamStreak, answer_count: int, min_answers: int) -> TeamStreak:
    if answer_count >= min_answers:
        current = team.current + 1
        return TeamStreak(current, max(team.best, current))
    return TeamStreak(0, team.best)


def from_history(closed: Sequence[Iterable[str]], rule: Freezes = NO_FREEZES) -> dict[str, Streak]:
    """Recompute every user's streak from the answerers of each closed post, oldest first."""
    posts = [set(answerers) for answerers in closed]
    result: dict[str, Streak] = {}
    for user in set().union(*posts):
        first = next(i for i, answerers in enumerate(posts) if user in answerers)
        current = best = total = held = 0
        for answerers in posts[first:]:  # a person's history starts with their first answer
            if user in answerers:
                current, total = current + 1, total + 1
                best = max(best, current)
                if rule.every and total % rule.every == 0:
                    held = min(rule.cap, held + 1)
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
) -> tuple[tuple[StreakRow, ...], int]:
    """The board's first `limit` rows (or, with `only`, that person's row alone) and how many
    people are on it. An answer to the open post already extends its author's streak. Board
    order: current, then best, then total, all descending; then name and id for stability.
    Only the rows shown are built: a busy channel's board shows twenty of a thousand people."""
    opened = set(open_answerers)
    keys: list[tuple[int, int, int, str, str]] = []
    for user in opened.union(state) if opened else state:
        s = state.get(user, NO_STREAK)
        if user in opened:
            current = s.current + 1
            s = Streak(current, max(s.best, current), s.total + 1, s.freezes)
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
