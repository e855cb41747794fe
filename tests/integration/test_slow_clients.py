"""Clients that connect and never finish (slowloris), over real sockets against the bot's real
HTTP server with /healthz on a real SQLite file. The deadlines are the behaviour under test, so
they are real but short (0.2 s); nothing sleeps: each step waits for the server to act."""

from __future__ import annotations

import asyncio
import io
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.config import ServerConfig
from bot.ops.health import Health, health_routes
from bot.ops.server import Capacity, Server, capacity, serve
from bot.platforms.shell import TerminalChannel
from bot.storage.sqlite import SqliteStore
from tests.integration.test_health import free_port

DEADLINE = 0.2
HALF_HEAD = b"GET /healthz HTTP/1.1\r\nHost: bot\r\nUser-Agent: slow"  # never ends its headers
BODY_HEAD = b"GET /healthz HTTP/1.1\r\nHost: bot\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()


async def start(store: SqliteStore, **limits: float) -> tuple[Server, int]:
    port = free_port()
    health = Health(store, {"terminal": TerminalChannel(io.StringIO(), io.StringIO())})
    server = await serve(health_routes(health), ServerConfig("127.0.0.1", port, monitoring=True), **limits)  # type: ignore[arg-type]
    return server, port


async def stall(port: int, opening: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(opening)
    await writer.drain()
    return reader, writer


async def healthz(port: int) -> int:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status


async def test_a_half_sent_head_or_body_is_closed_at_its_deadline(store: SqliteStore) -> None:
    server, port = await start(store, header_timeout=DEADLINE, body_timeout=DEADLINE)
    try:
        heads = [await stall(port, HALF_HEAD) for _ in range(10)]
        bodies = [await stall(port, BODY_HEAD) for _ in range(5)]
        async with asyncio.timeout(5):  # the server hangs up; without deadlines it never does
            for reader, _ in heads:
                assert await reader.read() == b""  # closed without an answer
            for reader, _ in bodies:
                answer = await reader.read()
                assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
                assert answer.endswith(b"the request body did not arrive within 0.2 s")
        assert await healthz(port) == 200
    finally:
        for _, writer in heads + bodies:
            writer.close()
        await server.cleanup()


async def test_hundreds_of_stalled_clients_at_the_cap_leave_healthz_answering(
    store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Long deadlines, so only the cap protects: past it, the oldest stalled connection makes
    room for the new one, and the server never holds more than the cap."""
    cap = 32
    server, port = await start(store, header_timeout=60, body_timeout=60, max_connections=cap)
    caplog.set_level(logging.DEBUG)
    stalled = []
    try:
        for i in range(300):
            stalled.append(await stall(port, HALF_HEAD if i % 5 else BODY_HEAD))
        async with asyncio.timeout(2):
            assert await healthz(port) == 200
            assert await healthz(port) == 200
        assert server.connections <= cap
        assert server.admission.evicted >= 300 - cap
        async with asyncio.timeout(5):  # the evicted ones were hung up on, oldest first
            for reader, _ in stalled[: 300 - cap]:
                assert await reader.read() in (b"", b"HTTP/1.1 408 Request Timeout")
    finally:
        for _, writer in stalled:
            writer.close()
        await server.cleanup()
    assert len(caplog.records) < 10, [r.getMessage() for r in caplog.records][:10]


async def test_at_the_cap_with_every_connection_being_answered_a_new_one_gets_503(store: SqliteStore) -> None:
    """Nothing to evict: the two connections are inside /healthz, waiting on a database another
    process holds locked. The third is told so at once instead of waiting unseen."""
    health = Health(store, {}, write_timeout=30, fresh_for=0)
    port = free_port()
    server = await serve(health_routes(health), ServerConfig("127.0.0.1", port), max_connections=2)
    holder = sqlite3.connect(store.path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        waiting = [asyncio.ensure_future(healthz(port)) for _ in range(2)]
        async with asyncio.timeout(5):  # both requests inside the handler: the loop's turns, no clock
            while len(server.admission.busy) < 2:  # noqa: ASYNC110 (the server's own count, no event)
                await asyncio.sleep(0)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        async with asyncio.timeout(5):
            assert (await reader.read()).startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        writer.close()
        holder.execute("ROLLBACK")
        assert await asyncio.gather(*waiting) == [200, 200]  # the two being answered were left alone
    finally:
        holder.close()
        await server.cleanup()


def test_the_cap_leaves_descriptors_for_the_bot_and_for_accepting() -> None:
    assert capacity(1024) == Capacity(connections=768, backlog=128)  # 128 for the bot, 128 accepting
    assert capacity(256) == Capacity(connections=160, backlog=32)  # 64 for the bot
    assert capacity(1_048_576).connections == 4096
    assert capacity(-1) == Capacity(4096, 128)  # RLIM_INFINITY
