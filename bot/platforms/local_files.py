"""Pack files on this machine, for the terminal channel: reading one to import (refused over the
size limit before a byte is read) and saving an export without overwriting anything."""

from __future__ import annotations

import stat
from pathlib import Path

from bot.core.shared.errors import UserError, shown
from bot.core.shared.messages import ATTACHMENT_MAX_BYTES, Attachment, plain
from bot.platforms.downloads import check_declared

MAX_SUFFIX = 1000  # pack-1.csv ... pack-999.csv beside an existing pack.csv


def read_pack_file(folder: Path, typed: str) -> Attachment:
    """The file at the path a person typed (from `folder` unless absolute, `~` expanded) as an
    Attachment, or a UserError naming what is wrong with it."""
    path = folder / Path(typed).expanduser()
    where = plain(shown(typed, 120))
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UserError(f"there is no file at {where}: give the pack file's path") from None
    except OSError as exc:
        raise UserError(f"cannot read {where}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UserError(f"{where} is not a file: give the path of the pack file itself")
    check_declared(path.name, info.st_size)
    try:
        with path.open("rb") as file:
            data = file.read(ATTACHMENT_MAX_BYTES + 1)  # a file that grew since: still no more than this
    except OSError as exc:
        raise UserError(f"cannot read {where}: {exc.strerror or exc}") from None
    check_declared(path.name, len(data))
    return Attachment(path.name, data)


def save_new(folder: Path, file: Attachment) -> Path:
    """Write `file` into `folder` under its own name, or name-1.ext, name-2.ext ... if that is
    taken (created exclusively: an existing file is never replaced). Its absolute path."""
    name = _safe_name(file.filename)
    stem, suffix = Path(name).stem, Path(name).suffix
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(MAX_SUFFIX):
        candidate = folder / (name if number == 0 else f"{stem}-{number}{suffix}")
        try:
            with candidate.open("xb") as out:
                out.write(file.data)
        except FileExistsError:
            continue
        except OSError as exc:
            raise UserError(
                f"cannot write {plain(shown(str(candidate), 120))}: {exc.strerror or exc}"
            ) from None
        return candidate.resolve()
    raise UserError(f"{plain(shown(name))} and {MAX_SUFFIX - 1} numbered copies already exist in {folder}")


def _safe_name(filename: str) -> str:
    """A file name of its own, never a path elsewhere: no separators, no control characters."""
    name = "".join(ch for ch in filename if ch.isprintable() and ch not in "/\\\0").strip()[:80]
    return "pack" if name.strip(".") == "" else name
