"""Open the database for `run` and the commands, turning the usual deployment mistakes into a
message that says what to fix, before anything else starts: a folder or file this user cannot
write (a Docker volume owned by someone else), and a database newer than this practicebot (a
downgrade without restoring the backup)."""

from __future__ import annotations

import asyncio
import getpass
import os
import sqlite3
from pathlib import Path

from bot.core.errors import UserError
from bot.ops.health import WRITE_TIMEOUT, write_probe
from bot.storage.sqlite import SqliteStore


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


def cannot_write(path: Path, exc: BaseException, who: str | None = None) -> str:
    reason = str(exc) or type(exc).__name__
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
