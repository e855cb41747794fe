from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.daily.streaks import (
    NO_TEAM,
    Freezes,
    Streak,
    advance,
    advance_team,
    from_history,
    kept_private,
    team_from_history,
    top_rows,
)
from bot.core.shared.models import StreakRow, TeamStreak, User

USERS = st.sampled_from(["ana", "bo", "cy", "dee", "eve"])
EVERYONE = 10**6  # a limit past any board here


def with_open_post(state: dict[str, Streak], open_answerers: frozenset[str]) -> dict[str, Streak]:
    """The rule, written out: an answer to the open post already extends the streak."""
    view = dict(state)
    for user in open_answerers:
        old = view.get(user, Streak())
        view[user] = Streak(old.current + 1, max(old.best, old.current + 1), old.total + 1, old.freezes)
    return view


def whole_board(view: dict[str, Streak], names: dict[str, str]) -> list[StreakRow]:
    """The rule, written out: everyone who answered, by current, best, total, name, id."""
    rows = [
        StreakRow(User(u, names.get(u, u)), s.current, s.best, s.total, s.freezes) for u, s in view.items()
    ]
    rows = [r for r in rows if r.total > 0]
    return sorted(rows, key=lambda r: (-r.current, -r.best, -r.total, r.user.name.lower(), r.user.id))


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
    rows, people = top_rows(from_history(history), open_answerers, {}, EVERYONE)
    keys = [(-r.current, -r.best, -r.total) for r in rows]
    assert keys == sorted(keys)
    assert list(rows) == whole_board(view, {}) and people == len(rows)


@given(history=HISTORIES, open_answerers=st.frozensets(USERS), limit=st.integers(0, 6), who=USERS)
def test_the_board_builds_only_the_rows_it_shows_and_they_are_the_first_of_the_whole(
    history: list[frozenset[str]], open_answerers: frozenset[str], limit: int, who: str
) -> None:
    closed = from_history(history)
    names = {"ana": "Zed", "bo": "ana"}  # names, not ids, order ties
    whole = whole_board(with_open_post(closed, open_answerers), names)
    assert top_rows(closed, open_answerers, names, limit) == (tuple(whole[:limit]), len(whole))
    mine = tuple(r for r in whole if r.user.id == who)
    assert top_rows(closed, open_answerers, names, limit, only=who) == (mine, len(whole))


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
    rows, _ = top_rows(view, (), {"a": "Ana"}, EVERYONE)
    assert [r.user.id for r in rows] == ["c", "d", "b", "a"]
    assert rows[-1].user.name == "Ana"


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
    for row in top_rows(closed, open_answerers, {}, EVERYONE)[0]:
        assert row.freezes == view[row.user.id].freezes


def test_a_lower_cap_applies_to_the_freezes_already_held() -> None:
    state = {"ana": Streak(current=9, best=9, total=9, freezes=3)}
    assert advance(state, set(), Freezes(every=7, cap=1))["ana"] == Streak(9, 9, 9, 0)  # spent one of 1
    assert advance(state, set(), Freezes())["ana"] == Streak(0, 9, 9, 0)  # turned off: none to spend
    assert advance(state, {"ana"}, Freezes(every=7, cap=2))["ana"] == Streak(10, 10, 10, 2)


# ---------------------------------------------------------------- away days and hidden rows


@st.composite
def away_histories(draw: st.DrawFn) -> tuple[list[frozenset[str]], list[frozenset[str]]]:
    """Closed posts' answerers, and who was away on each post's day (some of whom answered)."""
    history = draw(HISTORIES)
    away = [draw(st.frozensets(USERS, max_size=5)) for _ in history]
    return history, away


def without_away_misses(
    history: list[frozenset[str]], away: list[frozenset[str]], user: str
) -> list[frozenset[str]]:
    """The rule, written out: for `user`, a post on an away day they did not answer is not there."""
    return [
        answerers
        for answerers, gone in zip(history, away, strict=True)
        if user in answerers or user not in gone
    ]


@settings(max_examples=500)
@given(histories=away_histories(), rule=RULES)
def test_a_streak_with_away_days_is_the_streak_without_the_posts_missed_on_them(
    histories: tuple[list[frozenset[str]], list[frozenset[str]]], rule: Freezes
) -> None:
    history, away = histories
    state = from_history(history, rule, away)
    for user in set().union(*history):
        assert state[user] == from_history(without_away_misses(history, away, user), rule)[user]
    assert set(state) == set(from_history(history, rule))  # being away never puts anyone on the board


@settings(max_examples=500)
@given(histories=away_histories(), rule=RULES)
def test_with_away_days_incremental_still_equals_from_scratch(
    histories: tuple[list[frozenset[str]], list[frozenset[str]]], rule: Freezes
) -> None:
    history, away = histories
    state: dict[str, Streak] = {}
    for answerers, gone in zip(history, away, strict=True):
        state = advance(state, answerers, rule, gone)
    assert state == from_history(history, rule, away)


@given(histories=away_histories(), rule=RULES)
def test_away_days_never_lower_a_streak_and_never_spend_a_freeze(
    histories: tuple[list[frozenset[str]], list[frozenset[str]]], rule: Freezes
) -> None:
    history, away = histories
    state: dict[str, Streak] = {}
    for answerers, gone in zip(history, away, strict=True):
        before = state
        state = advance(state, answerers, rule, gone)
        for user in gone - answerers:  # away and silent: exactly as before, freezes included
            assert state.get(user, Streak()) == before.get(user, Streak())
    with_away, plain = from_history(history, rule, away), from_history(history, rule)
    for user, s in plain.items():
        assert with_away[user].current >= s.current
        assert with_away[user].best >= s.best
        assert with_away[user].total == s.total  # only answers count


@settings(max_examples=300)
@given(days=st.lists(st.tuples(st.frozensets(USERS), st.frozensets(USERS), RULES), max_size=30))
def test_a_lower_cap_applies_to_what_is_held_on_an_away_day_too(
    days: list[tuple[frozenset[str], frozenset[str], Freezes]],
) -> None:
    """The config's freeze rule can change between posts (a restart): after any post nobody holds
    more than its cap, away or not; being away changes nothing else."""
    state: dict[str, Streak] = {}
    for answerers, away, rule in days:
        before = state
        state = advance(state, answerers, rule, away)
        for user, after in state.items():
            assert 0 <= after.freezes <= rule.cap
            if user in away - answerers:
                old = before.get(user, Streak())
                assert (after.current, after.best, after.total) == (old.current, old.best, old.total)
                assert after.freezes == min(old.freezes, rule.cap)


def test_an_away_day_keeps_the_streak_where_a_miss_would_spend_the_freeze() -> None:
    rule = Freezes(every=2, cap=2)
    history = [{"ana"}, {"ana"}, set(), set(), {"ana"}]  # a freeze at 2 answers, then two misses
    away = [set(), set(), {"ana"}, set(), set()]  # the first of them an away day
    # the away day changes nothing; the freeze saves the second miss; the answer extends it
    assert from_history(history, rule, away)["ana"] == Streak(current=3, best=3, total=3, freezes=0)
    assert from_history(history, rule)["ana"] == Streak(current=1, best=2, total=3, freezes=0)
    answered_away = [set(), {"ana"}, set(), set(), set()]  # answering on an away day counts as usual
    assert from_history(history, rule, answered_away) == from_history(history, rule)


@given(
    history=HISTORIES,
    open_answerers=st.frozensets(USERS),
    hidden=st.frozensets(USERS),
    limit=st.integers(0, 6),
    who=USERS,
)
def test_hidden_rows_are_left_off_the_board_counted_and_still_shown_to_their_owner(
    history: list[frozenset[str]],
    open_answerers: frozenset[str],
    hidden: frozenset[str],
    limit: int,
    who: str,
) -> None:
    closed = from_history(history)
    whole = whole_board(with_open_post(closed, open_answerers), {})
    shown = [row for row in whole if row.user.id not in hidden]
    assert top_rows(closed, open_answerers, {}, limit, hidden=hidden) == (tuple(shown[:limit]), len(shown))
    assert kept_private(closed, open_answerers, hidden) == len(whole) - len(shown)
    # /streaks me: their own row whatever they chose, the same row as on a board that shows it
    mine = tuple(row for row in whole if row.user.id == who)
    assert top_rows(closed, open_answerers, {}, limit, only=who, hidden=hidden)[0] == mine


def test_the_board_counts_only_hidden_people_who_would_be_on_it() -> None:
    closed = from_history([{"ana"}, {"bo"}])
    assert kept_private(closed, (), {"ana", "cy"}) == 1  # cy never answered: not counted
    assert kept_private(closed, {"cy"}, {"ana", "cy"}) == 2  # cy's answer to the open post counts
