"""Discord's sharding rule as pure functions: which shard serves a guild, and so which process.

Discord sends a guild's events (messages, interactions) only to the connection of the guild's
shard, `(guild_id >> 22) % shard_count`, and direct messages (no guild) to shard 0. A process
connected as some of the shards serves exactly their guilds: it schedules, posts and reveals
only there. No discord.py import here: the core and the config stay light.
"""

from __future__ import annotations

from collections.abc import Collection


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes the guild to (guild 0, a direct message: shard 0)."""
    if shard_count < 1:
        raise ValueError(f"shard_count must be 1 or more, not {shard_count}")
    return (guild_id >> 22) % shard_count


def serves(guild_id: int, shard_count: int | None, shard_ids: Collection[int] | None) -> bool:
    """Whether a process connected as `shard_ids` out of `shard_count` serves the guild.
    No shard_count: one connection for the whole bot; no shard_ids: every shard of the count."""
    if shard_count is None or shard_ids is None:
        return True
    return shard_of(guild_id, shard_count) in shard_ids


def guild_id_of(workspace_id: str) -> int:
    """A ChannelRef's workspace id as a guild id; anything not a snowflake counts as no guild."""
    return int(workspace_id) if workspace_id.isdigit() else 0
