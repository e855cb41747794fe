"""`practicebot run` as a real subprocess with monitoring on, serving Discord from the local
emulator: /healthz and /metrics over real HTTP, `practicebot health` as Docker's HEALTHCHECK
runs it, JSON logs without tokens, a database volume that turns read-only under the running
bot, and a SIGTERM that stops it well within Docker's 10 s."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.ops.health import CHECK_TIMEOUT, FRESH_FOR
from tests.conftest import clean_env
from tests.emulators.discord import DiscordEmulator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "discord-secret-token-5b8e"
METRICS_TOKEN = "metrics-secret-token-77d1"
STOP_BUDGET = 10.0  # docker stop's default grace period


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Bot:
    """A running `practicebot run`: its output read line by line as it comes."""

    def __init__(self, process: asyncio.subprocess.Process, base: str, config: Path) -> None:
        self.process = process
        self.base = base
        self.config = config
        self.lines: list[str] = []
        self._changed = asyncio.Condition()
        assert process.stdout is not None and process.stderr is not None
        self._pumps = [asyncio.ensure_future(self._pump(s)) for s in (process.stdout, process.stderr)]

    async def _pump(self, stream: asyncio.StreamReader) -> None:
        async for line in stream:
            async with self._changed:
                self.lines.append(line.decode())
                self._changed.notify_all()

    async def wait_for_line(self, predicate: Callable[[str], bool], timeout: float = 30) -> str:  # noqa: ASYNC109
        async with asyncio.timeout(timeout), self._changed:
            while True:
                found = next((line for line in self.lines if predicate(line)), None)
                if found is not None:
                    return found
                if self.process.returncode is not None or all(p.done() for p in self._pumps):
                    raise AssertionError("the bot ended early:\n" + "".join(self.lines[-30:]))
                await self._changed.wait()

    async def get(self, path: str, **headers: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as http, http.get(self.base + path, headers=headers) as response:
            return response.status, await response.text()

    async def health(self) -> tuple[int, dict[str, Any]]:
        status, text = await self.get("/healthz")
        return status, json.loads(text)

    async def health_turns(self, expected: int) -> dict[str, Any]:
        """/healthz once it answers `expected`: a report is served again for FRESH_FOR seconds,
        so a change shows within that (plus the checks' own time), not necessarily at once."""
        async with asyncio.timeout(FRESH_FOR + CHECK_TIMEOUT):
            while True:
                status, body = await self.health()
                if status == expected:
                    return body
                await asyncio.sleep(0.05)

    async def stop(self) -> float:
        """SIGTERM; seconds until it exited."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.process.wait(), timeout=STOP_BUDGET + 5)
        took = time.monotonic() - started
        await asyncio.gather(*self._pumps)
        return took


@asynccontextmanager
async def running_bot(
    discord: DiscordEmulator,
    tmp_path: Path,
    database: Path,
    wrap: list[str] | None = None,
    **environ: str,
) -> AsyncIterator[Bot]:
    port = free_port()
    config = tmp_path / "practicebot.toml"
    config.write_text(
        f'[discord]\napi_base_url = "{discord.api_url}"\ngateway_url = "{discord.gateway_url}"\n'
        f'[server]\nhost = "127.0.0.1"\nport = {port}\n'
    )
    env = clean_env(
        DISCORD_TOKEN=TOKEN,
        PRACTICEBOT_MONITORING="1",
        PRACTICEBOT_LOG_FORMAT="json",
        PRACTICEBOT_DATABASE=str(database),
        **environ,
    )
    command = [sys.executable, "-m", "bot", "run", "--config", str(config)]
    process = await asyncio.create_subprocess_exec(
        *(wrap or []), *command,
        cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    bot = Bot(process, f"http://127.0.0.1:{port}", config)
    try:
        await bot.wait_for_line(lambda line: "practicebot ready" in line)  # scheduling
        await bot.wait_for_line(lambda line: "discord ready" in line)  # and the gateway: healthy
        yield bot
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def health_cli(bot: Bot) -> subprocess.CompletedProcess[str]:
    """What Docker's HEALTHCHECK runs, with the same config as the bot."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "health"],
        cwd=ROOT,
        env=clean_env(PRACTICEBOT_CONFIG=str(bot.config), PRACTICEBOT_MONITORING="1"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.fixture
async def discord() -> AsyncIterator[DiscordEmulator]:
    async with DiscordEmulator(token=TOKEN) as emulator:
        yield emulator


async def test_monitoring_json_logs_and_a_stop_within_docker_grace_period(
    discord: DiscordEmulator, tmp_path: Path
) -> None:
    guild = discord.add_guild("prep")
    channel = discord.add_channel(guild, "practice")
    member = discord.add_member(guild, "ana")
    database = tmp_path / "data" / "practicebot.sqlite3"
    async with running_bot(discord, tmp_path, database, PRACTICEBOT_METRICS_TOKEN=METRICS_TOKEN) as bot:
        status, body = await bot.health()
        assert status == 200, body
        assert body["checks"]["discord"] == {"ok": True, "detail": "connected"}
        assert body["checks"]["database"]["ok"]

        handle = await discord.slash_command(guild, channel, member, "question", {"level": "beginner"})
        await handle.response(timeout=5)
        status, text = await bot.get("/metrics")
        assert status == 401  # the token is set: /metrics asks for it
        status, text = await bot.get("/metrics", Authorization=f"Bearer {METRICS_TOKEN}")
        assert status == 200
        assert 'practicebot_command_duration_seconds_count{command="question",platform="discord"} 1.0' in text
        assert 'practicebot_posts_total{platform="discord"} 0.0' in text

        probe = health_cli(bot)
        assert probe.returncode == 0, probe.stderr
        assert "discord: ok - connected" in probe.stdout
        took = await bot.stop()
    assert bot.process.returncode == 0
    assert took < STOP_BUDGET, f"took {took:.1f} s to stop"
    written = "".join(bot.lines)
    assert TOKEN not in written and METRICS_TOKEN not in written, "a token reached the logs"
    records = [json.loads(line) for line in bot.lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(records[0])
    assert any(r["logger"] == "practicebot.discord" and r.get("platform") == "discord" for r in records)
    assert any(r["message"].startswith("listening on http://127.0.0.1:") for r in records)

    refused = health_cli(bot)  # nothing listens any more
    assert refused.returncode == 1
    assert "nothing answers at http://127.0.0.1:" in refused.stderr


async def test_hundreds_of_half_open_connections_under_a_low_descriptor_limit_leave_healthz_answering(
    discord: DiscordEmulator, tmp_path: Path
) -> None:
    """Slowloris against `practicebot run` under `ulimit -n 256`: more half-sent requests than
    the bot has descriptors. Each new connection past the cap closes the oldest stalled one, so
    the bot never runs out, /healthz answers, and the log does not fill with accept errors."""
    wrap = ["sh", "-c", 'ulimit -n 256 && exec "$@"', "sh"]
    async with running_bot(discord, tmp_path, tmp_path / "practicebot.sqlite3", wrap) as bot:
        written_before = sum(map(len, bot.lines))
        port = int(bot.base.rsplit(":", 1)[1])

        async def stall() -> asyncio.StreamWriter | None:
            try:
                async with asyncio.timeout(5):  # a connection the bot never accepts waits in its backlog
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.write(b"GET /healthz HTTP/1.1\r\nHost: bot\r\nUser-Agent: slo")
                    await writer.drain()
                    return writer
            except (TimeoutError, OSError):
                return None

        stalled = await asyncio.gather(*(stall() for _ in range(400)))
        try:
            async with asyncio.timeout(5):
                status, body = await bot.health()
            assert status == 200, body
            open_fds = len(os.listdir(f"/proc/{bot.process.pid}/fd"))
            assert open_fds < 256
        finally:
            for writer in stalled:
                if writer is not None:
                    writer.close()
        await bot.stop()
    assert bot.process.returncode == 0
    assert sum(map(len, bot.lines)) - written_before < 20_000, "".join(bot.lines[-20:])


def _can_mount() -> bool:
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "mount", "-t", "tmpfs", "tmpfs", "/mnt"],
        capture_output=True,
        timeout=10,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs root to mount a tmpfs in a private mount namespace")
async def test_a_full_data_volume_makes_the_bot_unhealthy_until_space_is_freed(
    discord: DiscordEmulator, tmp_path: Path
) -> None:
    """Root writes through any file mode, and Linux refuses to remount read-only a file system
    with files open for writing, so the failure made here is the one volumes really have: full.
    The volume is a small tmpfs mounted in the bot's own mount namespace, filled up while the
    bot runs."""
    volume = tmp_path / "volume"
    volume.mkdir()
    mount = f'mount -t tmpfs -o size=4m tmpfs "{volume}" && exec "$@"'
    wrap = ["unshare", "--mount", "--propagation", "private", "sh", "-c", mount, "sh"]
    async with running_bot(discord, tmp_path, volume / "practicebot.sqlite3", wrap) as bot:

        def inside(*command: str) -> None:
            enter = ["nsenter", "--target", str(bot.process.pid), "--mount"]
            subprocess.run([*enter, *command], capture_output=True, timeout=30, check=False)

        status, _ = await bot.health()
        assert status == 200
        inside("dd", "if=/dev/zero", f"of={volume / 'filler'}", "bs=64k")  # until the disk is full
        body = await bot.health_turns(503)
        detail = body["checks"]["database"]["detail"]
        assert detail == f"{volume / 'practicebot.sqlite3'} cannot be written: database or disk is full"
        assert body["checks"]["discord"]["ok"]
        probe = health_cli(bot)
        assert probe.returncode == 1
        assert f"database: FAILING - {detail}" in probe.stdout

        inside("rm", str(volume / "filler"))
        await bot.health_turns(200)
        await bot.stop()
    assert bot.process.returncode == 0
