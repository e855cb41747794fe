"""The Database on one SQLite file through aiosqlite: WAL, synchronous=NORMAL, foreign keys, a
busy timeout, deleted content zeroed. SQLite has one writer and no nested transactions, and the
Store's handlers run concurrently on this one connection: every write (a statement on its own, a
transaction, a serial run) takes the write lock."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.connection import ProbeFailed
from bot.storage.migrate import _wal, migrate

log = logging.getLogger("practicebot.storage")


class SqliteDatabase:
    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.where = str(path)
        self.errors: tuple[type[Exception], ...] = (sqlite3.Error, OSError)
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, migrate_schema: bool = True) -> SqliteDatabase:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            await _wal(db)
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            # forget-me: deleted content is overwritten with zeros (https://sqlite.org/pragma.html#pragma_secure_delete)
            await db.execute("PRAGMA secure_delete = ON")
            await db.execute("PRAGMA busy_timeout = 5000")
            if migrate_schema:
                await migrate(db)
        except BaseException:
            await db.close()
            raise
        return cls(db, path)

    @classmethod
    async def open_read_only(cls, path: Path) -> SqliteDatabase:
        """The file as it is: never created, never switched to WAL, never migrated
        (https://sqlite.org/uri.html#urimode). `path` is absolute."""
        db = await aiosqlite.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            await db.execute("PRAGMA busy_timeout = 5000")
        except BaseException:
            await db.close()
            raise
        return cls(db, path)

    async def close(self) -> None:
        await self.connection.close()

    # ------------------------------------------------------------ statements

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        # one statement on its own: SQLite commits it atomically by itself, in one trip to the
        # database thread instead of three (BEGIN, the statement, COMMIT)
        async with self._write_lock:
            return await _Session(self.connection).run(sql, params)

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        return await _Session(self.connection).all(sql, params)

    async def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        async with self._write_lock:
            return await _Session(self.connection).many(sql, rows)

    @asynccontextmanager
    async def transaction(self, *, locking: str = "") -> AsyncIterator[_Session]:
        async with self._write_lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield _Session(self.connection)
            except BaseException:
                await self.connection.rollback()
                raise
            await self.connection.commit()

    @asynccontextmanager
    async def serial(self) -> AsyncIterator[_Session]:
        async with self._write_lock:
            yield _Session(self.connection)

    # ------------------------------------------------------------ what only SQLite does

    async def schema_version(self) -> int:
        [(version,)] = await self.all("PRAGMA user_version")
        return int(version)

    async def integrity_check(self) -> str:
        [(result,)] = await self.all("PRAGMA integrity_check")
        return str(result)

    async def backup(self, target: Path) -> None:
        """SQLite's online backup: a consistent copy while the bot keeps running."""
        target.parent.mkdir(parents=True, exist_ok=True)
        destination = await aiosqlite.connect(target)
        try:
            await self.connection.backup(destination)
        finally:
            await destination.close()

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and truncate it to nothing (TRUNCATE:
        https://sqlite.org/pragma.html#pragma_wal_checkpoint); the database's deleted cells are
        zeroed already (secure_delete). A reader in another process can hold it back (the first
        column answers 1, busy): then the log empties at a later one."""
        rows = await self.all("PRAGMA wal_checkpoint(TRUNCATE)")
        if rows and rows[0][0]:
            log.warning("the write-ahead log could not be emptied now: another process is reading")

    async def probe_write(self, within: float) -> str:
        if str(self.path) == ":memory:":
            return "in memory"
        try:
            took = await asyncio.to_thread(write_probe, self.path, within)
        except (sqlite3.Error, OSError) as exc:
            raise ProbeFailed(f"{self.path} cannot be written: {str(exc) or type(exc).__name__}") from exc
        return f"{self.path} writable ({took * 1000:.1f} ms)"


def write_probe(path: Path, timeout: float, *, create: bool = False) -> float:
    """Write the schema version back unchanged and commit, on a connection of its own: the file
    must exist (unless `create`), be writable by this user, and not be locked by another writer
    for longer than `timeout`. Returns the seconds it took."""
    started = time.monotonic()
    uri = f"{path.absolute().as_uri()}?mode={'rwc' if create else 'rw'}"
    db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    try:  # closing without COMMIT rolls back
        db.execute("BEGIN IMMEDIATE")
        (schema,) = db.execute("PRAGMA user_version").fetchone()
        # PRAGMA takes no parameters; the value is the int just read
        db.execute(f"PRAGMA user_version = {int(schema)}")
        db.execute("COMMIT")
    finally:
        db.close()
    return time.monotonic() - started


class _Session:
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await self._connection.execute(sql, params)
        return max(cursor.rowcount, 0)

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        # one trip to the database thread (execute, fetch, close there), not three
        return list(await self._connection.execute_fetchall(sql, params))

    async def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        cursor = await self._connection.executemany(sql, rows)
        return max(cursor.rowcount, 0)
