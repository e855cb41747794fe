from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.commands.grammar import CommandError, Review, ShowBookmarks, parse
from bot.core.review.bookmarks import Bookmark, Reminder, due, next_due, parse_grade, pick, should_remind
from bot.core.review.cards import MAX_INTERVAL, Card, Grade, review
from bot.core.shared.errors import UserError

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
OFFSETS = st.integers(min_value=-400 * 24, max_value=400 * 24).map(lambda h: timedelta(hours=h))


@st.composite
def bookmarks(draw: st.DrawFn) -> list[Bookmark]:
    count = draw(st.integers(min_value=0, max_value=12))
    made = []
    for index in range(count):
        created = NOW - draw(OFFSETS.filter(lambda d: d >= timedelta(0)))
        reviewed = draw(st.booleans())
        card = (
            Card(repetitions=1, interval=timedelta(days=1), due=NOW + draw(OFFSETS)) if reviewed else Card()
        )
        made.append(Bookmark(f"pack/beginner-{index:02d}", created, card))
    return made


@given(bookmarks())
def test_the_most_overdue_card_is_dealt_first_and_only_due_cards_are_dealt(kept: list[Bookmark]) -> None:
    waiting = due(kept, NOW)
    assert {b.question_id for b in waiting} == {
        b.question_id for b in kept if b.card.due is None or b.card.due <= NOW
    }
    overdue = [b.due_since for b in waiting]
    assert overdue == sorted(overdue)
    if waiting:
        assert waiting[0].due_since == min(b.due_since for b in waiting)
    soonest = next_due(kept)
    if kept:
        assert soonest is not None and soonest.due_since == min(b.due_since for b in kept)


def test_a_card_reviewed_late_is_dealt_before_a_new_bookmark_of_today() -> None:
    old = Bookmark(
        "pack/a-01", NOW - timedelta(days=30), Card(2, 2.5, timedelta(days=6), NOW - timedelta(days=3))
    )
    new = Bookmark("pack/a-02", NOW - timedelta(hours=1))
    later = Bookmark(
        "pack/a-03", NOW - timedelta(days=40), Card(2, 2.5, timedelta(days=6), NOW + timedelta(days=1))
    )
    assert due([new, later, old], NOW) == [old, new]


@given(st.lists(st.sampled_from([Grade.GOOD, Grade.EASY]), min_size=1, max_size=40))
def test_intervals_grow_with_good_answers_and_never_pass_the_cap(grades: list[Grade]) -> None:
    card, intervals = Card(), []
    for grade in grades:
        card = review(card, grade, NOW)
        intervals.append(card.interval)
    assert intervals == sorted(intervals)
    assert all(interval <= MAX_INTERVAL for interval in intervals)


@given(st.lists(st.sampled_from(list(Grade)), max_size=30))
def test_again_resets_any_card_to_one_day(history: list[Grade]) -> None:
    card = Card()
    for grade in history:
        card = review(card, grade, NOW)
    failed = review(card, Grade.AGAIN, NOW)
    assert failed.interval == timedelta(days=1) <= max(card.interval, timedelta(days=1))
    assert failed.repetitions == 0


def test_remove_takes_a_number_or_a_question_id_and_refuses_anything_else() -> None:
    kept = [Bookmark("pack/beginner-01", NOW), Bookmark("pack/advanced-02", NOW)]
    assert pick(kept, "2").question_id == "pack/advanced-02"
    assert pick(kept, "pack/beginner-01").question_id == "pack/beginner-01"
    for ref, expected in (
        ("0", "yours are numbered 1 to 2"),
        ("3", "There is no bookmark 3"),
        ("-1", "There is no bookmark -1"),
        ("pack/beginner-09", "'pack/beginner-09' is not among your bookmarks"),
        ("two", "'two' is not a bookmark number or a question id"),
    ):
        with pytest.raises(UserError, match=expected):
            pick(kept, ref)
    with pytest.raises(UserError, match="no bookmarks to remove"):
        pick([], "1")


def test_a_reminder_goes_once_a_day_and_only_with_something_due() -> None:
    today = date(2026, 3, 2)
    fresh = Reminder("slack", "U1", None)
    assert should_remind(fresh, today, 1)
    assert not should_remind(fresh, today, 0)
    assert not should_remind(Reminder("slack", "U1", today), today, 3)
    assert should_remind(Reminder("slack", "U1", today - timedelta(days=1)), today, 3)


def test_grades_parse_from_button_ids() -> None:
    assert parse_grade("Good") is Grade.GOOD
    assert parse_grade("brilliant") is None


def test_the_commands_parse_and_junk_is_refused() -> None:
    assert parse("bookmarks", "") == ShowBookmarks()
    assert parse("/bookmarks", "remove 3") == ShowBookmarks(remove="3")
    assert parse("review", "") == Review()
    assert parse("review", "remind ON") == Review(remind=True)
    assert parse("review", "remind off") == Review(remind=False)
    for name, text, expected in (
        ("bookmarks", "delete 3", "/bookmarks takes nothing or 'remove <number>'"),
        ("bookmarks", "remove", "takes one bookmark"),
        ("bookmarks", "remove 1 2", "takes one bookmark"),
        ("review", "now", "/review takes nothing or 'remind on|off'"),
        ("review", "remind maybe", "takes on or off"),
        ("review", "remind", "takes on or off"),
    ):
        with pytest.raises(CommandError, match=expected):
            parse(name, text)
