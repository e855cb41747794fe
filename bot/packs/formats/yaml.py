"""YAML: the same document as JSON, for people who edit packs by hand. Needs PyYAML (the
`packs` extra), loaded only when a YAML file is read or written."""

from __future__ import annotations

from bot.core.daily.questions import Pack
from bot.packs.extras import require
from bot.packs.formats.document import document, rows_of
from bot.packs.formats.text import decoded
from bot.packs.records import ImportRefused, Refusal, Rows


def write(pack: Pack) -> bytes:
    yaml = require("yaml", "YAML")
    text: str = yaml.safe_dump(document(pack), allow_unicode=True, sort_keys=False, width=100)
    return text.encode("utf-8")


def read(data: bytes, name: str) -> Rows:
    yaml = require("yaml", "YAML")
    text = decoded(data, name)
    try:
        doc = yaml.safe_load(text)
        places = _question_lines(yaml, text, name)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        raise ImportRefused([Refusal(where, None, f"not valid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise ImportRefused([Refusal(name, None, f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise ImportRefused([Refusal(name, None, "nested too deeply to be a pack")]) from None
    return rows_of(doc, name, places)


def _question_lines(yaml: object, text: str, name: str) -> list[str]:
    """Where each question starts, so a problem names its line."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)  # type: ignore[attr-defined]
    if node is None:
        return []
    items = node.value
    if isinstance(items, list) and items and isinstance(items[0], tuple):  # a mapping: find questions
        items = next((v.value for k, v in items if getattr(k, "value", None) == "questions"), [])
    if not isinstance(items, list):
        return []
    return [f"{name}:{item.start_mark.line + 1}" for item in items if hasattr(item, "start_mark")]
