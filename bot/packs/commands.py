"""`practicebot pack new|lint|import|export`: the command-line side of bot/packs."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections import Counter
from pathlib import Path

from bot.config import Config
from bot.core.daily.questions import Pack, load_bank, load_pack, resolve_pack
from bot.core.shared.errors import UserError
from bot.core.shared.models import LEVELS, Question
from bot.packs.formats import FORMATS, format_of, writer

# bot/packs/importer.py and skeleton.py (and tempfile, shutil with them) load when a pack command
# runs, not for every `practicebot run`, which parses its arguments with this module's parser


def add_parser(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    pack = commands.add_parser("pack", help="make, check, import and export question packs")
    actions = pack.add_subparsers(dest="pack_command", required=True, metavar="ACTION")
    new = actions.add_parser("new", parents=[common], help="a new pack folder with one example question")
    new.add_argument("name", type=Path, help="the folder to create; its name is the pack's id")
    lint = actions.add_parser(
        "lint", parents=[common], help="every problem of a pack, with file, line and field"
    )
    lint.add_argument("path", help="a pack folder, or a built-in pack's name")
    importing = actions.add_parser(
        "import", parents=[common], help="add or update questions from a CSV, JSON, YAML or Anki .apkg file"
    )
    importing.add_argument("file", type=Path)
    importing.add_argument("--into", type=Path, help="the pack folder (default: ./<the file's pack id>)")
    importing.add_argument("--format", choices=FORMATS, help="default: from the file's suffix")
    exporting = actions.add_parser(
        "export", parents=[common], help="a pack as CSV, JSON, YAML or an Anki deck"
    )
    exporting.add_argument(
        "pack",
        nargs="?",
        help="a pack folder, a built-in pack's name, or the id of a pack kept in the database",
    )
    exporting.add_argument("--format", choices=FORMATS, help="default: from --output's suffix")
    exporting.add_argument("--output", type=Path, required=True, help="the file to write")
    exporting.add_argument(
        "--bookmarks",
        metavar="PLATFORM:USER_ID",
        help="instead of a pack: this person's bookmarks (apkg only)",
    )


def run(args: argparse.Namespace, config: Config) -> int:
    from bot.packs.importer import import_file
    from bot.packs.skeleton import new_pack

    if args.pack_command == "new":
        for path in new_pack(args.name):
            print(f"wrote {path}")
        print(f"next: edit it, then `practicebot pack lint {args.name}`")
        return 0
    if args.pack_command == "lint":
        pack = load_pack(resolve_pack(args.path, Path.cwd()))  # PackError lists every problem
        counts = Counter(q.level for q in pack.questions)
        by_level = ", ".join(f"{counts[level]} {level}" for level in LEVELS if counts[level])
        print(f"pack {pack.id}: {_count(len(pack.questions))} ({by_level}) from {pack.path}: ok")
        return 0
    if args.pack_command == "import":
        print(import_file(args.file, args.into, args.format))
        return 0
    return _export(args, config)


def _export(args: argparse.Namespace, config: Config) -> int:
    fmt = args.format or format_of(args.output.name)
    if fmt is None:
        raise UserError(f"cannot tell the format from {args.output}: pass --format ({', '.join(FORMATS)})")
    if args.bookmarks:
        if args.pack:
            raise UserError("give a pack or --bookmarks, not both")
        if fmt != "apkg":
            raise UserError("bookmarks export as an Anki deck only: --format apkg")
        from bot.packs.formats.apkg import deck

        platform, _, user_id = args.bookmarks.partition(":")
        questions = asyncio.run(_bookmarked(config, platform, user_id))
        data, count = deck(f"practicebot bookmarks ({args.bookmarks})", "", questions), len(questions)
    else:
        if not args.pack:
            raise UserError("name the pack to export (a folder or a built-in pack's name), or --bookmarks")
        folder = resolve_pack(args.pack, Path.cwd())
        pack: Pack = load_pack(folder) if folder.exists() else asyncio.run(_stored(config, args.pack))
        data, count = writer(fmt)(pack), len(pack.questions)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    partial = args.output.with_name(args.output.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, args.output)
    print(f"wrote {_count(count)} to {args.output} ({fmt})")
    return 0


async def _bookmarked(config: Config, platform: str, user_id: str) -> list[Question]:
    from bot.ops.database import open_configured_to_read

    if not platform or not user_id:
        raise UserError("--bookmarks takes PLATFORM:USER_ID, like discord:123456789012345678")
    bank = load_bank(config.packs)
    store = await open_configured_to_read(config, os.environ)
    try:
        marks = await store.bookmarks(platform, user_id)
    finally:
        await store.close()
    questions = [q for mark in marks if (q := bank.get(mark.question_id)) is not None]
    if not questions:
        raise UserError(f"{platform}:{user_id} has no bookmarks of questions in the configured packs")
    return questions


async def _stored(config: Config, pack_id: str) -> Pack:
    """A pack kept in the database (imported from chat, a channel's own), by its id."""
    from bot.ops.database import open_configured_to_read
    from bot.packs.library import StoredPackFiles

    store = await open_configured_to_read(config, os.environ)
    try:
        stored = await store.stored_pack(pack_id)
    finally:
        await store.close()
    if stored is None:
        raise UserError(f"no pack {pack_id}: not a folder, a built-in pack or a pack kept in the database")
    return await StoredPackFiles().load(stored)


def _count(n: int) -> str:
    return f"{n} question" if n == 1 else f"{n} questions"
