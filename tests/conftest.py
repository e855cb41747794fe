"""Shared test parts: fakes for our own ports (Clock, Timer, Platform) and a harness that drives
the real service over a real SQLite file through an injected clock. Nothing here sleeps."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_service
from bot.core.catalog.ports import OwnPack
from bot.core.commands.grammar import parse_line
from bot.core.daily.questions import QuestionBank, load_bank
from bot.core.daily.service import PracticeService, ServiceSettings
from bot.core.daily.streaks import Freezes
from bot.core.recap.rules import RecapTime
from bot.core.shared.errors import PlatformError
from bot.core.shared.messages import Message, Picture
from bot.core.shared.models import (
    LEVELS,
    Caller,
    ChannelRef,
    Order,
    PostedRef,
    Reveal,
    Schedule,
    SubscriptionSettings,
    SubscriptionStatus,
    User,
)
from bot.storage.sqlite import SqliteStore
from bot.storage.store import SqlStore
from tests.backends import new_database, open_store
from tests.pg_server import Server, running_server

ROOT = Path(__file__).resolve().parent.parent


async def run_practicebot(config: Path, database: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`practicebot run --config CONFIG --database DATABASE` as a real subprocess, no terminal,
    its output piped: what the process-level tests start."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), "--database", str(database),
        cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def stop_practicebot(process: asyncio.subprocess.Process, secrets: Iterable[str]) -> str:
    """SIGTERM the process; it must stop cleanly after getting ready and never have written any
    of `secrets`. What it wrote."""
    process.send_signal(signal.SIGTERM)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    assert process.returncode == 0, stderr.decode()[-2000:]
    written = (stdout + stderr).decode()
    assert "practicebot ready" in written
    for secret in secrets:
        assert secret not in written, "a secret reached the logs"
    return written


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without platform tokens or practicebot settings, plus `extra`:
    what a subprocess under test starts from."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD", "SLACK", "PRACTICEBOT"))}
    return env | extra


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """One real PostgreSQL server for the whole run (started on first use, about 2 s)."""
    with running_server() as server:
        yield server


@pytest.fixture
async def postgres_url(postgres_server: Server) -> str:
    """A fresh, empty database on that server, for one test."""
    return await new_database(postgres_server, f"test_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def discord_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py keeps its REST and gateway endpoints process-wide and the adapter points them at
    its config: put them back after each test."""
    import discord

    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )


@pytest.fixture(autouse=True)
def no_open_database() -> Iterator[None]:
    """A store left open keeps aiosqlite's worker thread alive, and that thread is not a daemon: the
    test run would print its summary and then never exit. Fail the test that leaves one instead."""
    before = set(threading.enumerate())
    yield
    workers = [t for t in threading.enumerate() if t not in before and "connection_worker" in t.name]
    for worker in workers:
        worker.join(timeout=1.0)  # a closed store's thread may take a moment to finish
    left = [t.name for t in workers if t.is_alive()]
    assert not left, f"this test left {len(left)} database connection(s) open: close every SqliteStore"


# ---------------------------------------------------------------- packs the tests write


def question_file(
    pack: str, level: str, number: int, *, title: str | None = None, body: str | None = None, extra: str = ""
) -> str:
    return f"""+++
id = "{pack}/{level}-{number:02d}"
level = "{level}"
number = {number}
title = "{title or f"{level.title()} question {number}?"}"
summary = "The short answer to {level} {number}."
key_points = ["first point", "second point", "third point"]
follow_ups = ["What next?", "And then?"]
references = ["RFC 6455 section 1.3 <https://www.rfc-editor.org/rfc/rfc6455#section-1.3>"]
tags = ["test"]
{extra}+++
{body or f"The model answer to {level} question {number}."}
"""


def write_pack(root: Path, name: str = "testpack", counts: dict[str, int] | None = None) -> Path:
    counts = counts or {"beginner": 3, "intermediate": 2, "advanced": 1}
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    levels = ", ".join(f"{level} = {n}" for level, n in counts.items())
    (folder / "pack.toml").write_text(f'id = "{name}"\nname = "Test pack"\nlevels = {{ {levels} }}\n')
    for level, n in counts.items():
        (folder / level).mkdir(exist_ok=True)
        for number in range(1, n + 1):
            (folder / level / f"{number:02d}-q.md").write_text(question_file(name, level, number))
    return folder


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    return write_pack(tmp_path / "packs")


@pytest.fixture
def bank(pack_dir: Path) -> QuestionBank:
    return load_bank([pack_dir])


# ---------------------------------------------------------------- fakes of our own ports


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        assert moment.tzinfo is not None
        self._now = moment

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class FakeTimer:
    """Records wake-ups by id, as APScheduler would hold them (arming an id replaces it)."""

    def __init__(self) -> None:
        self.posts: dict[int, datetime] = {}
        self.reveals: dict[int, datetime] = {}
        self.recaps: dict[int, datetime] = {}

    def wake_post(self, subscription_id: int, at: datetime) -> None:
        self.posts[subscription_id] = at

    def wake_reveal(self, post_id: int, at: datetime) -> None:
        self.reveals[post_id] = at

    def cancel_post(self, subscription_id: int) -> None:
        self.posts.pop(subscription_id, None)

    def wake_recap(self, subscription_id: int, at: datetime) -> None:
        self.recaps[subscription_id] = at

    def next_due(self) -> tuple[datetime, str, int] | None:
        pending = [(at, "reveal", i) for i, at in self.reveals.items()]
        pending += [(at, "post", i) for i, at in self.posts.items()]
        pending += [(at, "recap", i) for i, at in self.recaps.items()]
        return min(pending) if pending else None


@dataclass
class Sent:
    kind: str  # post | thread | edit | private | picture
    channel: ChannelRef
    message: Message
    ref: str  # nonce, thread id or message id
    picture: Picture | None = None


def _flowing() -> asyncio.Event:
    flowing = asyncio.Event()
    flowing.set()
    return flowing


@dataclass
class FakePlatform:
    """A platform port that remembers what it was asked to send; idempotent per nonce."""

    name: str = "fake"
    sent: list[Sent] = field(default_factory=list)
    failures: dict[str, PlatformError] = field(default_factory=dict)  # channel id -> error
    _by_nonce: dict[str, PostedRef] = field(default_factory=dict)
    resends: int = 0
    history: dict[str, list[tuple[User, datetime]]] = field(default_factory=dict)  # thread -> replies
    foreign: set[str] = field(default_factory=set)  # workspace ids another process serves
    events_flow: asyncio.Event = field(default_factory=_flowing)  # clear: connected, no events yet

    def owns(self, channel: ChannelRef) -> bool:
        return channel.workspace_id not in self.foreign

    async def receiving(self) -> None:
        await self.events_flow.wait()

    def _check(self, channel: ChannelRef) -> None:
        if channel.channel_id in self.failures:
            raise self.failures[channel.channel_id]

    async def post_question(
        self, channel: ChannelRef, message: Message, nonce: str, *, resend: bool = False
    ) -> PostedRef:
        self._check(channel)
        self.resends += resend
        if nonce not in self._by_nonce:
            self._by_nonce[nonce] = PostedRef(f"m-{nonce}", f"t-{nonce}")
            self.sent.append(Sent("post", channel, message, nonce))
        return self._by_nonce[nonce]

    async def reply_in_thread(
        self, channel: ChannelRef, thread_id: str, message: Message, *, nonce: str = "", resend: bool = False
    ) -> None:
        self._check(channel)
        if nonce and nonce in self._by_nonce:
            return  # the platform recognises the nonce
        if nonce:
            self._by_nonce[nonce] = PostedRef("", thread_id)
        self.sent.append(Sent("thread", channel, message, thread_id))

    async def thread_replies(self, channel: ChannelRef, thread_id: str) -> list[tuple[User, datetime]]:
        self._check(channel)
        return list(self.history.get(thread_id, []))

    async def edit_post(self, channel: ChannelRef, message_id: str, message: Message) -> None:
        self._check(channel)
        self.sent.append(Sent("edit", channel, message, message_id))

    async def send_private(self, channel: ChannelRef, user_id: str, message: Message) -> None:
        self._check(channel)
        self.sent.append(Sent("private", channel, message, user_id))

    async def post_picture(
        self, channel: ChannelRef, message: Message, picture: Picture, nonce: str, *, resend: bool = False
    ) -> None:
        self._check(channel)
        self.resends += resend
        if nonce in self._by_nonce:
            return  # the platform recognises the nonce
        self._by_nonce[nonce] = PostedRef("", "")
        self.sent.append(Sent("picture", channel, message, nonce, picture))

    def of(self, kind: str, channel: ChannelRef | None = None) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind and (channel is None or s.channel == channel)]


# ---------------------------------------------------------------- the harness


DEFAULTS = SubscriptionSettings(
    schedule=Schedule(at=datetime.min.time().replace(hour=9), timezone="UTC", days=frozenset(range(5))),
    reveal=Reveal(after=timedelta(hours=8)),
    levels=LEVELS,
    order=Order.PROGRESSIVE,
)


async def subscribe_due(
    store: SqliteStore, channels: Iterable[ChannelRef], order: Order = Order.SHUFFLED
) -> None:
    """Subscribe every channel to a time two minutes ago, daily: all due in the same minute and
    inside misfire_grace, so a bot starting (or waking them) now posts each at once."""
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    settings = SubscriptionSettings(
        Schedule(due.time(), "UTC", frozenset(range(7))),
        Reveal(timedelta(hours=8)),
        LEVELS,
        order,
    )
    for channel in channels:
        await store.save_subscription(channel, settings, now - timedelta(minutes=10), now)


class Harness:
    """The real service on a real SQLite file, with fake clock, timer and platform."""

    def __init__(self, db_path: Path, bank: QuestionBank, now: datetime, **settings: object) -> None:
        self.db_path = db_path
        self.bank = bank
        self.clock = FakeClock(now)
        self.platform = FakePlatform()
        self.settings = ServiceSettings(defaults=DEFAULTS, **settings)  # type: ignore[arg-type]
        self.store: SqlStore
        self.timer: FakeTimer
        self.service: PracticeService
        self.own_pack: OwnPack | None = None  # a test's own (bot/app.py's when None)

    async def start(self) -> Harness:
        self.store = await open_store(self.db_path)
        self.timer = FakeTimer()
        self.service = build_service(
            self.store,
            {self.platform.name: self.platform},
            self.clock,
            self.timer,
            self.bank,
            self.settings,
            rng=random.Random(7),
            own_pack=self.own_pack,
        )
        await self.service.start()
        return self

    async def restart(self, down_for: timedelta = timedelta(0)) -> None:
        """Stop (losing every wake-up), let time pass, start again from the database."""
        await self.store.close()
        self.clock.advance(down_for)
        await self.start()

    async def run_until(self, until: datetime) -> None:
        """Fire every wake-up due up to `until`, in time order, moving the clock to each."""
        for _ in range(100_000):
            due = self.timer.next_due()
            if due is None or due[0] > until:
                break
            at, kind, ident = due
            self.clock.set(max(self.clock.now(), at))
            if kind == "post":
                del self.timer.posts[ident]
                await self.service.run_post(ident)
            elif kind == "recap":
                del self.timer.recaps[ident]
                await self.service.recaps.run(ident)
            else:
                del self.timer.reveals[ident]
                await self.service.run_reveal(ident)
        else:
            raise AssertionError("wake-ups never settle")
        self.clock.set(max(self.clock.now(), until))


@pytest.fixture
async def harness_factory(tmp_path: Path, bank: QuestionBank) -> AsyncIterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(
        now: datetime | None = None,
        *,
        database: str | None = None,
        foreign: Iterable[str] = (),
        **settings: object,
    ) -> Harness:
        """A service on its own database, or on `database` shared with others made so (another
        process); `foreign`: workspaces another process serves."""
        h = Harness(
            tmp_path / (database or f"bot{len(made)}.sqlite3"),
            bank,
            now or datetime(2026, 3, 2, 6, 0, tzinfo=UTC),
            **settings,
        )
        h.platform.foreign = set(foreign)
        made.append(h)
        return h

    yield make
    for h in made:
        if hasattr(h, "store"):
            await h.store.close()


CHANNEL = ChannelRef("fake", "W1", "C1")
OTHER_CHANNEL = ChannelRef("fake", "W1", "C2")


async def seed_streaks(
    db_path: Path, bank: QuestionBank, channel: ChannelRef, days: Sequence[Iterable[User]], freezes: Freezes
) -> None:
    """Streak history for a bot started on `db_path` afterwards, on any platform: `channel` is
    subscribed a month ago and gets one closed post a day, answered by each day's people, kept
    under `freezes`; then it is paused, so the bot posts nothing by itself until /practice resume.
    The post time is twelve hours from now, so no schedule fires while a test runs."""
    now = datetime.now(UTC)
    start = (now - timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)
    hour = (now + timedelta(hours=12)).hour
    # subscribed a minute before the first day: with the post time at 00:00 (a seed run between
    # 12:00 and 13:00 UTC) the first post would otherwise be due at the very instant of subscribing
    h = Harness(db_path, bank, start - timedelta(minutes=1), freezes=freezes)
    h.platform = FakePlatform(name=channel.platform)
    await h.start()
    try:
        admin = Caller(channel, User("seed-admin", "seed admin"), True)
        await h.service.handle(admin, parse_line(f"/practice subscribe {hour:02d}:00 UTC daily reveal=1h"))
        for offset, people in enumerate(days):
            posted = start + timedelta(days=offset, hours=hour)
            await h.run_until(posted)
            thread = await h.service.open_thread(channel)
            assert thread is not None
            for person in people:
                assert await h.service.record_reply(channel, thread, person, posted)
            await h.run_until(posted + timedelta(hours=1))
        await h.service.handle(admin, parse_line("/practice pause"))
    finally:
        await h.store.close()


async def recap_due_a_minute_ago(db_path: Path, subscription_id: int = 1) -> datetime:
    """For a bot started on `db_path` afterwards: the subscription (made by `seed_streaks`) is
    active again, without moving its start, and its weekly recap was due a minute ago (UTC, the
    seed's zone), so start-up arms it at once. Returns when it was due."""
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=1)).replace(second=0, microsecond=0)
    store = await open_store(db_path)
    try:
        await store.set_recap_time(subscription_id, RecapTime(due.weekday(), due.time()))
        await store.set_status(subscription_id, SubscriptionStatus.ACTIVE, "", now)
    finally:
        await store.close()
    return due
