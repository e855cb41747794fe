"""Resident memory after READY on Discord: G guilds (5 text channels and 10 roles each) and one
subscription per guild, against the Discord emulator (in this process). The client is a
subprocess, its RSS read from /proc once it is ready and has settled for a second:

A. a bare discord.Client with the bot's intents (guilds, guild_messages), discord.py's defaults
   otherwise;
B. `practicebot run` (READY, commands synced, every wake-up armed);
C. the same bare client that also runs the other parts the design names: an APScheduler 3.11
   AsyncIOScheduler, started, and an aiosqlite connection to an SQLite database, open. What the
   bot adds over C is its own code and state; what C adds over A is those libraries' fixed cost.

They alternate; the ratio is B's median over A's (the goal's), and B over C is printed beside it.

    python -m bench.memory --guilds 2000 --rounds 2
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import (
    Outcome,
    Watched,
    clean_env,
    create_schema,
    discord_config,
    insert_subscriptions,
    iso,
    launch_bot,
    measure,
    median,
    parser,
)
from tests.emulators.discord import DiscordEmulator

TOKEN = "bench-memory-token"
CHANNELS, ROLES = 5, 10  # per guild; a new guild has @everyone and the bot's role, 8 more are added
SETTLE = 1.0

BARE_CLIENT = """
import sys, discord, yarl
api, gateway, token = sys.argv[1], sys.argv[2], sys.argv[3]
discord.http.Route.BASE = api
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
intents = discord.Intents.none()
intents.guilds = True
intents.guild_messages = True
client = discord.Client(intents=intents)

@client.event
async def on_ready():
    print("bare client ready in", len(client.guilds), "guilds", flush=True)

client.run(token, log_handler=None)
"""

# the bare client, plus the chosen parts the bot runs beside discord.py, started and idle
WITH_PARTS = BARE_CLIENT.replace(
    "client = discord.Client(intents=intents)\n",
    """client = discord.Client(intents=intents)
import aiosqlite
from apscheduler.schedulers.asyncio import AsyncIOScheduler

async def setup_hook():
    AsyncIOScheduler().start()
    client.database = await aiosqlite.connect(sys.argv[4])
    await client.database.execute("SELECT 1")

client.setup_hook = setup_hook
""",
)


async def one_run(work: Path, kind: str, guilds: int, index: int, subscriptions: int | None = None) -> int:
    """Resident KB of the client once ready."""
    emulator = DiscordEmulator(token=TOKEN)
    await emulator.start()
    try:
        places = []
        for g in range(guilds):
            guild = emulator.add_guild(f"guild-{g}")
            channels = [emulator.add_channel(guild, f"channel-{c}") for c in range(CHANNELS)]
            for r in range(ROLES - 2):
                emulator.world.add_role(guild, f"role-{r}", 0)
            places.append((guild, channels[0]))
        log = work / f"memory-{kind}-{index}.log"
        if kind in ("bare", "parts"):
            client = await Watched.launch(
                [
                    sys.executable,
                    "-c",
                    BARE_CLIENT if kind == "bare" else WITH_PARTS,
                    emulator.api_url,
                    emulator.gateway_url,
                    TOKEN,
                    str(work / "parts.sqlite3"),
                ],
                clean_env(),
                log,
            )
            await client.wait_line("bare client ready", 300)
        else:
            database = work / "memory.sqlite3"
            await create_schema(database)
            now = datetime.now(UTC)
            with sqlite3.connect(database) as db:
                insert_subscriptions(
                    db,
                    (
                        ("discord", str(g), str(c))
                        for g, c in places[: guilds if subscriptions is None else subscriptions]
                    ),
                    post_time="00:00" if now.hour >= 12 else "12:00",  # nothing due while it runs
                    schedule_from=iso(now - timedelta(minutes=1)),
                )
            config = discord_config(work / "memory.toml", emulator.api_url, emulator.gateway_url)
            client = await launch_bot(config, database, log, env=clean_env(DISCORD_TOKEN=TOKEN))
            await client.wait_line(r"practicebot ready", 300)
            await client.wait_line(r"discord ready", 300)  # READY: every guild in the cache
        await asyncio.sleep(SETTLE)
        rss = client.rss_kb()
        await client.stop()
        return rss
    finally:
        await emulator.stop()


async def run(work: Path, guilds: int = 2000, rounds: int = 2, subscriptions: int | None = None) -> Outcome:
    subscriptions = guilds if subscriptions is None else subscriptions
    rss: dict[str, list[int]] = {"bare": [], "parts": [], "bot": []}
    for index in range(rounds):
        for kind in rss:
            kb = await one_run(work, kind, guilds, index, subscriptions)
            rss[kind].append(kb)
            print(f"  round {index + 1} {kind}: {kb / 1024:.1f} MB", flush=True)
    bare, parts, bot = median(rss["bare"]), median(rss["parts"]), median(rss["bot"])
    ratio = bot / bare
    return Outcome(
        name="memory",
        value=bot / guilds,
        unit="KB per guild",
        ratio=ratio,
        reference=f"bare discord.Client {bare / guilds:.1f} KB per guild ({bare / 1024:.1f} MB)",
        goal="ratio <= 1.10",
        met=ratio <= 1.10,
        size=f"{guilds} guilds ({CHANNELS} channels, {ROLES} roles each), {subscriptions} subscriptions, "
        f"{rounds} rounds A/B",
        figures={
            "bot RSS (MB)": round(bot / 1024, 1),
            "bare RSS (MB)": round(bare / 1024, 1),
            "bot over bare (MB)": round((bot - bare) / 1024, 1),
            "bare + APScheduler + aiosqlite RSS (MB)": round(parts / 1024, 1),
            "those parts over bare (MB)": round((parts - bare) / 1024, 1),
            "bot over bare + those parts (MB)": round((bot - parts) / 1024, 1),
            "bot over bare + those parts (ratio)": round(bot / parts, 3),
            **{f"{kind} RSS each round (MB)": [round(k / 1024, 1) for k in kbs] for kind, kbs in rss.items()},
        },
    )


def main(argv: list[str] | None = None) -> int:
    parse = parser(__doc__ or "")
    parse.add_argument("--guilds", type=int, default=2000)
    parse.add_argument(
        "--subscriptions", type=int, help="one per guild up to this many (default: every guild)"
    )
    parse.add_argument("--rounds", type=int, default=2, help="A/B pairs")
    args = parse.parse_args(argv)
    return measure(args, lambda work: run(work, args.guilds, args.rounds, args.subscriptions))


if __name__ == "__main__":
    raise SystemExit(main())
