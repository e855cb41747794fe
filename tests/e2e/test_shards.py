"""practicebot as two `practicebot run` processes, each connected as one of two Discord shards,
over one SQLite file and one Discord emulator: every subscription's question is posted exactly
once, by the process whose shard serves the subscription's guild, and neither process touches
the other's subscriptions."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sqlite3
import sys
from pathlib import Path

from bot.core.shared.models import ChannelRef
from bot.storage.sqlite import SqliteStore
from tests.conftest import clean_env, subscribe_due
from tests.e2e.test_discord import daily_posts
from tests.emulators.discord import DiscordEmulator, guild_id_on_shard, shard_of

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "shard-test-token"
SHARDS = 2
GUILDS_PER_SHARD = 3
CHANNELS_PER_GUILD = 2
POSTED = re.compile(r"posted \S+ to discord:(\d+)/(\d+) ")


async def launch(config: Path, database: Path, log: Path) -> asyncio.subprocess.Process:
    env = clean_env(DISCORD_TOKEN=TOKEN, PRACTICEBOT_LOG_LEVEL="INFO")
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), "--database", str(database),
            cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
        )  # fmt: skip


async def test_two_processes_on_two_shards_post_each_subscription_exactly_once_by_its_shard(
    tmp_path: Path,
) -> None:
    async with DiscordEmulator(token=TOKEN) as emulator:
        channels: dict[int, list[int]] = {}  # guild -> its channels
        for shard_id in range(SHARDS):
            for index in range(GUILDS_PER_SHARD):
                guild = emulator.add_guild(
                    f"shard {shard_id} guild {index}", guild_id=guild_id_on_shard(shard_id, SHARDS, index)
                )
                channels[guild] = [
                    emulator.add_channel(guild, f"team-{n}") for n in range(CHANNELS_PER_GUILD)
                ]
                emulator.add_member(guild, "lead", manage_channels=True)
        shard_of_channel = {c: shard_of(g, SHARDS) for g, cs in channels.items() for c in cs}
        everywhere = list(shard_of_channel)
        database = tmp_path / "bot.sqlite3"
        store = await SqliteStore.open(database)
        try:  # every subscription due two minutes ago: each process posts its own at start-up
            await subscribe_due(
                store, [ChannelRef("discord", str(g), str(c)) for g, cs in channels.items() for c in cs]
            )
        finally:
            await store.close()

        processes: list[asyncio.subprocess.Process] = []
        logs = [tmp_path / f"shard-{shard_id}.log" for shard_id in range(SHARDS)]
        try:
            for shard_id in range(SHARDS):
                config = tmp_path / f"shard-{shard_id}.toml"
                config.write_text(
                    f'[discord]\napi_base_url = "{emulator.api_url}"\ngateway_url = "{emulator.gateway_url}"\n'
                    f"shard_count = {SHARDS}\nshard_ids = [{shard_id}]\n"
                )
                processes.append(await launch(config, database, logs[shard_id]))
            await emulator.wait_until_shards_ready(SHARDS, timeout=60)
            # a post is done when its thread is open; then each command is answered by its shard's process
            await emulator.wait_for(
                lambda: all(emulator.threads_of(c) for c in everywhere), timeout=60, what="every question"
            )
            await emulator.wait_for(lambda: len(emulator.commands) == 5, timeout=30, what="the commands")
            # a second process for shard 1 (a rolling deploy of that one) refuses, naming the holder
            again = await launch(tmp_path / "shard-1.toml", database, tmp_path / "again.log")
            assert await asyncio.wait_for(again.wait(), timeout=30) == 1
            refused = (tmp_path / "again.log").read_text()
            assert (
                f"not starting: this process would serve discord:shard:1/2, and discord:shard:1/2 is held "
                f"by another practicebot (host {socket.gethostname()}, pid {processes[1].pid}, "
            ) in refused, refused
            for guild, (channel, *_) in channels.items():
                lead = emulator.add_member(guild, f"lead-{guild}", manage_channels=True)
                handle = await emulator.slash_command(guild, channel, lead, "practice", subcommand="status")
                answer = await handle.response(timeout=10)
                assert "Open question" in str(answer["data"]["embeds"]), (guild, answer)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                await asyncio.wait_for(process.wait(), timeout=20)
        written = [log.read_text(errors="replace") for log in logs]
        for process, text in zip(processes, written, strict=True):
            assert process.returncode == 0, text[-3000:]
            assert "practicebot ready" in text and "Traceback" not in text

        # the emulator's record: one question and one thread per channel, each sent once
        for channel in everywhere:
            assert len(daily_posts(emulator, channel)) == 1, f"channel {channel}"
            assert len(emulator.threads_of(channel)) == 1
        sends = [
            r
            for r in emulator.requests
            if r.method == "POST" and re.fullmatch(r"/channels/\d+/messages", r.api_path)
        ]
        assert sorted(int(r.api_path.split("/")[2]) for r in sends if r.status == 200) == sorted(everywhere)
        assert not [r for r in emulator.requests if r.status >= 400], (
            "Discord refused or rate-limited a request"
        )
        # one session per shard (identified once, never again), each told only of its own guilds
        sessions = list(emulator.gateway.sessions.values())
        assert sorted(tuple(s.shard or ()) for s in sessions) == [(0, SHARDS), (1, SHARDS)]
        for session in sessions:
            assert session.shard is not None
            told = {
                int(e.data["id"]) for e in emulator.dispatched("GUILD_CREATE") if e.session_id == session.id
            }
            assert told == {g for g in channels if shard_of(g, SHARDS) == session.shard[0]}
        # and who posted where: each process exactly the channels of its shard's guilds
        for shard_id, text in enumerate(written):
            posted = [int(channel) for _, channel in POSTED.findall(text)]
            assert sorted(posted) == sorted(c for c in everywhere if shard_of_channel[c] == shard_id)
        with sqlite3.connect(database) as db:  # one row per subscription, posted, none skipped
            statuses = db.execute(
                "SELECT subscription_id, status FROM posts ORDER BY subscription_id"
            ).fetchall()
        assert [status for _, status in statuses] == ["posted"] * len(everywhere)
        assert len({subscription for subscription, _ in statuses}) == len(everywhere)
