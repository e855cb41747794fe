"""How to share the SQL between the SQLite and the PostgreSQL store: the two candidates measured on
the two hot paths and on memory, each on both databases (a real PostgreSQL server started in a
temporary folder, see tests/pg_server.py).

- plain: the statements as text, `?` placeholders (aiosqlite) or `$n` (asyncpg), through the bare
  drivers: what a small dialect layer would hand them;
- core: SQLAlchemy Core, the tables declared once as `Table` metadata, statements built with
  `select()` / `insert()` and run on its async engine over the same drivers.

The board reads one channel's streak rows (`/streaks`: 1,000 people); intake stores thread replies
in batches of 20 with one multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING`, as the SQLite
store does. Memory is each candidate's resident set after importing what a run on SQLite would
import (a fresh interpreter each), beside the store alone.

    python -m bench.sql_layers --people 1000 --asks 300 --batches 100
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import Outcome, measure, parser, percentile
from tests.pg_server import running_server

BATCH = 20  # replies per INSERT, as REPLY_BATCH in the SQLite store
SCHEMA = (
    "CREATE TABLE streaks (subscription_id INTEGER NOT NULL, user_id TEXT NOT NULL, user_name TEXT NOT NULL,"
    " current INTEGER NOT NULL, best INTEGER NOT NULL, total INTEGER NOT NULL, freezes INTEGER NOT NULL,"
    " PRIMARY KEY (subscription_id, user_id))",
    "CREATE TABLE replies (post_id INTEGER NOT NULL, user_id TEXT NOT NULL, user_name TEXT NOT NULL,"
    " replied_at TEXT NOT NULL, on_time INTEGER NOT NULL, PRIMARY KEY (post_id, user_id))",
)
BOARD = "SELECT user_id, user_name, current, best, total, freezes FROM streaks WHERE subscription_id = ?"
RESIDENT = "import re; print(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read())[1])"
IMPORTS = {
    "store alone": "import bot.storage.sqlite",
    "plain + asyncpg": "import bot.storage.sqlite, asyncpg",
    "core": "import bot.storage.sqlite, sqlalchemy.ext.asyncio, sqlalchemy.dialects.sqlite.aiosqlite",
}

Timed = Callable[[], Awaitable[object]]


def numbered(statement: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, ...` (the statements here hold no literal `?`)."""
    parts = statement.split("?")
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))


def reply_rows(batch: int, size: int) -> list[tuple[Any, ...]]:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC).isoformat()
    return [(batch, f"u{i}", f"person {i}", at, 1) for i in range(size)]


def insert_replies(rows: int) -> str:
    values = ", ".join(["(?, ?, ?, ?, ?)"] * rows)  # placeholders only: the values are bound
    return (
        f"INSERT INTO replies (post_id, user_id, user_name, replied_at, on_time) VALUES {values}"  # noqa: S608
        " ON CONFLICT (post_id, user_id) DO NOTHING RETURNING post_id, user_id"
    )


def people(count: int) -> list[tuple[Any, ...]]:
    return [(1, f"u{i}", f"person {i}", i % 30, i % 90, i % 365, i % 3) for i in range(count)]


async def timings(run: Timed, times: int) -> list[float]:
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        await run()
        taken.append(time.perf_counter() - started)
    return taken


async def plain_sqlite(path: Path, size: int, asks: int, batches: int) -> tuple[list[float], list[float]]:
    import aiosqlite

    async with aiosqlite.connect(path) as db:
        for statement in SCHEMA:
            await db.execute(statement)
        await db.executemany("INSERT INTO streaks VALUES (?, ?, ?, ?, ?, ?, ?)", people(size))
        await db.commit()
        board = await timings(lambda: db.execute_fetchall(BOARD, (1,)), asks)
        batch = iter(range(batches))

        async def intake() -> None:
            rows = reply_rows(next(batch), BATCH)
            await db.execute_fetchall(insert_replies(len(rows)), [x for row in rows for x in row])
            await db.commit()

        return board, await timings(intake, batches)


async def plain_postgresql(url: str, size: int, asks: int, batches: int) -> tuple[list[float], list[float]]:
    import asyncpg

    db = await asyncpg.connect(url)
    try:
        for statement in SCHEMA:
            await db.execute(statement)
        await db.executemany(numbered("INSERT INTO streaks VALUES (?, ?, ?, ?, ?, ?, ?)"), people(size))
        board_sql = numbered(BOARD)
        board = await timings(lambda: db.fetch(board_sql, 1), asks)
        batch = iter(range(batches))

        async def intake() -> None:
            rows = reply_rows(next(batch), BATCH)
            await db.fetch(numbered(insert_replies(len(rows))), *[x for row in rows for x in row])

        return board, await timings(intake, batches)
    finally:
        await db.close()


async def core(url: str, size: int, asks: int, batches: int) -> tuple[list[float], list[float]]:
    from sqlalchemy import Column, Integer, MetaData, Table, Text, select
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    from sqlalchemy.ext.asyncio import create_async_engine

    meta = MetaData()
    streaks = Table(
        "streaks", meta, Column("subscription_id", Integer, primary_key=True),
        Column("user_id", Text, primary_key=True),
        Column("user_name", Text), Column("current", Integer), Column("best", Integer),
        Column("total", Integer), Column("freezes", Integer),
    )  # fmt: skip
    replies = Table(
        "replies", meta, Column("post_id", Integer, primary_key=True),
        Column("user_id", Text, primary_key=True),
        Column("user_name", Text), Column("replied_at", Text), Column("on_time", Integer),
    )  # fmt: skip
    engine = create_async_engine(url, pool_size=1)
    insert = pg_insert if url.startswith("postgresql") else sqlite_insert
    names = ("subscription_id", "user_id", "user_name", "current", "best", "total", "freezes")
    try:
        async with engine.begin() as db:
            await db.run_sync(meta.create_all)
            await db.execute(streaks.insert(), [dict(zip(names, row, strict=True)) for row in people(size)])
        async with engine.connect() as db:
            query = select(streaks).where(streaks.c.subscription_id == 1)

            async def read() -> None:
                (await db.execute(query)).all()
                await db.rollback()  # end the implicit transaction, as autocommit reads would

            board = await timings(read, asks)
            batch = iter(range(batches))
            columns = ("post_id", "user_id", "user_name", "replied_at", "on_time")

            async def intake() -> None:
                rows = [dict(zip(columns, row, strict=True)) for row in reply_rows(next(batch), BATCH)]
                statement = insert(replies).values(rows).on_conflict_do_nothing()
                (await db.execute(statement.returning(replies.c.post_id, replies.c.user_id))).all()
                await db.commit()

            return board, await timings(intake, batches)
    finally:
        await engine.dispose()


def resident_kib(imports: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", f"{imports}\n{RESIDENT}"], capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


async def benchmark(work: Path, size: int, asks: int, batches: int) -> Outcome:
    figures: dict[str, Any] = {}
    with running_server() as server:
        candidates: dict[str, Callable[[], Awaitable[tuple[list[float], list[float]]]]] = {
            "plain sqlite": lambda: plain_sqlite(work / "plain.sqlite3", size, asks, batches),
            "core sqlite": lambda: core(f"sqlite+aiosqlite:///{work / 'core.sqlite3'}", size, asks, batches),
            "plain postgresql": lambda: plain_postgresql(server.url, size, asks, batches),
            "core postgresql": lambda: core(
                server.url.replace("postgresql://", "postgresql+asyncpg://"), size, asks, batches
            ),
        }
        for name, run in candidates.items():
            if name == "core postgresql":  # a fresh database: the tables have the same names
                await _reset(server.url)
            board, intake = await run()
            figures[f"{name}: board p99 ms"] = percentile(board, 99) * 1000
            figures[f"{name}: intake batch p50 ms"] = percentile(intake, 50) * 1000
    for name, imports in IMPORTS.items():
        figures[f"resident MiB, {name}"] = resident_kib(imports) / 1024
    plain, layered = figures["plain postgresql: board p99 ms"], figures["core postgresql: board p99 ms"]
    extra = figures["resident MiB, core"] - figures["resident MiB, store alone"]
    return Outcome(
        name="sql-layers",
        value=plain,
        unit="ms board p99 on PostgreSQL, plain SQL",
        ratio=plain / layered,
        reference="SQLAlchemy Core on the same server",
        goal="plain SQL no slower than SQLAlchemy Core on either database",
        met=plain <= layered
        and figures["plain sqlite: board p99 ms"] <= figures["core sqlite: board p99 ms"],
        size=f"{size} people, {asks} boards, {batches} batches of {BATCH} replies",
        figures=figures,
        notes=[f"SQLAlchemy Core adds {extra:.1f} MiB to a SQLite run's imports"],
    )


async def _reset(url: str) -> None:
    import asyncpg

    db = await asyncpg.connect(url)
    try:
        await db.execute("DROP TABLE streaks; DROP TABLE replies")
    finally:
        await db.close()


def main() -> int:
    parse = parser(__doc__ or "")
    parse.add_argument("--people", type=int, default=1000)
    parse.add_argument("--asks", type=int, default=300)
    parse.add_argument("--batches", type=int, default=100)
    args = parse.parse_args()
    return measure(args, lambda work: benchmark(work, args.people, args.asks, args.batches))


if __name__ == "__main__":
    sys.exit(main())
