"""Start-up with a year's worth of data: S subscriptions and P posts in SQLite (each subscription
posting daily at its own hour, the newest post still open where it went out less than 8 h ago),
`practicebot run` as a subprocess against the Discord emulator (in this process), which knows
every guild, channel and open thread. Timed from spawning the process to its "practicebot ready"
line: the scheduler started with every post and reveal wake-up armed, logged in to Discord's REST
API (all that posting needs). The gateway's READY comes later (discord.py waits 2 s after the last
guild arrives) and is reported beside it. Nothing is due, so no post goes out; the read-back of
open threads starts once READY and continues in the background.

    python -m bench.startup --subscriptions 10000 --posts 100000
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bench.common import (
    Outcome,
    clean_env,
    create_schema,
    discord_config,
    emulator_without_gc_pauses,
    iso,
    launch_bot,
    measure,
    median,
    parser,
    question_ids,
)
from tests.emulators.discord import DiscordEmulator
from tests.emulators.discord.model import PUBLIC_THREAD

TOKEN = "bench-startup-token"
PER_GUILD = 100
REVEAL = timedelta(hours=8)
GOAL = 2.0


def seed(database: Path, emulator: DiscordEmulator, subscriptions: int, posts: int) -> dict[str, int]:
    """The world and the database; returns what was made."""
    world = emulator.world
    per_subscription = max(1, posts // subscriptions)
    questions = question_ids()
    now = datetime.now(UTC)
    made = {"posts": 0, "open": 0}
    with sqlite3.connect(database) as db:
        guild = 0
        for index in range(subscriptions):
            if index % PER_GUILD == 0:
                guild = emulator.add_guild(f"guild-{index // PER_GUILD}")
            channel_id = emulator.add_channel(guild, f"team-{index % PER_GUILD}")
            # a post time 1 to 24 hours ago, minute-aligned (never more, so nothing is due): today's
            # (or yesterday's) post is the newest
            at = (now - timedelta(hours=1 + index % 23, minutes=index % 60)).replace(second=0, microsecond=0)
            cursor = db.execute(
                "INSERT INTO subscriptions (platform, workspace_id, channel_id, post_time, timezone, days,"
                " reveal_minutes, levels, question_order, status, status_reason, schedule_from, created_at,"
                " updated_at) VALUES ('discord', ?, ?, ?, 'UTC', '0,1,2,3,4,5,6', 480,"
                " 'beginner,intermediate,advanced', 'progressive', 'active', '', ?, ?, ?)",
                (str(guild), str(channel_id), at.strftime("%H:%M"), iso(now - timedelta(days=400)),
                 iso(now - timedelta(days=400)), iso(now - timedelta(days=400))),
            )  # fmt: skip
            subscription = cursor.lastrowid
            rows = []
            for back in range(per_subscription - 1, -1, -1):
                scheduled = datetime.combine(at.date() - timedelta(days=back), time(at.hour, at.minute), UTC)
                is_open = back == 0 and now - scheduled < REVEAL
                message_id = thread_id = None
                if is_open:
                    channel = world.channels[channel_id]
                    starter = world.add_message(
                        world.new_message(channel, world.bot, {"content": "Q"}, settable_flags=0)
                    )
                    world.add_thread(
                        channel, thread_id=starter.id, name="Answers", type_=PUBLIC_THREAD,
                        owner_id=world.bot.id, archive_after=1440,
                    )  # fmt: skip
                    message_id = thread_id = str(starter.id)
                    made["open"] += 1
                else:
                    message_id, thread_id = f"m{subscription}-{back}", f"t{subscription}-{back}"
                question = questions[(per_subscription - back) % len(questions)]
                rows.append(
                    (subscription, scheduled.date().isoformat(), question,
                     "posted" if is_open else "revealed", f"n{subscription}-{back}", iso(scheduled),
                     iso(scheduled), iso(scheduled + REVEAL), None if is_open else iso(scheduled + REVEAL),
                     message_id, thread_id),
                )  # fmt: skip
            db.executemany(
                "INSERT INTO posts (subscription_id, local_date, question_id, status, nonce, scheduled_at,"
                " posted_at, reveal_at, revealed_at, message_id, thread_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            made["posts"] += len(rows)
    return made


async def run(work: Path, subscriptions: int = 10_000, posts: int = 100_000, rounds: int = 3) -> Outcome:
    emulator = DiscordEmulator(token=TOKEN)
    await emulator.start()
    try:
        seeded = work / "startup-seed.sqlite3"
        await create_schema(seeded)
        made = seed(seeded, emulator, subscriptions, posts)
        config = discord_config(work / "startup.toml", emulator.api_url, emulator.gateway_url)
        ready: list[float] = []
        connected: list[float] = []
        with emulator_without_gc_pauses():
            for index in range(rounds):
                database = work / "startup.sqlite3"
                await create_schema(database)  # clears it and the files beside it
                database.write_bytes(seeded.read_bytes())
                bot = await launch_bot(
                    config, database, work / f"startup-{index}.log", env=clean_env(DISCORD_TOKEN=TOKEN)
                )
                try:
                    at = await bot.wait_line(r"practicebot ready", timeout=300)
                    ready.append(at - bot.started)
                    at = await bot.wait_line(r"discord ready", timeout=300)  # the gateway, meanwhile
                    connected.append(at - bot.started)
                finally:
                    await bot.stop()
                print(
                    f"  round {index + 1}: ready after {ready[-1]:.2f} s (Discord at {connected[-1]:.2f} s)"
                )
    finally:
        await emulator.stop()
    seconds = median(ready)
    return Outcome(
        name="startup",
        value=seconds,
        unit="s to scheduler ready",
        ratio=seconds / GOAL,
        reference=f"the {GOAL:g} s goal",
        goal=f"< {GOAL:g} s",
        met=seconds < GOAL,
        size=f"{subscriptions} subscriptions, {made['posts']} posts ({made['open']} open), "
        f"{-(-subscriptions // PER_GUILD)} guilds, median of {rounds} starts",
        figures={
            "ready after (s, each start)": [round(s, 2) for s in ready],
            "Discord ready after (s, each start)": [round(s, 2) for s in connected],
        },
    )


def main(argv: list[str] | None = None) -> int:
    parse = parser(__doc__ or "")
    parse.add_argument("--subscriptions", type=int, default=10_000)
    parse.add_argument("--posts", type=int, default=100_000)
    parse.add_argument("--rounds", type=int, default=3, help="starts to time")
    args = parse.parse_args(argv)
    return measure(args, lambda work: run(work, args.subscriptions, args.posts, args.rounds))


if __name__ == "__main__":
    raise SystemExit(main())
