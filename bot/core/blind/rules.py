"""Blind answers: the pure rules and wording.

In a blind subscription people answer the daily post through a private form (its "Answer"
button) instead of the thread; the answers stay hidden until the reveal, where they are published
all together before the model answer, so nobody copies the first good answer. A submission counts
for streaks exactly like a thread reply (the first submission's time counts); a second one before
the reveal replaces the text. Replies typed straight into the thread still count: their authors
chose to publish them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from bot.core.daily.messages import question_post
from bot.core.shared.errors import UserError, shown
from bot.core.shared.ids import row_id
from bot.core.shared.messages import Button, Form, FormField, Message, Response, person, plain
from bot.core.shared.models import Question, User

VERB = "blind"  # the Answer button's action: "blind:<post id>"; its form's submission too
ANSWER_FIELD = "answer"  # the form's one text box
MAX_ANSWER = 3000  # characters: Slack's plain_text_input takes at most 3,000 (Discord's 4,000)
MODES = {"blind": True, "open": False}  # `/practice subscribe answers=blind|open`
FORM_TITLE_MAX = 45  # Discord's modal title and text-input label
SAVED = "Your answer is saved; everyone's answers appear together at the reveal."
REPLACED = "Your new answer replaces your earlier one; everyone's answers appear together at the reveal."
CLOSED = "Answers to this question are closed: it has been revealed."
LATE = (
    "Answers closed while you were writing: the question is being revealed, so this was not saved. "
    "A reply in the thread still counts, as a late answer; your text is below to copy."
)
TERMINAL_HINT = "Type `reply YOUR ANSWER` to answer; it stays hidden until the reveal."


class AnswersError(UserError):
    """An answer or an `answers=` value that cannot be taken; the message says why."""


@dataclass(frozen=True, slots=True)
class Saved:
    """What storing a blind answer did: `first` - the person's first blind answer to the post
    (not a replacement); `counted` - it is also their first answer of any kind (a new reply)."""

    first: bool
    counted: bool


def parse_answers(text: str) -> bool:
    """`blind` -> True, `open` -> False."""
    mode = text.strip().lower()
    if mode not in MODES:
        raise AnswersError(f"unknown answers mode '{shown(text)}': choose blind or open")
    return MODES[mode]


def describe(blind: bool) -> str:
    """The subscription's answers mode, for /practice status."""
    if blind:
        return "blind: given through the post's Answer button, published together at the reveal"
    return "open: written in the post's thread"


def action(post_id: int) -> str:
    return f"{VERB}:{post_id}"


def post_id_of(argument: str) -> int:
    post_id = row_id(argument)
    if post_id is None:
        raise AnswersError("That Answer button is not for a daily post.")
    return post_id


def check_answer(text: str) -> str:
    """The answer as stored: surrounding blank space removed; empty or too long is refused."""
    answer = text.strip()
    if not answer:
        raise AnswersError("Your answer is empty: write something first. Nothing was saved.")
    if len(answer) > MAX_ANSWER:
        raise AnswersError(
            f"Your answer is {len(answer)} characters; answers take at most {MAX_ANSWER}. "
            "Shorten it and send it again. Nothing was saved."
        )
    return answer


HOW_TO_ANSWER = (
    "Answers are blind here: press Answer to write yours privately; it stays hidden until the "
    "reveal, when everyone's answers appear together in the thread (replies written in the "
    "thread count too, but everyone sees them at once)."
)


def blind_post(question: Question, level_size: int, reveal_at: datetime | None, post_id: int) -> Message:
    """The daily post of a blind subscription: its text says so, and it carries the Answer button."""
    message = question_post(question, level_size, reveal_at, HOW_TO_ANSWER)
    return dataclasses.replace(message, buttons=(Button("Answer", action(post_id)), *message.buttons))


def form(question: Question, post_id: int, current: str | None, error: str = "") -> Response:
    """The private form, pre-filled with the person's current answer. Platforms without forms
    show the message instead; `error` (a refused submission) asks for the form again."""
    title = f"Answer: {question.title}"
    if len(title) > FORM_TITLE_MAX:
        title = title[: FORM_TITLE_MAX - 1] + "…"
    hint = error or (
        "Your answer so far is saved; sending again replaces it. " + TERMINAL_HINT
        if current
        else TERMINAL_HINT
    )
    return Response(
        (Message(body=hint),),
        form=Form(
            title=title,
            action=action(post_id),
            fields=(
                FormField(
                    ANSWER_FIELD,
                    "Your answer (hidden until the reveal)",
                    value=current or "",
                    max_length=MAX_ANSWER,
                    error=error,
                ),
            ),
            submit="Save answer",
            error=error,
        ),
    )


def too_late(question: Question, post_id: int, text: str, why: str = LATE) -> Response:
    """A submission that arrived after answers closed (or that could not be saved, `why`):
    refused like a bad one, with the text kept (the form stays open where the platform allows
    it) and quoted back, inert, so nothing typed is lost."""
    refused = form(question, post_id, text, error=why)
    if not text.strip():
        return refused
    return dataclasses.replace(refused, messages=(Message(body=f"{why}\n\n{plain(text.strip())}"),))


def answers_message(question: Question, answers: list[tuple[User, str]]) -> Message:
    """Everyone's blind answers, published together in the thread at the reveal: names without
    notifying anyone, texts made inert. Platforms split it to their limits."""
    sections = [f"{person(user)} answered:\n{plain(text)}" for user, text in answers]
    return Message(title=f"Everyone's answers: {question.title}", body="\n\n".join(sections))
