"""What every part of the SQLite Store shares: the connection, one write transaction at a
time, and how instants are written."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

# one person's answer to a post, counted once: (post_id, user_id, user_name, replied_at, on_time)
INSERT_REPLY = (
    "INSERT INTO replies (post_id, user_id, user_name, replied_at, on_time)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (post_id, user_id) DO NOTHING"
)


class Connection:
    """The aiosqlite connection and the helpers each statement goes through."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._write_lock = asyncio.Lock()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time: handlers run concurrently on one connection, and
        SQLite has no nested transactions."""
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.rollback()
                raise
            await self._db.commit()

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        """One statement on its own: SQLite commits it atomically by itself, in one trip to the
        database thread instead of three (BEGIN, the statement, COMMIT)."""
        async with self._write_lock:
            return await self._db.execute(sql, params)

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return next(iter(await self._all(sql, params)), None)

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        # one trip to the database thread (execute, fetch, close there), not three
        return list(await self._db.execute_fetchall(sql, params))


def _ts(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime reached the store")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _dt_required(text: str) -> datetime:
    return datetime.fromisoformat(text)
