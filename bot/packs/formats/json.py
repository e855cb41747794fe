"""JSON: the document of `document.py`, UTF-8, indented."""

from __future__ import annotations

import json

from bot.core.daily.questions import Pack
from bot.packs.formats.document import document, rows_of
from bot.packs.formats.text import decoded
from bot.packs.records import ImportRefused, Refusal, Rows


def write(pack: Pack) -> bytes:
    return (json.dumps(document(pack), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def read(data: bytes, name: str) -> Rows:
    text = decoded(data, name)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused(
            [Refusal(f"{name}:{exc.lineno}:{exc.colno}", None, f"not valid JSON: {exc.msg}")]
        ) from None
    except RecursionError:
        raise ImportRefused([Refusal(name, None, "nested too deeply to be a pack")]) from None
    return rows_of(doc, name)
