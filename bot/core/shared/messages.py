"""Platform-neutral messages, the helpers every feature words with, and safe splitting (each
feature's own wording is beside it: daily/messages.py, review/messages.py, blind/rules.py, ...).

A `Message` is a title, a Markdown body, named fields and buttons. Renderers turn it into an
embed, Block Kit or terminal text. Two inline markups are shared: `<t:UNIX:STYLE>` is a moment
(Discord's own syntax; STYLE `F` = full date and time, `R` = relative), which every renderer
shows in the reader's own terms; `<u:ID|NAME>` is a person, which a renderer shows as a name or
as a mention that notifies nobody.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.shared.models import Question, User

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


FORM_FIELDS_MAX = 5  # Discord: a modal holds at most 5 components
FORM_TEXT_MAX = 45  # Discord: a modal's title and a Label's text
FORM_INPUT_MAX = 3000  # Slack: a plain_text_input's max_length (Discord's is 4,000)
FORM_SUBMIT_MAX = 24  # Slack: a modal's submit button


@dataclass(frozen=True, slots=True)
class FormField:
    """One text box of a form. `name`: what its value comes back under (unique in the form; the
    text input's custom id on Discord, its block id on Slack). `error`: the last submission's
    value was refused for this reason (shown beside the box where the platform can)."""

    name: str
    label: str  # at most FORM_TEXT_MAX characters
    value: str = ""  # pre-filled
    max_length: int = FORM_INPUT_MAX
    multiline: bool = True
    required: bool = True
    error: str = ""


@dataclass(frozen=True, slots=True)
class Form:
    """A private form of one to five text boxes (a Discord modal, a Slack modal, the terminal
    asking for each in turn). Its submission comes back to `PracticeService.submit_form(caller,
    action, values)`, the values by field name. `error`: the last submission was refused for
    this reason (the form is asked for again, with what was typed); each field's own reason is
    on the field."""

    title: str  # at most FORM_TEXT_MAX characters
    action: str  # "<verb>:<argument>", like a button's
    fields: tuple[FormField, ...]
    submit: str = "Send"  # the submit button, at most FORM_SUBMIT_MAX characters
    error: str = ""

    def __post_init__(self) -> None:
        """A form every platform can show, or a bug in the feature that built it."""
        names = [f.name for f in self.fields]
        if not 1 <= len(names) <= FORM_FIELDS_MAX or len(set(names)) != len(names):
            raise ValueError(f"a form has 1 to {FORM_FIELDS_MAX} fields with distinct names, not {names}")
        if len(self.title) > FORM_TEXT_MAX or len(self.submit) > FORM_SUBMIT_MAX:
            raise ValueError(f"form title or submit too long: {self.title!r}, {self.submit!r}")
        for f in self.fields:
            if not f.name or len(f.label) > FORM_TEXT_MAX or not 1 <= f.max_length <= FORM_INPUT_MAX:
                raise ValueError(f"form field {f.name!r}: label at most {FORM_TEXT_MAX}, max_length 1..3000")

    def with_values(self, values: Mapping[str, str]) -> Form:
        """The form pre-filled with what was typed (a refused submission asks again with it)."""
        fields = tuple(dataclasses.replace(f, value=values.get(f.name, f.value)) for f in self.fields)
        return dataclasses.replace(self, fields=fields)


ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024  # a pack file a person attaches; larger ones are refused unread


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file: one a person attached to a command (the adapter read it, at most
    ATTACHMENT_MAX_BYTES), or one the bot sends back with a Response."""

    filename: str
    data: bytes


def file_too_large(filename: str, size: int) -> str:
    """The refusal of an attached file over ATTACHMENT_MAX_BYTES (nothing of it is read)."""
    return f"{plain(filename)} is {size / 1024 / 1024:.1f} MB: a pack file may be at most 2 MB."


def draw_too(drawn: Sequence[str], pack_id: str) -> str:
    """How a channel that draws from `drawn` only comes to draw `pack_id` too (after an import
    or an approved suggestion lands in a pack it does not draw from)."""
    return f"To draw from it here too: /practice subscribe packs={','.join((*drawn, pack_id))}"


@dataclass(frozen=True, slots=True)
class Response:
    """What a command answers: shown to the caller only unless `private` is False. With a
    `form`, platforms that have forms open it instead of showing the messages; an `attachment`
    goes with the messages as a file."""

    messages: tuple[Message, ...]
    private: bool = True
    form: Form | None = None
    attachment: Attachment | None = None

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
