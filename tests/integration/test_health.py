"""/healthz over real HTTP, on the bot's real server function, against a real SQLite file and the
real discord.py and slack-bolt talking to the local emulators. No sleeping to synchronise:
platform state changes are awaited through the libraries' own events."""

from __future__ import annotations

import asyncio
import io
import random
import socket
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import build_service
from bot.config import DiscordConfig, ServerConfig, SlackConfig
from bot.core.daily.questions import QuestionBank
from bot.core.daily.service import PracticeService, ServiceSettings
from bot.ops.health import FRESH_FOR, Health, health_routes
from bot.ops.metrics import PrometheusMetrics, metrics_routes
from bot.ops.server import Server, serve
from bot.platforms.discord.adapter import DiscordPlatform
from bot.platforms.shell import TerminalChannel
from bot.platforms.slack.adapter import SlackPlatform
from bot.scheduler import SystemClock
from bot.storage.sqlite import SqliteStore
from tests.conftest import DEFAULTS, FakeTimer
from tests.emulators.discord import DiscordEmulator
from tests.emulators.slack import SlackEmulator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Monitored:
    """The monitoring routes (plus any others, as with Slack's HTTP mode) on one real server."""

    def __init__(self, store: SqliteStore, platforms: dict[str, Any], health: Health | None = None) -> None:
        self.store = store
        self.platforms = platforms
        # each request a new report (fresh_for=0), so a test sees a change at once
        self.checks = health or Health(store, platforms, fresh_for=0)
        self.port = free_port()
        self.runner: Server | None = None

    async def start(self, extra: list[web.RouteDef] | None = None) -> Monitored:
        routes = [*(extra or []), *health_routes(self.checks)]
        routes += metrics_routes(PrometheusMetrics(self.platforms), self.store)
        self.runner = await serve(routes, ServerConfig("127.0.0.1", self.port, monitoring=True))
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with aiohttp.ClientSession() as http, http.get(self.base + "/healthz") as response:
            return response.status, await response.json()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def once(self) -> tuple[int, dict[str, Any]]:
        """Start, ask /healthz once, stop."""
        await self.start()
        try:
            return await self.health()
        finally:
            await self.stop()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()  # closing twice is harmless


@pytest.fixture
async def terminal(store: SqliteStore) -> AsyncIterator[Monitored]:
    monitored = await Monitored(store, {"terminal": TerminalChannel(io.StringIO(), io.StringIO())}).start()
    yield monitored
    await monitored.stop()


def service_for(store: SqliteStore, platforms: dict[str, Any], bank: QuestionBank) -> PracticeService:
    return build_service(
        store, platforms, SystemClock(), FakeTimer(), bank, ServiceSettings(DEFAULTS), random.Random(1)
    )


async def test_healthy_bot_answers_200_with_every_check(terminal: Monitored, store: SqliteStore) -> None:
    status, body = await terminal.health()
    assert status == 200
    assert body["status"] == "ok"
    checks = body["checks"]
    assert set(checks) == {"process", "database", "terminal"}
    assert checks["process"]["ok"] and "pid " in checks["process"]["detail"]
    assert checks["database"]["ok"]
    assert checks["database"]["detail"].startswith(f"{store.path} writable (")
    assert checks["terminal"] == {"ok": True, "detail": "n/a: the local terminal channel has no connection"}
    async with aiohttp.ClientSession() as http, http.head(terminal.base + "/healthz") as response:
        assert response.status == 200  # HEAD works too, for load balancers that use it


async def test_a_database_another_process_keeps_locked_is_unhealthy_until_released(
    terminal: Monitored, store: SqliteStore
) -> None:
    holder = sqlite3.connect(store.path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
        status, body = await terminal.health()
        assert status == 503
        assert body["status"] == "unhealthy"
        database = body["checks"]["database"]
        assert database == {"ok": False, "detail": f"{store.path} cannot be written: database is locked"}
        assert body["checks"]["process"]["ok"]  # the rest is still reported
        holder.execute("ROLLBACK")
        status, _ = await terminal.health()
        assert status == 200
    finally:
        holder.close()


async def test_a_database_file_removed_under_the_running_bot_is_unhealthy(
    terminal: Monitored, store: SqliteStore
) -> None:
    """The bot's open connection would go on writing into the deleted file, and lose it all at
    the next start: the probe opens the path afresh and never creates it."""
    for path in store.path.parent.glob(store.path.name + "*"):
        path.unlink()
    status, body = await terminal.health()
    assert status == 503
    assert (
        body["checks"]["database"]["detail"]
        == f"{store.path} cannot be written: unable to open database file"
    )
    assert not store.path.exists()


async def test_a_closed_database_connection_is_unhealthy(terminal: Monitored, store: SqliteStore) -> None:
    await store.close()
    status, body = await terminal.health()
    assert status == 503
    assert body["checks"]["database"]["detail"].startswith("the bot's database connection fails: ")


async def test_a_flood_of_probes_never_answers_503_while_the_database_is_healthy(store: SqliteStore) -> None:
    """Each report writes to the database: hundreds at once would lock it against each other.
    The ones that come together share one report."""
    health = Health(store, {"terminal": TerminalChannel(io.StringIO(), io.StringIO())})
    monitored = await Monitored(store, {}, health).start()
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

            async def probe() -> int:
                async with http.get(monitored.base + "/healthz") as response:
                    return response.status

            statuses = await asyncio.gather(*(probe() for _ in range(300)))
    finally:
        await monitored.stop()
    assert statuses == [200] * 300
    assert health.shared.runs <= 3  # one report per second at most, however many ask


async def test_a_failure_shows_once_the_shared_report_is_a_second_old(store: SqliteStore) -> None:
    now = [1000.0]
    health = Health(store, {}, clock=lambda: now[0])
    monitored = await Monitored(store, {}, health).start()
    holder = sqlite3.connect(store.path, isolation_level=None)
    try:
        assert (await monitored.health())[0] == 200
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock from now on
        assert (await monitored.health())[0] == 200  # the report of a moment ago, served again
        now[0] += FRESH_FOR
        status, body = await monitored.health()
        assert status == 503
        assert body["checks"]["database"]["detail"].endswith("cannot be written: database is locked")
    finally:
        holder.close()
        await monitored.stop()


@pytest.fixture
async def discord_emulator(discord_endpoints: None) -> AsyncIterator[DiscordEmulator]:
    async with DiscordEmulator() as running:
        running.add_guild("prep")
        yield running


async def test_discord_gateway_down_is_unhealthy_and_healthy_again_after_the_resume(
    discord_emulator: DiscordEmulator, store: SqliteStore, bank: QuestionBank
) -> None:
    config = DiscordConfig(api_base_url=discord_emulator.api_url, gateway_url=discord_emulator.gateway_url)
    platform = DiscordPlatform(config, discord_emulator.token, guild_ready_timeout=0.05)
    await platform.start(service_for(store, {"discord": platform}, bank))
    await platform.connected(within=10)
    monitored = await Monitored(store, {"discord": platform}).start()
    try:
        status, body = await monitored.health()
        assert status == 200
        assert body["checks"]["discord"] == {"ok": True, "detail": "connected"}

        disconnected = platform.client.loop.create_task(platform.client.wait_for("disconnect", timeout=5))
        await discord_emulator.drop_gateway(4000, hold=True)  # cut, and keep reconnects waiting
        await disconnected
        status, body = await monitored.health()
        assert status == 503
        assert body["checks"]["discord"] == {"ok": False, "detail": "not connected"}
        assert body["checks"]["database"]["ok"]

        resumed = platform.client.loop.create_task(platform.client.wait_for("resumed", timeout=5))
        discord_emulator.release_gateway()
        await resumed
        status, _ = await monitored.health()
        assert status == 200
    finally:
        await monitored.stop()
        await platform.close()
    status, body = await Monitored(store, {"discord": platform}).once()
    assert status == 503  # closed for good (a revoked token ends discord.py's client the same way)
    assert body["checks"]["discord"] == {"ok": False, "detail": "not connected"}


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator() as emulator:
        yield emulator


async def test_slack_http_mode_and_health_share_one_server(
    slack: SlackEmulator, store: SqliteStore, bank: QuestionBank
) -> None:
    platform = SlackPlatform(
        SlackConfig(api_base_url=slack.api_url, mode="http"),
        slack.bot_token,
        signing_secret=slack.signing_secret,
    )
    await platform.start(service_for(store, {"slack": platform}, bank))
    monitored = await Monitored(store, {"slack": platform}).start(extra=platform.http_routes())
    slack.request_url = monitored.base + "/slack/events"
    try:
        channel, user = slack.add_channel("practice"), slack.add_user("ana")
        envelope = await slack.slash_command(channel, user, "/question", "beginner")
        ack = await envelope.acked(timeout=5)
        assert ack["blocks"][0]["type"] == "header"  # answered through /slack/events on this port
        status, body = await monitored.health()
        assert status == 200
        assert body["checks"]["slack"] == {"ok": True, "detail": "connected"}
    finally:
        await monitored.stop()
        await platform.close()


async def test_slack_socket_closed_is_unhealthy(
    slack: SlackEmulator, store: SqliteStore, bank: QuestionBank
) -> None:
    platform = SlackPlatform(
        SlackConfig(api_base_url=slack.api_url), slack.bot_token, app_token=slack.app_token, ping_interval=0.5
    )
    await platform.start(service_for(store, {"slack": platform}, bank))
    monitored = await Monitored(store, {"slack": platform}).start()
    try:
        status, _ = await monitored.health()
        assert status == 200
        await platform.close()  # as after Slack revoked the app token: the socket is gone
        status, body = await monitored.health()
        assert status == 503
        assert body["checks"]["slack"] == {"ok": False, "detail": "not connected"}
    finally:
        await monitored.stop()
