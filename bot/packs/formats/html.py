"""Anki fields are HTML. Ours are written so they read back exactly; anyone else's are turned
into Markdown text carefully: line breaks and blocks kept, code blocks fenced, tags dropped."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_OURS = re.compile(r"(?:[^<]|<br>|</?ul>|</?li>)*")  # escaped text, our <br>s and lists only
_ITEM = re.compile(r"<li>(.*?)</li>")
_BLOCKS = frozenset(
    {"div", "p", "ul", "ol", "li", "tr", "table", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
)
_DROPPED = frozenset({"script", "style", "head", "title"})


def from_text(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def from_list(items: tuple[str, ...]) -> str:
    return "<ul>" + "".join(f"<li>{from_text(item)}</li>" for item in items) + "</ul>"


def to_text(field: str) -> str:
    """A field's text: exactly what `from_text` was given when the field is still ours."""
    if _OURS.fullmatch(field) and "<li>" not in field:
        return html.unescape(field.replace("<br>", "\n"))
    parser = _Text()
    parser.feed(field)
    parser.close()
    return parser.text()


def to_list(field: str) -> list[str]:
    """A list field: its <li> items, or else its non-empty lines."""
    if _OURS.fullmatch(field) and field.startswith("<ul>"):
        return [html.unescape(item.replace("<br>", "\n")) for item in _ITEM.findall(field)]
    return [line.strip().lstrip("-*• ").strip() for line in to_text(field).splitlines() if line.strip()]


class _Text(HTMLParser):
    """HTML to Markdown-ish text: what a person would have typed into the field."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._pre = 0
        self._dropped = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self._dropped += 1
        elif tag == "br":
            self._out.append("\n")
        elif tag == "pre":
            language = next((v for k, v in attrs if k == "class" and v), "") or ""
            self._pre += 1
            self._out.append(f"\n```{_language(language)}\n")
        elif tag == "code" and not self._pre:
            self._out.append("`")
        elif tag == "code":
            language = _language(next((v for k, v in attrs if k == "class" and v), "") or "")
            if language != "text" and self._out and self._out[-1].startswith("\n```text"):
                self._out[-1] = f"\n```{language}\n"
        elif tag in ("b", "strong"):
            self._out.append("**")
        elif tag in ("i", "em"):
            self._out.append("*")
        elif tag in _BLOCKS:
            self._out.append("\n- " if tag == "li" else "\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag == "hr":
            self._out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self._dropped = max(0, self._dropped - 1)
        elif tag == "pre" and self._pre:
            self._pre -= 1
            self._out.append("\n```\n")
        elif tag == "code" and not self._pre:
            self._out.append("`")
        elif tag in ("b", "strong"):
            self._out.append("**")
        elif tag in ("i", "em"):
            self._out.append("*")
        elif tag in _BLOCKS and tag != "li":  # the next item starts its own line
            self._out.append("\n")

    def handle_data(self, data: str) -> None:
        if self._dropped:
            return
        # outside code, HTML's own line breaks and runs of spaces are one space
        self._out.append(data if self._pre else re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self._out).replace("\xa0", " ").split("\n")]
        kept, inside = [], False
        for line in lines:  # inside a fenced block indentation is code: keep it
            fence = line.lstrip().startswith("```")
            kept.append(line if inside and not fence else line.strip())
            inside ^= fence
        text = "\n".join(kept)
        return re.sub(r"\n{3,}", "\n\n", text).strip()


def _language(css_class: str) -> str:
    match = re.search(r"(?:language|lang)-([\w+#.-]+)", css_class)
    return match[1] if match else "text"
