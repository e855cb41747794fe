"""Two `practicebot run` processes on one SQLite file with one Slack workspace (issue 15, case 5:
an overlapping rolling deploy, where both would reveal everything): the second refuses to start
and names the first, which goes on working; a holder killed with SIGKILL is taken over at once
on the same machine; a holder that stops renewing (SIGSTOP) is taken over by a waiting process
once its lease expires, and when it wakes it stops instead of posting beside the new owner.

Slack rather than Discord because Slack is the case the issue names: with Socket Mode a second
connection takes part of the events, and nothing in Slack drops a second reveal."""

from __future__ import annotations

import asyncio
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.ownership.partitions import Lease, shard
from bot.core.shared.models import ChannelRef
from bot.ops.lease import Process
from bot.storage.sqlite import SqliteStore
from tests.conftest import ROOT, clean_env, subscribe_due
from tests.emulators.discord import guild_id_on_shard
from tests.soak.harness import SlackSide

HOST = socket.gethostname()
TTL = "3s"  # renewed every second: the SIGSTOP test waits about this long for the lease to expire


class Bot:
    """One `practicebot run` subprocess, its output in a file."""

    def __init__(self, workdir: Path, name: str, side: SlackSide, *args: str) -> None:
        self.log = workdir / f"{name}.log"
        self.config = workdir / "practicebot.toml"
        self.config.write_text(side.config() + f'[lease]\nttl = "{TTL}"\n')
        self.database = workdir / "bot.sqlite3"
        self.env = clean_env(PRACTICEBOT_LOG_LEVEL="INFO") | side.env()
        self.args = args
        self.process: asyncio.subprocess.Process

    async def start(self) -> Bot:
        with self.log.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--config", str(self.config), "--database", str(self.database),
                *self.args, cwd=ROOT, env=self.env, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
            )  # fmt: skip
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    async def ended(self, timeout: float = 30) -> int:  # noqa: ASYNC109
        return await asyncio.wait_for(self.process.wait(), timeout=timeout)

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.ended(20)

    def said(self) -> str:
        return self.log.read_text(errors="replace")


@asynccontextmanager
async def workspace(tmp_path: Path, channels: int) -> AsyncIterator[tuple[SlackSide, str]]:
    """The Slack emulator with `channels` channels subscribed and due now, and an admin."""
    side = SlackSide()
    try:
        refs = await side.prepare(channels)
        store = await SqliteStore.open(tmp_path / "bot.sqlite3")
        try:
            await subscribe_due(store, refs)
        finally:
            await store.close()
        yield side, side.emulator.add_user("lead", admin=True)
    finally:
        await side.emulator.stop()


async def reveal_now(side: SlackSide, channel: str, admin: str) -> None:
    command = await side.emulator.slash_command(channel, admin, "/practice", "reveal-now")
    await command.acked(timeout=10)
    thread = (channel, side.daily_posts(channel)[0]["ts"])
    await side.emulator.wait_for(lambda: side.reveals(thread), timeout=30)


def leases(database: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT partition, pid FROM leases").fetchall()


async def test_a_second_process_refuses_naming_the_first_which_goes_on_and_a_killed_one_is_taken_over(
    tmp_path: Path,
) -> None:
    async with workspace(tmp_path, 2) as (side, admin):
        first, second = side.channels
        bots: list[Bot] = []
        try:
            holder = await Bot(tmp_path, "holder", side).start()
            bots.append(holder)
            await side.emulator.wait_for(lambda: all(side.daily_posts(c) for c in side.channels), timeout=60)

            refused = await Bot(tmp_path, "second", side).start()  # the overlapping deploy
            bots.append(refused)
            assert await refused.ended() == 1
            said = refused.said()
            assert (
                f"practicebot: not starting: this process would serve slack, and slack is held by another "
                f"practicebot (host {HOST}, pid {holder.pid}, running since "
            ) in said, said
            assert "its lease expires at" in said and "--wait" in said and "Traceback" not in said
            assert side.emulator.socket_connects == 1  # it never connected to Slack

            await reveal_now(side, first, admin)  # the holder goes on
            assert leases(holder.database) == [("slack", holder.pid)]

            holder.process.send_signal(signal.SIGKILL)  # a crash: nothing let go of the lease
            await holder.ended()
            successor = await Bot(tmp_path, "successor", side).start()
            bots.append(successor)
            await side.emulator.wait_for(lambda: side.emulator.socket_connects == 2, timeout=60)
            await reveal_now(side, second, admin)
            assert await successor.stop() == 0
        finally:
            for bot in bots:
                await bot.stop()
        took = f"took over slack from host {HOST}, pid {holder.pid}, running since "
        assert took in successor.said() and ": its process has ended" in successor.said()
        for channel in side.channels:  # one question and one reveal each, whoever made them
            posts = side.daily_posts(channel)
            assert len(posts) == 1, channel
            assert len(side.reveals((channel, posts[0]["ts"]))) == 1, channel
        assert leases(successor.database) == []  # a clean stop lets go


async def test_a_suspended_holder_is_taken_over_after_its_lease_expires_and_stops_when_it_wakes(
    tmp_path: Path,
) -> None:
    async with workspace(tmp_path, 1) as (side, admin):
        [channel] = side.channels
        bots: list[Bot] = []
        try:
            holder = await Bot(tmp_path, "holder", side).start()
            bots.append(holder)
            # Suspended when idle: stopped inside a write (recording the post), it would hold SQLite's
            # one write lock and nobody could start (the waiting process says the database is locked).
            # Every envelope acknowledged too: slack_sdk logs a traceback when it acknowledges one over
            # a socket that is closing, as a process that wakes and stops at once would (a shutdown-
            # order matter of the Slack adapter, not of the leases).
            emulator = side.emulator
            await emulator.wait_for(lambda: side.daily_posts(channel), timeout=60)
            status = await emulator.slash_command(channel, admin, "/practice", "status")
            assert "Open question" in str(await status.acked(timeout=10))  # the post is recorded
            await emulator.wait_for(lambda: all(e.is_acked for e in emulator.envelopes), timeout=10)
            holder.process.send_signal(signal.SIGSTOP)  # suspended: alive, renewing nothing

            waiting = await Bot(tmp_path, "waiting", side, "--wait").start()
            bots.append(waiting)
            await side.emulator.wait_for(lambda: side.emulator.socket_connects == 2, timeout=60)
            holder.process.send_signal(signal.SIGCONT)
            assert await holder.ended() == 1  # it found its lease taken and stopped
            await reveal_now(side, channel, admin)  # the new owner works
            assert await waiting.stop() == 0
        finally:
            for bot in bots:
                if bot.process.returncode is None:
                    bot.process.send_signal(signal.SIGCONT)
                await bot.stop()
        woke = holder.said()
        assert (
            f"practicebot: lost the lease on slack: slack is held by another practicebot (host {HOST}, "
            f"pid {waiting.pid}, running since "
        ) in woke, woke[-3000:]
        assert "Traceback" not in woke
        said = waiting.said()
        assert f"waiting: slack is held by another practicebot (host {HOST}, pid {holder.pid}, " in said
        assert f"took over slack from host {HOST}, pid {holder.pid}, running since " in said
        assert ": its lease expired at " in said
        posts = side.daily_posts(channel)
        assert len(posts) == 1  # the waiting process did not post the question again
        assert len(side.reveals((channel, posts[0]["ts"]))) == 1


async def test_subscriptions_list_names_each_holder_and_the_shards_no_process_holds(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    now = datetime.now(UTC)
    store = await SqliteStore.open(database)
    try:
        guild = str(guild_id_on_shard(2, 4, 0))
        await subscribe_due(store, [ChannelRef("discord", guild, "94"), ChannelRef("slack", "T1", "C1")])
        web = Process("web-1", 4242, "web-1's namespace", now - timedelta(hours=1))
        taken = [
            Lease(
                name,
                web.holder,
                web.host,
                web.pid,
                web.process_space,
                web.started_at,
                now,
                now + timedelta(hours=1),
            )
            for name in (shard(0, 4), shard(1, 4))
        ]
        assert await store.acquire_leases(taken, web.gone) == ([], [])
    finally:
        await store.close()
    before = database.read_bytes()
    config = tmp_path / "practicebot.toml"
    config.write_text("[discord]\nshard_count = 4\nshard_ids = [0]\n")
    listing = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "subscriptions", "list", "--config", str(config), "--database", str(database),
        cwd=ROOT, env=clean_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(listing.communicate(), timeout=60)
    assert listing.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[-4] == "2 subscriptions, 2 active"
    assert lines[-3].startswith("lease: discord:shard:0/4 held by host web-1, pid 4242, running since ")
    assert lines[-2].startswith("lease: discord:shard:1/4 held by host web-1, pid 4242, ")
    assert lines[-1] == (
        "discord shards 2, 3 of 4 and slack are held by no process: their subscriptions get no posts"
    )
    assert database.read_bytes() == before  # a read-only command takes and writes nothing
