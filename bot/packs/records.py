"""A question as the export formats carry it: a flat record of the loader's fields.

The Markdown body is called `answer` here: to a spreadsheet or a flashcard it is the answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.shared.errors import UserError
from bot.core.shared.models import Question

TEXT_FIELDS = ("id", "level", "title", "summary", "answer", "suggested_by")
# (field, at most) of the list fields; the loader checks the lower bounds and each item's length
LIST_FIELDS = (("key_points", 6), ("follow_ups", 3), ("references", 8), ("tags", 6))
FIELDS = (
    "id", "level", "number", "title", "summary", "answer", *(name for name, _ in LIST_FIELDS), "suggested_by",
)  # fmt: skip
MAX_FILE_BYTES = 8 * 1024 * 1024  # 1,000 questions at their longest are about 7 MB
MAX_QUESTIONS = 1000


@dataclass(frozen=True, slots=True)
class Row:
    """One question as read from a file, not yet checked; `where` says where it was."""

    where: str
    data: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Refusal:
    where: str
    field: str | None
    message: str

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.field}: {self.message}" if self.field else f"{self.where}: {self.message}"
        )


class ImportRefused(UserError):
    """The file cannot be imported; nothing was written. Every problem is listed."""

    def __init__(self, problems: Sequence[Refusal], counts: str = "") -> None:
        lines = [str(p) for p in problems]
        summary = f"nothing imported ({counts}): " if counts else "nothing imported: "
        super().__init__(summary + f"{len(problems)} problem(s)\n" + "\n".join(lines))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class PackMeta:
    id: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Rows:
    """What a reader found: the pack's name when the format carries one, and the questions."""

    meta: PackMeta | None
    rows: tuple[Row, ...]


def to_record(question: Question) -> dict[str, object]:
    return {
        "id": question.id,
        "level": question.level,
        "number": question.number,
        "title": question.title,
        "summary": question.summary,
        "answer": question.body,
        "key_points": list(question.key_points),
        "follow_ups": list(question.follow_ups),
        "references": list(question.references),
        "tags": list(question.tags),
        **({"suggested_by": question.suggested_by} if question.suggested_by else {}),
    }


def too_big(where: str, size: int) -> Refusal:
    return Refusal(
        where, None, f"is {size:,} bytes; at most {MAX_FILE_BYTES:,} (split it into several packs)"
    )


def too_many(where: str, count: int) -> Refusal:
    return Refusal(where, None, f"has {count:,} questions; at most {MAX_QUESTIONS:,} in one import")


def slugify(text: str, most: int = 60) -> str:
    """Lowercase ASCII letters, digits and -, as ids and tags are made of ('' if none are left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:most].strip("-")
