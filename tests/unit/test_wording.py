"""Every message with a count or a list reads right at 0, 1, 2 and many (issue 16 item 8): no
"1 subscriptions", no "0 person", no list glued to its label as ": - ", no sentence said twice."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.core.blind import rules as blind
from bot.core.daily.messages import board, my_streak, revealed_post
from bot.core.daily.schedule import on_days
from bot.core.recap.rules import WeekFigures, recap_message
from bot.core.review.messages import reminder
from bot.core.shared.messages import Message, bullets, plural
from bot.core.shared.models import Accuracy, Board, Question, StreakRow, TeamStreak, User

COUNTS = (0, 1, 2, 7, 1000)
NOUNS = "answer|question|person|post|bookmark|subscription|self-check|freeze|card|key point|level"
SINGULAR_AFTER_MANY = re.compile(
    rf"(?<![\d.,])(?:0|[2-9]|\d{{2,}}) (?:more )?(?:{NOUNS}|bookmarked question)\b(?!s)"
)
PLURAL_AFTER_ONE = re.compile(rf"(?<![\d.,])1 (?:more )?(?:{NOUNS.replace('person', 'people')})s?\b")
QUESTION = Question("p/beginner-01", "p", "beginner", 1, "What is it?", "s", ("k",), ("f",), ("r",), (), "b",
                    Path("."))  # fmt: skip


def read(message: Message) -> str:
    fields = "\n".join(f"{f.name}:{chr(10) if chr(10) in f.value else ' '}{f.value}" for f in message.fields)
    return "\n".join((message.title, message.body, fields, message.footer))


def check(text: str) -> None:
    assert not SINGULAR_AFTER_MANY.search(text), text
    bad_one = [m for m in PLURAL_AFTER_ONE.finditer(text) if m[0].endswith("s") or "people" in m[0]]
    assert not bad_one, text
    assert ": - " not in text and not re.search(r"(?<!\d)0 people", text), text
    sentences = [s.strip() for s in re.split(r"[.;]", text) if s.strip()]
    assert len(sentences) == len(set(sentences)), text


@pytest.mark.parametrize("n", COUNTS)
def test_counts_read_right(n: int) -> None:
    check(read(revealed_post(QUESTION, 20, n)))
    rows = tuple(StreakRow(User(f"u{i}", f"P{i}"), n, n, n, freezes=n, accuracy=Accuracy(n, max(n, 1), n))
                 for i in range(min(n, 30)))  # fmt: skip
    result = Board(rows, TeamStreak(n, n), closed_posts=n, season=2, private=n)
    check(read(board(result)))
    check(read(board(Board((), TeamStreak(n, n), closed_posts=n, private=n))))  # only private rows
    if rows:
        check(read(my_streak(result, rows[0].user)))
        check(read(my_streak(result, rows[0].user, hidden=True)))
    last = date(2026, 3, 8)
    per_day = tuple((last - timedelta(days=6 - i), n if i < min(n, 7) else None) for i in range(7))
    figures = WeekFigures(last, per_day, (), TeamStreak(n, n), (), (), ())
    check(read(recap_message(figures, [(f"q{i}", n) for i in range(min(n, 5))], {})))
    check(read(reminder(n)))
    check(plural(n, "subscription"))


@pytest.mark.parametrize("items", [["a"], ["a", "b"], [chr(97 + i) for i in range(9)]])
def test_a_list_of_one_is_not_a_bullet_glued_to_its_label(items: list[str]) -> None:
    lines = bullets(items).splitlines()
    assert lines == ["a"] if len(items) == 1 else lines == [f"- {item}" for item in items]


def test_days_read_as_a_sentence() -> None:
    assert on_days(frozenset(range(7))) == "every day"
    assert on_days(frozenset(range(5))) == "on mon-fri"
    assert on_days(frozenset({0, 2})) == "on mon,wed"


def test_a_replaced_blind_answer_is_said_once() -> None:
    check(blind.REPLACED)
    assert "replaces" in blind.REPLACED
