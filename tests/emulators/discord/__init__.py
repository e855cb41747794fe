"""A local Discord for tests: real discord.py, real WebSocket gateway, real HTTP (see emulator.py)."""

from .emulator import DiscordEmulator, ReceivedRequest
from .interactions import InteractionHandle
from .model import guild_id_on_shard, shard_of

__all__ = ["DiscordEmulator", "InteractionHandle", "ReceivedRequest", "guild_id_on_shard", "shard_of"]
