"""The Store's leases: which process holds which partition, until when (table leases).

All of the lease SQL is here. It is written to carry over to PostgreSQL as it is: the upsert's
`ON CONFLICT ... DO UPDATE ... WHERE` takes a row over only if it expired (or is the caller's
own), whatever else runs at the same time. The check for overlapping names (`discord` against
`discord:shard:0/2`) reads other rows, so acquiring runs in one write transaction that no other
acquirer may interleave: on SQLite `BEGIN IMMEDIATE` holds the database's one write lock for it;
on PostgreSQL the transaction locks the table against other writers first (`locking`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot.core.ownership.partitions import Lease, contest
from bot.storage.connection import Connection, _dt_required, _ts

_COLUMNS = "partition, holder, host, pid, process_space, started_at, heartbeat_at, expires_at"
_TAKE = (
    f"INSERT INTO leases ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (partition) DO UPDATE SET holder = excluded.holder, host = excluded.host,"
    " pid = excluded.pid, process_space = excluded.process_space, started_at = excluded.started_at,"
    " heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at"
    " WHERE leases.expires_at <= excluded.heartbeat_at OR leases.holder = excluded.holder"
)

_LET_GO = "DELETE FROM leases WHERE partition = ? AND holder = ?"


class _Taken(Exception):
    """An upsert found its row held after all (another writer won a race): roll back."""


class LeaseTable(Connection):
    """Leases (table leases)."""

    async def leases(self) -> list[Lease]:
        return [_lease(row) for row in await self._all(f"SELECT {_COLUMNS} FROM leases ORDER BY partition")]

    async def acquire_leases(
        self, wanted: Sequence[Lease], gone: Callable[[Lease], bool]
    ) -> tuple[list[Lease], list[Lease]]:
        """Take every lease of `wanted` (one holder, one instant) or none. Returns (the live
        leases of others that stand in the way, the stale ones taken over); the first is empty
        when the leases were taken. `gone(lease)` tells a holder known to have ended (its pid
        no longer runs on this machine), whose lease need not wait to expire."""
        if not wanted:
            return [], []
        me, now = wanted[0].holder, wanted[0].heartbeat_at
        names = [lease.partition for lease in wanted]
        try:
            async with self._db.transaction(locking="leases") as db:
                rows = await db.all(f"SELECT {_COLUMNS} FROM leases")
                blocking, stale = contest(map(_lease, rows), names, me, now, gone)
                if blocking:
                    return blocking, []
                for lease in stale:
                    await db.run(_LET_GO, (lease.partition, lease.holder))
                for lease in wanted:
                    if await db.run(_TAKE, _row(lease)) != 1:
                        raise _Taken
        except _Taken:
            blocking, _ = contest(await self.leases(), names, me, now, lambda _: False)
            return blocking, []
        return [], stale

    async def renew_leases(self, holder: str, now: datetime, expires_at: datetime) -> int:
        """Move the holder's leases on; returns how many it still had."""
        return await self._write(
            "UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE holder = ?",
            (_ts(now), _ts(expires_at), holder),
        )

    async def release_leases(self, holder: str) -> None:
        await self._write("DELETE FROM leases WHERE holder = ?", (holder,))


def _row(lease: Lease) -> tuple[Any, ...]:
    return (
        lease.partition,
        lease.holder,
        lease.host,
        lease.pid,
        lease.process_space,
        _ts(lease.started_at),
        _ts(lease.heartbeat_at),
        _ts(lease.expires_at),
    )


def _lease(row: Sequence[Any]) -> Lease:
    return Lease(
        partition=row[0],
        holder=row[1],
        host=row[2],
        pid=int(row[3]),
        process_space=row[4],
        started_at=_dt_required(row[5]),
        heartbeat_at=_dt_required(row[6]),
        expires_at=_dt_required(row[7]),
    )
