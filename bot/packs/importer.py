"""Import a CSV, JSON, YAML or Anki file into a pack folder of Markdown question files.

Nothing is written until the whole file validates: the questions are first written into a copy
of the pack in a temporary folder and `load_pack` reads that copy back, so the loader (the one
judge of what a pack may hold) checks every rule, and each of its problems is told at the row or
line of the file it came from. Ids stay stable: a row whose id the pack has updates that
question in place (history refers to ids); a row without one gets the slug of its title.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.core.daily.questions import QUESTION_ID_MAX, Pack, PackError, load_pack
from bot.core.shared.errors import UserError
from bot.core.shared.models import LEVELS, Question
from bot.packs.formats import FORMATS, format_of, reader
from bot.packs.markdown import pack_toml, to_markdown
from bot.packs.records import (
    FIELDS,
    LIST_FIELDS,
    MAX_QUESTIONS,
    ImportRefused,
    PackMeta,
    Refusal,
    Row,
    Rows,
    slugify,
    too_many,
)

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_LOADER_FIELD = {"body": "answer"}  # the loader's name for a field, as the formats call it


@dataclass(frozen=True, slots=True)
class Report:
    pack_id: str
    folder: Path
    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"imported into pack {self.pack_id} at {self.folder}: {len(self.added)} added, "
            f"{len(self.updated)} updated, {len(self.unchanged)} unchanged, 0 refused"
        )


@dataclass
class _Plan:
    """The files an import writes (relative path -> text) and removes, and who wrote each."""

    writes: dict[str, str] = field(default_factory=dict)
    removes: list[str] = field(default_factory=list)
    rows: dict[str, Row] = field(default_factory=dict)


def import_file(path: Path, into: Path | None = None, fmt: str | None = None) -> Report:
    fmt = fmt or format_of(path.name)
    if fmt not in FORMATS:
        raise UserError(
            f"cannot tell the format of {path}: name it .csv, .json, .yaml or .apkg, or pass --format"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    return import_rows(reader(fmt)(data, str(path)), path, into)


def import_rows(found: Rows, path: Path, into: Path | None, pack_id: str | None = None) -> Report:
    """`pack_id`: a new pack's id (else the file's own, or the folder's name)."""
    if len(found.rows) > MAX_QUESTIONS:
        raise ImportRefused([too_many(str(path), len(found.rows))])
    if not found.rows:
        raise ImportRefused([Refusal(str(path), None, "has no questions")])
    folder = into if into is not None else Path(_pack_id(found, path, None))
    existing = _existing(folder)
    pack_id = existing.id if existing else pack_id or _pack_id(found, path, folder)
    old = {q.id: q for q in existing.questions} if existing else {}
    refusals: list[Refusal] = []
    questions = _questions(found.rows, pack_id, old, refusals)
    plan = _plan(folder, questions, old)
    meta = found.meta or PackMeta(pack_id, pack_id, "")
    plan.writes["pack.toml"] = _pack_toml(folder, existing, meta, pack_id, questions, old)
    named = {(r.where, r.field) for r in refusals}  # what the row checks said already
    checked = _validate(folder if existing else None, plan, str(path), pack_level=not refusals)
    refusals += [r for r in checked if (r.where, r.field) not in named]
    order = {row.where: index for index, row in enumerate(found.rows)}
    refusals.sort(key=lambda r: order.get(r.where, len(order)))  # row by row, the pack's own last
    if refusals:
        where_refused = {r.where for r in refusals}
        kept = [q for q, row in questions if row.where not in where_refused and old.get(q.id) != q]
        added = sum(1 for q in kept if q.id not in old)
        refused = sum(1 for row in found.rows if row.where in where_refused)
        raise ImportRefused(refusals, f"{added} to add, {len(kept) - added} to update, {refused} refused")
    _apply(folder, plan)
    return Report(
        pack_id,
        folder,
        added=tuple(q.id for q, _ in questions if q.id not in old),
        updated=tuple(q.id for q, _ in questions if q.id in old and old[q.id] != q),
        unchanged=tuple(q.id for q, _ in questions if old.get(q.id) == q),
    )


def _pack_id(found: Rows, path: Path, folder: Path | None) -> str:
    """A new pack's id: the file's own when it names one, else its ids' prefix, else the name."""
    return named_pack(found) or slugify(folder.name if folder is not None else path.stem) or "imported"


def named_pack(found: Rows) -> str | None:
    """The pack id a file names: its pack header's, or the one prefix all its ids share."""
    if found.meta and _SLUG.fullmatch(found.meta.id):
        return found.meta.id
    ids = [str(row.data.get("id") or "") for row in found.rows]
    prefixes = {qid.rpartition("/")[0] for qid in ids}
    if len(prefixes) == 1 and _SLUG.fullmatch(prefix := prefixes.pop()):
        return prefix
    return None


def _existing(folder: Path) -> Pack | None:
    if not (folder / "pack.toml").is_file():
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise UserError(
                f"{folder} is not a pack folder (no pack.toml) and not empty: choose another --into"
            )
        return None
    try:
        return load_pack(folder)
    except PackError as exc:
        raise UserError(
            f"the pack at {folder} has problems of its own; fix them first "
            f"(practicebot pack lint {folder}):\n{exc.message}"
        ) from None


# ---------------------------------------------------------------- rows to questions


def _questions(
    rows: Iterable[Row], pack_id: str, old: Mapping[str, Question], refusals: list[Refusal]
) -> list[tuple[Question, Row]]:
    taken: dict[str, str] = {}  # id -> where it came from in this file
    numbers = {level: {q.number for q in old.values() if q.level == level} for level in LEVELS}
    wanted = []
    for index, row in enumerate(rows, start=1):
        problems = _shape(row)
        qid = _id_of(row, pack_id, set(old) | set(taken), problems)
        if qid in taken:
            problems.append(Refusal(row.where, "id", f"'{qid}' is also given at {taken[qid]}"))
            qid = ""
        elif qid:
            taken[qid] = row.where
        # a refused row is still shown to the loader (under a stand-in id where its own is
        # unusable), so that one run names every problem it has, not only the first kind
        refusals += problems
        wanted.append((row, qid or f"{pack_id}/refused-row-{index}", _level(row)))
    # numbers given first, so that a row without one takes the next number really free
    for row, _, level in wanted:
        if _number(row) is not None:
            numbers[level].add(int(str(row.data["number"])))
    questions = []
    for row, qid, level in wanted:
        number = _number(row)
        if number is None:
            before = old.get(qid)
            if before is not None and before.level == level:
                number = before.number
            else:
                number = max(numbers[level], default=0) + 1
                numbers[level].add(number)
        questions.append((_question(row.data, qid, pack_id, level, number), row))
    return questions


def _level(row: Row) -> str:
    level = row.data.get("level")
    return level if isinstance(level, str) and level in LEVELS else LEVELS[0]


def _number(row: Row) -> int | None:
    number = row.data.get("number")
    return number if isinstance(number, int) and not isinstance(number, bool) and number >= 1 else None


def _shape(row: Row) -> list[Refusal]:
    """Types and characters; what the values may be is the loader's to say."""
    problems = []
    data = row.data

    def bad(name: str, message: str) -> None:
        problems.append(Refusal(row.where, name, message))

    for name in sorted(set(data) - set(FIELDS)):
        bad(name, f"unknown field (allowed: {', '.join(FIELDS)})")
    for name in ("level", "title", "summary", "answer"):
        if name not in data or data[name] is None:
            bad(name, "required field is missing")
    for name in ("id", "level", "title", "summary", "answer", "suggested_by"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            bad(name, f"must be text (got {type(value).__name__})")
        elif isinstance(value, str) and (char := _control(value)):
            bad(name, _control_message(char))
    if isinstance(data.get("level"), str) and data["level"] not in LEVELS:
        bad("level", f"must be one of {', '.join(LEVELS)} (got {str(data['level'])[:40]!r})")
    number = data.get("number")
    if number is not None and (not isinstance(number, int) or isinstance(number, bool) or number < 1):
        bad("number", f"must be a whole number from 1 (got {str(number)[:20]!r})")
    for name, most in LIST_FIELDS:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            bad(name, "must be a list of text items")
        elif len(value) > most:
            bad(name, f"has {len(value)} items; at most {most}")
        elif char := next((c for item in value if (c := _control(item))), None):
            bad(name, _control_message(char))
    return problems


def _control(text: str) -> str | None:
    """Control characters (but tab and newline) have no place in a chat message, and a lone
    surrogate (JSON and YAML can spell one as an escape) is no character at all."""
    return next((ch for ch in text if ch not in "\t\n" and unicodedata.category(ch) in ("Cc", "Cs")), None)


def _control_message(char: str) -> str:
    kind = "half of a surrogate pair" if unicodedata.category(char) == "Cs" else "control character"
    return f"contains the {kind} U+{ord(char):04X}: remove it"


def _id_of(row: Row, pack_id: str, used: set[str], problems: list[Refusal]) -> str:
    raw = row.data.get("id")
    if isinstance(raw, str) and raw.strip():
        prefix, slash, rest = raw.strip().rpartition("/")
        if slash and prefix != pack_id:
            problems.append(Refusal(row.where, "id", (
                f"'{raw[:80]}' belongs to pack '{prefix[:40]}', not '{pack_id}': an id never changes "
                f"(history refers to it), so import it into that pack, or leave the id out to add it as new"
            )))  # fmt: skip
            return ""
        if not _SLUG.fullmatch(rest):
            problems.append(
                Refusal(row.where, "id", f"must be lowercase letters, digits and - (got {rest[:40]!r})")
            )
            return ""
        return f"{pack_id}/{rest}"
    title = row.data.get("title")
    most = QUESTION_ID_MAX - len(pack_id) - 1  # the id fits every button that carries it
    stem = slugify(title if isinstance(title, str) else "", most) or "question"
    qid, n = f"{pack_id}/{stem}", 2
    while qid in used:
        suffix = f"-{n}"
        qid, n = f"{pack_id}/{stem[: most - len(suffix)].rstrip('-')}{suffix}", n + 1
    return qid


def _question(data: Mapping[str, object], qid: str, pack_id: str, level: str, number: int) -> Question:
    def text(name: str) -> str:
        return _encodable(str(data.get(name) or ""))

    def items(name: str) -> tuple[str, ...]:
        value = data.get(name) or []
        return tuple(_encodable(str(item)) for item in value) if isinstance(value, list) else ()

    return Question(
        id=qid,
        pack=pack_id,
        level=level,
        number=number,
        title=text("title").strip(),  # as the loader reads them back
        summary=text("summary").strip(),
        key_points=items("key_points"),
        follow_ups=items("follow_ups"),
        references=items("references"),
        tags=items("tags"),
        body="\n".join(text("answer").splitlines()).strip(),
        source=Path(),
        suggested_by=text("suggested_by").strip(),
    )


def _encodable(text: str) -> str:
    """A refused row's lone surrogates (already named) made writable, for the loader's look."""
    return (
        text.encode("utf-8", "replace").decode("utf-8")
        if any("\ud800" <= c <= "\udfff" for c in text)
        else text
    )


# ---------------------------------------------------------------- writing


def _plan(folder: Path, questions: list[tuple[Question, Row]], old: Mapping[str, Question]) -> _Plan:
    plan = _Plan()
    used = {str(p.relative_to(folder)) for p in folder.rglob("*.md")} if folder.is_dir() else set()
    for question, row in questions:
        before = old.get(question.id)
        if before == question:
            continue
        if before is not None and before.level == question.level:
            rel = str(before.source.relative_to(folder))
        else:
            stem = f"{question.level}/{question.number:02d}-{question.id.partition('/')[2][:60]}"
            rel, n = f"{stem}.md", 2
            while rel in used:
                rel, n = f"{stem}-{n}.md", n + 1
            if before is not None:
                plan.removes.append(str(before.source.relative_to(folder)))
        used.add(rel)
        plan.writes[rel] = to_markdown(replace(question, source=folder / rel))
        plan.rows[rel] = row
    return plan


def _pack_toml(
    folder: Path,
    existing: Pack | None,
    meta: PackMeta,
    pack_id: str,
    questions: list[tuple[Question, Row]],
    old: Mapping[str, Question],
) -> str:
    final = {**old, **{q.id: q for q, _ in questions}}
    levels = {level: sum(1 for q in final.values() if q.level == level) for level in LEVELS}
    if existing is None:
        name = meta.name if meta.id == pack_id else pack_id
        description = meta.description if meta.id == pack_id else ""
        return pack_toml(pack_id, name or pack_id, description, levels)
    text = (folder / "pack.toml").read_text(encoding="utf-8")
    if levels == {level: sum(1 for q in old.values() if q.level == level) for level in LEVELS}:
        return text  # the same counts: the file stays as its author wrote it
    counts = ", ".join(f"{level} = {n}" for level, n in levels.items() if n)
    line = f"levels = {{ {counts} }}"
    if re.search(r"(?m)^levels\s*=.*$", text):  # keep the pack's own comments and layout
        return re.sub(r"(?m)^levels\s*=.*$", lambda _: line, text, count=1)
    return pack_toml(existing.id, existing.name, existing.description, levels)


def _validate(folder: Path | None, plan: _Plan, name: str, pack_level: bool) -> list[Refusal]:
    """The loader's verdict on the pack as it would be, told at the rows the problems came from."""
    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / "pack"
        if folder is not None:
            shutil.copytree(folder, candidate)
        _apply(candidate, plan)
        try:
            load_pack(candidate)
        except PackError as exc:
            rows, whole = [], []
            for problem in exc.problems:
                rel = (
                    str(problem.path.relative_to(candidate)) if problem.path.is_relative_to(candidate) else ""
                )
                fld = _LOADER_FIELD.get(problem.field or "", problem.field)
                if rel in plan.rows:
                    rows.append(Refusal(plan.rows[rel].where, fld, problem.message))
                else:  # the pack as a whole: numbering across levels, duplicate ids
                    whole.append(Refusal(f"{name} (the pack as imported)", fld, problem.message))
            # with rows refused, the numbering of what is left says nothing useful
            return rows or (whole if pack_level else [])
    return []


def _apply(folder: Path, plan: _Plan) -> None:
    for rel, text in plan.writes.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)  # a reader sees the old file or the new one, never half
    for rel in plan.removes:
        (folder / rel).unlink(missing_ok=True)
