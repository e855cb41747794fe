"""Packs kept in the database, read and written with the same formats and loader as the pack
command (the `PackFiles` port of bot/core/catalog). A stored pack is its files; to check or load
one it is written into a temporary folder, where the importer and `load_pack` work as they do on
a pack folder, and its files are read back. The work runs in a thread: a pack of 1,000 questions
takes a moment, and the bot's other channels do not wait for it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from bot.core.catalog.ports import Draft, Imported, PackFiles, StoredPack
from bot.core.daily.questions import OWN_PREFIX, Pack, load_pack
from bot.core.shared.errors import UserError
from bot.core.shared.messages import Attachment
from bot.packs.formats import FORMATS, format_of, reader, writer
from bot.packs.records import PackMeta, Row, Rows

_SUFFIX = {"csv": "csv", "json": "json", "yaml": "yaml", "apkg": "apkg"}


class StoredPackFiles(PackFiles):
    async def named_in(self, file: Attachment) -> str | None:
        from bot.packs.importer import named_pack

        return await asyncio.to_thread(lambda: named_pack(_rows(file)))

    async def load(self, stored: StoredPack) -> Pack:
        return await asyncio.to_thread(_load, stored.files)

    async def import_file(self, stored: StoredPack | None, pack_id: str, file: Attachment) -> Imported:
        return await asyncio.to_thread(lambda: _import(stored, pack_id, _rows(file), file.filename))

    async def add_draft(
        self, stored: StoredPack | None, pack_id: str, draft: Draft, suggested_by: str
    ) -> Imported:
        row = Row(
            "the suggestion",
            {
                "level": draft.level,
                "title": draft.title,
                "summary": draft.summary,
                "answer": draft.answer,
                "key_points": list(draft.key_points),
                "suggested_by": suggested_by,
            },
        )
        return await asyncio.to_thread(_import, stored, pack_id, Rows(None, (row,)), "suggestion")

    async def uncredit(self, stored: StoredPack, question_ids: Sequence[str]) -> Imported:
        return await asyncio.to_thread(_uncredit, stored.files, frozenset(question_ids))

    async def export(self, pack: Pack, fmt: str) -> Attachment:
        data = await asyncio.to_thread(writer(fmt), pack)
        return Attachment(f"{pack.id}.{_SUFFIX[fmt]}", data)


def _rows(file: Attachment) -> Rows:
    fmt = format_of(file.filename)
    if fmt not in FORMATS:
        raise UserError(f"cannot tell the format of {file.filename}: name it .csv, .json, .yaml or .apkg")
    return reader(fmt)(file.data, PurePosixPath(file.filename).name)


def _write(files: Mapping[str, str], folder: Path) -> None:
    for rel, text in files.items():
        target = folder / rel
        if folder.resolve() not in target.resolve().parents:  # a stored path is ours, but check
            raise UserError(f"a stored pack has a file outside its folder: {rel!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _read(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _load(files: Mapping[str, str]) -> Pack:
    import tempfile  # as the importer: loaded when a stored pack is, not for every run

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pack"
        _write(files, folder)
        return load_pack(folder)


def _import(stored: StoredPack | None, pack_id: str, found: Rows, name: str) -> Imported:
    import tempfile

    from bot.packs.importer import import_rows

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / pack_id
        if stored is not None:
            _write(stored.files, folder)
        elif (own := _own_meta(pack_id)) is not None:  # a channel's own pack begins: its name
            found = Rows(own, found.rows)
        report = import_rows(found, Path(name), folder, pack_id)
        files = _read(folder)
        return Imported(files, load_pack(folder), report.added, len(report.updated), len(report.unchanged))


def _own_meta(pack_id: str) -> PackMeta | None:
    """A channel's own pack's name and description, for its pack.toml (None: not an own pack)."""
    if not pack_id.startswith(OWN_PREFIX):
        return None
    return PackMeta(pack_id, "Our own questions", "Imported in this channel and suggested by its members")


def _uncredit(files: Mapping[str, str], question_ids: frozenset[str]) -> Imported:
    import tempfile

    from bot.packs.markdown import to_markdown

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pack"
        _write(files, folder)
        questions = load_pack(folder).questions
        credited = [q for q in questions if q.id in question_ids and q.suggested_by]
        for question in credited:
            question.source.write_text(to_markdown(replace(question, suggested_by="")), encoding="utf-8")
        return Imported(_read(folder), load_pack(folder), (), len(credited), len(questions) - len(credited))
