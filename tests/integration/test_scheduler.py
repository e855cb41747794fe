"""The APScheduler adapter: jobs with explicit ids, replaced when re-armed, and late rather than never."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.scheduler import ApsTimer


async def test_a_wake_up_in_the_past_fires_at_once_and_rearming_replaces() -> None:
    fired: asyncio.Queue[tuple[str, int]] = asyncio.Queue()

    async def on_post(i: int) -> None:
        await fired.put(("post", i))

    async def on_reveal(i: int) -> None:
        await fired.put(("reveal", i))

    timer = ApsTimer()
    timer.bind(on_post, on_reveal)
    timer.start()
    try:
        far = datetime.now(UTC) + timedelta(days=1)
        timer.wake_post(7, far)
        timer.wake_post(7, far + timedelta(hours=1))  # same id: replaces, never two jobs
        assert timer.jobs() == {"post:7": far + timedelta(hours=1)}
        timer.wake_reveal(3, datetime.now(UTC) - timedelta(hours=5))  # overdue: runs now, not dropped
        assert await asyncio.wait_for(fired.get(), timeout=10) == ("reveal", 3)
        timer.cancel_post(7)
        timer.cancel_post(7)  # cancelling twice is harmless
        assert timer.jobs() == {}
    finally:
        timer.shutdown()


async def test_a_failing_job_is_retried_instead_of_dropped() -> None:
    calls: list[int] = []

    async def broken(i: int) -> None:
        calls.append(i)
        raise RuntimeError("database locked")

    timer = ApsTimer()
    timer.bind(broken, broken)
    timer.start()
    try:
        timer.wake_post(1, datetime.now(UTC) - timedelta(seconds=1))
        for _ in range(200):  # wait for the job to run: bounded, event-driven via the loop
            if calls and "post:1" in timer.jobs():
                break
            await asyncio.sleep(0.01)
        assert calls == [1]
        retry_at = timer.jobs()["post:1"]
        assert timedelta(seconds=50) < retry_at - datetime.now(UTC) <= timedelta(minutes=1)
    finally:
        timer.shutdown()


async def test_a_recap_wake_up_calls_the_recap_callback_beside_a_post_of_the_same_id() -> None:
    fired: asyncio.Queue[tuple[str, int]] = asyncio.Queue()

    def record(kind: str) -> Callable[[int], Awaitable[None]]:
        async def callback(i: int) -> None:
            await fired.put((kind, i))

        return callback

    timer = ApsTimer()
    timer.bind(record("post"), record("reveal"), record("recap"))
    timer.start()
    try:
        far = datetime.now(UTC) + timedelta(days=1)
        timer.wake_post(4, far)
        timer.wake_recap(4, datetime.now(UTC) - timedelta(minutes=1))  # its own id: the post stays
        assert await asyncio.wait_for(fired.get(), timeout=10) == ("recap", 4)
        assert timer.jobs() == {"post:4": far}
    finally:
        timer.shutdown()


class JumpingClock:
    """The wall clock, which a test can step forward: a host suspend or an NTP step."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def test_the_alarm_re_reads_the_wall_clock_every_minute_and_a_jump_fires_what_is_due() -> None:
    """Issue 15.12: a wake-up hours away was one monotonic wait: a suspend or a wall-clock step
    went unnoticed until it had run out, and the day was recorded as missed."""
    fired: asyncio.Queue[tuple[str, int]] = asyncio.Queue()

    async def on_post(i: int) -> None:
        await fired.put(("post", i))

    async def on_reveal(i: int) -> None:
        await fired.put(("reveal", i))

    clock = JumpingClock()
    timer = ApsTimer(clock=clock)
    timer.bind(on_post, on_reveal)
    timer.start()
    try:
        timer.wake_post(1, clock.now() + timedelta(hours=3))
        timer.wake_reveal(2, clock.now() + timedelta(hours=5))
        alarm = timer.alarm()
        assert alarm is not None and alarm - datetime.now(UTC) <= timedelta(seconds=60)
        await timer.ring()  # the alarm a minute on, nothing due yet: it waits another minute
        assert fired.empty() and set(timer.jobs()) == {"post:1", "reveal:2"}
        again = timer.alarm()
        assert again is not None and again - clock.now() <= timedelta(seconds=60)

        clock.offset = timedelta(hours=4)  # the host slept four hours
        await timer.ring()  # the next alarm, at most a minute later by the monotonic clock
        assert await asyncio.wait_for(fired.get(), timeout=10) == ("post", 1)
        assert set(timer.jobs()) == {"reveal:2"}  # not due yet by the stepped clock either
    finally:
        timer.shutdown()
