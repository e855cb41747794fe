"""What a person sees in a Slack message: mrkdwn as the client shows it, with the mentions that
notify people, the links and the formatting.

From Slack's "Formatting text for app surfaces" (https://docs.slack.dev/messaging/formatting-message-text)
and the text object reference (https://docs.slack.dev/reference/block-kit/composition-objects/text-object):
- `&amp;`, `&lt;`, `&gt;` are shown as `&`, `<`, `>`; `<...>` is special: `<!here>`, `<!channel>`,
  `<!everyone>`, `<!subteam^ID>`, `<@U...>`, `<#C...>` mention; `<url>` / `<url|label>` link;
  `<!date^ts^format|fallback>` shows a date (here: its fallback, as plain text, never formatted);
- a mrkdwn text object without `verbatim: true` is "automatically parsed" first: a plain `@here`,
  `@channel`, `@everyone` becomes that mention and a bare URL a link;
- a top-level `text` is parsed only with `parse=full` or `link_names` (chat.postMessage: "parse
  defaults to none", "link_names: find and link user groups");
- `*bold*`, `_italic_`, `~strike~`, `` `code` `` need a delimiter at a word boundary on the outside
  and text right inside; ``` fences a code block; `>` starting a line quotes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BROADCASTS = frozenset({"here", "channel", "everyone"})
_SPECIAL = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_AUTO_MENTION = re.compile(r"(?<![\w@])@(here|channel|everyone)\b")
_AUTO_URL = re.compile(r"(?<![\w/])(https?://[^\s<>]+)")
# the probe below shows literal text as "a": never a delimiter, never a word boundary
_STYLES = {
    "bold": re.compile(r"(?<![A-Za-z0-9*])\*(?=\S)([^*\n]*?\S)\*(?![A-Za-z0-9*])"),
    "italic": re.compile(r"(?<![A-Za-z0-9_])_(?=\S)([^_\n]*?\S)_(?![A-Za-z0-9_])"),
    "strike": re.compile(r"(?<![A-Za-z0-9~])~(?=\S)([^~\n]*?\S)~(?![A-Za-z0-9~])"),
}
_CODE_BLOCK = re.compile(r"```(.+?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_QUOTE = re.compile(r"^>", re.M)


@dataclass
class Shown:
    text: str = ""  # what a person reads
    mentions: list[str] = field(
        default_factory=list
    )  # "here", "channel", "everyone", "U1", "#C1", "subteam^S1"
    links: list[tuple[str, str]] = field(default_factory=list)  # (url, label shown)
    styles: list[tuple[str, str]] = field(default_factory=list)  # (bold|italic|strike|code|quote, text)

    def __iadd__(self, other: Shown) -> Shown:
        self.text = f"{self.text}\n{other.text}" if self.text else other.text
        self.mentions += other.mentions
        self.links += other.links
        self.styles += other.styles
        return self


def auto_parse(text: str) -> str:
    """Slack's automatic parsing of a non-verbatim text: plain mentions and URLs become `<...>`."""
    out: list[str] = []
    done = 0
    for special in _SPECIAL.finditer(text):  # already special: left alone
        out.append(_auto(text[done : special.start()]))
        out.append(special[0])
        done = special.end()
    out.append(_auto(text[done:]))
    return "".join(out)


def _auto(text: str) -> str:
    return _AUTO_URL.sub(r"<\1>", _AUTO_MENTION.sub(r"<!\1>", text))


def show(text: str, *, parse: bool = True) -> Shown:
    """A mrkdwn string as shown; `parse`: automatic parsing first (mrkdwn without `verbatim`)."""
    if parse:
        text = auto_parse(text)
    shown = Shown()
    chars: list[str] = []
    formattable: list[bool] = []

    def add(piece: str, *, literal: bool) -> None:
        chars.extend(piece)
        formattable.extend([not literal] * len(piece))

    done = 0
    for special in _SPECIAL.finditer(text):
        add(_decoded(text[done : special.start()]), literal=False)
        done = special.end()
        inner = special[1]
        target, _, label = inner.partition("|")
        if target.startswith("!date^"):
            add(_decoded(label), literal=True)
        elif target.startswith("!"):
            name = target[1:]
            if name in BROADCASTS or name.startswith("subteam^"):
                shown.mentions.append(name)
            add("@" + (label or name), literal=True)
        elif target.startswith(("@", "#")):
            shown.mentions.append(target[1:] if target.startswith("@") else target)
            add(label or target, literal=True)
        else:
            shown.links.append((target, _decoded(label or target)))
            add(_decoded(label or target), literal=True)
    add(_decoded(text[done:]), literal=False)
    shown.text, shown.styles = _formatted("".join(chars), formattable)
    return shown


def _decoded(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m[1]], text)


def _formatted(text: str, formattable: list[bool]) -> tuple[str, list[tuple[str, str]]]:
    """The text without the delimiters Slack formats with, and what each style covers."""
    probe = "".join(c if ok else "a" for c, ok in zip(text, formattable, strict=True))
    hidden = [False] * len(text)
    styles: list[tuple[str, str]] = []

    def mark(kind: str, match: re.Match[str], width: int) -> None:
        if any(hidden[match.start() : match.end()]):
            return
        styles.append((kind, text[match.start() + width : match.end() - width]))
        for i in (*range(match.start(), match.start() + width), *range(match.end() - width, match.end())):
            hidden[i] = True

    code = [False] * len(text)
    for kind, pattern, width in (("code", _CODE_BLOCK, 3), ("code", _CODE, 1)):
        for match in pattern.finditer(probe):
            if not any(code[match.start() : match.end()]):
                mark(kind, match, width)
                code[match.start() : match.end()] = [True] * (match.end() - match.start())
    for kind, pattern in _STYLES.items():
        for match in pattern.finditer(probe):
            if not any(code[match.start() : match.end()]):
                mark(kind, match, 1)
    for match in _QUOTE.finditer(probe):
        if not code[match.start()]:
            line_end = probe.find("\n", match.start())
            styles.append(("quote", text[match.start() + 1 : line_end if line_end >= 0 else len(text)]))
            hidden[match.start()] = True
    return "".join(c for c, gone in zip(text, hidden, strict=True) if not gone), styles


def message_shown(message: dict[str, object]) -> Shown:
    """Everything a person reads in a stored message: its blocks (each text object as Slack
    treats it) or, without blocks, its top-level text."""
    shown = Shown()
    blocks = message.get("blocks") or []
    if not blocks:
        return show(str(message.get("text") or ""), parse=False)  # parsed when posted, if asked
    for block in blocks if isinstance(blocks, list) else []:
        for obj in _text_objects(block):
            if obj.get("type") == "mrkdwn":
                shown += show(str(obj.get("text", "")), parse=not obj.get("verbatim"))
            else:
                shown += Shown(text=str(obj.get("text", "")))
    return shown


def _text_objects(block: object) -> list[dict[str, object]]:
    if not isinstance(block, dict):
        return []
    found: list[dict[str, object]] = []
    for key in ("text", "label"):
        obj = block.get(key)
        if isinstance(obj, dict) and "type" in obj:
            found.append(obj)
    for obj in block.get("fields") or []:
        if isinstance(obj, dict):
            found.append(obj)
    for element in block.get("elements") or []:
        if isinstance(element, dict) and element.get("type") in ("mrkdwn", "plain_text"):
            found.append(element)
        else:
            found += _text_objects(element)
    return found
