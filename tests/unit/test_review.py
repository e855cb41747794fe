from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.review.cards import MAX_INTERVAL, MIN_EASE, Card, Grade, is_due, review

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
GRADES = st.sampled_from(list(Grade))


def test_good_answers_space_reviews_out_1_6_then_by_the_ease() -> None:
    card, days = Card(), []
    for _ in range(4):
        card = review(card, Grade.GOOD, NOW)
        days.append(card.interval.days)
    assert days == [1, 6, 15, 38]  # 6 * 2.5 = 15; 15 * 2.5 = 37.5 -> 38 (ease stays 2.5 on "good")


def test_again_starts_over_at_one_day_and_lowers_the_ease() -> None:
    card = review(review(review(Card(), Grade.GOOD, NOW), Grade.GOOD, NOW), Grade.GOOD, NOW)
    failed = review(card, Grade.AGAIN, NOW)
    assert failed.interval == timedelta(days=1)
    assert failed.repetitions == 0
    assert failed.ease < card.ease


@given(history=st.lists(GRADES, max_size=30), grade=GRADES)
def test_intervals_grow_with_good_and_shrink_with_again(history: list[Grade], grade: Grade) -> None:
    card = Card()
    for past in history:
        card = review(card, past, NOW)
    after = review(card, grade, NOW)
    assert after.ease >= MIN_EASE
    assert timedelta(days=1) <= after.interval <= MAX_INTERVAL
    assert after.due == NOW + after.interval
    if grade is Grade.AGAIN:
        assert after.interval == timedelta(days=1)
    if grade in (Grade.GOOD, Grade.EASY):
        assert after.interval >= card.interval
        assert after.repetitions == card.repetitions + 1
    eases = [review(card, g, NOW).ease for g in (Grade.AGAIN, Grade.HARD, Grade.GOOD, Grade.EASY)]
    assert eases == sorted(eases)  # the better the answer, the easier the card becomes
    assert eases[-1] > eases[1]


def test_a_new_card_is_due_and_a_reviewed_one_only_when_its_day_comes() -> None:
    assert is_due(Card(), NOW)
    card = review(Card(), Grade.GOOD, NOW)
    assert not is_due(card, NOW + timedelta(hours=23))
    assert is_due(card, NOW + timedelta(days=1))
