"""/metrics at 10,000 subscriptions: `practicebot run` as a subprocess with monitoring on, against
the Discord emulator (in this process), which knows every channel. Measured over real HTTP: a
scrape on its own (one at a time, each after the last one's result stopped being reused), and
/healthz asked while 20 scrapes arrive at once, as several Prometheus servers or a dashboard
refreshing do. Nothing is due, so no post goes out while it measures.

    python -m bench.scrape --subscriptions 10000 --rounds 10
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bench.common import (
    Outcome,
    clean_env,
    create_schema,
    discord_config,
    emulator_without_gc_pauses,
    insert_subscriptions,
    iso,
    launch_bot,
    measure,
    median,
    parser,
)
from bench.startup import PER_GUILD
from tests.emulators.discord import DiscordEmulator

TOKEN = "bench-scrape-token"
AT_ONCE = 20
GOAL = 0.100  # /healthz under this many seconds while AT_ONCE scrapes arrive
REUSED_FOR = 1.0  # bot.ops.metrics.SCRAPE_FRESH_FOR (not imported: this also measures older code)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(database: Path, emulator: DiscordEmulator, subscriptions: int) -> None:
    rows = []
    guild = 0
    for index in range(subscriptions):
        if index % PER_GUILD == 0:
            guild = emulator.add_guild(f"guild-{index // PER_GUILD}")
        rows.append(("discord", str(guild), str(emulator.add_channel(guild, f"team-{index % PER_GUILD}"))))
    later = datetime.now(UTC) + timedelta(hours=6)  # never due while it measures
    with sqlite3.connect(database) as db:
        insert_subscriptions(db, rows, post_time=later.strftime("%H:%M"), schedule_from=iso(later))


async def timed_get(http: aiohttp.ClientSession, url: str) -> float:
    started = time.monotonic()
    async with http.get(url) as response:
        assert response.status == 200, (url, response.status)
        await response.read()
    return time.monotonic() - started


async def run(work: Path, subscriptions: int = 10_000, rounds: int = 10) -> Outcome:
    emulator = DiscordEmulator(token=TOKEN)
    await emulator.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    alone: list[float] = []
    probes: list[float] = []
    bursts: list[float] = []
    try:
        database = work / "scrape.sqlite3"
        await create_schema(database)
        seed(database, emulator, subscriptions)
        extra = f'[server]\nhost = "127.0.0.1"\nport = {port}\nmonitoring = true\n'
        config = discord_config(work / "scrape.toml", emulator.api_url, emulator.gateway_url, extra)
        with emulator_without_gc_pauses():
            bot = await launch_bot(config, database, work / "scrape.log", env=clean_env(DISCORD_TOKEN=TOKEN))
            try:
                await bot.wait_line(r"discord ready", timeout=300)
                async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                    await timed_get(http, base + "/metrics")  # first use: imports, caches
                    for index in range(rounds):
                        await asyncio.sleep(REUSED_FOR)  # so the next scrape is computed, not reused
                        alone.append(await timed_get(http, base + "/metrics"))
                        await asyncio.sleep(REUSED_FOR)
                        started = time.monotonic()
                        scrapes = [
                            asyncio.ensure_future(timed_get(http, base + "/metrics")) for _ in range(AT_ONCE)
                        ]
                        probes.append(await timed_get(http, base + "/healthz"))
                        await asyncio.gather(*scrapes)
                        bursts.append(time.monotonic() - started)
                        print(
                            f"  round {index + 1}: scrape {alone[-1] * 1000:.1f} ms alone; /healthz "
                            f"{probes[-1] * 1000:.1f} ms among {AT_ONCE} scrapes (all done in "
                            f"{bursts[-1] * 1000:.0f} ms)"
                        )
            finally:
                await bot.stop()
    finally:
        await emulator.stop()
    worst = max(probes)
    return Outcome(
        name="scrape",
        value=worst * 1000,
        unit=f"ms worst /healthz among {AT_ONCE} scrapes",
        ratio=worst / GOAL,
        reference=f"the {GOAL * 1000:.0f} ms goal",
        goal=f"/healthz < {GOAL * 1000:.0f} ms while {AT_ONCE} scrapes arrive",
        met=worst < GOAL,
        size=f"{subscriptions} subscriptions, {rounds} rounds",
        figures={
            "scrape alone (ms, median)": round(median(alone) * 1000, 1),
            "scrape alone (ms, worst)": round(max(alone) * 1000, 1),
            f"/healthz among {AT_ONCE} scrapes (ms, median)": round(median(probes) * 1000, 1),
            f"{AT_ONCE} scrapes at once, all answered (ms, median)": round(median(bursts) * 1000, 1),
        },
    )


def main(argv: list[str] | None = None) -> int:
    parse = parser(__doc__ or "")
    parse.add_argument("--subscriptions", type=int, default=10_000)
    parse.add_argument("--rounds", type=int, default=10)
    args = parse.parse_args(argv)
    return measure(args, lambda work: run(work, args.subscriptions, args.rounds))


if __name__ == "__main__":
    raise SystemExit(main())
