"""Which database the Store under test lives in. A module of its own, not the conftest: pytest
loads tests/conftest.py as `conftest` while tests import it as `tests.conftest`, two copies that
would each hold their own switch."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from bot.storage.sqlite import SqliteStore
from bot.storage.store import SqlStore
from tests.pg_server import Server


async def new_database(server: Server, name: str) -> str:
    """An empty database `name` on the server (made once; again: the one made before); its URL."""
    import asyncpg

    admin = await asyncpg.connect(server.url)
    try:  # a name made by the tests, not a value: no parameter
        await admin.execute(f'CREATE DATABASE "{name}"')
    except asyncpg.DuplicateDatabaseError:
        pass
    finally:
        await admin.close()
    return server.url.rsplit("/", 1)[0] + "/" + name


@dataclass
class Backend:
    """Which database `open_store` opens: SQLite (the file), or PostgreSQL, where each file path
    names a database of its own, so a test that reopens its file reopens the same database."""

    kind: str = "sqlite"
    server: Server | None = None


BACKEND = Backend()


async def open_store(path: Path) -> SqlStore:
    """The Store a test (or the Harness) opens at `path`, on the backend of the test's run."""
    if BACKEND.kind == "sqlite" or BACKEND.server is None:
        return await SqliteStore.open(path)
    from bot.storage.postgres import PostgresStore

    name = "t_" + hashlib.sha1(str(path).encode()).hexdigest()[:20]
    return await PostgresStore.open(await new_database(BACKEND.server, name), {})
