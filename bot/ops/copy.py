"""`practicebot db copy SQLITE_FILE postgresql://...`: a team's whole SQLite database into an empty
PostgreSQL one, in one transaction, every table's count checked before it commits. The source is
opened read-only and never migrated; it must be at this practicebot's schema (`db migrate` first),
so the two databases hold the same tables."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.core.shared.errors import UserError
from bot.storage.migrate import LATEST_VERSION
from bot.storage.postgres_connect import PASSWORD_ENV, connect, shown
from bot.storage.postgres_schema import migrate

BATCH = 5000  # rows read from SQLite and sent with COPY at a time
CONVERT = {"bigint": int, "double precision": float, "text": str, "boolean": bool}


def tables_in_order(db: sqlite3.Connection) -> list[str]:
    """Every table, each after the tables its foreign keys point at."""
    names = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name"
        )
    ]
    parents = {
        name: {r[2] for r in db.execute("SELECT * FROM pragma_foreign_key_list(?)", (name,))} - {name}
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:
            raise RuntimeError(f"foreign keys in a circle among {sorted(set(names) - set(ordered))}")
        ordered.extend(ready)
    return ordered


def _rows(
    db: sqlite3.Connection, table: str, columns: Sequence[str], types: Sequence[str]
) -> Iterator[list[Any]]:
    convert = [CONVERT.get(t, str) for t in types]
    # the names come from the database's own schema, quoted; no value is spliced in
    select = f"SELECT {', '.join(_quoted(c) for c in columns)} FROM {_quoted(table)}"  # noqa: S608
    cursor = db.execute(select)
    while batch := cursor.fetchmany(BATCH):
        yield [tuple(None if v is None else f(v) for f, v in zip(convert, row, strict=True)) for row in batch]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def copy_database(
    source: Path, target: str, environ: Mapping[str, str], password_env: str = PASSWORD_ENV
) -> dict[str, int]:
    """Copy every table; the rows copied per table. Refuses a target that holds any row."""
    if not await asyncio.to_thread(source.is_file):
        raise UserError(f"there is no database at {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        version = src.execute("PRAGMA user_version").fetchone()[0]
        if version != LATEST_VERSION:
            raise UserError(
                f"{source} is at schema version {version}, this practicebot at {LATEST_VERSION}: "
                f"run `practicebot db migrate --database {source}` first (after a backup)"
            )
        tables = tables_in_order(src)
        dst = await connect(target, environ, password_env)
        try:
            await migrate(dst)
            busy = [t for t in tables if await dst.fetchval(f"SELECT EXISTS (SELECT 1 FROM {_quoted(t)})")]  # noqa: S608
            if busy:
                raise UserError(
                    f"{shown(target)} is not empty ({', '.join(busy)} hold rows): copy into a new, empty "
                    "database, so nothing there is mixed with or overwritten by this copy"
                )
            copied: dict[str, int] = {}
            async with dst.transaction():
                for table in tables:
                    info = await dst.fetch(
                        "SELECT column_name, data_type FROM information_schema.columns WHERE"
                        " table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                        table,
                    )
                    columns, types = [r[0] for r in info], [r[1] for r in info]
                    for batch in _rows(src, table, columns, types):
                        await dst.copy_records_to_table(table, records=batch, columns=columns)
                    want = src.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchone()[0]  # noqa: S608
                    have = await dst.fetchval(f"SELECT count(*) FROM {_quoted(table)}")  # noqa: S608
                    if want != have:
                        raise RuntimeError(
                            f"{table}: {want} rows in {source}, {have} copied; nothing was kept"
                        )
                    copied[table] = have
                await _continue_numbering(dst, tables)
            # after a bulk load: the planner's statistics, and the pages marked all-visible, now
            # rather than by autovacuum while the bot's first queries run
            await dst.execute("VACUUM ANALYZE")
            return copied
        finally:
            await dst.close()
    finally:
        src.close()


async def _continue_numbering(dst: Any, tables: Sequence[str]) -> None:
    """The identity columns go on from the highest id copied, not from 1 (the next post would
    otherwise collide with a copied one)."""
    identities = await dst.fetch(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for table, column in identities:
        if table in tables:
            highest = f"COALESCE(max({_quoted(column)}), 0) + 1"
            await dst.execute(
                f"SELECT setval(pg_get_serial_sequence($1, $2), {highest}, false) FROM {_quoted(table)}",  # noqa: S608
                table,
                column,
            )


def summary(source: Path, target: str, copied: Mapping[str, int]) -> str:
    rows = sum(copied.values())
    each = ", ".join(f"{table} {count:,}" for table, count in copied.items())
    return (
        f"copied {source} to {shown(target)}: {len(copied)} tables, {rows:,} rows, "
        f"every count checked ({each})"
    )
