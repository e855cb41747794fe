"""Streak arithmetic, pure (DESIGN.md section 3).

A subscription's posts form a sequence; skipped and paused days are not in it. A user answered
a post if they replied in its thread before the reveal. `advance` moves the stored state over
one closed post (the incremental path the bot runs); `from_history` recomputes everything from
the sequence. A property test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.models import StreakRow, TeamStreak, User


@dataclass(frozen=True, slots=True)
class Streak:
    current: int = 0
    best: int = 0
    total: int = 0


NO_STREAK = Streak()
NO_TEAM = TeamStreak(current=0, best=0)


def advance(state: Mapping[str, Streak], answerers: Iterable[str]) -> dict[str, Streak]:
    """The state after one more closed post that `answerers` answered on time."""
    answered = set(answerers)
    result: dict[str, Streak] = {}
    for user in set(state) | answered:
        old = state.get(user, NO_STREAK)
        if user in answered:
            current = old.current + 1
            result[user] = Streak(current, max(old.best, current), old.total + 1)
        else:
            result[user] = Streak(0, old.best, old.total)
    return result


def advance_team(team: TeamStreak, answer_count: int, min_answers: int) -> TeamStreak:
    if answer_count >= min_answers:
        current = team.current + 1
        return TeamStreak(current, max(team.best, current))
    return TeamStreak(0, team.best)


def from_history(closed: Sequence[Iterable[str]]) -> dict[str, Streak]:
    """Recompute every user's streak from the answerers of each closed post, oldest first."""
    posts = [set(answerers) for answerers in closed]
    result: dict[str, Streak] = {}
    for user in set().union(*posts):
        current = best = total = 0
        for answerers in posts:
            current = current + 1 if user in answerers else 0
            best = max(best, current)
            total += user in answerers
        result[user] = Streak(current, best, total)
    return result


def team_from_history(answer_counts: Sequence[int], min_answers: int) -> TeamStreak:
    current = best = 0
    for count in answer_counts:
        current = current + 1 if count >= min_answers else 0
        best = max(best, current)
    return TeamStreak(current, best)


def with_open_post(state: Mapping[str, Streak], open_answerers: Iterable[str]) -> dict[str, Streak]:
    """What the board shows: an answer to the open post already extends the streak."""
    view = dict(state)
    for user in set(open_answerers):
        old = view.get(user, NO_STREAK)
        current = old.current + 1
        view[user] = Streak(current, max(old.best, current), old.total + 1)
    return view


def board_rows(view: Mapping[str, Streak], names: Mapping[str, str]) -> tuple[StreakRow, ...]:
    """Board order: current, then best, then total, all descending; then name for stability."""
    rows = [
        StreakRow(User(user, names.get(user, user)), s.current, s.best, s.total)
        for user, s in view.items()
        if s.total > 0
    ]
    rows.sort(key=lambda r: (-r.current, -r.best, -r.total, r.user.name.lower(), r.user.id))
    return tuple(rows)
