"""Fan-out past one host: N subscriptions due in the same minute, served by P `practicebot run`
processes, each connected as one of P Discord shards, all on one PostgreSQL server (started for
the run, tests/pg_server.py) and one Discord emulator enforcing Discord's 50 requests/s global
limit, which is the bot's as a whole: each process paces itself to its share of it.

Figures: posts per second for the bot as a whole, from the due instant to the last request of
the fan-out, and its ratio to the ceiling 50 / (requests per post); duplicates and missing posts
from the emulator's record; each process's start-up (launch to "practicebot ready").

    python -m bench.fanout_postgres --subscriptions 4000 --processes 4
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

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
    parser,
    poll,
)
from bench.fanout_discord import FAN_OUT, GLOBAL_LIMIT, _daily_posts, busiest_second, due_instant
from bot.ops.copy import copy_database
from tests.emulators.discord import DiscordEmulator, guild_id_on_shard
from tests.pg_server import running_server

TOKEN = "bench-fanout-pg-token"
STARTUP_GOAL = 2.0  # seconds from launch to ready, for each process


async def posted(url: str) -> int:
    db = await asyncpg.connect(url)
    try:
        return int(await db.fetchval("SELECT count(*) FROM posts WHERE status = 'posted'"))
    finally:
        await db.close()


async def run(
    work: Path,
    subscriptions: int = 4000,
    processes: int = 4,
    per_guild: int = 50,
    due: str = "minute",
    lead: float = 12.0,
) -> Outcome:
    emulator = DiscordEmulator(token=TOKEN, global_rate_limit=GLOBAL_LIMIT)
    await emulator.start()
    try:
        channels: list[tuple[int, int]] = []
        guilds = (subscriptions + per_guild - 1) // per_guild
        for g in range(guilds):  # the guilds dealt round the shards
            guild = emulator.add_guild(f"guild-{g}", guild_id=guild_id_on_shard(g % processes, processes, g))
            for c in range(min(per_guild, subscriptions - len(channels))):
                channels.append((guild, emulator.add_channel(guild, f"team-{c}")))
        seed = work / "seed.sqlite3"
        await create_schema(seed)
        now = datetime.now(UTC)
        due_at = due_instant(due, now, lead)
        with sqlite3.connect(seed) as db:
            insert_subscriptions(
                db,
                (("discord", str(g), str(c)) for g, c in channels),
                post_time=due_at.strftime("%H:%M"),
                schedule_from=iso(now - timedelta(minutes=10)),
            )
        with running_server() as server, emulator_without_gc_pauses():
            await copy_database(seed, server.url, {})
            bots, startups = [], []
            try:
                for shard in range(processes):
                    config = discord_config(
                        work / f"shard-{shard}.toml", emulator.api_url, emulator.gateway_url,
                        f"shard_count = {processes}\nshard_ids = [{shard}]\n",
                    )  # fmt: skip
                    started = time.monotonic()
                    bot = await launch_bot(
                        config, server.url, work / f"shard-{shard}.log", env=clean_env(DISCORD_TOKEN=TOKEN)
                    )
                    await bot.wait_line(r"practicebot ready", timeout=120)
                    startups.append(time.monotonic() - started)
                    bots.append(bot)
                before = len(emulator.requests)
                due_mono = time.monotonic() + (due_at - datetime.now(UTC)).total_seconds()
                await poll(
                    lambda: all(_daily_posts(emulator, c) for _, c in channels),
                    max(0.0, due_mono - time.monotonic()) + 60 + subscriptions * 4 / GLOBAL_LIMIT * 3,
                    "every question posted",
                )
                await asyncio.sleep(1.0)  # anything late (a duplicate) would show up now
                recorded = await posted(server.url)
            finally:
                for bot in bots:
                    await bot.stop()
        fan_out = [
            r
            for r in emulator.requests[(before if due == "minute" else 0) :]
            if f"{r.method} {r.api_path}".startswith(FAN_OUT)
        ]
        if due != "minute":
            due_mono = min(r.received_at for r in fan_out)
        last = max(r.received_at for r in fan_out)
        per_channel = {c: _daily_posts(emulator, c) for _, c in channels}
        done = sum(1 for n in per_channel.values() if n)
        duplicates = sum(max(0, n - 1) for n in per_channel.values())
        missing = sum(1 for n in per_channel.values() if n == 0)
        seconds = last - due_mono
        rate = done / seconds
        per_post = len(fan_out) / max(done, 1)
        ceiling = GLOBAL_LIMIT / per_post
        ratio = rate / ceiling
        met = ratio >= 0.95 and duplicates == 0 and missing == 0 and max(startups) < STARTUP_GOAL
        return Outcome(
            name="fanout-postgres",
            value=rate,
            unit="posts/s",
            ratio=ratio,
            reference=f"ceiling {ceiling:.1f} posts/s = {GLOBAL_LIMIT} req/s / {per_post:.2f} req/post",
            goal=f">= 0.95 of the ceiling, 0 duplicates, 0 missing, each start-up < {STARTUP_GOAL:g} s",
            met=met,
            size=f"{subscriptions} subscriptions over {processes} processes (a shard each), one PostgreSQL",
            figures={
                "posts": done,
                "recorded as posted": recorded,
                "seconds from due to last request": seconds,
                "requests per post": per_post,
                "answered 429": emulator.count_429,
                "most requests in any 1 s": busiest_second(sorted(r.received_at for r in fan_out)),
                "start-up per process (s)": [round(s, 2) for s in startups],
                "duplicates": duplicates,
                "missing": missing,
            },
        )
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> int:
    parse = parser(__doc__ or "")
    parse.add_argument("--subscriptions", type=int, default=4000)
    parse.add_argument("--processes", type=int, default=4, help="processes, one Discord shard each")
    parse.add_argument("--per-guild", type=int, default=50, help="channels per guild")
    parse.add_argument(
        "--due", choices=("minute", "past"), default="minute",
        help="minute: due at the next whole minute; past: due before start-up (the catch-up path)",
    )  # fmt: skip
    args = parse.parse_args(argv)
    return measure(args, lambda work: run(work, args.subscriptions, args.processes, args.per_guild, args.due))


if __name__ == "__main__":
    raise SystemExit(main())
