"""Crash soak: `practicebot run` as a subprocess against the Discord or the Slack emulator in
this process, killed with SIGKILL at random points of its fan-out and of its reveals, restarted
each time.
At the end the emulator's record is checked against the promises:

1. every subscribed channel got exactly one question (duplicates 0, missing 0);
2. every reply made before the reveal counts once (replies lost 0), every reveal happened once.

After every kill the database must pass `PRAGMA integrity_check`.

    python -m tests.soak --subscriptions 200 --kills 25 --seed 1 [--platform slack]

What differs between the platforms is a `Side`: how channels and people are made, what counts as
the bot's changing requests, where the daily posts, threads and reveals are, and who a reveal
lists as having answered in time.
"""

from __future__ import annotations

import asyncio
import random
import re
import signal
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import asyncpg

from bot.core.shared.models import ChannelRef
from bot.storage.dialect import numbered
from bot.storage.postgres import PostgresStore
from bot.storage.sqlite import SqliteStore
from tests.conftest import clean_env, subscribe_due
from tests.emulators.discord import DiscordEmulator
from tests.emulators.slack import SlackEmulator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "soak-token"
SLACK_BOT, SLACK_APP = "xoxb-soak-token", "xapp-soak-token"
REPLIERS = 4


@dataclass
class Result:
    subscriptions: int
    kills: int = 0
    runs: int = 0
    posts: int = 0
    duplicates: int = 0
    missing: int = 0
    reveals: int = 0
    duplicate_reveals: int = 0
    missing_reveals: int = 0
    replies: int = 0
    replies_lost: int = 0
    corrupt: int = 0
    crashes: int = 0  # runs that ended by themselves, not by our signal
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.missing or self.duplicate_reveals or self.missing_reveals
                    or self.replies_lost or self.corrupt or self.crashes)  # fmt: skip

    def summary(self) -> str:
        return (
            f"kills={self.kills} posts={self.posts} duplicates={self.duplicates} missing={self.missing} "
            f"replies_lost={self.replies_lost} reveals={self.reveals} duplicate_reveals={self.duplicate_reveals} "
            f"missing_reveals={self.missing_reveals} corrupt={self.corrupt} crashes={self.crashes} runs={self.runs}"
        )


class Emulator(Protocol):
    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> Any: ...  # noqa: ASYNC109

    async def stop(self) -> None: ...


class Side(Protocol):
    """One platform's emulator as the soak drives and reads it. A thread is named by a
    hashable key; a person by their user id as the platform writes it."""

    emulator: Emulator
    channels: list[Any]
    people: list[Any]
    post_requests: int  # changing requests a daily post takes
    reveal_requests: int  # and a reveal

    async def prepare(self, subscriptions: int) -> list[ChannelRef]: ...

    def config(self) -> str: ...

    def env(self) -> dict[str, str]: ...

    def work_done(self) -> int: ...

    def daily_posts(self, channel: Any) -> list[dict[str, Any]]: ...

    def threads(self) -> list[Any]: ...

    async def reply(self, thread: Any, person: Any) -> None: ...

    def reveals(self, thread: Any) -> list[dict[str, Any]]: ...

    def answered(self, thread: Any) -> set[Any]:
        """Who the thread's first reveal lists as having answered in time."""
        ...


class DiscordSide:
    post_requests = 3  # the message, its thread, the bot joining it
    reveal_requests = 2  # the reply in the thread, the edit of the post

    def __init__(self) -> None:
        self.emulator = DiscordEmulator(token=TOKEN)
        self.channels: list[int] = []
        self.people: list[int] = []

    async def prepare(self, subscriptions: int) -> list[ChannelRef]:
        await self.emulator.start()
        guild = self.emulator.add_guild("soak")
        self.channels = [self.emulator.add_channel(guild, f"team-{i}") for i in range(subscriptions)]
        self.people = [self.emulator.add_member(guild, f"person-{i}") for i in range(REPLIERS)]
        return [ChannelRef("discord", str(guild), str(channel)) for channel in self.channels]

    def config(self) -> str:
        return f'[discord]\napi_base_url = "{self.emulator.api_url}"\ngateway_url = "{self.emulator.gateway_url}"\n'

    def env(self) -> dict[str, str]:
        return {"DISCORD_TOKEN": TOKEN}

    def work_done(self) -> int:
        """Requests that change something on Discord: posts, threads, joins, reveals, edits."""
        return sum(
            r.method in ("POST", "PATCH", "PUT") and "/channels/" in r.path for r in self.emulator.requests
        )

    def daily_posts(self, channel: int) -> list[dict[str, Any]]:
        bot = str(self.emulator.bot_user_id)
        return [m for m in self.emulator.messages(channel) if m["author"]["id"] == bot and m["type"] == 0]

    def threads(self) -> list[int]:
        return [int(t["id"]) for channel in self.channels for t in self.emulator.threads_of(channel)]

    async def reply(self, thread: int, person: int) -> None:
        await self.emulator.post_message(thread, person, f"an answer from {person}")

    def reveals(self, thread: int) -> list[dict[str, Any]]:
        bot = str(self.emulator.bot_user_id)
        return [
            m
            for m in self.emulator.messages(thread)
            if m["author"]["id"] == bot
            and any((e.get("title") or "").startswith("Model answer") for e in m["embeds"])
        ]

    def answered(self, thread: int) -> set[int]:
        return {
            int(uid)
            for e in self.reveals(thread)[0]["embeds"]
            for f in e.get("fields") or []
            if f["name"] == "Answered in time"
            for uid in re.findall(r"<@(\d+)>", f["value"])
        }


SLACK_CHANGES = frozenset({"chat.postMessage", "chat.update", "conversations.join"})


class SlackSide:
    """Socket Mode against the Slack emulator, with its rate limits on. A thread is (channel,
    the daily post's ts); a reveal names people by display name, never by mention."""

    post_requests = 1  # chat.postMessage: the post is its own thread
    reveal_requests = 2  # chat.postMessage in the thread, chat.update of the post

    def __init__(self) -> None:
        self.emulator = SlackEmulator(SLACK_BOT, SLACK_APP)
        # The soak restarts the bot several times a second, and every start connects (Tier 1,
        # about one a minute) and reads every open thread back (conversations.replies, Tier 3:
        # 50 a minute). Those limits only make it wait (Retry-After), which no promise checked
        # here is about: lift them; chat.postMessage's per-channel limit and the others stay.
        for method in ("apps.connections.open", "conversations.replies", "conversations.history"):
            self.emulator.limiter.set_per_minute(method, 60_000)
        self.channels: list[str] = []
        self.people: list[str] = []
        self._names: dict[str, str] = {}  # display name -> user id

    async def prepare(self, subscriptions: int) -> list[ChannelRef]:
        await self.emulator.start()
        self.channels = [self.emulator.add_channel(f"team-{i}") for i in range(subscriptions)]
        self.people = [self.emulator.add_user(f"person-{i}") for i in range(REPLIERS)]
        self._names = {f"person-{i}": person for i, person in enumerate(self.people)}
        return [ChannelRef("slack", self.emulator.team_id, channel) for channel in self.channels]

    def config(self) -> str:
        return f'[slack]\napi_base_url = "{self.emulator.api_url}"\n'

    def env(self) -> dict[str, str]:
        return {"SLACK_BOT_TOKEN": SLACK_BOT, "SLACK_APP_TOKEN": SLACK_APP}

    def work_done(self) -> int:
        """Web API calls that change something on Slack: posts, thread replies, edits."""
        return sum(r.api_method in SLACK_CHANGES for r in self.emulator.requests)

    def daily_posts(self, channel: str) -> list[dict[str, Any]]:
        return [
            m
            for m in self.emulator.messages(channel)
            if (m.get("metadata") or {}).get("event_type") == "practicebot_post"
        ]

    def threads(self) -> list[tuple[str, str]]:
        return [(channel, post["ts"]) for channel in self.channels for post in self.daily_posts(channel)]

    async def reply(self, thread: tuple[str, str], person: str) -> None:
        channel, ts = thread
        await self.emulator.post_message(channel, person, f"an answer from {person}", thread_ts=ts)

    def _from_bot(self, thread: tuple[str, str]) -> list[dict[str, Any]]:
        return [m for m in self.emulator.replies(*thread)[1:] if m.get("user") == self.emulator.bot_user_id]

    def reveals(self, thread: tuple[str, str]) -> list[dict[str, Any]]:
        return [
            m
            for m in self._from_bot(thread)
            if any(
                b.get("type") == "header" and b["text"]["text"].startswith("Model answer")
                for b in m.get("blocks") or []
            )
        ]

    def answered(self, thread: tuple[str, str]) -> set[str]:
        """From the reveal's "Answered in time" section (its parts, when it was split)."""
        texts = [
            block["text"]["text"]
            for m in self._from_bot(thread)
            for block in m.get("blocks") or []
            if isinstance(block.get("text"), dict)
        ]
        names = [
            name.strip()
            for text in texts
            for listed in re.findall(r"\*Answered in time\*\n([^\n]*)", text)
            for name in listed.split(",")
        ]
        return {self._names[name] for name in names if name in self._names}


SIDES = {"discord": DiscordSide, "slack": SlackSide}


class Soak:
    def __init__(
        self,
        workdir: Path,
        subscriptions: int,
        kills: int,
        seed: int,
        platform: str = "discord",
        database_url: str | None = None,
    ) -> None:
        self.workdir = workdir
        self.rng = random.Random(seed)
        self.kills_wanted = kills
        self.result = Result(subscriptions)
        self.db = workdir / "soak.sqlite3"
        self.database_url = database_url  # a PostgreSQL database instead of the SQLite file
        self.config = workdir / "practicebot.toml"
        self.side: Side = SIDES[platform]()
        self.emulator = self.side.emulator
        self.replied: dict[Any, set[Any]] = {}  # thread -> people who replied in it

    @property
    def channels(self) -> list[Any]:
        return self.side.channels

    def daily_posts(self, channel: Any) -> list[dict[str, Any]]:
        return self.side.daily_posts(channel)

    # ------------------------------------------------------------ set-up

    async def prepare(self, subscriptions: int) -> None:
        refs = await self.side.prepare(subscriptions)
        self.config.write_text(self.side.config())
        # every subscription is due in the same minute: two minutes ago, inside misfire_grace
        store = await (
            PostgresStore.open(self.database_url, {}) if self.database_url else SqliteStore.open(self.db)
        )
        try:
            await subscribe_due(store, refs)
        finally:
            await store.close()

    # ------------------------------------------------------------ the bot

    async def launch(self) -> asyncio.subprocess.Process:
        env = clean_env()
        env |= self.side.env() | {"PRACTICEBOT_LOG_LEVEL": "INFO"}
        self.result.runs += 1
        log = (self.workdir / f"run-{self.result.runs:03d}.log").open("wb")
        try:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--config", str(self.config), "--database", self.database_url or str(self.db),
                cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            )  # fmt: skip
        finally:
            log.close()

    def crashed(self, process: asyncio.subprocess.Process) -> bool:
        if process.returncode is None:
            return False
        self.result.crashes += 1
        log = (self.workdir / f"run-{self.result.runs:03d}.log").read_text(errors="replace")
        self.result.notes.append(
            f"run {self.result.runs} ended by itself ({process.returncode}):\n{log[-3000:]}"
        )
        return True

    async def kill(self, process: asyncio.subprocess.Process) -> None:
        if self.crashed(process):
            return
        process.send_signal(signal.SIGKILL)
        await process.wait()
        self.result.kills += 1
        await self.check_integrity()

    async def query(self, sql: str, *params: Any) -> list[Any]:
        """One statement on the soak's database (written once, with `?` placeholders)."""
        if self.database_url is None:
            with sqlite3.connect(self.db) as db:
                return db.execute(sql, params).fetchall()
        db = await asyncpg.connect(self.database_url)
        try:
            return list(await db.fetch(numbered(sql), *params))
        finally:
            await db.close()

    async def check_integrity(self) -> None:
        """SQLite: `PRAGMA integrity_check`. PostgreSQL checks its own pages; a query through a
        new connection after each kill shows the server took no harm from the client's death."""
        if self.database_url is None:
            verdict = (await self.query("PRAGMA integrity_check"))[0][0]
        else:
            verdict = "ok" if (await self.query("SELECT count(*) FROM posts"))[0][0] >= 0 else "no answer"
        if verdict != "ok":
            self.result.corrupt += 1
            self.result.notes.append(f"integrity_check after kill {self.result.kills}: {verdict}")

    def work_done(self) -> int:
        return self.side.work_done()

    async def run_until(
        self, done: Any, seen: Any, kills: int, span: int, *, quiet_replies: bool = False
    ) -> None:
        """Start the bot and kill it after a random number (1..span) of its changing requests,
        so kills land inside the work, not before it; repeat `kills` times. Then let one run
        finish until `done()` holds, and stop it with SIGTERM."""
        for _ in range(kills):
            process = await self.launch()
            target = self.work_done() + self.rng.randint(1, max(1, span))

            def reached(target: int = target, process: asyncio.subprocess.Process = process) -> bool:
                return self.work_done() >= target or process.returncode is not None or seen()

            try:
                await self.emulator.wait_for(reached, timeout=30)
            except TimeoutError:
                self.result.notes.append(f"run {self.result.runs}: the work ended before the kill point")
            if not quiet_replies:
                await self.reply_somewhere()  # sometimes while the bot runs ...
            await self.kill(process)
            if not quiet_replies:
                await self.reply_somewhere()  # ... and sometimes while it is down
        process = await self.launch()
        log = self.workdir / f"run-{self.result.runs:03d}.log"
        try:
            async with asyncio.timeout(300):
                while process.returncode is None and not (  # noqa: ASYNC110 - polls the emulator and the log
                    await done() and "practicebot ready" in log.read_text(errors="replace")
                ):
                    await asyncio.sleep(0.2)
        finally:
            if not self.crashed(process):
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), timeout=15)
                if process.returncode != 0:
                    self.result.crashes += 1
                    self.result.notes.append(
                        f"SIGTERM ended run {self.result.runs} with {process.returncode}"
                    )
            await self.check_integrity()

    # ------------------------------------------------------------ people

    def threads(self) -> list[Any]:
        return self.side.threads()

    async def reply_somewhere(self) -> None:
        threads = self.threads()
        for thread in self.rng.sample(threads, min(len(threads), 5)):
            person = self.rng.choice(self.side.people)
            await self.side.reply(thread, person)
            self.replied.setdefault(thread, set()).add(person)

    # ------------------------------------------------------------ what the emulator saw

    def posted_everywhere(self) -> bool:
        """What the emulator has seen; the database may lag behind it."""
        return all(self.daily_posts(c) for c in self.channels) and len(self.threads()) >= len(self.channels)

    def revealed_everywhere(self) -> bool:
        threads = self.threads()
        return bool(threads) and all(self.side.reveals(t) for t in threads)

    async def all_posted(self) -> bool:
        return self.posted_everywhere()

    async def all_revealed(self) -> bool:
        [(open_posts,)] = await self.query("SELECT COUNT(*) FROM posts WHERE status IN ('claimed', 'posted')")
        return int(open_posts) == 0

    async def overdue_reveals(self) -> None:
        """Move every reveal into the past, as if the bot had been down over the reveal time."""
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="microseconds")
        await self.query("UPDATE posts SET reveal_at = ? WHERE status = 'posted'", past)

    def count(self) -> None:
        r = self.result
        for channel in self.channels:
            posts = self.daily_posts(channel)
            r.posts += len(posts)
            r.duplicates += max(0, len(posts) - 1)
            r.missing += not posts
        for thread in self.threads():
            reveals = self.side.reveals(thread)
            r.reveals += len(reveals)
            r.duplicate_reveals += max(0, len(reveals) - 1)
            r.missing_reveals += not reveals
            if not reveals:
                continue
            listed = self.side.answered(thread)
            people = self.replied.get(thread, set())
            r.replies += len(people)
            lost = people - listed
            r.replies_lost += len(lost)
            if lost:
                r.notes.append(f"thread {thread}: {sorted(lost)} replied but are not listed")


async def soak(
    workdir: Path,
    subscriptions: int = 200,
    kills: int = 24,
    seed: int = 1,
    platform: str = "discord",
    database_url: str | None = None,
) -> Result:
    run = Soak(workdir, subscriptions, kills, seed, platform, database_url)
    await run.prepare(subscriptions)
    try:
        fan_out_kills, reveal_kills = kills // 2, kills - kills // 2
        # kill points are spread over twice the work per kill, so some runs get far and some do not
        fan_out_span = 2 * run.side.post_requests * subscriptions // max(1, fan_out_kills)
        await run.run_until(run.all_posted, run.posted_everywhere, fan_out_kills, fan_out_span)
        await run.reply_somewhere()
        await run.overdue_reveals()
        reveal_span = 2 * run.side.reveal_requests * subscriptions // max(1, reveal_kills)
        await run.run_until(
            run.all_revealed, run.revealed_everywhere, reveal_kills, reveal_span, quiet_replies=True
        )
        run.count()
    finally:
        await run.emulator.stop()
    return run.result
