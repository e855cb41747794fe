"""The Database on PostgreSQL through an asyncpg pool. The statements are the SQLite store's, put
in PostgreSQL's words by dialect.py; several processes on several hosts share the database, and
the guarantees rest on its constraints and transactions, as on SQLite (a post claimed once per
subscription and local date by a unique key, replies once by their primary key)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

from bot.core.shared.errors import UserError
from bot.storage.connection import ProbeFailed
from bot.storage.dialect import postgres_statement
from bot.storage.postgres_schema import migrate, schema_version

# what the driver raises when the server cannot answer now: refused, gone, timed out, or an error
ERRORS: tuple[type[Exception], ...] = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)


class PostgresDatabase:
    def __init__(self, pool: asyncpg.Pool, where: str, url: str, password: str | None) -> None:
        self.pool = pool
        self.where = where
        self.errors = ERRORS
        self._url, self._password = url, password

    @classmethod
    async def open(
        cls,
        url: str,
        password: str | None,
        *,
        where: str,
        pool_size: int,
        connect_within: float,
        migrate_schema: bool = True,
    ) -> PostgresDatabase:
        pool = await asyncpg.create_pool(
            url, password=password, min_size=1, max_size=pool_size, timeout=connect_within, reset=_as_it_is
        )
        try:
            if migrate_schema:
                async with pool.acquire() as connection:
                    await migrate(connection)
        except BaseException:
            await pool.close()
            raise
        return cls(pool, where, url, password)

    async def close(self) -> None:
        await self.pool.close()

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return _changed(await self.pool.execute(postgres_statement(sql), *_bound(params)))

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        return list(await self.pool.fetch(postgres_statement(sql), *_bound(params)))

    async def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        async with self.transaction() as session:
            return await session.many(sql, rows)

    @asynccontextmanager
    async def transaction(self, *, locking: str = "") -> AsyncIterator[_Session]:
        async with self.pool.acquire() as connection, connection.transaction():
            if locking:  # a name from the store's own code, not a value: quoted, not bound
                await connection.execute(f'LOCK TABLE "{locking}" IN SHARE ROW EXCLUSIVE MODE')
            yield _Session(connection)

    @asynccontextmanager
    async def serial(self) -> AsyncIterator[_Session]:
        async with self.pool.acquire() as connection:
            yield _Session(connection)

    async def schema_version(self) -> int:
        async with self.pool.acquire() as connection:
            return await schema_version(connection)

    async def integrity_check(self) -> str:
        """PostgreSQL checks its pages as it reads them (and with data checksums, when initdb
        turned them on); there is no whole-database check to run from here."""
        await self.pool.fetchval("SELECT 1")
        return "ok"

    async def backup(self, target: Path) -> None:
        raise UserError(
            f"a PostgreSQL database is backed up with PostgreSQL's own tools: pg_dump --format=custom "
            f"--file {target} '{self.where}' (restore with pg_restore)"
        )

    async def checkpoint(self) -> None:
        """Deleted rows stay in their pages until VACUUM reuses them; autovacuum does that soon
        after, which is as far as a forget-me can push PostgreSQL from a client."""

    async def probe_write(self, within: float) -> str:
        """A connection of the probe's own (not one of the pool's, which may all be busy or
        broken) and a committed write: the version row written back unchanged."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(within):
                connection = await asyncpg.connect(self._url, password=self._password)
                try:
                    async with connection.transaction():
                        await connection.execute("UPDATE schema_version SET version = version")
                finally:
                    await connection.close()
        except ERRORS as exc:
            raise ProbeFailed(f"{self.where} cannot be written: {str(exc) or type(exc).__name__}") from exc
        return f"{self.where} writable ({(time.monotonic() - started) * 1000:.1f} ms)"


class _Session:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return _changed(await self._connection.execute(postgres_statement(sql), *_bound(params)))

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        return list(await self._connection.fetch(postgres_statement(sql), *_bound(params)))

    async def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        statement = postgres_statement(sql)
        return sum([_changed(await self._connection.execute(statement, *_bound(row))) for row in rows])


async def _as_it_is(connection: asyncpg.Connection) -> None:
    """What the pool runs on a connection it takes back. Its default (unlock advisory locks,
    close cursors, UNLISTEN, RESET ALL) is a round trip after every statement, for session state
    the store never leaves behind: it sets nothing, listens to nothing, and the migrations let go
    of their advisory lock themselves."""


def _bound(params: Sequence[Any]) -> list[Any]:
    """PostgreSQL's text cannot hold U+0000 (SQLite's can): a NUL someone typed is stored as
    U+FFFD, the replacement character, which every renderer shows as what it is."""
    return [p.replace("\x00", "\ufffd") if isinstance(p, str) else p for p in params]


def _changed(status: str) -> int:
    """Rows a statement changed, from its command tag: "INSERT 0 1", "UPDATE 3", "DELETE 0"."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0
