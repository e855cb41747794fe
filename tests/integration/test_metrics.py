"""The metrics move when real things happen: the real service over a real SQLite file, the real
APScheduler, the real discord.py and slack-bolt against the local emulators, and /metrics read
over real HTTP in Prometheus' own text format."""

from __future__ import annotations

import asyncio
import random
import socket
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_service
from bot.config import DiscordConfig, ServerConfig, SlackConfig
from bot.core.commands.grammar import AskQuestion, Practice, SubscribeArgs
from bot.core.daily.questions import QuestionBank
from bot.core.daily.service import PracticeService, ServiceSettings
from bot.core.shared.errors import About, PlatformError
from bot.core.shared.messages import Message
from bot.core.shared.models import Caller, ChannelRef, User
from bot.core.shared.ports import Clock
from bot.ops.health import Health, health_routes
from bot.ops.metrics import CONTENT_TYPE, PrometheusMetrics, authorized, metrics_routes
from bot.ops.server import serve
from bot.platforms.discord.adapter import DiscordPlatform
from bot.platforms.slack.adapter import SlackPlatform
from bot.scheduler import ApsTimer, SystemClock
from bot.storage.sqlite import SqliteStore
from tests.conftest import CHANNEL, DEFAULTS, FakeClock, FakePlatform, FakeTimer, open_store
from tests.emulators.discord import DiscordEmulator
from tests.emulators.slack import SlackEmulator

ADMIN = Caller(CHANNEL, User("lead", "lead"), is_admin=True)
SUBSCRIBE = Practice("subscribe", SubscribeArgs())


def value(metrics: PrometheusMetrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await open_store(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()


def make_service(
    store: SqliteStore,
    platforms: dict[str, object],
    bank: QuestionBank,
    metrics: PrometheusMetrics,
    clock: Clock | None = None,
) -> PracticeService:
    return build_service(
        store,
        platforms,  # type: ignore[arg-type]
        clock or FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC)),
        FakeTimer(),
        bank,
        ServiceSettings(DEFAULTS),
        random.Random(3),
        metrics=metrics,
    )


async def test_a_day_moves_posts_replies_reveals_and_command_latency(
    store: SqliteStore, bank: QuestionBank
) -> None:
    metrics = PrometheusMetrics(["fake"])
    platform = FakePlatform()
    service = make_service(store, {"fake": platform}, bank, metrics)
    assert value(metrics, "practicebot_posts_total", platform="fake") == 0  # present from the start

    await service.handle(ADMIN, SUBSCRIBE)
    await service.handle(ADMIN, Practice("post-now"))
    assert value(metrics, "practicebot_posts_total", platform="fake") == 1
    thread = platform.of("post")[0].ref
    await service.record_reply(CHANNEL, "t-" + thread, User("ana", "ana"))
    await service.record_reply(CHANNEL, "t-" + thread, User("bo", "bo"))
    await service.record_reply(CHANNEL, "t-" + thread, User("bo", "bo"))  # once per person
    assert value(metrics, "practicebot_replies_total", platform="fake", on_time="true") == 2
    await service.handle(ADMIN, Practice("reveal-now"))
    assert value(metrics, "practicebot_reveals_total", platform="fake") == 1
    await service.record_reply(CHANNEL, "t-" + thread, User("cy", "cy"))
    assert value(metrics, "practicebot_replies_total", platform="fake", on_time="false") == 1

    await service.handle(ADMIN, AskQuestion(None))
    await service.handle_action(ADMIN, "answer:testpack/beginner-01")
    for command in ("practice subscribe", "practice post-now", "practice reveal-now", "question", "button"):
        assert (
            value(metrics, "practicebot_command_duration_seconds_count", platform="fake", command=command)
            == 1
        )
    assert value(metrics, "practicebot_command_duration_seconds_sum", platform="fake", command="question") > 0


async def test_platform_failures_are_counted_by_platform_and_kind(
    store: SqliteStore, bank: QuestionBank
) -> None:
    metrics = PrometheusMetrics(["fake"])
    platform = FakePlatform()
    service = make_service(store, {"fake": platform}, bank, metrics)
    await service.handle(ADMIN, SUBSCRIBE)
    platform.failures[CHANNEL.channel_id] = PlatformError("Discord answered 503")
    await service.handle(ADMIN, Practice("post-now"))
    platform.failures[CHANNEL.channel_id] = PlatformError("no access", about=About.CHANNEL)
    await service.handle(ADMIN, Practice("post-now"))
    assert value(metrics, "practicebot_platform_errors_total", platform="fake", kind="transient") == 1
    assert value(metrics, "practicebot_platform_errors_total", platform="fake", kind="permanent") == 1
    assert value(metrics, "practicebot_posts_total", platform="fake") == 0


async def test_scheduler_lag_is_how_late_a_wake_up_started() -> None:
    metrics = PrometheusMetrics()
    timer = ApsTimer(metrics)
    woken = asyncio.Event()

    async def on_post(subscription_id: int) -> None:
        woken.set()

    async def on_reveal(post_id: int) -> None:
        pass

    timer.bind(on_post, on_reveal)
    timer.start()
    try:
        before = datetime.now(UTC)
        timer.wake_post(1, before - timedelta(seconds=30))  # due half a minute ago, as after a stall
        await asyncio.wait_for(woken.wait(), timeout=5)
        late_at_most = (datetime.now(UTC) - before).total_seconds() + 30
    finally:
        timer.shutdown()
    assert value(metrics, "practicebot_scheduler_lag_seconds_count", job="post") == 1
    assert 30 <= value(metrics, "practicebot_scheduler_lag_seconds_sum", job="post") <= late_at_most
    assert value(metrics, "practicebot_scheduler_lag_seconds_bucket", job="post", le="15.0") == 0
    assert value(metrics, "practicebot_scheduler_lag_seconds_bucket", job="post", le="60.0") == 1
    assert value(metrics, "practicebot_scheduler_lag_seconds_count", job="reveal") == 0


@pytest.fixture
async def discord_emulator(discord_endpoints: None) -> AsyncIterator[DiscordEmulator]:
    async with DiscordEmulator() as running:
        yield running


async def test_discord_429s_are_counted_even_when_discord_py_retries_them(
    discord_emulator: DiscordEmulator, store: SqliteStore, bank: QuestionBank
) -> None:
    guild = discord_emulator.add_guild("prep")
    channel = discord_emulator.add_channel(guild, "practice")
    metrics = PrometheusMetrics(["discord"])
    config = DiscordConfig(api_base_url=discord_emulator.api_url, gateway_url=discord_emulator.gateway_url)
    platform = DiscordPlatform(config, discord_emulator.token, guild_ready_timeout=0.05, metrics=metrics)
    service = make_service(store, {"discord": platform}, bank, metrics, SystemClock())
    await platform.start(service)
    await platform.connected(within=10)
    try:
        admin = Caller(ChannelRef("discord", str(guild), str(channel)), User("1", "lead"), is_admin=True)
        await service.handle(admin, SUBSCRIBE)
        discord_emulator.fail_next("POST", f"/channels/{channel}/messages", 429, times=2)
        await service.handle(admin, Practice("post-now"))
    finally:
        await platform.close()
    assert discord_emulator.count_429 == 2
    assert value(metrics, "practicebot_platform_rate_limited_total", platform="discord") == 2
    assert value(metrics, "practicebot_posts_total", platform="discord") == 1  # waited out, posted once
    assert value(metrics, "practicebot_platform_errors_total", platform="discord", kind="transient") == 0


async def test_slack_429s_are_counted_even_when_slack_sdk_retries_them(
    store: SqliteStore, bank: QuestionBank
) -> None:
    async with SlackEmulator() as slack:
        channel = slack.add_channel("practice")
        metrics = PrometheusMetrics(["slack"])
        platform = SlackPlatform(
            SlackConfig(api_base_url=slack.api_url),
            slack.bot_token,
            app_token=slack.app_token,
            metrics=metrics,
        )
        await platform.start(make_service(store, {"slack": platform}, bank, metrics))
        try:
            slack.fail_next("chat.postMessage", 429)
            target = ChannelRef("slack", slack.team_id, channel)
            await platform.reply_in_thread(target, "1.0", Message(body="after a 429"))
        finally:
            await platform.close()
        assert slack.count_429 == 1
    assert value(metrics, "practicebot_platform_rate_limited_total", platform="slack") == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_metrics_page_serves_prometheus_text_with_subscriptions_by_status(
    store: SqliteStore, bank: QuestionBank
) -> None:
    metrics = PrometheusMetrics(["fake"])
    platform = FakePlatform()
    service = make_service(store, {"fake": platform}, bank, metrics)
    await service.handle(ADMIN, SUBSCRIBE)
    await service.handle(ADMIN, Practice("post-now"))
    other = Caller(ChannelRef("fake", "W1", "C2"), ADMIN.user, is_admin=True)
    await service.handle(other, SUBSCRIBE)
    await service.handle(other, Practice("pause"))
    port = free_port()
    runner = await serve(metrics_routes(metrics, store), ServerConfig("127.0.0.1", port, monitoring=True))
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == CONTENT_TYPE
            text = await response.text()
    finally:
        await runner.cleanup()
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("practicebot_posts_total", (("platform", "fake"),))] == 1
    assert samples[("practicebot_subscriptions", (("status", "active"),))] == 1
    assert samples[("practicebot_subscriptions", (("status", "paused"),))] == 1
    assert samples[("practicebot_subscriptions", (("status", "unsubscribed"),))] == 0
    assert samples[("practicebot_platform_rate_limited_total", (("platform", "fake"),))] == 0
    assert "# HELP practicebot_scheduler_lag_seconds How late a scheduled wake-up started" in text


async def scrape(port: int, **headers: str) -> tuple[int, str, dict[str, str]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics", headers=headers) as response,
    ):
        return response.status, await response.text(), dict(response.headers)


async def test_with_a_token_metrics_answers_only_the_right_bearer(store: SqliteStore) -> None:
    token = "metrics-secret-3f9c"
    port = free_port()
    routes = metrics_routes(PrometheusMetrics(["fake"]), store, token=token)
    runner = await serve(routes, ServerConfig("127.0.0.1", port, monitoring=True))
    try:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
            status, text, answered = await scrape(port, **headers)
            assert status == 401, headers
            assert answered["WWW-Authenticate"] == 'Bearer realm="practicebot metrics"'
            assert "practicebot_" not in text and token not in text
        status, text, _ = await scrape(port, Authorization=f"Bearer {token}")
        assert status == 200
        assert 'practicebot_posts_total{platform="fake"} 0.0' in text
    finally:
        await runner.cleanup()


def seed_subscriptions(path: Path, active: int, paused: int) -> None:
    """Rows as the bot writes them, without going through it ten thousand times."""
    moment = "2026-03-02T06:00:00.000000+00:00"
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO subscriptions (platform, workspace_id, channel_id, post_time, timezone, days,"
            " reveal_minutes, levels, question_order, status, status_reason, schedule_from, created_at,"
            " updated_at) VALUES ('fake', 'W1', ?, '09:00', 'UTC', '0,1,2,3,4', 480, 'beginner',"
            " 'progressive', ?, '', ?, ?, ?)",
            [
                (f"C{i}", "active" if i < active else "paused", moment, moment, moment)
                for i in range(active + paused)
            ],
        )


@pytest.mark.sqlite_only  # seeds 10,000 subscriptions straight into the SQLite file
async def test_twenty_scrapes_at_once_over_10000_subscriptions_leave_healthz_quick(
    store: SqliteStore,
) -> None:
    """Scrapes count by status in the database and share one count: none of them loads every
    subscription on the bot's loop while a probe waits behind it."""
    await asyncio.to_thread(seed_subscriptions, store.path, 9_000, 1_000)
    port = free_port()
    health = Health(store, {}, fresh_for=0)
    routes = [*metrics_routes(PrometheusMetrics(["fake"]), store), *health_routes(health)]
    runner = await serve(routes, ServerConfig("127.0.0.1", port, monitoring=True))
    try:
        async with aiohttp.ClientSession() as http:

            async def healthz() -> float:
                started = time.monotonic()
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    assert response.status == 200
                return time.monotonic() - started

            scrapes = [asyncio.ensure_future(scrape(port)) for _ in range(20)]
            took = await healthz()
            answers = await asyncio.gather(*scrapes)
    finally:
        await runner.cleanup()
    assert took < 0.5, f"/healthz took {took:.2f} s behind the scrapes"
    for status, text, _ in answers:
        assert status == 200
        assert 'practicebot_subscriptions{status="active"} 9000.0' in text
        assert 'practicebot_subscriptions{status="paused"} 1000.0' in text


@given(header=st.text(), token=st.text(min_size=1))
def test_only_the_exact_bearer_header_is_authorized(header: str, token: str) -> None:
    assert authorized(header, token) == (header == f"Bearer {token}")
    assert authorized(f"Bearer {token}", token)
