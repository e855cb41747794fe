"""What the bot says about bookmarks and reviews. Pure: values in, neutral messages out."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.core.daily.messages import answer_card
from bot.core.review.bookmarks import Bookmark
from bot.core.review.cards import Card, Grade
from bot.core.shared.messages import Button, Field, Message, moment, plain, plural
from bot.core.shared.models import Question

GRADE_LABELS = {Grade.AGAIN: "Again", Grade.HARD: "Hard", Grade.GOOD: "Good", Grade.EASY: "Easy"}
NEXT_REVIEW = Button("Next review", "review:next")


def title_of(question: Question | None, question_id: str) -> str:
    return plain(question.title) if question is not None else f"{question_id} (no longer in any pack)"


def when_due(bookmark: Bookmark, now: datetime) -> str:
    if bookmark.card.due is None or bookmark.card.due <= now:
        return "due now"
    return f"due {moment(bookmark.card.due)} ({moment(bookmark.card.due, 'R')})"


def bookmark_list(entries: list[tuple[Bookmark, Question | None]], now: datetime, limit: int) -> Message:
    if not entries:
        return Message(
            title="Your bookmarks",
            body="None yet. Press Bookmark under a question to keep it; /review deals it back.",
        )
    lines = [
        f"{number}. {title_of(question, b.question_id)} - {when_due(b, now)}"
        for number, (b, question) in enumerate(entries, start=1)
    ]
    return Message(
        title="Your bookmarks",
        body="\n".join(lines),
        footer=f"{len(entries)} of {limit} · /review deals the most overdue · /bookmarks remove NUMBER",
    )


def review_card(question: Question, level: str, due_count: int) -> Message:
    return Message(
        title=question.title,
        body="From your bookmarks. Answer it in your head (or out loud), then look.",
        fields=(Field("Level", level), Field("Due now", _due_now(due_count))),
        buttons=(Button("Show answer", f"review-answer:{question.id}"),),
        footer=question.id,
    )


def _due_now(count: int) -> str:
    return "this card" if count == 1 else f"{count} cards, the most overdue first: this one"


def ended(text: str) -> str:
    """A title as the end of a sentence: "What is WebSocket?" needs no full stop after it."""
    return text if text.rstrip().endswith(("?", "!", ".")) else f"{text}."


def review_answer(question: Question) -> Message:
    """The model answer, asking how it went: the grade schedules the card's next review."""
    card = answer_card(question)
    grades = tuple(Button(GRADE_LABELS[g], f"grade:{question.id}:{g.value}") for g in Grade)
    return replace(card, fields=(*card.fields, Field("How did you do?", _GRADE_HELP)), buttons=grades)


_GRADE_HELP = (
    "Again: missed it, see it tomorrow. Hard: got there with effort. Good: knew it. Easy: knew it at once."
)


def graded(question: Question, grade: Grade, card: Card, more: int, soonest: datetime | None) -> Message:
    assert card.due is not None
    body = (
        f"Graded {grade.value}: {plain(question.title)} comes back {moment(card.due)} "
        f"({moment(card.due, 'R')})."
    )
    if more:
        return Message(body=f"{body} {plural(more, 'more card')} due now.", buttons=(NEXT_REVIEW,))
    after = f" The next one is due {moment(soonest)} ({moment(soonest, 'R')})." if soonest else ""
    return Message(body=f"{body} Nothing else is due.{after}")


def nothing_due(question: Question | None, bookmark: Bookmark) -> Message:
    assert bookmark.card.due is not None
    at = bookmark.card.due
    return Message(
        body=f"Nothing is due for review. Next: {title_of(question, bookmark.question_id)} "
        f"{moment(at)} ({moment(at, 'R')})."
    )


def reminder(due_count: int) -> Message:
    return Message(
        title="Reviews due",
        body=f"{plural(due_count, 'bookmarked question')} due for review. "
        "/review deals the most overdue, or press the button. (/review remind off stops these.)",
        buttons=(Button("Review now", "review:next"),),
    )
