"""APScheduler 3.11 as a clock only.

Each wake-up is a one-shot date job with an explicit id (`post:<subscription>`,
`reveal:<post>`) that calls back into the service with plain ids. Nothing is persisted here:
the Store is the truth and the service re-arms every job from it at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.ports import Metrics

log = logging.getLogger("practicebot.scheduler")

Callback = Callable[[int], Awaitable[None]]
RETRY_FAILED_JOB = timedelta(minutes=1)
# wake-ups run at once at most: when thousands come due in the same minute, a few at a time get
# through the database and on to the platform's pacing, instead of all of them taking turns on
# every query before the first post goes out; enough to keep a platform's rate limit busy
JOBS_AT_ONCE = 32


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ApsTimer:
    """The Timer port on an AsyncIOScheduler."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        if metrics is not None:
            self._scheduler.add_listener(_lateness_to(metrics), EVENT_JOB_SUBMITTED)
        self._on_post: Callback | None = None
        self._on_reveal: Callback | None = None
        self.running: set[asyncio.Task[object]] = set()  # jobs in flight, for a graceful stop
        self._slots = asyncio.Semaphore(JOBS_AT_ONCE)

    def bind(self, on_post: Callback, on_reveal: Callback) -> None:
        self._on_post, self._on_reveal = on_post, on_reveal

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def wake_post(self, subscription_id: int, at: datetime) -> None:
        self._arm(f"post:{subscription_id}", at, self._fire_post, subscription_id)

    def wake_reveal(self, post_id: int, at: datetime) -> None:
        self._arm(f"reveal:{post_id}", at, self._fire_reveal, post_id)

    def cancel_post(self, subscription_id: int) -> None:
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(f"post:{subscription_id}")

    def jobs(self) -> dict[str, datetime]:
        """Pending wake-ups by id (for status output and tests)."""
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    def _arm(self, job_id: str, at: datetime, func: Callable[[int], Awaitable[None]], arg: int) -> None:
        self._scheduler.add_job(
            func,
            trigger="date",
            run_date=at,
            args=(arg,),
            id=job_id,
            replace_existing=True,
            misfire_grace_time=None,  # late rather than never; the service applies misfire_grace
            coalesce=True,
        )

    async def _fire_post(self, subscription_id: int) -> None:
        assert self._on_post is not None
        if not await self._guarded(self._on_post, subscription_id, "post"):
            self.wake_post(subscription_id, datetime.now(UTC) + RETRY_FAILED_JOB)

    async def _fire_reveal(self, post_id: int) -> None:
        assert self._on_reveal is not None
        if not await self._guarded(self._on_reveal, post_id, "reveal"):
            self.wake_reveal(post_id, datetime.now(UTC) + RETRY_FAILED_JOB)

    async def _guarded(self, callback: Callback, arg: int, what: str) -> bool:
        task = asyncio.current_task()
        if task is not None:
            self.running.add(task)
        try:
            async with self._slots:
                return await _guarded(callback, arg, what)
        finally:
            if task is not None:
                self.running.discard(task)


def _lateness_to(metrics: Metrics) -> Callable[[JobSubmissionEvent], None]:
    """Scheduler lag: how long after its due time each wake-up was handed to the loop."""

    def submitted(event: JobSubmissionEvent) -> None:
        due = min(event.scheduled_run_times)
        metrics.job_started(event.job_id.split(":", 1)[0], (datetime.now(UTC) - due).total_seconds())

    return submitted


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
