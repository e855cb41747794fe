"""The schema on PostgreSQL: the numbered migrations SQLite has (bot/storage/migrations, put in
PostgreSQL's words by dialect.py), tracked in a one-row table `schema_version`, applied in one
transaction under an advisory lock, so processes that start together migrate once and the others
wait for it and find nothing left to do."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.storage.dialect import postgres_ddl
from bot.storage.migrate import pending, statements

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger("practicebot.storage")

MIGRATION_LOCK = 0x7072616374696365  # pg_advisory_lock's key: "practice" in ASCII, one bigint
VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), version BIGINT NOT NULL)"
)


async def schema_version(db: asyncpg.Connection) -> int:
    exists = await db.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    return int(await db.fetchval("SELECT version FROM schema_version") or 0) if exists else 0


async def migrate(db: asyncpg.Connection, target: int | None = None) -> tuple[int, int]:
    """Apply pending migrations in one transaction. Returns (version before, version after)."""
    await db.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        before = await schema_version(db)
        todo = pending(before, target)
        if not todo:
            return before, before
        async with db.transaction():
            await db.execute(VERSION_TABLE)
            for _version, name, sql in todo:
                for statement in statements(sql):
                    await db.execute(postgres_ddl(statement))
                log.info("applied migration %s", name)
            await db.execute(
                "INSERT INTO schema_version (version) VALUES ($1)"
                " ON CONFLICT (one) DO UPDATE SET version = excluded.version",
                todo[-1][0],
            )
        return before, todo[-1][0]
    finally:
        await db.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
