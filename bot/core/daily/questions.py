"""Question packs: load and validate them, and choose the next question for a channel.

A pack is a folder with `pack.toml` and one Markdown file per question, each opening with TOML
front matter between `+++` lines (see DESIGN.md section 4). Every problem is reported with the
file, the line and the field, all of them at once, so one `practicebot check` finds them all.
"""

from __future__ import annotations

import hashlib
import random
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.core.shared.errors import UserError
from bot.core.shared.models import LEVELS, ChannelRef, Order, Question

SUMMARY_MAX = 280
BODY_MAX = 2500
TITLE_MAX = 150  # Slack's header block; Discord allows 256
ITEM_MAX = 300
NAME_MAX = 100  # suggested_by
PACK_ID_MAX = 60  # as /practice subscribe packs= and pack import into= take one
# a question id goes into the buttons that show, bookmark and grade it, and Discord's custom_id is
# at most 100 characters: the longest, `pb:review-answer:` + the id, leaves 83. Imports keep to it
# (bot/packs/importer.py); the loader does not refuse a longer one a pack already holds
QUESTION_ID_MAX = 80
_FIELDS = {
    "id", "level", "number", "title", "summary", "key_points", "follow_ups", "references", "tags",
}  # fmt: skip
_OPTIONAL = {"suggested_by": ""}  # fields a question may leave out, with their default
# how many items each list holds. A team's own questions (a member's suggestion, a flashcard)
# need only one key point; the first-party packs hold themselves to more (tests/content)
LIST_COUNTS = {"key_points": (1, 6), "follow_ups": (0, 3), "references": (0, 8), "tags": (0, 6)}
_PACK_FIELDS = {"id", "name", "description", "levels"}
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_URL = re.compile(r"<https?://[^\s>]+>")


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PackError(UserError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class Pack:
    id: str
    name: str
    description: str
    path: Path
    questions: tuple[Question, ...]


def builtin_packs_dir() -> Path:
    """Packs ship inside the wheel as `bot/questions`; a source checkout has them at the top."""
    package = Path(__file__).resolve().parents[2]  # bot/core/daily/questions.py -> bot
    for candidate in (package / "questions", package.parent / "questions"):
        if candidate.is_dir():
            return candidate
    return package / "questions"


def resolve_pack(name_or_path: str, base: Path | None = None) -> Path:
    """A pack named in config: a built-in pack's name, or a folder (relative to the config)."""
    builtin = builtin_packs_dir() / name_or_path
    if "/" not in name_or_path and builtin.is_dir():
        return builtin
    path = Path(name_or_path).expanduser()
    return path if path.is_absolute() or base is None else base / path


# ---------------------------------------------------------------- loading


def load_pack(folder: Path) -> Pack:
    problems: list[Problem] = []
    meta_path = folder / "pack.toml"
    if not meta_path.is_file():
        raise PackError([Problem(folder, None, None, "no pack.toml here: is this a pack folder?")])
    meta = _read_pack_meta(meta_path, problems)
    pack_id = str(meta.get("id", folder.name))
    questions: list[Question] = []
    files = sorted(folder.rglob("*.md"))
    for path in files:
        if path.name.lower() == "readme.md":
            continue
        question = _read_question(path, pack_id, problems)
        if question is not None:
            questions.append(question)
    _check_pack(meta_path, meta, questions, problems)
    if problems:
        raise PackError(problems)
    name = str(meta.get("name", pack_id))
    questions = sorted(
        (replace(q, pack_name=name) for q in questions), key=lambda q: (LEVELS.index(q.level), q.number)
    )
    return Pack(
        id=pack_id,
        name=name,
        description=str(meta.get("description", "")),
        path=folder,
        questions=tuple(questions),
    )


def _read_pack_meta(path: Path, problems: list[Problem]) -> dict[str, Any]:
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(path, _toml_line(exc), None, f"not valid TOML: {exc}"))
        return {}
    for key in sorted(set(meta) - _PACK_FIELDS):
        problems.append(Problem(path, _line_of(path.read_text(), key), key, "unknown field"))
    if not isinstance(meta.get("id"), str) or not _SLUG.fullmatch(meta["id"]):
        problems.append(Problem(path, None, "id", "required: lowercase letters, digits and -"))
    return meta


def _toml_line(exc: Exception, offset: int = 0) -> int | None:
    match = re.search(r"at line (\d+)", str(exc))
    return int(match[1]) + offset if match else None


def _line_of(text: str, key: str, offset: int = 0) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number + offset
    return None


def _read_question(path: Path, pack_id: str, problems: list[Problem]) -> Question | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(path, None, None, f"not UTF-8 text: {exc}"))
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "+++":
        problems.append(Problem(path, 1, None, "must start with a '+++' line (TOML front matter)"))
        return None
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "+++")
    except StopIteration:
        problems.append(Problem(path, 1, None, "front matter is never closed with a '+++' line"))
        return None
    front = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :]).strip()
    try:
        data = tomllib.loads(front)
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(path, _toml_line(exc, 1), None, f"front matter: {exc}"))
        return None

    before = len(problems)

    def bad(key: str | None, message: str) -> None:
        line = _line_of(front, key, 1) if key else None
        problems.append(Problem(path, line, key, message))

    for key in sorted(set(data) - _FIELDS - set(_OPTIONAL)):
        bad(key, f"unknown field (allowed: {', '.join(sorted(_FIELDS | set(_OPTIONAL)))})")
    missing = sorted(_FIELDS - set(data))
    for key in missing:
        problems.append(Problem(path, None, key, "required field is missing"))
    if missing:
        return None

    qid, level, number = data["id"], data["level"], data["number"]
    if not isinstance(qid, str) or not re.fullmatch(rf"{re.escape(pack_id)}/{_SLUG.pattern}", qid):
        bad("id", f"must be '{pack_id}/' + lowercase letters, digits and - (got {qid!r})")
    if level not in LEVELS:
        bad("level", f"must be one of {', '.join(LEVELS)} (got {level!r})")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        bad("number", f"must be a whole number from 1 (got {number!r})")
    for key, limit in (("title", TITLE_MAX), ("summary", SUMMARY_MAX)):
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            bad(key, "must be a non-empty string")
        elif len(value) > limit:
            bad(key, f"is {len(value)} characters; at most {limit}")
    for key, (low, high) in LIST_COUNTS.items():
        value = data[key]
        if key == "tags":
            continue
        if not _is_strings(value) or not low <= len(value) <= high:
            bad(key, f"must be a list of {low} to {high} non-empty strings")
        elif any(len(item) > ITEM_MAX for item in value):
            bad(key, f"each item at most {ITEM_MAX} characters")
    if _is_strings(data["references"]):
        for ref in data["references"]:
            if not _URL.search(ref):
                bad("references", f"needs a URL in <https://...>: {ref!r}")
    tags = data["tags"]
    low, high = LIST_COUNTS["tags"]
    if not _is_strings(tags) or not low <= len(tags) <= high or not all(_SLUG.fullmatch(t) for t in tags):
        bad("tags", f"must be {low} to {high} lowercase tags made of letters, digits and -")
    suggested_by = data.get("suggested_by", _OPTIONAL["suggested_by"])
    if not isinstance(suggested_by, str) or len(suggested_by) > NAME_MAX:
        bad("suggested_by", f"must be a name of at most {NAME_MAX} characters")
    if not body:
        problems.append(Problem(path, end + 2, "body", "the model answer is missing"))
    elif len(body) > BODY_MAX:
        problems.append(Problem(path, end + 2, "body", f"is {len(body)} characters; at most {BODY_MAX}"))
    for line_no, message in check_fences(body):
        problems.append(Problem(path, end + 1 + line_no, "body", message))
    if len(problems) > before:
        return None
    return Question(
        id=qid,
        pack=pack_id,
        level=level,
        number=number,
        title=data["title"].strip(),
        summary=data["summary"].strip(),
        key_points=tuple(data["key_points"]),
        follow_ups=tuple(data["follow_ups"]),
        references=tuple(data["references"]),
        tags=tuple(tags),
        body=body,
        source=path,
        suggested_by=suggested_by.strip(),
    )


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def check_fences(body: str) -> Iterable[tuple[int, str]]:
    """Every fenced block names its language and is closed."""
    open_at: int | None = None
    fence = ""
    for number, line in enumerate(body.splitlines(), start=1):
        match = _FENCE.match(line)
        if not match:
            continue
        if open_at is None:
            open_at, fence = number, match[2]
            if not match[3].strip():
                yield number, "a code block must name its language (```python, ```js ...)"
        elif match[2].startswith(fence) and not match[3].strip():
            open_at = None
    if open_at is not None:
        yield open_at, "this code block is never closed"


def _check_pack(
    meta_path: Path, meta: dict[str, Any], questions: list[Question], problems: list[Problem]
) -> None:
    seen: dict[str, Path] = {}
    by_level: dict[str, list[int]] = {level: [] for level in LEVELS}
    for q in questions:
        if q.id in seen:
            problems.append(Problem(q.source, None, "id", f"'{q.id}' is also used by {seen[q.id]}"))
        seen[q.id] = q.source
        by_level[q.level].append(q.number)
    declared = meta.get("levels", {})
    if not isinstance(declared, dict):
        problems.append(Problem(meta_path, None, "levels", "must be a table like { beginner = 20 }"))
        declared = {}
    for level, numbers in by_level.items():
        expected = declared.get(level, len(numbers))
        if sorted(numbers) != list(range(1, expected + 1)):
            missing = sorted(set(range(1, expected + 1)) - set(numbers))
            extra = sorted(n for n in set(numbers) if numbers.count(n) > 1 or n > expected)
            problems.append(
                Problem(
                    meta_path,
                    None,
                    "levels",
                    f"{level} should number 1..{expected}: missing {missing or 'none'}, "
                    f"duplicated or beyond {extra or 'none'}",
                )
            )
    if not questions:
        problems.append(Problem(meta_path, None, None, "the pack has no questions"))


# ---------------------------------------------------------------- the bank


class QuestionBank:
    """All loaded questions, in deck order (pack, then level, then number): the configured packs,
    which every channel may draw from, and packs kept in the database (imported from chat, a
    channel's own questions), each for its scope only: the workspace it was made in, or for a
    channel's own pack that channel."""

    def __init__(self, packs: Sequence[Pack]) -> None:
        dupes = sorted(qid for qid, n in Counter(q.id for p in packs for q in p.questions).items() if n > 1)
        if dupes:
            raise UserError(f"question ids appear in more than one pack: {', '.join(dupes)}")
        self.configured = tuple(pack.id for pack in packs)
        self._packs: dict[str, Pack] = {pack.id: pack for pack in packs}
        self._scopes: dict[str, str] = {}  # stored pack id -> its workspace, or its channel (own packs)
        self._index()

    def _index(self) -> None:
        self.packs = tuple(self._packs.values())
        self.questions = tuple(q for pack in self.packs for q in pack.questions)
        self._by_id = {q.id: q for q in self.questions}

    def put(self, pack: Pack, scope: str) -> None:
        """Add or replace a stored pack (its id is neither a configured pack's nor another
        scope's: the catalog checks before it stores one)."""
        assert pack.id not in self.configured and self._scopes.get(pack.id, scope) == scope
        self._packs[pack.id] = pack
        self._scopes[pack.id] = scope
        self._index()

    def pack(self, pack_id: str) -> Pack | None:
        return self._packs.get(pack_id)

    def stored_scope(self, pack_id: str) -> str | None:
        """A stored pack's scope; None for a configured pack (or none loaded)."""
        return self._scopes.get(pack_id)

    def visible(self, pack_id: str, channel: ChannelRef) -> bool:
        """Whether a channel may draw from (or see) the pack: a configured pack, a pack of its
        workspace, or its own (another channel's own pack is that channel's alone: it may be private)."""
        if pack_id in self.configured:
            return True
        return pack_id in self._packs and self._scopes.get(pack_id) in (scope_of(channel), own_scope(channel))

    def get(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def get_for(self, question_id: str, channel: ChannelRef) -> Question | None:
        """The question if the channel may see its pack (`visible`)."""
        question = self._by_id.get(question_id)
        return question if question is not None and self.visible(question.pack, channel) else None

    def default_packs(self, channel: ChannelRef) -> tuple[str, ...]:
        """What a channel draws from unless it chose (`packs=`): the configured packs and its own."""
        own = own_pack_id(channel)
        return (*self.configured, own) if self.visible(own, channel) else self.configured

    def channel_packs(self, channel: ChannelRef, chosen: Sequence[str]) -> tuple[Pack, ...]:
        """The loaded packs a channel draws from, in its order (a chosen pack no longer there is
        left out, so a removed pack never strands a channel)."""
        ids = tuple(chosen) or self.default_packs(channel)
        return tuple(pack for pid in ids if self.visible(pid, channel) and (pack := self._packs.get(pid)))

    def channel_deck(
        self, channel: ChannelRef, levels: Iterable[str], chosen: Sequence[str]
    ) -> tuple[Question, ...]:
        """The questions at these levels of the packs a channel draws from (`channel_packs`)."""
        return self.deck(levels, self.channel_packs(channel, chosen))

    def deck(self, levels: Iterable[str], packs: Iterable[Pack] | None = None) -> tuple[Question, ...]:
        """The questions at these levels, of these packs (default: the configured packs)."""
        wanted = set(levels)
        chosen = [self._packs[pid] for pid in self.configured] if packs is None else packs
        return tuple(q for pack in chosen for q in pack.questions if q.level in wanted)


def scope_of(channel: ChannelRef) -> str:
    """The workspace a stored pack belongs to: `platform:workspace_id`."""
    return f"{channel.platform}:{channel.workspace_id}"


def own_scope(channel: ChannelRef) -> str:
    """The scope of a channel's own pack: the channel alone (`platform:workspace_id/channel_id`)."""
    return f"{scope_of(channel)}/{channel.channel_id}"


def pack_scope(channel: ChannelRef, pack_id: str) -> str:
    """Where a pack made from this channel belongs: its own pack to it, any other to its workspace."""
    return own_scope(channel) if pack_id == own_pack_id(channel) else scope_of(channel)


OWN_PREFIX = "own-"  # ids of channels' own packs; no other pack may take one


def own_pack_id(channel: ChannelRef) -> str:
    """A channel's own pack (its approved suggestions, its imports without into=): one id per
    channel, `own-<platform>-<channel id>-<4 hex of its workspace>`. The workspace is in it because
    a Slack Connect channel has one id in each workspace that shares it, and each has its own pack."""
    slug = re.sub(r"[^a-z0-9]+", "-", f"{channel.platform}-{channel.channel_id}".lower()).strip("-")
    workspace = hashlib.sha256(f"{channel.platform}:{channel.workspace_id}".encode()).hexdigest()[:4]
    return f"{f'{OWN_PREFIX}{slug}'[:55].rstrip('-')}-{workspace}"


def load_bank(folders: Iterable[Path]) -> QuestionBank:
    packs: list[Pack] = []
    problems: list[Problem] = []
    for folder in folders:
        try:
            packs.append(load_pack(folder))
        except PackError as exc:
            problems.extend(exc.problems)
    if problems:
        raise PackError(problems)
    return QuestionBank(packs)


# ---------------------------------------------------------------- selection


@dataclass(frozen=True, slots=True)
class Progress:
    round: int  # 1 for the first pass through the deck
    done: int  # questions posted in this round
    size: int  # questions in the deck


def progress(deck: Sequence[Question], history: Sequence[str]) -> tuple[Progress, frozenset[str]]:
    """Where a channel is in its deck: the round, and the ids already posted in this round.

    A round ends when every question of the deck has been posted; the deck is what the
    subscription's levels select now, so changing levels never strands a channel.
    """
    ids = frozenset(q.id for q in deck)
    seen: set[str] = set()
    rounds = 1
    for qid in history:
        if qid in ids:
            seen.add(qid)
            if seen >= ids:
                seen.clear()
                rounds += 1
    return Progress(round=rounds, done=len(seen), size=len(ids)), frozenset(seen)


def choose_next(
    deck: Sequence[Question], history: Sequence[str], order: Order, rng: random.Random
) -> Question:
    """No question repeats in a channel until every question of its deck was posted.

    `progressive` walks the deck in order (beginner 1..n, then intermediate, then advanced) in
    the first round; later rounds, and every round of `shuffled`, draw at random.
    """
    if not deck:
        raise UserError("no questions match this channel's levels")
    where, seen = progress(deck, history)
    remaining = [q for q in deck if q.id not in seen]
    if order is Order.PROGRESSIVE and where.round == 1:
        return remaining[0]
    return rng.choice(remaining)
