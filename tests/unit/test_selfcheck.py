"""The self-check rules: the buttons under a reveal, reading a press, the review grade a mark
earns, and the board's accuracy arithmetic."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.daily.messages import board, my_streak, reveal
from bot.core.review.cards import Grade
from bot.core.selfcheck import rules as selfcheck
from bot.core.shared.errors import UserError
from bot.core.shared.models import Accuracy, Board, Question, StreakRow, TeamStreak, User

ORDER = [Grade.AGAIN, Grade.HARD, Grade.GOOD, Grade.EASY]


@st.composite
def checks(draw: st.DrawFn) -> tuple[int, int]:
    """One self-check: (covered, total), total 1..24."""
    total = draw(st.integers(1, 24))
    return draw(st.integers(0, total)), total


@given(total=st.integers(1, 24), data=st.data())
def test_the_grade_never_falls_when_more_key_points_are_covered(total: int, data: st.DataObject) -> None:
    low = data.draw(st.integers(0, total))
    high = data.draw(st.integers(low, total))
    assert ORDER.index(selfcheck.grade(low, total)) <= ORDER.index(selfcheck.grade(high, total))


@given(check=checks())
def test_easy_means_all_covered_and_again_means_under_half(check: tuple[int, int]) -> None:
    covered, total = check
    earned = selfcheck.grade(covered, total)
    assert (earned is Grade.EASY) == (covered == total)
    assert (earned is Grade.AGAIN) == (covered * 2 < total)


def test_grades_for_the_packs_five_and_six_point_questions() -> None:
    assert [selfcheck.grade(n, 5) for n in range(6)] == [Grade.AGAIN] * 3 + [
        Grade.HARD,
        Grade.GOOD,
        Grade.EASY,
    ]
    assert [selfcheck.grade(n, 6) for n in range(7)] == (
        [Grade.AGAIN] * 3 + [Grade.HARD] * 2 + [Grade.GOOD, Grade.EASY]
    )
    assert [selfcheck.grade(n, 3) for n in range(4)] == [Grade.AGAIN, Grade.AGAIN, Grade.HARD, Grade.EASY]


@pytest.mark.parametrize(("covered", "total"), [(-1, 5), (6, 5), (0, 0)])
def test_a_grade_for_an_impossible_count_is_refused(covered: int, total: int) -> None:
    with pytest.raises(ValueError, match="self-check covers"):
        selfcheck.grade(covered, total)


@given(marks=st.lists(checks(), max_size=30), split=st.integers(0, 30))
def test_accuracy_sums_key_points_whatever_the_order_and_grouping(
    marks: list[tuple[int, int]], split: int
) -> None:
    whole = selfcheck.tally(marks)
    first, second = selfcheck.tally(marks[:split]), selfcheck.tally(marks[split:])
    assert whole == Accuracy(first.covered + second.covered, first.total + second.total, len(marks))
    assert whole == selfcheck.tally(reversed(marks))
    assert 0 <= whole.percent <= 100
    if marks:
        # a weighted mean, not a mean of percentages; 100 only when every point of every check
        assert whole.percent == 100 * sum(c for c, _ in marks) // sum(t for _, t in marks)
        assert (whole.percent == 100) == all(c == t for c, t in marks)


@given(check=checks(), more=checks())
def test_covering_more_never_lowers_accuracy(check: tuple[int, int], more: tuple[int, int]) -> None:
    covered, total = more
    worse = selfcheck.tally([check, (max(0, covered - 1), total)])
    better = selfcheck.tally([check, (covered, total)])
    assert worse.percent <= better.percent


def test_the_buttons_offer_every_count_from_0_to_n() -> None:
    buttons = selfcheck.buttons(42, 5)
    assert [b.label for b in buttons] == [f"{n} of 5" for n in range(6)]
    assert [b.action for b in buttons] == [f"covered:42:{n}" for n in range(6)]
    for total in (0, 25):
        with pytest.raises(ValueError, match="cannot be self-checked"):
            selfcheck.buttons(1, total)


@given(post=st.integers(0, 10**12), covered=st.integers(0, 10**6))
def test_a_press_reads_back_what_its_button_says(post: int, covered: int) -> None:
    assert selfcheck.parse(f"{post}:{covered}") == selfcheck.Mark(post, covered)


@pytest.mark.parametrize(
    ("argument", "answer"),
    [
        ("", "not one practicebot made"),
        ("12", "not one practicebot made"),
        ("x:3", "not one practicebot made"),
        ("-4:3", "not one practicebot made"),
        ("12:", "'' is not a number of key points"),
        ("12:three", "'three' is not a number of key points"),
        ("12:--3", "is not a number of key points"),
        ("12:٣", "is not a number of key points"),  # a digit, but not one a button carries
        ("12:-1", "-1 key points is negative"),
    ],
)
def test_junk_presses_get_an_answer_that_says_what_is_wrong(argument: str, answer: str) -> None:
    with pytest.raises(UserError, match=answer):
        selfcheck.parse(argument)


def test_the_board_shows_accuracy_only_for_people_who_marked_one() -> None:
    ana, bo = User("a", "Ana"), User("b", "Bo")
    rows = selfcheck.with_accuracy(
        (StreakRow(ana, 3, 3, 3), StreakRow(bo, 2, 2, 2, freezes=1)), {"a": Accuracy(7, 11, 2)}
    )
    result = Board(rows=rows, team=TeamStreak(3, 3), closed_posts=3)
    assert board(result).body.splitlines() == [
        "1. Ana - current 3, best 3, total 3, accuracy 63%",
        "2. Bo - current 2, best 2, total 2, 1 freeze held",
    ]
    assert my_streak(result, ana).body == (
        "current 3, best 3, total 3, accuracy 63% (7 of 11 key points over 2 self-checks)"
    )
    assert my_streak(result, bo).body == "current 2, best 2, total 2, 1 freeze held"


def sample_question(key_points: int) -> Question:
    return Question(
        id="p/beginner-01", pack="p", level="beginner", number=1, title="What is WebSocket?",
        summary="A socket.", key_points=tuple(f"point {n}" for n in range(1, key_points + 1)),
        follow_ups=("Why?", "How?"), references=("RFC 6455",), tags=(), body="The answer.",
        source=Path("p/beginner/01.md"),
    )  # fmt: skip


def test_the_reveal_carries_the_checklist_and_the_buttons() -> None:
    question = sample_question(key_points=6)
    message = reveal(question, [User("a", "Ana")], [], selfcheck.buttons(9, 6))
    fields = {f.name: f.value for f in message.fields}
    assert fields["Key points"].splitlines()[0] == "- [ ] point 1"
    assert "Mark how many of the key points your answer covered" in fields["Self-check"]
    assert [b.action for b in message.buttons][-2:] == ["covered:9:6", "bookmark:p/beginner-01"]
    assert "Self-check" not in {f.name for f in reveal(question, [], []).fields}
