from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import TeamStreak
from bot.core.streaks import (
    NO_TEAM,
    Freezes,
    Streak,
    advance,
    advance_team,
    board_rows,
    from_history,
    team_from_history,
    with_open_post,
)

USERS = st.sampled_from(["ana", "bo", "cy", "dee", "eve"])
HISTORIES = st.lists(st.frozensets(USERS, max_size=5), max_size=40)


@settings(max_examples=500)
@given(history=HISTORIES, min_answers=st.integers(1, 3))
def test_incremental_streaks_equal_the_from_scratch_computation(
    history: list[frozenset[str]], min_answers: int
) -> None:
    state: dict[str, Streak] = {}
    team = NO_TEAM
    for answerers in history:
        state = advance(state, answerers)
        team = advance_team(team, len(answerers), min_answers)
    assert state == from_history(history)
    assert team == team_from_history([len(a) for a in history], min_answers)


@given(history=HISTORIES, open_answerers=st.frozensets(USERS))
def test_board_invariants(history: list[frozenset[str]], open_answerers: frozenset[str]) -> None:
    view = with_open_post(from_history(history), open_answerers)
    for user, s in view.items():
        assert 0 <= s.current <= s.best <= s.total
        answered = sum(user in a for a in history) + (user in open_answerers)
        assert s.total == answered
    rows = board_rows(view, {})
    keys = [(-r.current, -r.best, -r.total) for r in rows]
    assert keys == sorted(keys)


def test_a_missed_post_resets_current_but_keeps_best_and_total() -> None:
    state = from_history([{"ana"}, {"ana"}, {"ana"}, {"bo"}, {"ana"}])
    assert state["ana"] == Streak(current=1, best=3, total=4)
    assert state["bo"] == Streak(current=0, best=1, total=1)  # missed the newest post


def test_answering_the_open_post_already_counts_on_the_board() -> None:
    closed = from_history([{"ana"}, {"ana"}])
    view = with_open_post(closed, {"ana", "new"})
    assert view["ana"] == Streak(current=3, best=3, total=3)
    assert view["new"] == Streak(current=1, best=1, total=1)


def test_team_streak_needs_the_threshold_of_answerers() -> None:
    counts = [2, 3, 1, 2, 2]
    assert team_from_history(counts, 2) == TeamStreak(current=2, best=2)
    assert team_from_history(counts, 1) == TeamStreak(current=5, best=5)
    assert team_from_history([], 1) == TeamStreak(0, 0)


def test_board_order_is_current_then_best_then_total() -> None:
    view = {"a": Streak(2, 5, 9), "b": Streak(2, 6, 6), "c": Streak(3, 3, 3), "d": Streak(2, 6, 7)}
    assert [r.user.id for r in board_rows(view, {"a": "Ana"})] == ["c", "d", "b", "a"]
    assert board_rows(view, {"a": "Ana"})[-1].user.name == "Ana"


RULES = st.builds(Freezes, every=st.integers(0, 5), cap=st.integers(0, 3))


@settings(max_examples=500)
@given(history=HISTORIES, rule=RULES)
def test_with_freezes_incremental_still_equals_from_scratch(
    history: list[frozenset[str]], rule: Freezes
) -> None:
    state: dict[str, Streak] = {}
    for answerers in history:
        state = advance(state, answerers, rule)
    assert state == from_history(history, rule)


@given(history=HISTORIES, rule=RULES)
def test_freezes_never_pass_the_cap_and_are_spent_only_on_a_miss(
    history: list[frozenset[str]], rule: Freezes
) -> None:
    state: dict[str, Streak] = {}
    for answerers in history:
        before = state
        state = advance(state, answerers, rule)
        for user, after in state.items():
            assert 0 <= after.freezes <= rule.cap
            old = before.get(user, Streak())
            if after.freezes < old.freezes:  # spent one
                assert user not in answerers
                assert after.current == old.current > 0


def test_a_freeze_saves_a_streak_from_one_miss_and_not_from_two() -> None:
    rule = Freezes(every=2, cap=2)
    history = [{"ana"}, {"ana"}, set(), set(), {"ana"}]  # earns one at 2 answers, then misses twice
    state: dict[str, Streak] = {}
    steps = []
    for answerers in history:
        state = advance(state, answerers, rule)
        steps.append((state["ana"].current, state["ana"].freezes))
    assert steps == [(1, 0), (2, 1), (2, 0), (0, 0), (1, 0)]
    assert from_history(history, Freezes())["ana"].current == 1  # without freezes: broken too


@given(history=HISTORIES, rule=RULES, open_answerers=st.frozensets(USERS))
def test_the_board_shows_the_freezes_held_and_answering_the_open_post_keeps_them(
    history: list[frozenset[str]], rule: Freezes, open_answerers: frozenset[str]
) -> None:
    closed = from_history(history, rule)
    view = with_open_post(closed, open_answerers)
    for user, s in view.items():
        assert s.freezes == closed.get(user, Streak()).freezes  # earned and spent only at a reveal
    for row in board_rows(view, {}):
        assert row.freezes == view[row.user.id].freezes


def test_a_lower_cap_applies_to_the_freezes_already_held() -> None:
    state = {"ana": Streak(current=9, best=9, total=9, freezes=3)}
    assert advance(state, set(), Freezes(every=7, cap=1))["ana"] == Streak(9, 9, 9, 0)  # spent one of 1
    assert advance(state, set(), Freezes())["ana"] == Streak(0, 9, 9, 0)  # turned off: none to spend
    assert advance(state, {"ana"}, Freezes(every=7, cap=2))["ana"] == Streak(10, 10, 10, 2)
