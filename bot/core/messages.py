"""Platform-neutral messages, what the bot says in them, and safe splitting.

A `Message` is a title, a Markdown body, named fields and buttons. Renderers turn it into an
embed, Block Kit or terminal text. Two inline markups are shared: `<t:UNIX:STYLE>` is a moment
(Discord's own syntax; STYLE `F` = full date and time, `R` = relative), which every renderer
shows in the reader's own terms; `<u:ID|NAME>` is a person, which a renderer shows as a name or
as a mention that notifies nobody.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.models import Accuracy, Board, Failure, Question, StreakRow, User

LEVEL_NAMES = {"beginner": "Beginner", "intermediate": "Intermediate", "advanced": "Advanced"}
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~|>\[\]()#<@!&:])")


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str  # "<verb>:<argument>", e.g. "answer:websockets-realtime/beginner-01"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Message:
    title: str = ""
    body: str = ""
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""
    tags: tuple[str, ...] = ()  # labels a platform may file the message under (a Discord forum's tags)


@dataclass(frozen=True, slots=True)
class Form:
    """A private form with one multi-line text box (a Discord modal, a Slack modal). Its
    submission comes back to `PracticeService.submit_form(caller, action, text)`. `error`: the
    last submission was refused for this reason (the form is asked for again)."""

    title: str  # at most 45 characters (Discord)
    label: str  # at most 45 characters (Discord)
    action: str  # "<verb>:<argument>", like a button's
    value: str = ""  # pre-filled
    max_length: int = 3000
    error: str = ""


@dataclass(frozen=True, slots=True)
class Response:
    """What a command answers: shown to the caller only unless `private` is False. With a
    `form`, platforms that have forms open it instead of showing the messages."""

    messages: tuple[Message, ...]
    private: bool = True
    form: Form | None = None

    @classmethod
    def text(cls, body: str, *, private: bool = True) -> Response:
        return cls((Message(body=body),), private=private)


def moment(at: datetime, style: str = "F") -> str:
    return f"<t:{int(at.timestamp())}:{style}>"


def plain(text: str) -> str:
    """Text from people (names, replies) made inert: no Markdown, no mentions, no links."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def person(user: User) -> str:
    return f"<u:{user.id}|{plain(re.sub(r'[<>|]', '', user.name))}>"


def level_line(question: Question, level_size: int) -> str:
    return f"{LEVEL_NAMES[question.level]} · {question.number} of {level_size}"


# ---------------------------------------------------------------- what the bot says


ANSWER_IN_THREAD = "Answer in the thread under this message."


def question_post(
    question: Question, level_size: int, reveal_at: datetime | None, how_to_answer: str = ANSWER_IN_THREAD
) -> Message:
    reveal = "The model answer appears in the thread before the next question."
    if reveal_at is not None:
        reveal = f"The model answer appears in the thread {moment(reveal_at)} ({moment(reveal_at, 'R')})."
    return Message(
        title=question.title,
        body=f"{how_to_answer} {reveal}",
        fields=(Field("Level", level_line(question, level_size)), Field("Pack", question.pack)),
        buttons=(bookmark_button(question),),
        footer=question.id,
        tags=(LEVEL_NAMES[question.level],),
    )


def revealed_post(question: Question, level_size: int, answer_count: int) -> Message:
    people = {0: "Nobody", 1: "1 person"}.get(answer_count, f"{answer_count} people")
    return Message(
        title=question.title,
        body=f"Revealed: the model answer is in the thread. {people} answered in time.",
        fields=(Field("Level", level_line(question, level_size)), Field("Pack", question.pack)),
        buttons=(bookmark_button(question),),
        footer=question.id,
    )


def reveal(
    question: Question, answered: list[User], late: list[User], buttons: tuple[Button, ...] = ()
) -> Message:
    """The model answer in the thread; `buttons`: the self-check, one per count of key points."""
    fields = [
        Field("Key points", "\n".join(f"- [ ] {p}" for p in question.key_points)),
        Field("Follow-up questions", "\n".join(f"- {f}" for f in question.follow_ups)),
        Field("References", "\n".join(f"- {r}" for r in question.references)),
        Field(
            "Answered in time",
            ", ".join(person(u) for u in answered) if answered else "nobody this time",
        ),
    ]
    if late:
        fields.append(Field("Answered late", ", ".join(person(u) for u in late)))
    if buttons:
        fields.append(Field("Self-check", SELF_CHECK_HINT))
    return Message(
        title=f"Model answer: {question.title}",
        body=question.body,
        fields=tuple(fields),
        buttons=(*buttons, bookmark_button(question)),
    )


def failure_line(failure: Failure) -> str:
    """An item given up, for admins: what, when, after how many tries, and why."""
    tries = "1 try" if failure.tries == 1 else f"{failure.tries} tries"
    return f"{failure.item} on {failure.at:%Y-%m-%d %H:%M} UTC after {tries}: {failure.reason}"


QUESTION_REMOVED = "The question message was removed from this channel; here is its model answer."

SELF_CHECK_HINT = (
    "Answered this one? Mark how many of the key points your answer covered "
    "(mark again to change it); it adds to your accuracy on /streaks."
)


def question_card(question: Question, level_size: int) -> Message:
    return Message(
        title=question.title,
        body="Think it through, then look.",
        fields=(Field("Level", level_line(question, level_size)),),
        buttons=(Button("Show answer", f"answer:{question.id}"), bookmark_button(question)),
        footer=question.id,
    )


def answer_card(question: Question) -> Message:
    return Message(
        title=f"Model answer: {question.title}",
        body=question.body,
        fields=(
            Field("In short", question.summary),
            Field("Key points", "\n".join(f"- {p}" for p in question.key_points)),
            Field("References", "\n".join(f"- {r}" for r in question.references)),
        ),
        buttons=(bookmark_button(question),),
        footer=question.id,
    )


def bookmark_button(question: Question) -> Button:
    """On every card and post of a question: keeps it for /review."""
    return Button("Bookmark", f"bookmark:{question.id}")


BOARD_ROWS = 20  # people shown on /streaks; the rest are counted


def board(result: Board, *, limit: int = BOARD_ROWS) -> Message:
    later = result.season > 1  # from season 2 on, best ever (across seasons) beside this season's
    best = f"best {result.team.best}" + (f", best ever {result.team_best_ever}" if later else "")
    team = f"Team streak: {result.team.current} ({best})"
    season = _season(result)
    if not result.rows:
        empty = "No answers yet this season." if later else "No answers yet."
        return Message(title="Streaks", body=f"{empty} {team}.", footer=season)
    lines = [
        f"{rank}. {plain(row.user.name)} - {_counts(row, later)}"
        for rank, row in enumerate(result.rows[:limit], start=1)
    ]
    people = len(result.rows) if result.people is None else result.people
    if people > limit:
        lines.append(f"... and {people - limit} more")
    return Message(
        title="Streaks",
        body="\n".join(lines),
        footer=f"{team} · {plural(result.closed_posts, 'post')} closed · {season}",
    )


def my_streak(result: Board, user: User) -> Message:
    mine = next((r for r in result.rows if r.user.id == user.id), None)
    later = result.season > 1
    if mine is None:
        past = result.past_best.get(user.id, 0)
        if later and past:
            kept = result.accuracy.get(user.id)
            accuracy = f" Accuracy {kept.percent}%{_checked(kept)}, kept across seasons." if kept else ""
            return Message(
                title="Your streak",
                body=f"No answers this season yet; your best ever here is {past}.{accuracy}",
                footer=_season(result),
            )
        return Message(title="Your streak", body="You have not answered a question here yet.")
    body = _counts(mine, later) + (_checked(mine.accuracy) if mine.accuracy else "")
    return Message(title="Your streak", body=body, footer=_season(result) if later else "")


def _checked(accuracy: Accuracy) -> str:
    points, checks = plural(accuracy.total, "key point"), plural(accuracy.checks, "self-check")
    return f" ({accuracy.covered} of {points} over {checks})"


def _season(result: Board) -> str:
    since = f" since {result.season_since}" if result.season_since else ""
    return f"Season {result.season}{since}"


def _counts(row: StreakRow, best_ever: bool = False) -> str:
    """A board line's numbers, also `/streaks me`: the freezes held only when there are any; best
    ever across seasons once there is more than one; the accuracy only for people who marked a
    self-check."""
    counts = f"current {row.current}, best {row.best}, total {row.total}"
    if row.freezes:
        counts = f"{counts}, {plural(row.freezes, 'freeze')} held"
    if best_ever:
        counts = f"{counts}, best ever {max(row.best_ever, row.best)}"
    return f"{counts}, accuracy {row.accuracy.percent}%" if row.accuracy is not None else counts


# ---------------------------------------------------------------- splitting


def split_markdown(text: str, limit: int) -> list[str]:
    """Cut Markdown into chunks of at most `limit` characters, at paragraph or line breaks,
    never inside a code block: a block too long for one chunk is closed and reopened with
    the same fence and language, so every chunk renders on its own."""
    if limit < 40:
        raise ValueError("limit too small to split Markdown safely")
    pieces = _blocks(text)
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        for part in _fit(piece, limit):
            candidate = f"{current}\n\n{part}" if current else part
            if len(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = part
    if current:
        chunks.append(current)
    return chunks


def _blocks(text: str) -> list[str]:
    """Paragraphs and whole code blocks, in order."""
    blocks: list[str] = []
    lines: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if fence is None and match:
            if lines:
                blocks.append("\n".join(lines))
            lines, fence = [line], match[1]
        elif fence is not None:
            lines.append(line)
            if match and match[1].startswith(fence) and not match[2].strip():
                blocks.append("\n".join(lines))
                lines, fence = [], None
        elif not line.strip():
            if lines:
                blocks.append("\n".join(lines))
            lines = []
        else:
            lines.append(line)
    if lines:
        blocks.append("\n".join(lines))
    return blocks


def _fit(block: str, limit: int) -> list[str]:
    if len(block) <= limit:
        return [block]
    lines = block.splitlines()
    match = _FENCE.match(lines[0])
    if match:
        opening, closing = lines[0], match[1]
        inner, room = lines[1:-1], limit - len(opening) - len(closing) - 2
        return [f"{opening}\n{part}\n{closing}" for part in _pack_lines(inner, room)]
    return _pack_lines(lines, limit)


def _pack_lines(lines: list[str], limit: int) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        while len(line) > limit:  # a single line longer than a chunk: cut it hard
            if current:
                parts.append("\n".join(current))
                current, size = [], 0
            parts.append(line[:limit])
            line = line[limit:]
        extra = len(line) + (1 if current else 0)
        if size + extra > limit:
            parts.append("\n".join(current))
            current, size = [], 0
            extra = len(line)
        current.append(line)
        size += extra
    if current:
        parts.append("\n".join(current))
    return parts


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def bullets(items: Sequence[str]) -> str:
    """A field's list: one item reads as itself, several as `- ` lines."""
    return items[0] if len(items) == 1 else "\n".join(f"- {item}" for item in items)


@dataclass(frozen=True, slots=True)
class Picture:
    """An image sent with a message (the weekly recap's): PNG bytes and what they show."""

    filename: str
    data: bytes
    width: int
    height: int
    description: str = ""
