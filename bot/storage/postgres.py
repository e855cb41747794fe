"""The Store on PostgreSQL: the same tables and statements as on SQLite (store.py), on an asyncpg
pool (postgres_db.py). Imported only for a `postgresql://` database: a run on SQLite never loads
the driver."""

from __future__ import annotations

from collections.abc import Mapping

from bot.storage.postgres_connect import (
    CONNECT_TIMEOUT,
    DEFAULT_POOL_SIZE,
    PASSWORD_ENV,
    cannot_connect,
    driver,
    password,
    shown,
)
from bot.storage.store import SqlStore


class PostgresStore(SqlStore):
    @classmethod
    async def open(
        cls,
        url: str,
        environ: Mapping[str, str],
        password_env: str = PASSWORD_ENV,
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
        connect_within: float = CONNECT_TIMEOUT,
        migrate_schema: bool = True,
    ) -> PostgresStore:
        secret = password(url, environ, password_env)
        driver()
        from bot.storage.postgres_db import ERRORS, PostgresDatabase

        try:
            db = await PostgresDatabase.open(
                url, secret, where=shown(url), pool_size=pool_size, migrate_schema=migrate_schema,
                connect_within=connect_within,
            )  # fmt: skip
        except ERRORS as exc:
            raise cannot_connect(url, exc) from None
        return cls(db)
