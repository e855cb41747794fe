"""SIGTERM in the middle of a fan-out: the bot finishes or hands back its in-flight work and
exits cleanly within 10 s; the next start completes the day with nothing posted twice."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from pathlib import Path

from tests.soak.harness import Soak


async def test_sigterm_mid_fan_out_exits_within_ten_seconds_and_loses_nothing(tmp_path: Path) -> None:
    run = Soak(tmp_path, subscriptions=60, kills=0, seed=3)
    await run.prepare(60)
    try:
        run.emulator.latency = 1.0  # slow REST: the fan-out takes far longer than the stop allows
        process = await run.launch()
        await run.emulator.wait_for(lambda: any(run.daily_posts(c) for c in run.channels), timeout=30)
        asked = time.monotonic()
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=15)
        took = time.monotonic() - asked
        assert process.returncode == 0
        assert took < 10, f"stopping took {took:.1f} s"
        with sqlite3.connect(run.db) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        posted_before = sum(bool(run.daily_posts(c)) for c in run.channels)
        assert posted_before < len(run.channels), "the stop came too late to interrupt the fan-out"

        run.emulator.latency = 0.0
        await run.run_until(run.all_posted, run.posted_everywhere, kills=0, span=0, quiet_replies=True)
        assert [len(run.daily_posts(c)) for c in run.channels] == [1] * len(run.channels)
        assert run.result.crashes == 0, run.result.notes
    finally:
        await run.emulator.stop()
