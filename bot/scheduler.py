"""APScheduler 3.11 as a clock only.

Every wake-up (`post:<subscription>`, `reveal:<post>`, `recap:<subscription>`) waits in a heap
here; APScheduler holds one date job, the alarm, set for the earliest of them. A job per wake-up
would cost APScheduler about 2.8 KB each (a Job, its trigger, a signature check on every add):
with thousands of subscriptions that was most of the bot's memory over discord.py's own, and a
third of its start-up. Nothing is persisted here: the Store is the truth and the service re-arms
every wake-up from it at start-up.

The alarm is never more than a minute away. APScheduler 3.11 turns a job's run date into
`loop.call_later(run_date - now)` (AsyncIOScheduler._start_timer, with the wait worked out in
BaseScheduler._process_jobs), and the event loop waits on the monotonic clock: a wall-clock step
forward, or a host suspend (Linux's CLOCK_MONOTONIC stops while suspended), went unnoticed until
the whole wait had run, hours late. Waking at least every MAX_WAIT and reading the wall clock
again notices either within a minute.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.shared.ports import Clock, Metrics

log = logging.getLogger("practicebot.scheduler")

Callback = Callable[[int], Awaitable[None]]
RETRY_FAILED_JOB = timedelta(minutes=1)
# wake-ups run at once at most: when thousands come due in the same minute, a few at a time get
# through the database and on to the platform's pacing, instead of all of them taking turns on
# every query before the first post goes out; enough to keep a platform's rate limit busy
JOBS_AT_ONCE = 32
MAX_WAIT = timedelta(seconds=60)  # the alarm re-reads the wall clock at least this often
ALARM = "alarm"  # the one APScheduler job


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ApsTimer:
    """The Timer port: wake-ups in a heap, an AsyncIOScheduler job as the alarm for the first."""

    def __init__(self, metrics: Metrics | None = None, clock: Clock | None = None) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._clock = clock or SystemClock()
        self._metrics = metrics
        self._on_post: Callback | None = None
        self._on_reveal: Callback | None = None
        self._on_recap: Callback | None = None
        self._due: dict[str, datetime] = {}  # wake-up id -> when; the truth
        self._heap: list[tuple[datetime, str]] = []  # may hold stale entries: checked against _due
        self._alarm: datetime | None = None
        self.running: set[asyncio.Task[object]] = set()  # wake-ups in flight, for a graceful stop
        self._slots = asyncio.Semaphore(JOBS_AT_ONCE)

    def bind(self, on_post: Callback, on_reveal: Callback, on_recap: Callback | None = None) -> None:
        self._on_post, self._on_reveal, self._on_recap = on_post, on_reveal, on_recap

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def wake_post(self, subscription_id: int, at: datetime) -> None:
        self._arm(f"post:{subscription_id}", at)

    def wake_reveal(self, post_id: int, at: datetime) -> None:
        self._arm(f"reveal:{post_id}", at)

    def wake_recap(self, subscription_id: int, at: datetime) -> None:
        self._arm(f"recap:{subscription_id}", at)

    def cancel_post(self, subscription_id: int) -> None:
        self._due.pop(f"post:{subscription_id}", None)  # its heap entry is skipped when it surfaces

    def jobs(self) -> dict[str, datetime]:
        """Pending wake-ups by id (for status output and tests)."""
        return dict(self._due)

    def alarm(self) -> datetime | None:
        """When APScheduler will next run the alarm (None: nothing is waiting)."""
        job = self._scheduler.get_job(ALARM)
        return None if job is None else job.next_run_time

    def _arm(self, key: str, at: datetime) -> None:
        self._due[key] = at
        heapq.heappush(self._heap, (at, key))
        if len(self._heap) > 2 * len(self._due) + 64:  # re-arming leaves stale entries: drop them
            self._heap = [(when, k) for k, when in self._due.items()]
            heapq.heapify(self._heap)
        if self._alarm is None or at < self._alarm:
            self._set_alarm(at)

    def _set_alarm(self, at: datetime) -> None:
        at = min(at, self._clock.now() + MAX_WAIT)  # early is harmless: ring() sets it again
        self._alarm = at
        self._scheduler.add_job(
            self.ring,
            trigger="date",
            run_date=at,
            id=ALARM,
            replace_existing=True,
            misfire_grace_time=None,  # late rather than never; the service applies misfire_grace
            coalesce=True,
        )

    async def ring(self) -> None:
        """The alarm: start every wake-up that is due by the wall clock, then set the alarm for
        the next one (or a minute from now, whichever is sooner)."""
        self._alarm = None
        now = self._clock.now()
        while self._heap and self._heap[0][0] <= now:
            at, key = heapq.heappop(self._heap)
            if self._due.get(key) != at:
                continue  # re-armed or cancelled since
            del self._due[key]
            kind, _, arg = key.partition(":")
            if self._metrics is not None:
                self._metrics.job_started(kind, (now - at).total_seconds())
            task = asyncio.create_task(self._fire(kind, int(arg)), name=key)
            self.running.add(task)
            task.add_done_callback(self.running.discard)
        while self._heap and self._due.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)
        if self._heap and self._alarm is None:
            self._set_alarm(self._heap[0][0])

    async def _fire(self, kind: str, arg: int) -> None:
        callback = {"post": self._on_post, "reveal": self._on_reveal, "recap": self._on_recap}[kind]
        if callback is None:
            return  # nothing bound for recaps (a test's timer)
        async with self._slots:
            ok = await _guarded(callback, arg, kind)
        if not ok:
            self._arm(f"{kind}:{arg}", self._clock.now() + RETRY_FAILED_JOB)


async def _guarded(callback: Callback, arg: int, what: str) -> bool:
    """Run a job; a bug or an outage in one must not stop the wake-ups of that id."""
    try:
        await callback(arg)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s job for %s failed; retrying in %s", what, arg, RETRY_FAILED_JOB)
        return False
    return True
