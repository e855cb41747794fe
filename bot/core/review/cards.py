"""Spaced repetition for bookmarked questions: SM-2 (Wozniak, 1990).

Why SM-2 and not FSRS: a person bookmarks a handful of questions to revisit before an interview,
weeks away, not thousands of cards over years. SM-2 needs no trained parameters, is easy to
explain ("again" starts over, "good" multiplies the interval by the card's ease), and behaves
well on short histories, where FSRS's fitted model has nothing to fit yet.

The four answers map to SM-2's quality scale as Anki's buttons do: again 1, hard 3, good 4,
easy 5. A quality below 3 restarts the card at one day.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class Grade(enum.StrEnum):
    AGAIN = "again"
    HARD = "hard"
    GOOD = "good"
    EASY = "easy"


QUALITY = {Grade.AGAIN: 1, Grade.HARD: 3, Grade.GOOD: 4, Grade.EASY: 5}
START_EASE = 2.5
MIN_EASE = 1.3
MAX_INTERVAL = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class Card:
    """Where one person stands with one bookmarked question."""

    repetitions: int = 0  # successful reviews in a row
    ease: float = START_EASE
    interval: timedelta = timedelta(0)
    due: datetime | None = None  # None: due now (never reviewed)


def review(card: Card, grade: Grade, now: datetime) -> Card:
    """The card after one review graded `grade` at `now`."""
    quality = QUALITY[grade]
    if quality < 3:
        repetitions, interval = 0, timedelta(days=1)
    else:
        if card.repetitions == 0:
            interval = timedelta(days=1)
        elif card.repetitions == 1:
            interval = timedelta(days=6)
        else:
            interval = timedelta(days=round(card.interval.days * card.ease))
        repetitions = card.repetitions + 1
    ease = max(MIN_EASE, card.ease + 0.1 - (5 - quality) * (0.08 + (5 - quality) * 0.02))
    interval = min(interval, MAX_INTERVAL)
    return Card(repetitions=repetitions, ease=round(ease, 4), interval=interval, due=now + interval)


def is_due(card: Card, now: datetime) -> bool:
    return card.due is None or card.due <= now
