"""The lease rules over a real database (SQLite and PostgreSQL), two connections standing for two processes, and an
injected clock: who may start, when a lease expires, who takes over, and what the old holder
does when it finds out."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.ownership.partitions import Split, overlaps, shard
from bot.core.shared.errors import UserError
from bot.ops.health import Health
from bot.ops.lease import LeaseKeeper, Process
from bot.storage.sqlite import SqliteStore
from bot.storage.store import SqlStore
from tests.conftest import FakeClock, open_store

START = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


def process(host: str, pid: int, space: str | None = None) -> Process:
    """A process on a machine of its own unless `space` says otherwise."""
    return Process(host, pid, f"{host}'s pid namespace" if space is None else space, START)


@asynccontextmanager
async def stores(path: Path, count: int = 2) -> AsyncIterator[list[SqlStore]]:
    """One connection per process, all on the same database."""
    opened = [await open_store(path) for _ in range(count)]
    try:
        yield opened
    finally:
        for store in opened:
            await store.close()


def keeper(
    store: SqlStore, partitions: list[str], clock: FakeClock, who: Process, **kwargs: Any
) -> LeaseKeeper:
    return LeaseKeeper(store, partitions, clock, TTL, process=who, **kwargs)


async def test_a_second_process_for_the_same_partition_is_refused_with_the_holder_named(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    async with stores(tmp_path / "bot.sqlite3") as (one, two):
        first = keeper(one, ["slack"], clock, process("web-1", 4242))
        await first.acquire()
        clock.advance(timedelta(seconds=5))
        with pytest.raises(UserError) as refused:
            await keeper(two, ["slack"], clock, process("web-2", 77)).acquire()
        said = refused.value.message
        assert (
            "slack is held by another practicebot (host web-1, pid 4242, running since 2026-12-07 15:00:00"
            in said
        )
        assert "its lease expires at 2026-12-07 15:00:30 UTC" in said
        assert "--wait" in said and "twice" in said
        assert [lease.holder for lease in await two.leases()] == [first.process.holder]  # nothing of its own


async def test_a_lease_nobody_renews_expires_and_the_next_process_takes_over(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with stores(tmp_path / "bot.sqlite3") as (one, two):
        await keeper(one, ["slack"], clock, process("web-1", 4242)).acquire()  # then it hangs
        clock.advance(TTL - timedelta(microseconds=1))
        with pytest.raises(UserError):
            await keeper(two, ["slack"], clock, process("web-2", 77)).acquire()
        clock.advance(timedelta(microseconds=1))  # exactly at expiry: free
        second = keeper(two, ["slack"], clock, process("web-2", 77))
        await second.acquire()
        [lease] = await one.leases()
        assert (lease.host, lease.pid, lease.expires_at) == ("web-2", 77, clock.now() + TTL)


async def test_renewing_every_third_of_the_ttl_keeps_the_lease_for_as_long_as_it_runs(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with stores(tmp_path / "bot.sqlite3") as (one, two):
        first = keeper(one, ["discord"], clock, process("web-1", 4242))
        await first.acquire()
        for _ in range(10):  # five minutes
            clock.advance(first.interval)
            assert await first.renew()
        with pytest.raises(UserError):
            await keeper(two, ["discord"], clock, process("web-2", 77)).acquire()


async def test_a_holder_that_finds_its_lease_taken_stops_scheduling_and_says_who_has_it(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    stopped: list[str] = []
    async with stores(tmp_path / "bot.sqlite3") as (one, two):
        first = keeper(one, ["slack"], clock, process("web-1", 4242), on_lost=lambda: stopped.append("stop"))
        await first.acquire()
        clock.advance(TTL + timedelta(seconds=1))  # suspended past its lease
        await keeper(two, ["slack"], clock, process("web-2", 77)).acquire()
        ran: list[int] = []

        async def post(subscription: int) -> None:
            ran.append(subscription)

        await first.guard(post)(1)  # the wake-up that fires on resume, before the heartbeat
        assert ran == [] and stopped == ["stop"]
        assert first.lost is not None
        assert (
            "lost the lease on slack: slack is held by another practicebot (host web-2, pid 77" in first.lost
        )
        assert not await first.renew() and not await first.holds()
        check = await first.check()
        assert not check.ok and "lost the lease" in check.detail
        [lease] = await one.leases()
        assert lease.host == "web-2"  # the old holder's stop took nothing from the new one
        await first.release()
        assert [lease.host for lease in await one.leases()] == ["web-2"]


async def test_a_late_heartbeat_is_made_up_before_a_job_and_the_job_runs_if_nobody_took_over(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    async with stores(tmp_path / "bot.sqlite3", 1) as (one,):
        first = keeper(one, ["slack"], clock, process("web-1", 4242))
        await first.acquire()
        ran: list[int] = []

        async def reveal(post: int) -> None:
            ran.append(post)

        clock.advance(TTL * 2)  # expired, but nobody else came
        await first.guard(reveal)(9)
        assert ran == [9] and first.lost is None
        [lease] = await one.leases()
        assert lease.expires_at == clock.now() + TTL  # renewed on the way


async def test_all_of_discord_and_its_shards_exclude_each_other_and_shards_split_cleanly(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    async with stores(tmp_path / "bot.sqlite3", 3) as (one, two, three):
        await keeper(one, [shard(0, 2)], clock, process("a", 1)).acquire()
        await keeper(two, [shard(1, 2)], clock, process("b", 2)).acquire()  # the other half: fine
        for wanted, blocker in (
            (["discord"], "(host a, pid 1, running since 2026-12-07 15:00:00 UTC; its lease expires at"),
            (["discord"], "; discord:shard:1/2 is held by another practicebot (host b, pid 2"),
            ([shard(2, 4)], "discord:shard:0/2 is held"),  # guilds of shard 2 of 4 are shard 0 of 2's
            ([shard(0, 2)], "discord:shard:0/2 is held"),
        ):
            with pytest.raises(UserError) as refused:
                await keeper(three, wanted, clock, process("c", 3)).acquire()
            assert blocker in refused.value.message
        await keeper(three, ["slack"], clock, process("c", 3)).acquire()  # another platform: no conflict
    async with stores(tmp_path / "other.sqlite3") as (one, two):
        await keeper(one, ["discord"], clock, process("a", 1)).acquire()
        with pytest.raises(UserError) as refused:
            await keeper(two, [shard(0, 2), shard(1, 2)], clock, process("b", 2)).acquire()
        assert "discord is held by another practicebot (host a, pid 1" in refused.value.message


async def test_a_process_takes_all_of_its_leases_or_none(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with stores(tmp_path / "bot.sqlite3") as (one, two):
        await keeper(one, [shard(1, 2)], clock, process("a", 1)).acquire()
        with pytest.raises(UserError):
            await keeper(two, [shard(0, 2), shard(1, 2)], clock, process("b", 2)).acquire()
        assert [lease.partition for lease in await two.leases()] == [shard(1, 2)]  # no shard 0 for b


async def test_taking_over_an_expired_overlapping_lease_removes_it_so_its_holder_knows(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    async with stores(tmp_path / "bot.sqlite3") as (one, two):
        whole = keeper(one, ["discord"], clock, process("a", 1))
        await whole.acquire()
        clock.advance(TTL)
        await keeper(two, [shard(0, 2)], clock, process("b", 2)).acquire()
        assert [lease.partition for lease in await one.leases()] == [shard(0, 2)]
        assert not await whole.renew()  # it would otherwise go on posting in shard 0's guilds
        assert whole.lost is not None and "discord:shard:0/2 is held" in whole.lost


async def test_a_clean_stop_lets_the_next_process_start_at_once(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with stores(tmp_path / "bot.sqlite3") as (one, two):
        first = keeper(one, ["slack", "discord"], clock, process("web-1", 4242))
        await first.acquire()
        await first.release()
        await keeper(two, ["slack", "discord"], clock, process("web-2", 77)).acquire()


async def test_a_holder_whose_process_ended_on_this_machine_is_taken_over_without_waiting(
    tmp_path: Path,
) -> None:
    ended = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await ended.wait()
    dead_pid = ended.pid  # a pid that ran here and has ended (reaped)
    clock = FakeClock(START)
    here = process("web-1", 500, space="this boot, this pid namespace")
    async with stores(tmp_path / "bot.sqlite3") as (one, two):
        await keeper(one, ["slack"], clock, process("web-1", dead_pid, space=here.process_space)).acquire()
        await keeper(two, ["slack"], clock, here).acquire()  # no wait for the 30 s
        [lease] = await one.leases()
        assert lease.pid == 500
    async with stores(tmp_path / "other.sqlite3") as (one, two):  # the same pid in another container
        await keeper(one, ["slack"], clock, process("web-1", dead_pid, space="another namespace")).acquire()
        with pytest.raises(UserError):
            await keeper(two, ["slack"], clock, here).acquire()


async def test_wait_says_who_it_waits_for_once_and_takes_over_when_the_holder_lets_go(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(START)
    async with stores(tmp_path / "bot.sqlite3") as (one, two):
        first = keeper(one, ["slack"], clock, process("web-1", 4242))
        await first.acquire()
        waited: list[float] = []

        async def sleep(seconds: float) -> None:  # the holder renews twice, then stops cleanly
            waited.append(seconds)
            clock.advance(timedelta(seconds=seconds))
            await (first.renew() if len(waited) < 3 else first.release())

        second = keeper(two, ["slack"], clock, process("web-2", 77), sleep=sleep)
        await second.acquire(wait=True)
        assert waited == [10.0, 10.0, 10.0]  # tried again every third of the TTL
        [lease] = await one.leases()
        assert lease.host == "web-2"
        said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("waiting: ")]
        assert said == [
            "waiting: slack is held by another practicebot (host web-1, pid 4242, running since "
            "2026-12-07 15:00:00 UTC; its lease expires at 2026-12-07 15:00:30 UTC unless it renews it)"
        ]


async def test_healthz_names_the_configured_shards_that_no_process_holds(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with stores(tmp_path / "bot.sqlite3") as (one, two):
        mine = keeper(one, [shard(0, 4), shard(1, 4)], clock, process("a", 1), splits={"discord": Split(4)})
        await mine.acquire()
        health = Health(one, {}, partitions=mine.check, fresh_for=0)  # every report made anew
        healthy, body = await health.report()
        assert healthy
        detail = body["checks"]["partitions"]["detail"]
        assert detail.startswith("holds discord:shard:0/4, discord:shard:1/4")
        assert detail.endswith(
            "discord shards 2, 3 of 4 are held by no process: their subscriptions get no posts"
        )
        await keeper(
            two, [shard(2, 4), shard(3, 4)], clock, process("b", 2), splits={"discord": Split(4)}
        ).acquire()
        _, body = await health.report()
        assert "held by no process" not in body["checks"]["partitions"]["detail"]


PARTITIONS = st.sampled_from(
    ["discord", "slack", shard(0, 2), shard(1, 2), shard(0, 4), shard(3, 4), shard(1, 3)]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 3), st.lists(PARTITIONS, min_size=1, max_size=3, unique=True), st.integers(0, 40)
        ),
        min_size=1,
        max_size=12,
    )
)
def test_however_processes_come_and_go_no_two_live_leases_of_different_holders_overlap(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[int, list[str], int]]
) -> None:
    async def play() -> None:
        clock = FakeClock(START)
        async with stores(tmp_path_factory.mktemp("leases") / "bot.sqlite3", 1) as (store,):
            for who, wanted, seconds in steps:
                clock.advance(timedelta(seconds=seconds))
                with suppress(UserError):
                    await keeper(store, wanted, clock, process(f"host-{who}", who)).acquire()
                live = [lease for lease in await store.leases() if lease.live(clock.now())]
                for a in live:
                    for b in live:
                        assert a.holder == b.holder or not overlaps(a.partition, b.partition), (a, b)

    asyncio.run(play())


@pytest.mark.sqlite_only  # counts the calls of a SqliteStore of its own
async def test_wake_ups_due_together_after_a_suspend_share_one_renewal(tmp_path: Path) -> None:
    clock = FakeClock(START)
    renewals: list[datetime] = []

    class Counting(SqliteStore):
        async def renew_leases(self, holder: str, now: datetime, expires_at: datetime) -> int:
            renewals.append(now)
            return await super().renew_leases(holder, now, expires_at)

    store = await Counting.open(tmp_path / "bot.sqlite3")
    try:
        mine = keeper(store, ["slack"], clock, process("web-1", 4242))
        await mine.acquire()
        clock.advance(TTL)  # the host slept through a heartbeat
        ran: list[int] = []

        async def post(subscription: int) -> None:
            ran.append(subscription)

        await asyncio.gather(*(mine.guard(post)(n) for n in range(200)))
        assert sorted(ran) == list(range(200)) and len(renewals) == 1
    finally:
        await store.close()
