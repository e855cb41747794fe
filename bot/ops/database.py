"""Open the database for `run` and the commands, turning the usual deployment mistakes into a
message that says what to fix, before anything else starts: a folder or file this user cannot
write (a Docker volume owned by someone else), and a database newer than this practicebot (a
downgrade without restoring the backup)."""

from __future__ import annotations

import asyncio
import getpass
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from bot.config import Config
from bot.core.shared.errors import UserError
from bot.ops.health import WRITE_TIMEOUT
from bot.storage.sqlite import LATEST_VERSION, SqliteStore
from bot.storage.sqlite_db import write_probe
from bot.storage.store import SqlStore


async def open_database(path: Path) -> SqliteStore:
    if str(path) != ":memory:":
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(write_probe, path, WRITE_TIMEOUT, create=True)
        except (sqlite3.Error, OSError) as exc:
            raise UserError(cannot_write(path, exc)) from None
    try:
        return await SqliteStore.open(path)
    except RuntimeError as exc:  # the migrations' own refusals, such as a database newer than this code
        raise UserError(f"{path}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise UserError(damaged(path, exc) or f"cannot open the database {path}: {exc}") from None


def damaged(path: Path, exc: BaseException) -> str | None:
    """What to do about a file SQLite says is not a database or is malformed (a damaged page),
    or None for any other error."""
    reason = str(exc)
    if not isinstance(exc, sqlite3.DatabaseError) or not any(
        word in reason for word in ("not a database", "malformed", "corrupt")
    ):
        return None
    return (
        f"the database {path} is damaged ({reason}). Stop practicebot, move the file aside (keep it), "
        f"and restore the last backup in its place (a copy made by `practicebot db backup`); "
        f"`sqlite3 {path} .recover` may save what the damaged file still holds."
    )


def cannot_write(path: Path, exc: BaseException, who: str | None = None) -> str:
    reason = str(exc) or type(exc).__name__
    if (advice := damaged(path, exc)) is not None:
        return advice
    who = who or f"{_user()} (uid {os.getuid()})"
    if "locked" in reason:
        return (
            f"cannot write the database {path}: {reason}. Another process holds it "
            "(a second practicebot on the same file?); stop it, or give each bot its own file."
        )
    return (
        f"cannot write the database {path}: {reason}. practicebot creates and writes this file and "
        f"the files beside it as user {who}: make its folder writable for "
        "that user. In Docker, mount a volume at /data (docker run -v practicebot-data:/data); "
        "a folder from the host must be writable by uid 10001."
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


async def open_to_read(path: Path, *, schema: bool = True) -> SqliteStore:
    """An existing database opened read-only, never migrated. With `schema`, its schema must be
    the one this practicebot reads (export and subscriptions list query its tables)."""
    if not await asyncio.to_thread(path.is_file):
        raise UserError(f"there is no database at {path} (set --database or PRACTICEBOT_DATABASE)")
    store: SqliteStore | None = None
    try:
        store = await SqliteStore.open_read_only(await asyncio.to_thread(path.resolve))
        version = await store.schema_version()
    except sqlite3.Error as exc:
        if store is not None:
            await store.close()  # its thread would keep the process alive
        raise UserError(damaged(path, exc) or f"cannot read the database {path}: {exc}") from None
    if schema and version != LATEST_VERSION:
        await store.close()
        raise UserError(not_this_schema(str(path), version))
    return store


def not_this_schema(where: str, version: int) -> str:
    """Why a database at another schema version cannot be read, and what to do."""
    return f"{where} is at schema version {version} and this practicebot reads version {LATEST_VERSION}: " + (
        "upgrade practicebot"
        if version > LATEST_VERSION
        else "take a backup (practicebot db backup), then `practicebot db migrate` upgrades it"
    )


def backup_target(database: Path, target: Path, now: datetime) -> Path:
    """Where `db backup` writes: a folder means a dated file in it. Refused: the database itself
    (or its WAL files), a file that exists already, a folder that cannot be written."""
    if target.is_dir():
        target = target / f"{database.stem}-{now:%Y-%m-%d-%H%M%S}.sqlite3"
    live = {database.resolve(), *(database.resolve().with_name(database.name + s) for s in ("-wal", "-shm"))}
    if target.resolve() in live:
        raise UserError(f"{target} is the live database itself: back it up to another file or folder")
    if target.exists():
        raise UserError(f"{target} exists already: give a new file name, or a folder for a dated file")
    folder = target.parent
    if not folder.is_dir():
        raise UserError(f"the folder {folder} does not exist: create it first, or choose another")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"cannot write into {folder} as user {_user()}: choose a folder you can write")
    return target


async def open_configured(config: Config, environ: Mapping[str, str]) -> SqlStore:
    """The configured database for `run` and `db migrate`: the SQLite file (created and migrated),
    or the PostgreSQL server (migrated under its advisory lock)."""
    if config.database_url is None:
        return await open_database(config.database)
    return await _postgres(config, environ, migrate_schema=True)


async def open_configured_to_read(
    config: Config, environ: Mapping[str, str], *, schema: bool = True
) -> SqlStore:
    """The configured database as it is, never migrated (export, subscriptions list, backup)."""
    if config.database_url is None:
        return await open_to_read(config.database, schema=schema)
    store = await _postgres(config, environ, migrate_schema=False)
    version = await store.schema_version()
    if schema and version != LATEST_VERSION:
        await store.close()
        raise UserError(not_this_schema(config.database_shown, version))
    return store


async def _postgres(config: Config, environ: Mapping[str, str], *, migrate_schema: bool) -> SqlStore:
    from bot.storage.postgres import PostgresStore  # the driver loads only for a postgresql:// database

    assert config.database_url is not None
    pg = config.postgresql
    try:
        return await PostgresStore.open(
            config.database_url, environ, pg.password_env, pool_size=pg.pool_size,
            connect_within=pg.connect_timeout.total_seconds(), migrate_schema=migrate_schema,
        )  # fmt: skip
    except RuntimeError as exc:  # the migrations' own refusals, such as a schema newer than this code
        raise UserError(f"{config.database_shown}: {exc}") from None


async def backup_postgres(config: Config, environ: Mapping[str, str], target: Path) -> str:
    """`db backup` on PostgreSQL: pg_dump's custom format (restore with pg_restore), when pg_dump
    is installed; else the command to run."""
    assert config.database_url is not None
    command = ["pg_dump", "--format=custom", f"--file={target}", config.database_url]
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise UserError(
            "a PostgreSQL database is backed up with PostgreSQL's own tools, and pg_dump is not installed "
            f"here: run `{' '.join(command)}` where it is (restore with pg_restore)"
        )
    password = environ.get(config.postgresql.password_env)
    env = {**environ, **({"PGPASSWORD": password} if password else {})}
    done = await asyncio.to_thread(
        subprocess.run, [pg_dump, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise UserError(f"pg_dump could not back up {config.database_shown}: {done.stderr.strip()[-500:]}")
    return f"backed up {config.database_shown} to {target} with pg_dump (restore with pg_restore)"
