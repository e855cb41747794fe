"""What every part of the Store shares: a database (SQLite or PostgreSQL) behind one small
interface, the statements written once with `?` placeholders (dialect.py puts them in
PostgreSQL's words), and how instants are written."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

# one person's answer to a post, counted once: (post_id, user_id, user_name, replied_at, on_time)
INSERT_REPLY = (
    "INSERT INTO replies (post_id, user_id, user_name, replied_at, on_time)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (post_id, user_id) DO NOTHING"
)


class ProbeFailed(Exception):
    """The health probe's write did not go through; the message says where and why."""


class Session(Protocol):
    """Statements on one connection: inside a transaction, or each committed on its own."""

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute one statement; how many rows it inserted, changed or deleted."""
        ...

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        """Execute one statement; every row it returned."""
        ...

    async def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Execute one statement for each set of parameters; the rows changed in all."""
        ...


class Database(Session, Protocol):
    """A database the Store's tables talk to: statements outside a transaction each commit on
    their own; `transaction()` groups some atomically; `serial()` runs a few in a row that no
    other writer of this process interleaves (without a transaction's round trips). The rest is
    what the two databases do differently (schema version, integrity, backup, reclaiming space)."""

    where: str  # a file path or a URL without its password, for messages
    errors: tuple[type[Exception], ...]  # what its driver raises when the database cannot answer now

    def transaction(self, *, locking: str = "") -> AbstractAsyncContextManager[Session]:
        """Statements that commit together or not at all. `locking`: a table no other writer
        may change until this one ends, where the database does not already serialise writers
        (PostgreSQL; SQLite's write transactions take the whole database)."""
        ...

    def serial(self) -> AbstractAsyncContextManager[Session]: ...

    async def close(self) -> None: ...

    async def schema_version(self) -> int: ...

    async def integrity_check(self) -> str: ...

    async def backup(self, target: Path) -> None: ...

    async def checkpoint(self) -> None:
        """Make deleted text unrecoverable from the database's own files (forget-me)."""
        ...

    async def probe_write(self, within: float) -> str:
        """A real, committed write on a connection of the probe's own, within `within` seconds: what
        was written where ("bot.sqlite3 writable (1.2 ms)"); raises ProbeFailed saying why not."""
        ...


class Connection:
    """The database and the helpers each statement goes through."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.errors = db.errors

    def _transaction(self) -> AbstractAsyncContextManager[Session]:
        return self._db.transaction()

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement on its own, committed by itself; the rows it changed."""
        return await self._db.run(sql, params)

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return next(iter(await self._all(sql, params)), None)

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return await self._db.all(sql, params)


def _ts(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime reached the store")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _dt_required(text: str) -> datetime:
    return datetime.fromisoformat(text)
