"""Discord's sharding rule: which process serves a guild when the shards are split over several."""

from __future__ import annotations

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import DiscordConfig
from bot.core.shared.models import ChannelRef
from bot.platforms.discord.adapter import (
    GLOBAL_LIMIT,
    GLOBAL_RATE,
    DiscordPlatform,
    global_pacing,
    global_share,
)
from bot.platforms.discord.shards import guild_id_of, serves, shard_of
from tests.splits import split_among_processes

GUILD_IDS = st.integers(min_value=0, max_value=2**64 - 1)  # snowflakes are unsigned 64-bit


@given(guild_id=GUILD_IDS, shard_count=st.integers(min_value=1, max_value=64), data=st.data())
def test_exactly_one_process_of_a_partition_of_the_shards_serves_each_guild(
    guild_id: int, shard_count: int, data: st.DataObject
) -> None:
    parts = split_among_processes(data, shard_count)
    serving = [p for p, part in enumerate(parts) if serves(guild_id, shard_count, part)]
    assert len(serving) == 1
    assert shard_of(guild_id, shard_count) in parts[serving[0]]


@given(guild_id=GUILD_IDS, shard_count=st.integers(min_value=1, max_value=64))
def test_the_shard_is_discords_formula_and_unsharded_serves_everything(
    guild_id: int, shard_count: int
) -> None:
    assert shard_of(guild_id, shard_count) == (guild_id >> 22) % shard_count
    assert 0 <= shard_of(guild_id, shard_count) < shard_count
    assert serves(guild_id, None, None)  # no shard_count: one process for the whole bot
    assert serves(guild_id, shard_count, None)  # a shard_count alone: this process has them all


def test_guilds_created_in_the_same_millisecond_share_a_shard_and_direct_messages_are_shard_0() -> None:
    # the shard comes from the id's timestamp (its top 42 bits), not from the low bits
    assert shard_of(1 << 22, 2) == 1 and shard_of((1 << 22) | 0x3FFFFF, 2) == 1
    assert shard_of(2 << 22, 2) == 0
    assert guild_id_of("0") == 0 and guild_id_of("") == 0 and guild_id_of("T0123") == 0
    assert guild_id_of("41771983423143937") == 41771983423143937
    with pytest.raises(ValueError, match="shard_count"):
        shard_of(1, 0)


def test_the_discord_adapter_owns_the_guilds_of_its_shards_and_takes_their_share_of_the_limit(
    discord_endpoints: None,
) -> None:
    on_1 = ChannelRef("discord", str(3 << 22), "1")  # (3 << 22 >> 22) % 2 == 1
    on_0 = ChannelRef("discord", str(4 << 22), "2")
    one = DiscordPlatform(DiscordConfig(), "token")
    assert type(one.client) is discord.Client  # unset: the plain client, as before
    assert one.owns(on_0) and one.owns(on_1)
    second = DiscordPlatform(DiscordConfig(shard_count=2, shard_ids=(1,)), "token")
    assert isinstance(second.client, discord.AutoShardedClient)
    assert (second.client.shard_count, second.client.shard_ids) == (2, [1])
    assert second.owns(on_1) and not second.owns(on_0)
    assert global_share(DiscordConfig(shard_count=4, shard_ids=(0, 3))) == 0.5
    assert global_share(DiscordConfig(shard_count=4)) == 1.0


@given(shard_count=st.integers(min_value=1, max_value=GLOBAL_LIMIT), data=st.data())
def test_processes_sharing_the_shards_stay_under_the_global_limit_together(
    shard_count: int, data: st.DataObject
) -> None:
    processes = split_among_processes(data, shard_count)
    paces = [global_pacing(len(shards) / shard_count) for shards in processes]
    # at most GLOBAL_LIMIT leave in any second, whatever the processes do, as every window is >= 1 s
    assert sum(limit for _, limit, _ in paces) <= GLOBAL_LIMIT
    assert all(window >= 1.0 for _, _, window in paces)
    for (rate, limit, window), shards in zip(paces, processes, strict=True):
        assert rate <= limit / window + 1e-9  # the window only catches bursts, the rate is the pace
        assert rate <= GLOBAL_RATE * len(shards) / shard_count + 1e-9
    # equal parts go at equal paces, none held under its rate: a quarter each at 12/s, not 11.5/s
    assert global_pacing(0.25) == (12.0, 12, 1.0)
    assert global_pacing(0.5) == (24.0, 25, 1.04)
    assert global_pacing(1.0) == (48.0, 50, 1.04)
