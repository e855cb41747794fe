"""Seasons as rules: a new season never lowers anyone's best ever, and the streaks after it count
only its own posts; the board shows both."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.calendar.seasons import best_ever_of, new_season, with_best_ever
from bot.core.daily.messages import board, my_streak
from bot.core.daily.streaks import (
    NO_STREAK,
    NO_TEAM,
    Freezes,
    Streak,
    advance,
    advance_team,
    from_history,
    team_from_history,
    top_rows,
)
from bot.core.shared.models import Board, StreakRow, TeamStreak, User

USERS = st.sampled_from(["ana", "bo", "cy", "dee"])
SEASONS = st.lists(st.lists(st.frozensets(USERS, max_size=4), max_size=15), min_size=1, max_size=4)
RULES = st.sampled_from([Freezes(), Freezes(every=2, cap=1), Freezes(every=3, cap=2)])


@settings(max_examples=300)
@given(seasons=SEASONS, rule=RULES)
def test_a_new_season_never_lowers_best_ever_and_counts_only_its_own_posts(
    seasons: list[list[frozenset[str]]], rule: Freezes
) -> None:
    state: dict[str, Streak] = {}
    best_before: dict[str, int] = {}
    team, team_before = NO_TEAM, 0
    best_ever_seen: dict[str, int] = {}
    for number, season in enumerate(seasons):
        if number:
            state, best_before, team, team_before = new_season(state, best_before, team, team_before)
            assert all(s == NO_STREAK for s in state.values()) and team == NO_TEAM
        for answerers in season:
            state = advance(state, answerers, rule)
            team = advance_team(team, len(answerers), 1)
        # this season's figures are those of its own posts alone
        counted = {user: s for user, s in state.items() if s.total}
        assert counted == from_history(season, rule)
        assert team == team_from_history([len(a) for a in season], 1)
        # best ever never goes down, and it is the best run of any season
        rows = with_best_ever(top_rows(state, (), {}, len(state))[0], best_before)
        for row in rows:
            assert best_ever_of(row) >= best_ever_seen.get(row.user.id, 0)
            best_ever_seen[row.user.id] = best_ever_of(row)
            runs = [from_history(s, rule).get(row.user.id, NO_STREAK).best for s in seasons[: number + 1]]
            assert best_ever_of(row) == max(runs)
        for user, best in best_before.items():
            assert best <= best_ever_seen.get(user, best)  # kept aside, never lost
        assert max(team.best, team_before) == max(
            team_from_history([len(a) for a in s], 1).best for s in seasons[: number + 1]
        )


def test_from_season_two_the_board_shows_best_ever_and_the_season_in_its_footer() -> None:
    ana, bo, cy = User("a", "Ana"), User("b", "Bo"), User("c", "Cy")
    rows = (StreakRow(ana, 2, 2, 2, 0, best_ever=9), StreakRow(bo, 1, 1, 1, 1, best_ever=1))
    later = Board(rows, TeamStreak(1, 2), 2, season=2, season_since=date(2026, 11, 2), team_best_ever=7,
                  past_best={"a": 9, "c": 4})  # fmt: skip
    message = board(later)
    assert message.body.splitlines() == [
        "1. Ana - current 2, best 2, total 2, best ever 9",
        "2. Bo - current 1, best 1, total 1, 1 freeze held, best ever 1",
    ]
    assert (
        message.footer == "Team streak: 1 (best 2, best ever 7) · 2 posts closed · Season 2 since 2026-11-02"
    )
    assert my_streak(later, ana).body == "current 2, best 2, total 2, best ever 9"
    assert my_streak(later, cy).body == "No answers this season yet; your best ever here is 4."
    assert my_streak(later, cy).footer == "Season 2 since 2026-11-02"
    empty = board(Board((), TeamStreak(0, 0), 0, season=3, season_since=date(2026, 11, 2), team_best_ever=7))
    assert empty.body == "No answers yet this season. Team streak: 0 (best 0, best ever 7)."
    # season 1 reads as it always did, with the season in the footer
    first = board(Board(rows, TeamStreak(1, 2), 2, season_since=date(2026, 3, 2)))
    assert first.body.splitlines()[0] == "1. Ana - current 2, best 2, total 2"
    assert first.footer == "Team streak: 1 (best 2) · 2 posts closed · Season 1 since 2026-03-02"
