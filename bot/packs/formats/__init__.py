"""The export formats: each module reads a file's bytes into rows and writes a pack as bytes.

A reader never raises anything but `ImportRefused` (with every problem it found) however broken
its input is; the importer then checks each row's fields and lets the loader judge the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from bot.core.daily.questions import Pack
from bot.packs.records import Rows

FORMATS = ("csv", "json", "yaml", "apkg")
_SUFFIXES = {".csv": "csv", ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".apkg": "apkg"}


def _module(name: str) -> ModuleType:
    from bot.packs.formats import apkg, csv, json, yaml

    return {"csv": csv, "json": json, "yaml": yaml, "apkg": apkg}[name]


def format_of(filename: str) -> str | None:
    """The format a file's suffix names, or None."""
    from pathlib import PurePath

    return _SUFFIXES.get(PurePath(filename).suffix.lower())


def reader(name: str) -> Callable[[bytes, str], Rows]:
    read: Callable[[bytes, str], Rows] = _module(name).read
    return read


def writer(name: str) -> Callable[[Pack], bytes]:
    write: Callable[[Pack], bytes] = _module(name).write
    return write
