"""The schema: numbered migrations beside this file, applied in one transaction each start,
tracked in SQLite's `user_version`."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from importlib import resources

import aiosqlite

log = logging.getLogger("practicebot.storage")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in `migrations/`, in order: `0001_initial.sql` ..."""
    found = []
    for entry in resources.files("bot.storage").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps: {[n for _, n, _ in found]}")
    return found


LATEST_VERSION = len(migrations())


def statements(script: str) -> list[str]:
    """Split a migration into statements without `executescript`, which would commit."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise RuntimeError(f"incomplete SQL statement at the end of a migration: {buffer[:80]!r}")
    return statements


async def _wal(db: aiosqlite.Connection, within: float = 5.0) -> None:
    """Switch a new file to WAL. SQLite answers "locked" at once, without waiting, while another
    process (a second shard's, starting at the same time) switches it or migrates it: try again."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.05)


async def _schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


def pending(before: int, target: int | None = None) -> list[tuple[int, str, str]]:
    """The migrations a database at version `before` still needs (up to `target`, default all);
    refuses a database newer than this practicebot, which it must not write."""
    if before > LATEST_VERSION:
        raise RuntimeError(
            f"the database is at schema version {before}, newer than this practicebot "
            f"({LATEST_VERSION}): upgrade practicebot"
        )
    target = LATEST_VERSION if target is None else target
    return [m for m in migrations() if before < m[0] <= target]


async def migrate(db: aiosqlite.Connection, target: int | None = None) -> tuple[int, int]:
    """Apply pending migrations in one transaction. Returns (version before, version after)."""
    before = await _schema_version(db)
    todo = pending(before, target)
    if not todo:
        return before, before
    await db.execute("BEGIN IMMEDIATE")
    try:
        # another process on the same file (a second shard's) may have migrated while we waited
        before = await _schema_version(db)
        todo = [m for m in todo if before < m[0]]
        if not todo:
            await db.rollback()
            return before, before
        for _version, name, sql in todo:
            for statement in statements(sql):
                await db.execute(statement)
            log.info("applied migration %s", name)
        # PRAGMA takes no parameters; the value is an int from our own file names
        await db.execute(f"PRAGMA user_version = {int(todo[-1][0])}")
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    return before, todo[-1][0]
