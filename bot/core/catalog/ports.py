"""Where packs beyond the configured folders come from."""

from __future__ import annotations

from typing import Protocol

from bot.core.daily.questions import Pack
from bot.core.shared.models import ChannelRef


class ChannelPacks(Protocol):
    """Packs only one channel draws from (its approved suggestions, say): their question ids are
    unique within the channel, not across channels."""

    async def packs_for(self, channel: ChannelRef) -> list[Pack]: ...
