"""Where packs beyond the configured folders come from, and how a channel's own pack grows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

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

    async def save_pack(self, pack: StoredPack, now: datetime) -> None:
        """Replace the pack's files with these, all at once (a reader sees the old or the new)."""
        ...
