"""What JSON and YAML share: one document with the pack's name and a list of questions."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.daily.questions import Pack
from bot.packs.records import ImportRefused, PackMeta, Refusal, Row, Rows, to_record

FORMAT = "practicebot-pack"
VERSION = 1


def document(pack: Pack) -> dict[str, object]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "pack": {"id": pack.id, "name": pack.name, "description": pack.description},
        "questions": [to_record(q) for q in pack.questions],
    }


def rows_of(doc: object, name: str, places: Sequence[str] | None = None) -> Rows:
    """The rows of a parsed document; `places` names where each question starts, when known."""
    if isinstance(doc, list):
        doc = {"questions": doc}
    if not isinstance(doc, dict):
        raise ImportRefused([Refusal(name, None, "must be an object with a 'questions' list")])
    problems: list[Refusal] = []
    unknown = sorted(str(key) for key in doc if key not in ("format", "version", "pack", "questions"))
    if unknown:
        problems.append(
            Refusal(name, ", ".join(unknown), "unknown field (allowed: format, version, pack, questions)")
        )
    if doc.get("format", FORMAT) != FORMAT or doc.get("version", VERSION) != VERSION:
        problems.append(Refusal(name, "format", f"not a {FORMAT} version {VERSION} file"))
    questions = doc.get("questions")
    if not isinstance(questions, list):
        problems.append(Refusal(name, "questions", "must be a list of questions"))
        questions = []
    meta = _meta(doc.get("pack"), name, problems)
    rows = []
    for index, item in enumerate(questions):
        where = places[index] if places and index < len(places) else f"{name}: question {index + 1}"
        if isinstance(item, dict):
            rows.append(Row(where, {str(key): value for key, value in item.items()}))
        else:
            problems.append(Refusal(where, None, "must be an object of fields (id, level, title ...)"))
    if problems:
        raise ImportRefused(problems)
    return Rows(meta, tuple(rows))


def _meta(value: object, name: str, problems: list[Refusal]) -> PackMeta | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(value.get(k, ""), str) for k in ("id", "name", "description")
    ):
        problems.append(Refusal(name, "pack", "must be an object with text id, name and description"))
        return None
    pack_id = str(value.get("id", ""))
    return PackMeta(pack_id, str(value.get("name", pack_id)), str(value.get("description", "")))
