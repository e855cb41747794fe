"""Anki packages (`.apkg`): a zip holding an SQLite collection (`collection.anki2`, or
`collection.anki21` from Anki 2.1) and a `media` JSON map.

Export writes one note per question with genanki (the `packs` extra), in a note type of ours
whose fields hold every question field, so a deck read back is the pack it came from. Import
reads the zip with the standard library: our notes field by field, anyone else's front/back
notes as a question's title and answer (fields named like ours are used too).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.core.daily.questions import SUMMARY_MAX, Pack
from bot.core.shared.errors import shown
from bot.core.shared.models import LEVELS, Question
from bot.packs.extras import require
from bot.packs.formats.html import from_list, from_text, to_list, to_text
from bot.packs.records import MAX_QUESTIONS, ImportRefused, PackMeta, Refusal, Row, Rows, slugify, too_many

MODEL_ID = 1_733_402_001  # fixed forever: Anki recognises our note type by it on every import
MODEL_NAME = "practicebot question"
MAX_APKG_BYTES = 100 * 1024 * 1024  # media included
MAX_COLLECTION_BYTES = 64 * 1024 * 1024  # the SQLite file inside, unpacked
# (field name in Anki, record field)
_FIELDS = (
    ("Id", "id"), ("Level", "level"), ("Number", "number"), ("Title", "title"), ("Summary", "summary"),
    ("Answer", "answer"), ("Key points", "key_points"), ("Follow-ups", "follow_ups"),
    ("References", "references"), ("Suggested by", "suggested_by"),
)  # fmt: skip
_LIST_FIELDS = frozenset({"key_points", "follow_ups", "references"})
# other note types' field names (lowercased) that mean one of ours
_ALIASES = {
    "front": "title", "question": "title", "prompt": "title", "back": "answer", "key_points": "key_points",
    "follow_ups": "follow_ups", "follow-ups": "follow_ups",
    **{anki.lower(): field for anki, field in _FIELDS},
}  # fmt: skip
_CSS = """.card { font-family: sans-serif; font-size: 18px; text-align: left; }
.summary { font-style: italic; } .answer { margin-top: 1em; } h3 { margin-bottom: 0.2em; }"""
_BACK = (
    "{{FrontSide}}<hr id=answer><p class=summary>{{Summary}}</p><div class=answer>{{Answer}}</div>"
    "<h3>Key points</h3>{{Key points}}<h3>Follow-ups</h3>{{Follow-ups}}<h3>References</h3>{{References}}"
)


def write(pack: Pack) -> bytes:
    return deck(pack.name, pack.description, pack.questions)


def deck(name: str, description: str, questions: Sequence[Question]) -> bytes:
    """An .apkg of these questions as one deck (a pack, or someone's bookmarks)."""
    genanki = require("genanki", "Anki")
    model = genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[{"name": anki} for anki, _ in _FIELDS],
        templates=[{"name": "Question", "qfmt": "<h2>{{Title}}</h2>", "afmt": _BACK}],
        css=_CSS,
        sort_field_index=3,
    )
    deck_id = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") >> 2 | 1 << 29
    anki_deck = genanki.Deck(deck_id, name, description=from_text(description))
    for question in questions:
        fields = [
            from_list(question.key_points),
            from_list(question.follow_ups),
            from_list(question.references),
        ]
        anki_deck.add_note(
            genanki.Note(
                model=model,
                fields=[
                    from_text(question.id),
                    question.level,
                    str(question.number),
                    from_text(question.title),
                    from_text(question.summary),
                    from_text(question.body),
                    *fields,
                    from_text(question.suggested_by),
                ],
                tags=list(question.tags),
                guid=genanki.guid_for(question.id),  # the same question is the same note in Anki
            )
        )
    out = io.BytesIO()
    genanki.Package(anki_deck).write_to_file(out)
    return out.getvalue()


# ---------------------------------------------------------------- reading


def read(data: bytes, name: str) -> Rows:
    if len(data) > MAX_APKG_BYTES:
        raise ImportRefused([Refusal(name, None, f"is {len(data):,} bytes; at most {MAX_APKG_BYTES:,}")])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportRefused(
            [Refusal(name, None, f"not an Anki package (an .apkg is a zip file): {exc}")]
        ) from None
    member = next((m for m in ("collection.anki21", "collection.anki2") if m in names), None)
    if "collection.anki21b" in names and member != "collection.anki21":
        # newer Anki writes its collection zstd-compressed and puts a placeholder beside it
        raise ImportRefused([Refusal(name, None, (
            "is in Anki's newer format only (collection.anki21b): in Anki, export the deck again "
            "with 'Support older Anki versions' ticked"
        ))])  # fmt: skip
    if member is None:
        raise ImportRefused(
            [Refusal(name, None, "has no collection.anki2 or collection.anki21: not an Anki deck")]
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "collection.sqlite3"
        try:
            info = archive.getinfo(member)
            if info.file_size > MAX_COLLECTION_BYTES:
                raise ImportRefused(
                    [
                        Refusal(
                            name,
                            member,
                            f"unpacks to {info.file_size:,} bytes; at most {MAX_COLLECTION_BYTES:,}",
                        )
                    ]
                )
            with archive.open(info) as source:
                collection = source.read(MAX_COLLECTION_BYTES + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise ImportRefused([Refusal(name, member, f"cannot be unpacked: {exc}")]) from None
        if len(collection) > MAX_COLLECTION_BYTES:
            raise ImportRefused(
                [Refusal(name, member, f"unpacks to more than {MAX_COLLECTION_BYTES:,} bytes")]
            )
        path.write_bytes(collection)
        try:
            return _read_collection(path, name)
        except (sqlite3.Error, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise ImportRefused([Refusal(name, member, f"not a readable Anki collection: {exc}")]) from None


def _read_collection(path: Path, name: str) -> Rows:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        count = db.execute("SELECT count(*) FROM notes").fetchone()[0]
        if count > MAX_QUESTIONS:
            raise ImportRefused([too_many(name, count)])
        notes = db.execute("SELECT id, mid, tags, flds FROM notes ORDER BY id").fetchall()
        models, decks = _note_types_and_decks(db)
    rows = []
    for index, (_, mid, tags, flds) in enumerate(notes, start=1):
        model = models.get(str(mid))
        if model is None:
            raise ValueError(f"note {index} uses a note type the collection does not have")
        names = [str(field["name"]) for field in model["flds"]]
        values = str(flds).split("\x1f")
        record = _record(names, values, str(tags).split(), model.get("name") == MODEL_NAME)
        title = record.get("title")
        where = f"{name}: note {index}" + (f" ({shown(title)!r})" if isinstance(title, str) else "")
        rows.append(Row(where, record))
    decks = [d for d in decks if str(d.get("name")) != "Default"]
    if not decks:
        return Rows(None, tuple(rows))
    name_of_deck = str(decks[0]["name"])
    # our notes name their pack in their ids; anyone else's deck becomes a pack named after it
    prefixes = {str(row.data.get("id", "")).rpartition("/")[0] for row in rows}
    pack_id = prefixes.pop() if len(prefixes) == 1 and "" not in prefixes else slugify(name_of_deck)
    meta = PackMeta(pack_id, name_of_deck, to_text(str(decks[0].get("desc", ""))))
    return Rows(meta, tuple(rows))


def _note_types_and_decks(db: sqlite3.Connection) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Note types (their name and fields) and decks: JSON in `col` up to schema 11, which legacy
    exports use; newer collections keep them in tables and leave those columns empty."""
    models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
    if models_json:
        models = {str(mid): model for mid, model in json.loads(models_json).items()}
        return models, list(json.loads(decks_json).values())
    models = {
        str(ntid): {"name": str(n), "flds": []} for ntid, n in db.execute("SELECT id, name FROM notetypes")
    }
    for ntid, field_name in db.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        models[str(ntid)]["flds"].append({"name": field_name})
    decks = [
        {"name": str(n).replace("\x1f", "::"), "desc": ""} for (n,) in db.execute("SELECT name FROM decks")
    ]
    return models, decks


def _record(names: list[str], values: list[str], tags: list[str], ours: bool) -> dict[str, object]:
    record: dict[str, object] = {}
    for anki_name, value in zip(names, values, strict=False):
        field = _ALIASES.get(anki_name.strip().lower()) if not ours else dict(_FIELDS).get(anki_name)
        if field is None or field in record:
            continue
        if field in _LIST_FIELDS:
            record[field] = to_list(value)
        elif field == "number":
            text = to_text(value).strip()
            record[field] = int(text) if re.fullmatch(r"[0-9]{1,9}", text) else text
        else:
            record[field] = to_text(value)
    if not ours:  # a plain front/back card: its first two fields, and what its tags can tell
        for field, value in zip(("title", "answer"), values, strict=False):
            record.setdefault(field, to_text(value))
        levels = [tag.lower() for tag in tags if tag.lower() in LEVELS]
        record.setdefault("level", levels[0] if levels else "beginner")
        tags = [slug for tag in tags if tag.lower() not in LEVELS and (slug := slugify(tag))]
        answer = record.get("answer")
        if isinstance(answer, str) and "summary" not in record:
            record["summary"] = _first_sentence(answer)
    record["tags"] = tags
    return record


def _first_sentence(text: str) -> str:
    """A summary for a card that has none: its answer's first sentence, cut at a word if long."""
    plain = " ".join(text.split("```", 1)[0].split())
    match = re.match(r"(.+?[.!?])(\s|$)", plain)
    sentence = match[1] if match else plain
    if len(sentence) <= SUMMARY_MAX:
        return sentence
    return sentence[: SUMMARY_MAX - 3].rsplit(" ", 1)[0] + "..."
