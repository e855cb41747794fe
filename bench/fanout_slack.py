"""Fan-out on Slack: N channels of one workspace due in the same minute, `practicebot run` as a
subprocess (Socket Mode) against the Slack emulator (in this process) enforcing chat.postMessage's
limits: about one message per second per channel (short bursts allowed) and a workspace-wide
allowance per minute (the emulator's 300, with a minute's allowance as burst, like Slack's tiers).

Ceiling: the fastest those limits let N posts go, from the due instant: the workspace burst at
once, the rest at the workspace rate, so N / ((N - burst) / rate) posts per second.

    python -m bench.fanout_slack --channels 500
"""

from __future__ import annotations

import asyncio
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
    emulator_without_gc_pauses,
    insert_subscriptions,
    iso,
    launch_bot,
    measure,
    parser,
    poll,
)
from tests.emulators.slack import RateLimits, SlackEmulator

METHOD = "chat.postMessage"


def ceiling(posts: int, limits: RateLimits) -> tuple[float | None, float, float]:
    """(posts per second at best or None when every post fits in the burst, burst, rate)."""
    per_minute = limits.per_minute.get(METHOD, limits.default_per_minute)
    burst = float(max(per_minute, limits.min_burst))
    rate = per_minute / 60
    if posts <= burst:
        return None, burst, rate
    return posts / ((posts - burst) / rate), burst, rate


async def run(work: Path, channels: int = 500, due: str = "minute", lead: float = 8.0) -> Outcome:
    limits = RateLimits()
    emulator = SlackEmulator(rate_limits=limits)
    await emulator.start()
    try:
        ids = [emulator.add_channel(f"team-{i}") for i in range(channels)]
        database = work / "fanout-slack.sqlite3"
        await create_schema(database)
        now = datetime.now(UTC)
        if due == "minute":
            due_at = (now + timedelta(seconds=lead + 60)).replace(second=0, microsecond=0)
        else:
            due_at = (now - timedelta(minutes=1)).replace(second=0, microsecond=0)
        with sqlite3.connect(database) as db:
            insert_subscriptions(
                db,
                (("slack", emulator.team_id, c) for c in ids),
                post_time=due_at.strftime("%H:%M"),
                schedule_from=iso(now - timedelta(minutes=10)),
            )
        config = work / "fanout-slack.toml"
        config.write_text(f'[slack]\napi_base_url = "{emulator.api_url}"\n')
        env = clean_env(SLACK_BOT_TOKEN=emulator.bot_token, SLACK_APP_TOKEN=emulator.app_token)
        with emulator_without_gc_pauses():
            bot = await launch_bot(config, database, work / "fanout-slack.log", env=env)
            try:
                await bot.wait_line(r"practicebot ready", timeout=120)
                before = len(emulator.requests)
                due_mono = time.monotonic() + (due_at - datetime.now(UTC)).total_seconds()
                best, burst, rate = ceiling(channels, limits)
                deadline = 90 + 3 * max(0.0, channels - burst) / rate
                await poll(lambda: all_posted(database, channels), deadline, "every post recorded as posted")
                await asyncio.sleep(1.5)  # anything late (a duplicate) would show up now
            finally:
                await bot.stop()
        window = emulator.requests[before:] if due == "minute" else emulator.requests
        calls = [r for r in window if r.api_method == METHOD]
        if due != "minute":
            due_mono = min(r.at for r in calls)
        accepted = [r for r in calls if r.status == 200 and r.error is None]
        taken_429 = sum(1 for r in window if r.status == 429)
        last = max(r.at for r in accepted)
        per_channel = {c: _daily_posts(emulator, c) for c in ids}
        duplicates = sum(max(0, n - 1) for n in per_channel.values())
        missing = sum(1 for n in per_channel.values() if n == 0)
        seconds = last - due_mono
        posts = channels - missing
        value = posts / seconds
        ratio = None if best is None else value / best
        met = (ratio is None or ratio >= 0.95) and taken_429 == 0 and duplicates == 0 and missing == 0
        reference = (
            f"ceiling {best:.1f} posts/s = {channels} posts, {burst:.0f} at once then {rate:g}/s"
            if best is not None
            else f"no ceiling: {channels} posts fit in the workspace burst of {burst:.0f}"
        )
        if os.environ.get("BENCH_DEBUG"):
            sent = sorted(r.at - due_mono for r in calls)
            for r in calls:
                if r.status == 429:
                    arrived = sum(1 for t in sent if t <= r.at - due_mono)
                    print(f"429 at {r.at - due_mono:.3f} s: {arrived} arrived")
            print(
                "arrivals by second:",
                [sum(1 for t in sent if k <= t < k + 1) for k in range(int(sent[-1]) + 1)],
            )
        by_method: dict[str, int] = {}
        for r in window:
            if r.api_method:
                by_method[r.api_method] = by_method.get(r.api_method, 0) + 1
        return Outcome(
            name="fanout-slack",
            value=value,
            unit="posts/s",
            ratio=ratio,
            reference=reference,
            goal=">= 0.95 of the ceiling, 0 answered 429",
            met=met,
            size=f"{channels} channels in one workspace, due {due}",
            figures={
                "posts": posts,
                "seconds from due to last post": seconds,
                "first post after due (s)": min(r.at for r in calls) - due_mono,
                "chat.postMessage calls": len(calls),
                "calls by method": by_method,
                "answered 429": taken_429,
                "duplicates": duplicates,
                "missing": missing,
                "emulator limits": f"{limits.per_channel_per_second:g}/s per channel (burst "
                f"{limits.per_channel_burst}), workspace {rate * 60:.0f}/min (burst {burst:.0f})",
            },
        )
    finally:
        await emulator.stop()


def _daily_posts(emulator: SlackEmulator, channel: str) -> int:
    return sum(
        1
        for m in emulator.messages(channel)
        if m.get("bot_id") == emulator.bot_id
        and (m.get("metadata") or {}).get("event_type") == "practicebot_post"
    )


def main(argv: list[str] | None = None) -> int:
    parse = parser(__doc__ or "")
    parse.add_argument("--channels", type=int, default=500)
    parse.add_argument("--due", choices=("minute", "past"), default="minute")
    args = parse.parse_args(argv)
    return measure(args, lambda work: run(work, args.channels, args.due))


if __name__ == "__main__":
    raise SystemExit(main())
