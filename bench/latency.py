"""Interaction latency on Discord: `/question` interactions arriving at once (20, then 500),
`practicebot run` as a subprocess against the Discord emulator (in this process). Each one's
latency runs from the emulator dispatching INTERACTION_CREATE to the interaction callback arriving
back at the emulator; p50 and p99 over every burst of a size. Discord wants the callback within
3 s; a late one is answered 404 and counts as unanswered.

The emulator checks request bodies against Discord's OpenAPI description; at 500 at once that
check (a few ms each, on the emulator's one loop) delays when later callbacks are even read, so by
default the bodies are checked after the run instead (`--validate after`): every callback must
still pass, off the clock. `--validate live` checks them as they come, as the tests do.

    python -m bench.latency --bursts 20,500 --rounds 10,2
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
    percentile,
    poll,
)
from tests.emulators.discord import DiscordEmulator, InteractionHandle
from tests.emulators.discord.responses import ApiError
from tests.emulators.discord.validation import DEFAULT_OPENAPI, BodyValidator

TOKEN = "bench-latency-token"
GOALS = {20: 0.100, 500: 1.000}  # p99 under this many seconds
CALLBACK = re.compile(r"/interactions/(\d+)/[^/]+/callback$")
CALLBACK_TEMPLATE = "/interactions/{interaction_id}/{interaction_token}/callback"


async def burst(
    emulator: DiscordEmulator, guild: int, channel: int, users: list[int]
) -> list[InteractionHandle]:
    """Every user runs /question at once: the dispatches go out back to back."""
    return [await emulator.slash_command(guild, channel, user, "question") for user in users]


async def run(
    work: Path,
    bursts: tuple[int, ...] = (20, 500),
    rounds: tuple[int, ...] = (10, 2),
    validate: str = "after",
) -> Outcome:
    emulator = DiscordEmulator(token=TOKEN, openapi_path=DEFAULT_OPENAPI if validate == "live" else None)
    await emulator.start()
    try:
        guild = emulator.add_guild("latency")
        channel = emulator.add_channel(guild, "practice")
        people = [
            emulator.add_member(guild, f"person-{i}")
            for i in range(sum(b * r for b, r in zip(bursts, rounds, strict=True)))
        ]
        database = work / "latency.sqlite3"
        await create_schema(database)
        now = datetime.now(UTC)
        with sqlite3.connect(database) as db:
            insert_subscriptions(
                db, [("discord", str(guild), str(channel))], post_time="00:00" if now.hour >= 12 else "12:00",
                schedule_from=iso(now - timedelta(minutes=1)),
            )  # fmt: skip
        config = discord_config(work / "latency.toml", emulator.api_url, emulator.gateway_url)
        samples: dict[int, list[float]] = {size: [] for size in bursts}
        unanswered: dict[int, int] = dict.fromkeys(bursts, 0)
        with emulator_without_gc_pauses():
            bot = await launch_bot(config, database, work / "latency.log", env=clean_env(DISCORD_TOKEN=TOKEN))
            try:
                await bot.wait_line(r"practicebot ready", timeout=120)
                await poll(lambda: any(c["name"] == "question" for c in emulator.commands), 30, "/question")
                await asyncio.sleep(0.5)
                left = list(people)
                for size, count in zip(bursts, rounds, strict=True):
                    for _ in range(count):
                        users, left = left[:size], left[size:]
                        handles = await burst(emulator, guild, channel, users)
                        ids = {h.id: h for h in handles}
                        await asyncio.sleep(
                            emulator.interaction_deadline + 0.5
                        )  # every answer is in, or late
                        for request in emulator.requests:
                            match = CALLBACK.search(request.path)
                            if match and int(match.group(1)) in ids and request.status == 200:
                                handle = ids.pop(int(match.group(1)))
                                samples[size].append(request.received_at - handle.record.dispatched_at)
                        unanswered[size] += len(ids)
            finally:
                await bot.stop()
    finally:
        await emulator.stop()
    invalid = 0
    if validate == "after":
        checker = BodyValidator(DEFAULT_OPENAPI)
        for request in emulator.requests:
            if CALLBACK.search(request.path):
                try:
                    checker.check("POST", CALLBACK_TEMPLATE, request.body)
                except ApiError:
                    invalid += 1
    figures: dict[str, object] = {}
    met = invalid == 0
    for size in bursts:
        got = samples[size]
        p50 = percentile(got, 50) if got else float("inf")
        p99 = percentile(got, 99) if got else float("inf")
        figures[f"{size} at once: p50 (ms)"] = round(p50 * 1000, 1)
        figures[f"{size} at once: p99 (ms)"] = round(p99 * 1000, 1)
        figures[f"{size} at once: max (ms)"] = round(max(got, default=float("inf")) * 1000, 1)
        figures[f"{size} at once: answered"] = f"{len(got)} of {len(got) + unanswered[size]}"
        goal = GOALS.get(size)
        if goal is not None:
            met = met and p99 < goal and unanswered[size] == 0
    figures["body validation"] = f"{validate}, {invalid} invalid"
    largest = max(bursts)
    worst = percentile(samples[largest], 99) if samples[largest] else float("inf")
    goal_s = GOALS.get(largest, 1.0)
    return Outcome(
        name="latency",
        value=worst * 1000,
        unit=f"ms p99 at {largest} at once",
        ratio=worst / goal_s,
        reference=f"the {goal_s * 1000:.0f} ms goal (Discord allows 3,000 ms)",
        goal="20 at once: p99 < 100 ms; 500 at once: every one answered, p99 < 1 s",
        met=met,
        size=", ".join(f"{count} x {size} at once" for size, count in zip(bursts, rounds, strict=True)),
        figures=figures,
    )


def main(argv: list[str] | None = None) -> int:
    parse = parser(__doc__ or "")
    parse.add_argument("--bursts", default="20,500", help="interactions at once, comma-separated")
    parse.add_argument("--rounds", default="10,2", help="bursts of each size, comma-separated")
    parse.add_argument(
        "--validate", choices=("after", "live"), default="after",
        help="check callback bodies after the run (default) or as they arrive",
    )  # fmt: skip
    args = parse.parse_args(argv)
    bursts = tuple(int(x) for x in args.bursts.split(","))
    rounds = tuple(int(x) for x in args.rounds.split(","))
    return measure(args, lambda work: run(work, bursts, rounds, validate=args.validate))


if __name__ == "__main__":
    raise SystemExit(main())
