r"""Neutral messages -> Slack Block Kit and mrkdwn. Pure: no I/O.

Limits (Slack's Block Kit reference): 50 blocks per message, section text 3,000, header text
150 (plain text), button text 75, action_id 255 (unique in its block), 25 elements per actions
block. Markdown becomes mrkdwn: **bold** -> *bold*, [text](url) -> <url|text>, <url> -> <url>,
checkboxes and `* ` bullets -> symbols, code kept (Slack ignores a fence's language).

What a person typed reaches the renderer as Markdown escapes (`plain()`: `\*`, `\<`, ...), and is
shown exactly as typed, never as markup
(https://docs.slack.dev/messaging/formatting-message-text, "Escaping text";
https://docs.slack.dev/reference/block-kit/composition-objects/text-object, `verbatim`):
- every mrkdwn text object is `verbatim`, so Slack does not turn a plain `@here`, `#channel` or
  URL into a mention or link; our own links and dates are explicit `<...>` strings, which still work;
- `&`, `<` and `>` are always escaped, so no text can form a link or a `<!channel>` ping;
- mrkdwn has no escape for `*`, `_`, `~` and `` ` ``: a typed one is sent as the fallback of a date
  that cannot be formatted, `<!date^0^{_}|*>`, which Slack shows as plain text, unformatted
  (the method jsx-slack uses, docs/about-escape-and-exact-mode.md); a typed `>` that starts a
  line is preceded by an invisible soft hyphen, so it is not a quote.
Control characters other than tab and newline are dropped. People are shown by name, which
notifies nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.core.shared.messages import Message

BLOCKS_MAX = 50
SECTION_MAX = 3000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
ACTION_ID_MAX = 255
ACTIONS_MAX = 25  # elements of one actions block
FALLBACK_MAX = 300
ACTION_PREFIX = "pb:"
SOFT_HYPHEN = "\u00ad"

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_MOMENT = re.compile(r"<t:(-?\d+):([A-Za-z])>")
_PERSON = re.compile(r"<u:[^|>]+\|([^>]*)>")
_ESCAPED = re.compile(r"\\([\\`*_~|>\[\]()#<@!&:])")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# One pass over a line of prose, left to right, so an escaped character is consumed before it can
# start any markup: a typed `\<https://x|y\>` or `\[a\](https://x)` stays text.
_TOKEN = re.compile(
    r"\\(?P<escaped>[\\`*_~|>\[\]()#<@!&:])"
    r"|<t:(?P<stamp>-?\d+):(?P<style>[A-Za-z])>"
    r"|<u:[^|>]+\|(?P<name>[^>]*)>"
    r"|\[(?P<label>(?:\\.|[^\]\\])+)\]\((?P<url>https?://[^)\s]+)\)"
    r"|<(?P<autolink>https?://[^\s<>|]+)>"
    r"|(?P<bold>\*\*)"
    r"|(?P<code>`[^`]+`)"  # inline code: only escaped
)
_LIST = re.compile(r"^(\s*)(- \[ \] |\* )")  # our checkboxes and `* ` bullets (a typed `*` is escaped)
_FORMATTING = frozenset("*_~`")  # the characters mrkdwn formats with
_ATOM = re.compile(r"<[^<>]*>|&(?:amp|lt|gt);")  # never cut inside one

Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Rendered:
    """One Slack message: blocks and the plain-text fallback shown in notifications."""

    blocks: tuple[Block, ...]
    text: str


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _typed(char: str) -> str:
    """One character a person typed, shown as itself and never as formatting."""
    return f"<!date^0^{{_}}|{char}>" if char in _FORMATTING else escape(char)


def _moment(stamp: int, style: str) -> str:
    fallback = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
    token = "{date_short_pretty} at {time}" if style != "R" else "{ago}"
    return f"<!date^{stamp}^{token}|{fallback}>"


def mrkdwn(markdown: str) -> str:
    """Markdown as Slack mrkdwn. Code is escaped but otherwise left alone."""
    out: list[str] = []
    in_code = False
    markdown = _PERSON.sub(lambda m: m[0].replace("\n", " "), _CONTROL.sub("", markdown))  # a name: one line
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            in_code = not in_code
            out.append("```")
            continue
        if in_code:
            out.append(escape(line))
            continue
        out.append(_line(line))
    return "\n".join(out)


def _line(line: str) -> str:
    start = ""
    if listed := _LIST.match(line):
        start, line = listed[1] + ("☐ " if listed[2].startswith("-") else "• "), line[listed.end() :]
    elif line.lstrip().startswith("\\>"):
        start = SOFT_HYPHEN  # a typed `>` at the start of a line is not a quote
    return start + _prose(line)


def _prose(text: str) -> str:
    out: list[str] = []
    done = 0
    for token in _TOKEN.finditer(text):
        out.append(escape(text[done : token.start()]))
        done = token.end()
        if token["escaped"] is not None:
            out.append(_typed(token["escaped"]))
        elif token["stamp"] is not None:
            out.append(_moment(int(token["stamp"]), token["style"]))
        elif token["name"] is not None:
            out.append(_prose(token["name"]))
        elif token["url"] is not None:
            out.append(f"<{token['url']}|{escape(_unescaped(token['label']))}>")
        elif token["autolink"] is not None:
            out.append(f"<{token['autolink']}>")
        elif token["code"] is not None:
            out.append(escape(token["code"]))
        else:
            out.append("*")  # ** -> *
    out.append(escape(text[done:]))
    return "".join(out)


def _unescaped(markdown: str) -> str:
    return _ESCAPED.sub(r"\1", markdown)


def plain_text(markdown: str, limit: int) -> str:
    """For header blocks, buttons and modals (plain_text objects): no markup at all."""
    text = _PERSON.sub(r"\1", _CONTROL.sub("", markdown))
    text = _MOMENT.sub(lambda m: datetime.fromtimestamp(int(m[1]), UTC).strftime("%Y-%m-%d %H:%M UTC"), text)
    text = _unescaped(_LINK.sub(r"\1", text.replace("**", "")))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def action_id(action: str) -> str | None:
    value = ACTION_PREFIX + action
    return value if len(value) <= ACTION_ID_MAX else None


def action_of(value: str) -> str | None:
    return value[len(ACTION_PREFIX) :] if value.startswith(ACTION_PREFIX) else None


def _text(text: str) -> Block:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _sections(markdown: str, heading: str = "") -> list[Block]:
    converted = mrkdwn(markdown)
    if not converted.strip():
        return []
    text = f"{heading}\n{converted}" if heading else converted
    return [{"type": "section", "text": _text(piece)} for piece in split(text, SECTION_MAX) if piece.strip()]


def split(text: str, limit: int) -> list[str]:
    """Converted mrkdwn in pieces of at most `limit` characters: at the last blank line that
    fits, else the last line break, else between two characters of text (never inside a `<...>`
    or an entity). A code block cut in two is closed and reopened, so each piece renders alone."""
    pieces: list[str] = []
    while len(text) > limit:
        room = limit - 4  # for the fence that closes a cut code block
        cut, skip = text.rfind("\n\n", 0, room), 2
        if cut <= 0:
            cut, skip = text.rfind("\n", 0, room), 1
        if cut <= 0:
            cut, skip = _between_atoms(text, room), 0
        piece, text = text[:cut], text[cut + skip :]
        if len(re.findall(r"^```$", piece, re.M)) % 2:
            piece, text = piece + "\n```", "```\n" + text
        elif not skip and text.startswith("&gt;"):
            text = SOFT_HYPHEN + text  # now at the start of a section: not a quote
        pieces.append(piece)
    pieces.append(text)
    return pieces


def _between_atoms(text: str, cut: int) -> int:
    for atom in _ATOM.finditer(text, max(0, cut - SECTION_MAX), cut + SECTION_MAX):
        if atom.start() < cut < atom.end():
            return atom.start() or cut
    return cut


def render(message: Message) -> list[Rendered]:
    """A message as Block Kit, split into several Slack messages if it passes 50 blocks."""
    blocks: list[Block] = []
    if title := plain_text(message.title, HEADER_MAX).strip():
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title}})
    blocks += _sections(message.body)
    for field in message.fields:
        # a heading is one line: a line break in a name would start a line of its own (a fence)
        blocks += _sections(field.value, heading=f"*{escape(' '.join(field.name.split()))}*")
    if footer := mrkdwn(message.footer).strip():
        blocks.append({"type": "context", "elements": [_text(split(footer, SECTION_MAX)[0])]})
    buttons = {
        aid: {
            "type": "button",
            "text": {"type": "plain_text", "text": plain_text(button.label, BUTTON_TEXT_MAX)},
            "action_id": aid,
            "value": button.action[:2000],
        }
        for button in message.buttons
        if (aid := action_id(button.action)) is not None
    }
    elements = list(buttons.values())
    for start in range(0, len(elements), ACTIONS_MAX):
        blocks.append({"type": "actions", "elements": elements[start : start + ACTIONS_MAX]})
    # the notification text: escaped too (a top-level `text` is parsed for <!here> and links)
    fallback = escape(plain_text(message.title or message.body, FALLBACK_MAX)) or "practicebot"
    return [
        Rendered(tuple(blocks[i : i + BLOCKS_MAX]), fallback) for i in range(0, len(blocks), BLOCKS_MAX)
    ] or [Rendered((), fallback)]
