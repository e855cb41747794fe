"""A local Discord for tests: real discord.py, real WebSocket gateway, real HTTP (see emulator.py)."""

from .emulator import DiscordEmulator, ReceivedRequest
from .interactions import InteractionHandle

__all__ = ["DiscordEmulator", "InteractionHandle", "ReceivedRequest"]
