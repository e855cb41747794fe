"""Where packs beyond the configured folders come from, and how a channel's own pack grows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.daily.questions import Pack
from bot.core.shared.messages import Attachment
from bot.core.shared.models import ChannelRef, Question


@dataclass(frozen=True, slots=True)
class Draft:
    """A question a member wrote (a suggestion, maybe edited by the admin who approves it): the
    fields a person fills in. The catalog turns it into a Question of the channel's own pack."""

    level: str  # one of LEVELS
    title: str  # the question itself, at most 150 characters
    summary: str  # what a good answer covers, in a sentence or two, at most 280
    answer: str  # the model answer (Markdown), at most 2,500
    key_points: tuple[str, ...]  # 1 to 6, each at most 300


class OwnPack(Protocol):
    """A channel's own pack, kept in the database: approved suggestions join it."""

    async def add(self, channel: ChannelRef, draft: Draft, suggested_by: str) -> Question:
        """Add the draft as a new question of the channel's own pack and return it (its id is
        new and stays). Raises UserError naming every field that the pack's rules refuse;
        nothing is stored then."""
        ...

    async def uncredit(self, question_ids: Sequence[str]) -> int:
        """Take the "suggested by" credit off these questions (a person asked to be forgotten);
        how many had it."""
        ...


@dataclass(frozen=True, slots=True)
class StoredPack:
    """A pack kept in the database: its files as the loader reads them (relative path -> text).
    `scope`: the workspace that may draw from it (`platform:workspace_id`)."""

    pack_id: str
    scope: str
    files: Mapping[str, str]
    updated_by: str = ""


class PackStore(Protocol):
    async def stored_packs(self) -> list[StoredPack]: ...

    async def stored_pack(self, pack_id: str) -> StoredPack | None: ...

    async def stored_scopes(self) -> dict[str, str]:
        """Every stored pack's id and scope, without its files."""
        ...

    async def save_pack(self, pack: StoredPack, now: datetime) -> bool:
        """Replace the pack's files with these, all at once (a reader sees the old or the new).
        False, and nothing changed, if the id is another scope's (taken since it was looked up)."""
        ...


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import made of a stored pack: its files afterwards, its Pack, and the counts."""

    files: Mapping[str, str]
    pack: Pack
    added: tuple[str, ...]  # the new questions' ids
    updated: int
    unchanged: int


class PackFiles(Protocol):
    """Pack files read and written outside the core (bot/packs: the formats and the loader, the
    one judge of what a pack may hold). Each raises UserError naming every problem, and then
    nothing has changed."""

    async def named_in(self, file: Attachment) -> str | None:
        """The pack id the file itself names (its pack header, or its questions' ids), if any."""
        ...

    async def load(self, stored: StoredPack) -> Pack: ...

    async def import_file(self, stored: StoredPack | None, pack_id: str, file: Attachment) -> Imported: ...

    async def add_draft(
        self, stored: StoredPack | None, pack_id: str, draft: Draft, suggested_by: str
    ) -> Imported:
        """The draft as one new question of the pack (`Imported.added` holds its id)."""
        ...

    async def export(self, pack: Pack, fmt: str) -> Attachment: ...

    async def uncredit(self, stored: StoredPack, question_ids: Sequence[str]) -> Imported:
        """The pack with these questions' suggested_by emptied (`Imported.updated`: how many)."""
        ...
