"""CSV: one question a row, one column a field, for spreadsheets.

The header (README "Question packs" documents it, and docs/pack-template.csv shows it):
`id, level, number, title, summary, answer, key_point_1..6, follow_up_1..3, reference_1..8, tags,
suggested_by`.
A list is spread over numbered columns so that any text, newlines and commas included, fits in
its cell; `tags` are separated by spaces (a tag has none). Empty cells are nothing; columns may
come in any order and may be left out.

A cell that starts like a spreadsheet formula (= + - @, as bot/ops/export.py defuses them) is
written with a leading apostrophe, and that apostrophe is taken off again on import; text that
already starts with apostrophes before such a character gets one more, so every text comes back
exactly.
"""

from __future__ import annotations

import csv
import io
import re

from bot.core.daily.questions import Pack
from bot.packs.formats.text import decoded
from bot.packs.records import TEXT_FIELDS, ImportRefused, Refusal, Row, Rows, to_record

_DEFUSED = re.compile(r"'*[=+\-@\t\r]")  # would run as a formula, or is one defused already
_LISTS = {"key_points": ("key_point", 6), "follow_ups": ("follow_up", 3), "references": ("reference", 8)}
HEADER = (
    "id", "level", "number", "title", "summary", "answer",
    *(f"{stem}_{n}" for stem, most in _LISTS.values() for n in range(1, most + 1)),
    "tags", "suggested_by",
)  # fmt: skip


def write(pack: Pack) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for question in pack.questions:
        record = to_record(question)
        cells: dict[str, object] = {key: record[key] for key in HEADER if key in record}
        for field, (stem, _) in _LISTS.items():
            items: list[str] = record[field]  # type: ignore[assignment]
            for n, item in enumerate(items, start=1):
                cells[f"{stem}_{n}"] = item
        cells["tags"] = " ".join(question.tags)
        writer.writerow([_defused(cells.get(key, "")) for key in HEADER])
    return out.getvalue().encode("utf-8")


def read(data: bytes, name: str) -> Rows:
    text = decoded(data, name)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRefused([Refusal(name, None, "is empty: the first line must be the header")])
        header = [cell.strip().lower() for cell in header]
        _check_header(header, name)
        rows, problems = [], []
        start = reader.line_num + 1
        for row_number, cells in enumerate(reader, start=2):  # a spreadsheet's row numbers
            where, start = f"{name}:{start} (row {row_number})", reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):  # a stray comma or quote: the cells would shift
                problems.append(Refusal(where, None, f"has {len(cells)} cells; the header has {len(header)}"))
                continue
            rows.append(Row(where, _fields(dict(zip(header, cells, strict=False)))))
    except csv.Error as exc:
        raise ImportRefused([Refusal(f"{name}:{reader.line_num}", None, f"not valid CSV: {exc}")]) from None
    if problems:
        raise ImportRefused(problems)
    return Rows(None, tuple(rows))


def _check_header(header: list[str], name: str) -> None:
    problems = []
    for column in header:
        if column not in HEADER:
            problems.append(
                Refusal(
                    f"{name}:1", column or "(empty)", f"unknown column (the header is: {', '.join(HEADER)})"
                )
            )
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        problems.append(Refusal(f"{name}:1", ", ".join(repeated), "column given twice"))
    if problems:
        raise ImportRefused(problems)


def _defused(cell: object) -> object:
    return f"'{cell}" if isinstance(cell, str) and _DEFUSED.match(cell) else cell


def _fields(raw: dict[str, str]) -> dict[str, object]:
    cells = {
        key: cell[1:] if cell.startswith("'") and _DEFUSED.match(cell[1:]) else cell
        for key, cell in raw.items()
    }
    fields: dict[str, object] = {}
    for key in TEXT_FIELDS:
        if cells.get(key, "") != "":
            fields[key] = cells[key]
    number = cells.get("number", "").strip()
    if number:
        fields["number"] = int(number) if re.fullmatch(r"[0-9]{1,9}", number) else number
    for field, (stem, most) in _LISTS.items():
        fields[field] = [
            cells[f"{stem}_{n}"] for n in range(1, most + 1) if cells.get(f"{stem}_{n}", "") != ""
        ]
    fields["tags"] = cells.get("tags", "").split()
    return fields
