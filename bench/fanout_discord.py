"""Fan-out on Discord: N subscriptions due in the same minute, `practicebot run` as a subprocess
against the Discord emulator (in this process) enforcing Discord's 50 requests/s global limit.

Figures: posts per second from the due instant to the last request of the fan-out, the
requests each post took, and the ratio to the ceiling 50 / (requests per post); 429s answered,
duplicates and missing posts counted from the emulator's record.

    python -m bench.fanout_discord --subscriptions 2000
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import (
    Outcome,
    all_posted,
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
from tests.emulators.discord import DiscordEmulator
from tests.emulators.discord.validation import DEFAULT_OPENAPI

TOKEN = "bench-fanout-token"
GLOBAL_LIMIT = 50
NEEDED_PER_POST = 2  # the message, and the thread on it (Discord adds the thread's creator to it)
FAN_OUT = ("POST /channels/", "PUT /channels/", "GET /channels/", "PATCH /channels/")


def due_instant(due: str, now: datetime, lead: float) -> datetime:
    """ "minute": the next whole minute that leaves `lead` seconds to start up (the scheduler's
    path); "past": a minute ago, so the bot posts as it starts (its catch-up path)."""
    if due == "minute":
        return (now + timedelta(seconds=lead + 60)).replace(second=0, microsecond=0)
    return (now - timedelta(minutes=1)).replace(second=0, microsecond=0)


async def run(
    work: Path,
    subscriptions: int = 2000,
    per_guild: int = 50,
    due: str = "minute",
    lead: float = 8.0,
    validate: bool = True,
) -> Outcome:
    emulator = DiscordEmulator(
        token=TOKEN, global_rate_limit=GLOBAL_LIMIT, openapi_path=DEFAULT_OPENAPI if validate else None
    )
    await emulator.start()
    try:
        channels: list[tuple[int, int]] = []
        for g in range((subscriptions + per_guild - 1) // per_guild):
            guild = emulator.add_guild(f"guild-{g}")
            for c in range(min(per_guild, subscriptions - len(channels))):
                channels.append((guild, emulator.add_channel(guild, f"team-{c}")))
        database = work / "fanout-discord.sqlite3"
        await create_schema(database)
        now = datetime.now(UTC)
        due_at = due_instant(due, now, lead)
        with sqlite3.connect(database) as db:
            insert_subscriptions(
                db,
                (("discord", str(g), str(c)) for g, c in channels),
                post_time=due_at.strftime("%H:%M"),
                schedule_from=iso(now - timedelta(minutes=10)),
            )
        config = discord_config(work / "fanout-discord.toml", emulator.api_url, emulator.gateway_url)
        with emulator_without_gc_pauses():
            bot = await launch_bot(
                config, database, work / "fanout-discord.log", env=clean_env(DISCORD_TOKEN=TOKEN)
            )
            try:
                await bot.wait_line(r"practicebot ready", timeout=120)
                before = len(emulator.requests)
                count_429 = emulator.count_429
                due_mono = time.monotonic() + (due_at - datetime.now(UTC)).total_seconds()
                channel_ids = {c for _, c in channels}
                await poll(
                    lambda: all_posted(database, subscriptions),
                    60 + subscriptions * 4 / GLOBAL_LIMIT * 3,
                    "every post recorded as posted",
                )
                await asyncio.sleep(1.0)  # anything late (a duplicate) would show up now
            finally:
                await bot.stop()
        fan_out = [
            r
            for r in emulator.requests[(before if due == "minute" else 0) :]
            if f"{r.method} {r.api_path}".startswith(FAN_OUT)
        ]
        if due != "minute":
            due_mono = min(r.received_at for r in fan_out)
        last = max(r.received_at for r in fan_out)
        per_channel = {c: _daily_posts(emulator, c) for c in channel_ids}
        posted = sum(1 for n in per_channel.values() if n)
        duplicates = sum(max(0, n - 1) for n in per_channel.values())
        missing = sum(1 for n in per_channel.values() if n == 0)
        taken_429 = emulator.count_429 - count_429 if due == "minute" else emulator.count_429
        seconds = last - due_mono
        rate = posted / seconds
        per_post = len(fan_out) / max(posted, 1)
        ceiling = GLOBAL_LIMIT / per_post
        ratio = rate / ceiling
        kinds: dict[str, int] = {}
        for r in fan_out:
            key = f"{r.method} {_template(r.api_path)}"
            kinds[key] = kinds.get(key, 0) + 1
        met = ratio >= 0.95 and taken_429 == 0 and duplicates == 0 and missing == 0
        arrivals = sorted(r.received_at for r in fan_out)
        refused = sorted(r.received_at - due_mono for r in fan_out if r.status == 429)
        if os.environ.get("BENCH_DEBUG"):
            for r in fan_out:
                if r.status == 429:
                    window = [a for a in arrivals if r.received_at - 1.0 < a <= r.received_at]
                    gaps = [round((b - a) * 1000, 1) for a, b in itertools.pairwise(window)]
                    print(f"429 at {r.received_at:.4f}: {len(window)} in the second before; gaps (ms) {gaps}")
        notes = []
        if round(per_post, 2) > NEEDED_PER_POST:
            notes.append(f"{per_post:.2f} requests per post where {NEEDED_PER_POST} would do")
        return Outcome(
            name="fanout-discord",
            value=rate,
            unit="posts/s",
            ratio=ratio,
            reference=f"ceiling {ceiling:.1f} posts/s = {GLOBAL_LIMIT} req/s / {per_post:.2f} req/post",
            goal=">= 0.95 of the ceiling, 0 answered 429, 0 duplicates, 0 missing",
            met=met,
            size=f"{subscriptions} subscriptions in {len({g for g, _ in channels})} guilds, due {due}",
            figures={
                "posts": posted,
                "seconds from due to last request": seconds,
                "first request after due (s)": min(r.received_at for r in fan_out) - due_mono,
                "requests": len(fan_out),
                "requests per post": per_post,
                "requests by route": kinds,
                "answered 429": taken_429,
                "429s at (s after due)": [round(t, 3) for t in refused],
                "most requests in any 1 s": busiest_second(arrivals),
                "duplicates": duplicates,
                "missing": missing,
                "validation": "on" if validate else "off",
            },
            notes=notes,
        )
    finally:
        await emulator.stop()


def busiest_second(arrivals: list[float]) -> int:
    """The most arrivals in any window of one second, as the emulator's global limit counts them."""
    most, start = 0, 0
    for end, at in enumerate(arrivals):
        while arrivals[start] <= at - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def _daily_posts(emulator: DiscordEmulator, channel: int) -> int:
    bot = str(emulator.bot_user_id)
    return sum(1 for m in emulator.messages(channel) if m["author"]["id"] == bot and m["type"] == 0)


def _template(path: str) -> str:
    parts = path.split("/")
    return "/".join("{id}" if p.isdigit() else p for p in parts)


def main(argv: list[str] | None = None) -> int:
    parse = parser(__doc__ or "")
    parse.add_argument("--subscriptions", type=int, default=2000)
    parse.add_argument("--per-guild", type=int, default=50, help="channels per guild")
    parse.add_argument(
        "--due", choices=("minute", "past"), default="minute",
        help="minute: all due at the next whole minute (the scheduler path); past: due at start-up",
    )  # fmt: skip
    parse.add_argument("--no-validate", action="store_true", help="skip OpenAPI body validation")
    args = parse.parse_args(argv)
    return measure(
        args,
        lambda work: run(work, args.subscriptions, args.per_guild, args.due, validate=not args.no_validate),
    )


if __name__ == "__main__":
    raise SystemExit(main())
