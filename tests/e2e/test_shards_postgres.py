"""Two `practicebot run` processes with disjoint Discord shards on one PostgreSQL server (started
by the tests), against one Discord emulator, as a team on several hosts would run them. One is
killed with SIGKILL in the middle of its fan-out and a replacement takes its shard: every
subscription is posted exactly once, none is lost, and a third process started for a shard that
is held refuses, naming the holder."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

import asyncpg

from bot.core.shared.models import ChannelRef
from bot.storage.postgres import PostgresStore
from tests.conftest import ROOT, clean_env, subscribe_due
from tests.e2e.test_discord import daily_posts
from tests.emulators.discord import DiscordEmulator, guild_id_on_shard, shard_of

TOKEN = "shard-pg-token"
SHARDS = 2
GUILDS_PER_SHARD = 2
CHANNELS_PER_GUILD = 10


async def launch(config: Path, url: str, log: Path) -> asyncio.subprocess.Process:
    env = clean_env(DISCORD_TOKEN=TOKEN, PRACTICEBOT_LOG_LEVEL="INFO")
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), "--database", url,
            cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
        )  # fmt: skip


async def test_a_shard_killed_mid_fan_out_is_taken_over_and_nothing_is_posted_twice_or_lost(
    tmp_path: Path, postgres_url: str
) -> None:
    async with DiscordEmulator(token=TOKEN) as emulator:
        channels: dict[int, list[int]] = {}
        for shard_id in range(SHARDS):
            for index in range(GUILDS_PER_SHARD):
                guild = emulator.add_guild(
                    f"g{shard_id}.{index}", guild_id=guild_id_on_shard(shard_id, SHARDS, index)
                )
                channels[guild] = [
                    emulator.add_channel(guild, f"team-{n}") for n in range(CHANNELS_PER_GUILD)
                ]
        shard_of_channel = {c: shard_of(g, SHARDS) for g, cs in channels.items() for c in cs}
        everywhere = list(shard_of_channel)
        mine = [c for c in everywhere if shard_of_channel[c] == 0]
        store = await PostgresStore.open(postgres_url, {})
        try:  # every subscription due two minutes ago: each process posts its own at start-up
            await subscribe_due(
                store, [ChannelRef("discord", str(g), str(c)) for g, cs in channels.items() for c in cs]
            )
        finally:
            await store.close()
        configs = []
        for shard_id in range(SHARDS):
            config = tmp_path / f"shard-{shard_id}.toml"
            config.write_text(
                f'[discord]\napi_base_url = "{emulator.api_url}"\ngateway_url = "{emulator.gateway_url}"\n'
                f"shard_count = {SHARDS}\nshard_ids = [{shard_id}]\n"
            )
            configs.append(config)
        logs = [tmp_path / f"shard-{n}.log" for n in range(SHARDS)]
        processes = [await launch(configs[n], postgres_url, logs[n]) for n in range(SHARDS)]
        try:
            # shard 0's process dies with some of its questions out and the rest not
            await emulator.wait_for(
                lambda: 2 <= sum(bool(daily_posts(emulator, c)) for c in mine) < len(mine) - 2,
                timeout=60, what="shard 0 part-way through its fan-out",
            )  # fmt: skip
            processes[0].send_signal(signal.SIGKILL)
            await processes[0].wait()
            processes[0] = await launch(configs[0], postgres_url, logs[0])  # its replacement
            await emulator.wait_for(
                lambda: all(emulator.threads_of(c) for c in everywhere), timeout=90, what="every question"
            )
            third = tmp_path / "third.log"
            again = await launch(configs[1], postgres_url, third)
            assert await asyncio.wait_for(again.wait(), timeout=30) == 1
            refused = third.read_text()
            assert (
                "not starting: this process would serve discord:shard:1/2, and discord:shard:1/2 is held "
                f"by another practicebot (host {socket.gethostname()}, pid {processes[1].pid}, "
            ) in refused, refused
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                await asyncio.wait_for(process.wait(), timeout=20)
        for log in logs:
            text = log.read_text(errors="replace")
            assert "Traceback" not in text, text[-3000:]
        for channel in everywhere:  # the emulator's record: one question and one thread each
            assert len(daily_posts(emulator, channel)) == 1, f"channel {channel}"
            assert len(emulator.threads_of(channel)) == 1
        db = await asyncpg.connect(postgres_url)
        try:
            statuses = await db.fetch("SELECT subscription_id, status FROM posts ORDER BY subscription_id")
        finally:
            await db.close()
        assert [row["status"] for row in statuses] == ["posted"] * len(everywhere)
