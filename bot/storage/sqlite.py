"""The Store on one SQLite file: the tables of store.py on the Database of sqlite_db.py."""

from __future__ import annotations

from pathlib import Path

from bot.storage.migrate import LATEST_VERSION, migrate, migrations
from bot.storage.sqlite_db import SqliteDatabase
from bot.storage.store import SqlStore

__all__ = ["LATEST_VERSION", "SqliteStore", "migrate", "migrations"]


class SqliteStore(SqlStore):
    """The Store on one SQLite file (sqlite_db.py)."""

    def __init__(self, db: SqliteDatabase) -> None:
        super().__init__(db)
        self.path = db.path

    @classmethod
    async def open(cls, path: Path | str, *, migrate_schema: bool = True) -> SqliteStore:
        return cls(await SqliteDatabase.open(Path(path), migrate_schema=migrate_schema))

    @classmethod
    async def open_read_only(cls, path: Path) -> SqliteStore:
        """The file as it is, for the commands that only read it (backup, export, subscriptions
        list): never created, never switched to WAL, never migrated, so the backup taken before
        an upgrade can be taken with the new version installed. `path` is absolute."""
        return cls(await SqliteDatabase.open_read_only(path))
