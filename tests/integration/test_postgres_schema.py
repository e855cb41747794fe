"""The schema on a real PostgreSQL server (started by the tests, tests/pg_server.py): the same
migrations as SQLite's give the same tables, columns and keys; processes that start together
migrate once; a newer schema is refused with what to do."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.storage.migrate import LATEST_VERSION
from bot.storage.postgres_schema import migrate, schema_version
from bot.storage.sqlite import SqliteStore


def sqlite_shape(path: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Each table's (columns in order, primary key columns in order)."""
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        shape = {}
        for table in tables:
            info = db.execute("SELECT name, pk FROM pragma_table_info(?)", (table,)).fetchall()
            key = [name for name, pk in sorted((r for r in info if r[1]), key=lambda r: r[1])]
            shape[table] = ([r[0] for r in info], key)
    return shape


async def postgres_shape(db: asyncpg.Connection) -> dict[str, tuple[list[str], list[str]]]:
    shape = {}
    tables = await db.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        " AND table_name <> 'schema_version'"
    )
    for (table,) in tables:
        columns = await db.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
            table,
        )
        key = await db.fetch(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY (i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary"
            " ORDER BY array_position(i.indkey, a.attnum)",
            table,
        )
        shape[table] = ([r[0] for r in columns], [r[0] for r in key])
    return shape


async def test_the_same_migrations_give_the_same_tables_columns_and_keys(
    postgres_url: str, tmp_path: Path
) -> None:
    store = await SqliteStore.open(tmp_path / "bot.sqlite3")
    await store.close()
    db = await asyncpg.connect(postgres_url)
    try:
        assert await migrate(db) == (0, LATEST_VERSION)
        assert await schema_version(db) == LATEST_VERSION
        assert await postgres_shape(db) == sqlite_shape(tmp_path / "bot.sqlite3")
        # SQLite's rowid keys number themselves on PostgreSQL too; a reference key does not
        identities = await db.fetch(
            "SELECT table_name FROM information_schema.columns WHERE is_identity = 'YES' ORDER BY table_name"
        )
        assert [r[0] for r in identities] == ["posts", "recaps", "subscriptions"]
        ease = await db.fetchval(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'bookmarks' AND column_name = 'ease'"
        )
        assert ease == "double precision"  # not PostgreSQL's 4-byte REAL
        assert await migrate(db) == (LATEST_VERSION, LATEST_VERSION)  # a second start: nothing to do
    finally:
        await db.close()


async def test_processes_that_start_together_migrate_once(postgres_url: str) -> None:
    connections = [await asyncpg.connect(postgres_url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(db) for db in connections))
        assert sorted(results) == [(0, LATEST_VERSION)] + [(LATEST_VERSION, LATEST_VERSION)] * 3
    finally:
        for db in connections:
            await db.close()


async def test_a_newer_schema_is_refused_and_left_as_it_is(postgres_url: str) -> None:
    db = await asyncpg.connect(postgres_url)
    try:
        await migrate(db)
        await db.execute("UPDATE schema_version SET version = $1", LATEST_VERSION + 1)
        with pytest.raises(RuntimeError, match=r"newer than this practicebot .*: upgrade practicebot"):
            await migrate(db)
        assert await schema_version(db) == LATEST_VERSION + 1
        # the advisory lock was let go: another process is not left waiting
        assert await db.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0
    finally:
        await db.close()
