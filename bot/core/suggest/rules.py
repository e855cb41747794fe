"""Member suggestions: the pure rules and wording.

`/practice suggest` opens a form of the five fields of a `Draft` (bot/core/catalog/ports.py); a
submission is checked here, every refused field named at once, and queued for the channel's
admins, at most `DEFAULT_CAP` pending per person and channel. Admins list the queue, approve a
suggestion as it is or edited in the same form, or reject it with a reason; the author is told
privately either way. What people typed is normalised before it is kept (control characters
dropped, line ends unified) and made inert wherever it is shown (`plain`, `person`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.catalog.ports import Draft
from bot.core.daily.questions import (
    BODY_MAX,
    ITEM_MAX,
    LIST_COUNTS,
    NAME_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    check_fences,
)
from bot.core.shared.errors import UserError, shown
from bot.core.shared.messages import (
    LEVEL_NAMES,
    Button,
    Field,
    Form,
    FormField,
    Message,
    Response,
    moment,
    person,
    plain,
    plural,
)
from bot.core.shared.models import LEVELS, User
from bot.core.shared.typos import did_you_mean

DEFAULT_CAP = 3  # pending suggestions per person and channel (config: suggestion_cap)
NEW = "suggest"  # the form of a new suggestion: action "suggest:new"
EDIT = "suggest-edit"  # an admin's edit before approving: "suggest-edit:<number>"
AGAIN = "suggest-again"  # reopen a refused form with what was typed: "suggest-again:<form action>"
VERBS = frozenset({NEW, EDIT, AGAIN})

# a draft becomes a question of the channel's own pack: the pack's own limits, not a copy of them
ANSWER_MAX, KEY_POINT_MAX, KEY_POINTS_MAX = BODY_MAX, ITEM_MAX, LIST_COUNTS["key_points"][1]
REASON_MAX = 400  # a rejection's reason as kept and told

# the form's fields, in Draft's order: (name, label, max length, several lines)
LEVEL, TITLE, SUMMARY, ANSWER, KEY_POINTS = "level", "title", "summary", "answer", "key_points"
_FIELDS = (
    (LEVEL, "Level: beginner, intermediate or advanced", 20, False),
    (TITLE, "The question (at most 150 characters)", TITLE_MAX, False),
    (SUMMARY, "In short: what a good answer covers", SUMMARY_MAX, True),
    (ANSWER, "The model answer (Markdown)", ANSWER_MAX, True),
    (KEY_POINTS, "Key points, one per line (1 to 6)", KEY_POINTS_MAX * (KEY_POINT_MAX + 1), True),
)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])(?:\s+|$)")


class DraftError(UserError):
    """A submission with fields that cannot be taken: `problems` by field name, every one."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = dict(problems)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A suggestion in a channel's queue: its number there, who wrote it, what they wrote."""

    number: int
    subscription_id: int
    author: User
    draft: Draft
    status: str  # "pending", "approved" or "rejected"
    created_at: datetime


def clean(text: str, *, one_line: bool = False) -> str:
    """Text as kept: line ends unified, control characters (NUL, escapes, lone surrogates, bidi
    overrides) dropped, tabs and newlines kept (spaces instead on `one_line`), ends stripped."""
    text = re.sub(r"\r\n?|[\u2028\u2029]", "\n", text)
    kept = "".join(ch for ch in text if ch in "\n\t" or not _hidden(ch))
    return " ".join(kept.split()) if one_line else kept.strip()


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _hidden(ch: str) -> bool:
    """A character nobody means to keep: a control, a lone surrogate, a direction override."""
    return ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs")


def author(user: User) -> User:
    """The person as kept with a suggestion and credited on its post: their display name is text
    from a person too, cleaned like what they typed and at most a pack's `suggested_by` (so the
    pack never refuses a name the admin's edit form cannot change)."""
    return User(user.id, clean(user.name, one_line=True)[:NAME_MAX].rstrip())


def check_draft(values: Mapping[str, str]) -> Draft:
    """The draft in a submitted form, or DraftError naming every field that cannot be taken."""
    problems: dict[str, str] = {}
    level = clean(values.get(LEVEL, ""), one_line=True).lower()
    if level not in LEVELS:
        hint = did_you_mean(level, LEVELS) if level else ""
        problems[LEVEL] = (
            f"Level '{shown(level)}' is not one of {', '.join(LEVELS)}{hint}."
            if level
            else f"Level is empty: write {', '.join(LEVELS)}."
        )
    title = clean(values.get(TITLE, ""), one_line=True)
    summary = clean(values.get(SUMMARY, ""))
    answer = clean(values.get(ANSWER, ""))
    for name, text, most, what in (
        (TITLE, title, TITLE_MAX, "The question"),
        (SUMMARY, summary, SUMMARY_MAX, "The summary"),
        (ANSWER, answer, ANSWER_MAX, "The model answer"),
    ):
        if not text:
            problems[name] = f"{what} is empty."
        elif len(text) > most:
            problems[name] = f"{what} is {len(text)} characters; at most {most}."
    if ANSWER not in problems:  # the pack's own rule for a question's body, told to the member
        fences = [f"line {line}: {why}" for line, why in check_fences(answer)]
        if fences:
            problems[ANSWER] = f"The model answer, {'; '.join(fences)}."
    points = key_points(values.get(KEY_POINTS, ""))
    long = [i for i, point in enumerate(points, 1) if len(point) > KEY_POINT_MAX]
    if not points:
        problems[KEY_POINTS] = "Key points are empty: write at least one, one per line."
    elif len(points) > KEY_POINTS_MAX:
        problems[KEY_POINTS] = f"That is {len(points)} key points; at most {KEY_POINTS_MAX}, one per line."
    elif long:
        which = ", ".join(str(i) for i in long)
        problems[KEY_POINTS] = f"Key point {which} is over {KEY_POINT_MAX} characters: shorten it."
    if problems:
        raise DraftError(problems)
    return Draft(level=level, title=title, summary=summary, answer=answer, key_points=tuple(points))


def key_points(text: str) -> list[str]:
    """One per line: blank lines dropped, a leading bullet (`- `, `* `, `1. `) taken off."""
    return [
        point for line in clean(text).split("\n") if (point := clean(_BULLET.sub("", line), one_line=True))
    ]


def values_of(draft: Draft) -> dict[str, str]:
    """A draft as the form's values (pre-filling an admin's edit)."""
    return {
        LEVEL: draft.level,
        TITLE: draft.title,
        SUMMARY: draft.summary,
        ANSWER: draft.answer,
        KEY_POINTS: "\n".join(draft.key_points),
    }


def form(
    action: str,
    title: str,
    values: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
    error: str = "",
) -> Form:
    """The five fields, pre-filled with `values`; `problems` (a refused submission) by field,
    `error` what was refused about the whole (the cap, the pack)."""
    values, problems = values or {}, problems or {}
    return Form(
        title=title,
        action=action,
        fields=tuple(
            FormField(
                name,
                label,
                value=values.get(name, ""),
                max_length=most,
                multiline=multiline,
                error=problems.get(name, ""),
            )
            for name, label, most, multiline in _FIELDS
        ),
        submit="Send suggestion" if action == new_action() else "Approve",
        error=" ".join([*problems.values(), *([error] if error else [])]),
    )


def new_action() -> str:
    return f"{NEW}:new"


def edit_action(number: int) -> str:
    return f"{EDIT}:{number}"


TERMINAL_HINT = "Fill in each field in turn; :cancel stops without sending."


def open_new() -> Response:
    """The form of a new suggestion (platforms without forms show the message)."""
    return Response((Message(body=TERMINAL_HINT),), form=form(new_action(), NEW_TITLE))


def open_edit(suggestion: Suggestion) -> Response:
    """An admin's edit of a pending suggestion, pre-filled with it; sending it approves it."""
    return Response(
        (Message(body=f"Sending the form approves suggestion #{suggestion.number}. {TERMINAL_HINT}"),),
        form=form(
            edit_action(suggestion.number),
            edit_title(suggestion.number),
            values_of(suggestion.draft),
        ),
    )


NEW_TITLE = "Suggest a question"


def edit_title(number: int) -> str:
    """Within Slack's 24 characters for a modal's title up to #999999, so the number shows."""
    return f"Edit and approve #{number}"


def refused(
    action: str, title: str, values: Mapping[str, str], problems: Mapping[str, str], error: str = ""
) -> Response:
    """A submission refused: the form again with what was typed and each reason (Slack keeps the
    modal open with them; the terminal asks again), and a message with the reasons, the text
    quoted back inert and a button to reopen the form with it (Discord, which cannot answer a
    form with a form)."""
    again = form(action, title, values, problems, error)
    lines = [f"Not sent yet: {again.error or 'try again.'}"]
    for name, label, _, _ in _FIELDS:
        typed = clean(values.get(name, ""))
        if typed:
            lines.append(f"**{label}**\n{plain(typed)}")
    message = Message(body="\n\n".join(lines), buttons=(Button("Edit and send again", f"{AGAIN}:{action}"),))
    return Response((message,), form=again)


def queued(number: int, pending: int, cap: int) -> str:
    left = cap - pending
    more = f"You can have {left} more waiting here." if left > 0 else "That is as many as can wait here."
    return (
        f"Thanks! Your suggestion is #{number} in this channel's review queue. You will hear "
        f"privately when an admin approves or rejects it. {more}"
    )


def over_cap(cap: int) -> str:
    return (
        f"You have {plural(cap, 'suggestion')} waiting for review here, the most one person can. "
        "Suggest again once an admin has looked at them."
    )


NOT_SUBSCRIBED = "Suggestions go to a channel that gets the daily question: this one is not subscribed."
EMPTY_QUEUE = "No suggestions are waiting for review here. Members send them with /practice suggest."


def queue(suggestions: Sequence[Suggestion]) -> Message:
    """The pending suggestions, oldest first: number, title, author (never a ping), age."""
    if not suggestions:
        return Message(body=EMPTY_QUEUE)
    lines = [
        f"**#{s.number}** {plain(s.draft.title)}\n"
        f"{LEVEL_NAMES[s.draft.level]} · by {person(s.author)} · sent {moment(s.created_at, 'R')}"
        for s in suggestions
    ]
    return Message(
        title=f"Suggestions waiting for review: {len(suggestions)}",
        body="\n\n".join(lines),
        footer="/practice approve N · /practice edit N · /practice reject N REASON",
    )


def preview(suggestion: Suggestion) -> Message:
    """One suggestion in full, for the admin deciding on it."""
    draft = suggestion.draft
    return Message(
        title=f"#{suggestion.number}: {plain(draft.title)}",
        body=plain(draft.answer),
        fields=(
            Field("Level", LEVEL_NAMES[draft.level]),
            Field("In short", plain(draft.summary)),
            Field("Key points", "\n".join(f"- {plain(p)}" for p in draft.key_points)),
            Field("Suggested by", person(suggestion.author)),
        ),
    )


def no_such(number: int) -> UserError:
    return UserError(f"There is no suggestion #{number} in this channel: /practice queue lists them.")


def decided_already(suggestion: Suggestion) -> UserError:
    return UserError(f"Suggestion #{suggestion.number} was already {suggestion.status}.")


def check_reason(text: str) -> str:
    reason = clean(text, one_line=True)
    if not reason:
        raise UserError("Say why the suggestion is turned down: its author is told.")
    if len(reason) > REASON_MAX:
        raise UserError(f"The reason is {len(reason)} characters; at most {REASON_MAX}.")
    return reason


def approved(suggestion: Suggestion, question_id: str, not_told: str | None) -> str:
    """`not_told`: why the author's private message did not go (None: it went)."""
    said = (
        f"Approved #{suggestion.number}: {plain(suggestion.draft.title)} joins this channel's own pack "
        f"as {question_id}, credited to {person(suggestion.author)}."
    )
    return said + ("" if not_told is None else f" {_not_told(not_told)}")


def rejected(suggestion: Suggestion, not_told: str | None) -> str:
    said = f"Rejected #{suggestion.number}: {plain(suggestion.draft.title)}."
    return f"{said} " + ("Its author is told why." if not_told is None else _not_told(not_told))


def _not_told(reason: str) -> str:
    return f"Its author could not be told ({plain(reason)}): tell them yourself."


def pack_refused(suggestion: Suggestion, reason: str) -> str:
    return (
        f"Suggestion #{suggestion.number} is still waiting: the pack did not take it. {reason} "
        f"/practice edit {suggestion.number} fixes it before approving."
    )


def told_approved(suggestion: Suggestion) -> Message:
    return Message(
        title="Your suggestion was approved",
        body=(
            f"{plain(suggestion.draft.title)} joins the channel's own pack; when it is posted, it says "
            "who suggested it. Thank you!"
        ),
    )


def told_rejected(suggestion: Suggestion, reason: str) -> Message:
    return Message(
        title="Your suggestion was not taken",
        body=f"{plain(suggestion.draft.title)} was turned down by an admin. Their reason: {plain(reason)}",
    )
