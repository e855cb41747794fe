"""Neutral messages -> Slack Block Kit and mrkdwn. Pure: no I/O.

Limits (Slack's Block Kit reference): 50 blocks per message, section text 3,000, header text
150 (plain text), button text 75, action_id 255 (unique in its block), 25 elements per actions
block. Markdown becomes mrkdwn: **bold** -> *bold*, [text](url) -> <url|text>, lists -> bullets,
code kept (Slack ignores a fence's language).
`&`, `<` and `>` are escaped everywhere, so no text can form a link or a `<!channel>` ping;
people are shown by name, which notifies nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.core.messages import Message, split_markdown

BLOCKS_MAX = 50
SECTION_MAX = 3000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
ACTION_ID_MAX = 255
ACTIONS_MAX = 25  # elements of one actions block
FALLBACK_MAX = 300
ACTION_PREFIX = "pb:"

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_MOMENT = re.compile(r"<t:(-?\d+):([A-Za-z])>")
_PERSON = re.compile(r"<u:[^|>]+\|([^>]*)>")
_ESCAPED = re.compile(r"\\([\\`*_~|>\[\]()#<@!&:])")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_ANGLE_URL = re.compile(r"&lt;(https?://[^\s&]+)&gt;")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BULLET = re.compile(r"^(\s*)[-*] (?!\[)", re.M)
_CHECKBOX = re.compile(r"^(\s*)- \[ \] ", re.M)

Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Rendered:
    """One Slack message: blocks and the plain-text fallback shown in notifications."""

    blocks: tuple[Block, ...]
    text: str


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _moment(match: re.Match[str]) -> str:
    stamp, style = int(match[1]), match[2]
    fallback = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
    token = "{date_short_pretty} at {time}" if style != "R" else "{ago}"
    return f"<!date^{stamp}^{token}|{fallback}>"


def mrkdwn(markdown: str) -> str:
    """Markdown as Slack mrkdwn. Code is escaped but otherwise left alone."""
    out: list[str] = []
    in_code = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            in_code = not in_code
            out.append("```")
            continue
        if in_code:
            out.append(escape(line))
            continue
        out.append(_inline(line))
    return "\n".join(out)


def _inline(line: str) -> str:
    parts = re.split(r"(`[^`]+`)", line)  # inline code spans are only escaped
    return "".join(escape(part) if index % 2 else _prose(part) for index, part in enumerate(parts))


def _prose(text: str) -> str:
    held: list[str] = []  # finished Slack markup, kept out of the escaping below

    def hold(markup: str) -> str:
        held.append(markup)
        return f"\x00{len(held) - 1}\x00"

    text = _MOMENT.sub(lambda m: hold(_moment(m)), text)
    text = _PERSON.sub(r"\1", text)
    text = _LINK.sub(lambda m: hold(f"<{m[2]}|{escape(m[1])}>"), text)
    text = escape(_ESCAPED.sub(r"\1", text))
    text = _ANGLE_URL.sub(r"<\1>", text)
    text = _BOLD.sub(r"*\1*", text)
    text = _CHECKBOX.sub(r"\1☐ ", text)
    text = _BULLET.sub(r"\1• ", text)
    return re.sub("\x00(\\d+)\x00", lambda m: held[int(m[1])], text)


def plain_text(markdown: str, limit: int) -> str:
    """For header blocks and fallbacks: no markup at all."""
    text = _PERSON.sub(r"\1", _ESCAPED.sub(r"\1", markdown))
    text = _MOMENT.sub(lambda m: datetime.fromtimestamp(int(m[1]), UTC).strftime("%Y-%m-%d %H:%M UTC"), text)
    text = _LINK.sub(r"\1", text).replace("**", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def action_id(action: str) -> str | None:
    value = ACTION_PREFIX + action
    return value if len(value) <= ACTION_ID_MAX else None


def action_of(value: str) -> str | None:
    return value[len(ACTION_PREFIX) :] if value.startswith(ACTION_PREFIX) else None


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _sections(markdown: str, heading: str = "") -> list[Block]:
    room = SECTION_MAX - len(heading) - 1
    chunks = split_markdown(markdown, room) if markdown else []
    blocks = []
    for index, chunk in enumerate(chunks):
        converted = mrkdwn(chunk)
        prefix = f"{heading}\n" if heading and index == 0 else ""
        for piece in split_markdown(converted, SECTION_MAX - len(prefix)):  # escaping may lengthen it
            blocks.append(_section(prefix + piece))
            prefix = ""
    return blocks


def render(message: Message) -> list[Rendered]:
    """A message as Block Kit, split into several Slack messages if it passes 50 blocks."""
    blocks: list[Block] = []
    if message.title:
        blocks.append(
            {"type": "header", "text": {"type": "plain_text", "text": plain_text(message.title, HEADER_MAX)}}
        )
    blocks += _sections(message.body)
    for field in message.fields:
        blocks += _sections(field.value, heading=f"*{escape(field.name)}*")
    if message.footer:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": mrkdwn(message.footer)[:SECTION_MAX]}],
            }
        )
    buttons = {
        aid: {
            "type": "button",
            "text": {"type": "plain_text", "text": button.label[:BUTTON_TEXT_MAX]},
            "action_id": aid,
            "value": button.action[:2000],
        }
        for button in message.buttons
        if (aid := action_id(button.action)) is not None
    }
    elements = list(buttons.values())
    for start in range(0, len(elements), ACTIONS_MAX):
        blocks.append({"type": "actions", "elements": elements[start : start + ACTIONS_MAX]})
    fallback = plain_text(message.title or message.body, FALLBACK_MAX) or "practicebot"
    return [
        Rendered(tuple(blocks[i : i + BLOCKS_MAX]), fallback) for i in range(0, len(blocks), BLOCKS_MAX)
    ] or [Rendered((), fallback)]
