"""`practicebot run` owns its partitions through leases in the database: it takes them before it
connects to any platform, renews them every third of their time to live, runs a scheduled
wake-up only under a lease it has renewed recently, and lets go when it stops. A second process
for the same partitions refuses to start (or, with --wait, waits), naming the holder; a holder
that stops renewing (crashed, suspended, cut off) loses its lease when it expires, and one that
finds its lease taken when it renews stops instead of posting beside the new owner.

The terminal channel and every command other than `run` take no lease (bot/core/partitions.py
says which partitions a process serves).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from bot.core.daily.schedule import format_duration
from bot.core.ownership.partitions import Lease, Split, at, describe_unheld, expected, unheld, who
from bot.core.shared.errors import UserError
from bot.core.shared.ports import Clock
from bot.ops.health import Check
from bot.scheduler import Callback

log = logging.getLogger("practicebot.lease")


class LeaseStore(Protocol):
    """The part of the Store that holds leases (bot/storage/leases.py)."""

    errors: tuple[type[Exception], ...]  # what its database raises when it cannot answer now

    async def leases(self) -> list[Lease]: ...

    async def acquire_leases(
        self, wanted: Sequence[Lease], gone: Callable[[Lease], bool]
    ) -> tuple[list[Lease], list[Lease]]:
        """Take all of `wanted` or none: (live leases of others in the way, stale ones taken over)."""
        ...

    async def renew_leases(self, holder: str, now: datetime, expires_at: datetime) -> int:
        """Move the holder's leases on; how many it still had."""
        ...

    async def release_leases(self, holder: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Process:
    """Who takes the leases: this process, as the other processes see it."""

    host: str
    pid: int
    process_space: str
    started_at: datetime

    @property
    def holder(self) -> str:
        return f"{self.host} pid {self.pid} started {self.started_at.isoformat(timespec='microseconds')}"

    def gone(self, lease: Lease) -> bool:
        """Whether the lease's holder has ended, as far as this machine can tell: same boot and
        pid namespace, and its pid is this one (reused) or runs no longer. Anything else (another
        host, another container) waits for the lease to expire."""
        if not self.process_space or lease.process_space != self.process_space:
            return False
        return lease.pid == self.pid or not _running(lease.pid)


def this_process(now: datetime) -> Process:
    return Process(socket.gethostname(), os.getpid(), _process_space(), now)


def _process_space() -> str:
    """The Linux boot id and pid namespace: two processes with the same value see the same pids."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        return f"{boot} {os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return ""


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user
        return True
    return True


class LeaseKeeper:
    """Takes, renews and releases this process's leases on `partitions`."""

    def __init__(
        self,
        store: LeaseStore,
        partitions: Sequence[str],
        clock: Clock,
        ttl: timedelta,
        *,
        process: Process | None = None,
        on_lost: Callable[[], None] = lambda: None,
        splits: Mapping[str, Split] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.partitions = tuple(partitions)
        self.clock = clock
        self.ttl = ttl
        self.interval = ttl / 3
        self.process = process or this_process(clock.now())
        self.on_lost = on_lost
        self.splits = {name: split for name, split in (splits or {}).items() if split.count is not None}
        self.sleep = sleep  # between heartbeats, and between tries while waiting for a holder
        self.expires_at: datetime | None = None  # as of the last renewal this process made
        self.renewed_at: datetime | None = None
        self.lost: str | None = None  # why the leases were lost, once they were
        self._confirming = asyncio.Lock()

    def _wanted(self, now: datetime) -> list[Lease]:
        p = self.process
        return [
            Lease(name, p.holder, p.host, p.pid, p.process_space, p.started_at, now, now + self.ttl)
            for name in self.partitions
        ]

    async def acquire(self, *, wait: bool = False) -> None:
        """Take every lease, or raise UserError naming who holds them. With `wait`, try again
        every interval until they are free (a stop request cancels the wait)."""
        said: set[str] = set()
        while True:
            now = self.clock.now()
            blocking, stale = await self.store.acquire_leases(self._wanted(now), self.process.gone)
            if not blocking:
                self.renewed_at, self.expires_at = now, now + self.ttl
                for lease in stale:
                    log.warning("took over %s from %s", lease.partition, _ended(lease, now))
                log.info("holding %s (lease %s, renewed every %s)", ", ".join(self.partitions),
                         format_duration(self.ttl), format_duration(self.interval))  # fmt: skip
                return
            if not wait:
                raise UserError(refusal(self.partitions, blocking))
            holders = {lease.holder for lease in blocking}
            if holders != said:  # once per holder, not every interval
                log.warning("waiting: %s", held_by(blocking))
                said = holders
            await self.sleep(self.interval.total_seconds())

    async def keep(self) -> None:
        """Renew every interval until the leases are lost (the process then stops)."""
        while self.lost is None:
            await self.sleep(self.interval.total_seconds())
            try:
                await self.renew()
            except self.store.errors as exc:  # a locked or full database: try again next time
                log.warning("could not renew the lease on %s: %s", ", ".join(self.partitions), exc)

    async def renew(self) -> bool:
        """One heartbeat. False, and `lost` says why, if another process holds a lease now."""
        if self.lost is not None:
            return False
        now = self.clock.now()
        kept = await self.store.renew_leases(self.process.holder, now, now + self.ttl)
        if kept == len(self.partitions):
            self.renewed_at, self.expires_at = now, now + self.ttl
            return True
        others = [lease for lease in await self.store.leases() if lease.holder != self.process.holder]
        taken = [lease for lease in others if lease.live(now)]
        self.lost = (
            f"lost the lease on {', '.join(self.partitions)}: "
            + (held_by(taken) if taken else "another process took it over and let go since")
            + f". This process last renewed it at {at(self.renewed_at)} and it expired at "
            f"{at(self.expires_at)} (was this process suspended, or its database unreachable?). "
            "It stops so that one process only posts and reveals; start it again with "
            "`practicebot run --wait` to take over once the other one stops"
        )
        log.error("%s", self.lost)
        self.on_lost()
        return False

    async def holds(self) -> bool:
        """Whether this process may run scheduled work now: its lease was renewed less than two
        thirds of its life ago, or a renewal made now succeeds. A heartbeat that came late (the
        host was suspended, the loop blocked) is made up for before the work, not after."""
        async with self._confirming:  # a thousand wake-ups due at once after a suspend: one renewal
            if self.lost is not None:
                return False
            if self.expires_at is not None and self.clock.now() < self.expires_at - self.interval:
                return True
            return await self.renew()

    def guard(self, job: Callback) -> Callback:
        """The job, run only while this process holds its lease (a database error on the way is
        raised, so the scheduler tries the job again a minute later)."""

        async def guarded(arg: int) -> None:
            if await self.holds():
                await job(arg)

        return guarded

    async def release(self) -> None:
        """Let go (a clean stop): another process may take over at once."""
        try:
            await self.store.release_leases(self.process.holder)
        except self.store.errors as exc:  # the leases expire by themselves
            log.warning("could not release the lease on %s: %s", ", ".join(self.partitions), exc)

    async def check(self) -> Check:
        """/healthz: this process's lease, and the configured shards and Slack partitions that no
        process holds."""
        now = self.clock.now()
        if self.lost is not None:
            return Check(False, self.lost)
        if self.expires_at is None or now >= self.expires_at:
            return Check(False, f"the lease on {', '.join(self.partitions)} was not renewed in time")
        detail = f"holds {', '.join(self.partitions)} (renewed at {at(self.renewed_at)})"
        try:
            leases = await self.store.leases()
        except self.store.errors as exc:
            return Check(False, f"cannot read the leases: {exc}")
        missing = unheld(expected(self.splits), leases, now)
        if missing:
            detail += "; " + describe_unheld(missing)
        return Check(True, detail)


def _ended(lease: Lease, now: datetime) -> str:
    why = "its lease expired at " + at(lease.expires_at) if not lease.live(now) else "its process has ended"
    return f"{who(lease)}: {why}"


def held_by(leases: Sequence[Lease]) -> str:
    """`slack is held by another practicebot (host web-1, pid 42, running since ...; its lease
    expires at ... unless it renews it)`, one clause per holder."""
    clauses = []
    for holder in dict.fromkeys(lease.holder for lease in leases):
        mine = [lease for lease in leases if lease.holder == holder]
        names = ", ".join(lease.partition for lease in mine)
        verb = "is" if len(mine) == 1 else "are"
        first = mine[0]
        clauses.append(
            f"{names} {verb} held by another practicebot ({who(first)}; its lease expires at "
            f"{at(max(lease.expires_at for lease in mine))} unless it renews it)"
        )
    return "; ".join(clauses)


def refusal(wanted: Sequence[str], blocking: Sequence[Lease]) -> str:
    return (
        f"not starting: this process would serve {', '.join(wanted)}, and {held_by(blocking)}. Two "
        "processes on one partition would post and reveal everything twice. Stop the other one "
        "first (it lets go when it stops; one that crashed or hangs, when its lease expires), or start "
        "this one with `practicebot run --wait` to take over then; for Discord shards, give each "
        "process its own [discord] shard_ids"
    )
