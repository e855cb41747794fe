"""Seasons: an admin starts a new one and the board starts from zero, while history and each
person's best ever stay. Pure.

A season holds its own current, best, total and freezes per person and its own team streak.
What survives a new season is the best run of the seasons before (`best_before`); best ever is
the larger of that and this season's best, so starting a season never lowers it. A post counts
in the season in effect when it closes (a post open at the change counts in the new season).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.core.daily.streaks import NO_STREAK, NO_TEAM, Streak
from bot.core.shared.models import StreakRow, TeamStreak


@dataclass(frozen=True, slots=True)
class SeasonState:
    """What the board needs besides this season's streaks."""

    number: int
    started_at: datetime
    started_on: date  # the local date it started, in the subscription's zone
    best_before: Mapping[str, int]  # best run in earlier seasons, by user id (missing: 0)
    team_best_before: int


def new_season(
    state: Mapping[str, Streak], best_before: Mapping[str, int], team: TeamStreak, team_best_before: int
) -> tuple[dict[str, Streak], dict[str, int], TeamStreak, int]:
    """The state at the start of a new season: every figure zero, the best runs kept aside."""
    kept = dict(best_before)
    for user, streak in state.items():
        kept[user] = max(kept.get(user, 0), streak.best)
    return {user: NO_STREAK for user in state}, kept, NO_TEAM, max(team_best_before, team.best)


def best_ever_of(row: StreakRow) -> int:
    return max(row.best, row.best_ever)


def with_best_ever(rows: tuple[StreakRow, ...], best_before: Mapping[str, int]) -> tuple[StreakRow, ...]:
    """Board rows with each person's best ever across seasons. Only the rows of people who did
    better in an earlier season change (`best_ever` 0 reads as `best`): the board of a busy
    channel stays as cheap as in season 1, where nobody has a best before."""
    if not best_before:
        return rows
    return tuple(
        replace(row, best_ever=before) if (before := best_before.get(row.user.id, 0)) > row.best else row
        for row in rows
    )
