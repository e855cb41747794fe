"""A question written as the Markdown file with TOML front matter that the loader reads."""

from __future__ import annotations

import unicodedata

from bot.core.shared.models import Question

# The loader splits a file with str.splitlines(), which also breaks on these: inside a TOML
# string they would cut the line in two, so they are written as \u escapes.
_LINE_BREAKS = frozenset("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(text: str) -> str:
    """A TOML basic string holding exactly `text` on one line."""
    out = []
    for ch in text:
        if ch in _SHORT:
            out.append(_SHORT[ch])
        elif ch in _LINE_BREAKS or unicodedata.category(ch) == "Cc":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_list(items: tuple[str, ...]) -> str:
    if not items:
        return "[]"
    return "[\n" + "".join(f"  {toml_string(item)},\n" for item in items) + "]"


def to_markdown(question: Question) -> str:
    """The file `load_pack` turns back into an equal `Question` (the body is stored stripped)."""
    front = [
        f"id = {toml_string(question.id)}",
        f"level = {toml_string(question.level)}",
        f"number = {question.number}",
        f"title = {toml_string(question.title)}",
        f"summary = {toml_string(question.summary)}",
        f"key_points = {_toml_list(question.key_points)}",
        f"follow_ups = {_toml_list(question.follow_ups)}",
        f"references = {_toml_list(question.references)}",
        f"tags = {_toml_list(question.tags)}",
    ]
    if question.suggested_by:
        front.append(f"suggested_by = {toml_string(question.suggested_by)}")
    return "+++\n" + "\n".join(front) + "\n+++\n" + question.body + "\n"


def pack_toml(pack_id: str, name: str, description: str, levels: dict[str, int]) -> str:
    counts = ", ".join(f"{level} = {n}" for level, n in levels.items() if n)
    return (
        f"id = {toml_string(pack_id)}\n"
        f"name = {toml_string(name)}\n"
        f"description = {toml_string(description)}\n"
        f"levels = {{ {counts} }}\n"
    )
