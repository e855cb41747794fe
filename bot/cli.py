"""`practicebot` (and `python -m bot`): run, check, questions, pack, db, subscriptions, export, health."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import textwrap
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Config, find_config, load_config
from bot.core.daily.questions import QuestionBank, load_bank
from bot.core.daily.schedule import format_days, format_duration, format_reveal
from bot.core.shared.errors import UserError
from bot.core.shared.models import LEVELS
from bot.logs import configure_logging, secret_values
from bot.ops import export
from bot.ops.probe import probe
from bot.ops.stdin import has_input, nothing_to_serve
from bot.ops.subscriptions import list_subscriptions
from bot.packs import commands as packs
from bot.storage.postgres_connect import PASSWORD_ENV
from bot.storage.sqlite import LATEST_VERSION
from bot.storage.store import SqlStore


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", type=Path, help="TOML config file (default: ./practicebot.toml if present)"
    )
    common.add_argument(
        "--database", help="a SQLite file or a postgresql://user@host/db URL (overrides the config)"
    )

    parser = argparse.ArgumentParser(
        prog="practicebot",
        description="A daily interview-practice question for your team's channel.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run", parents=[common], help="run the bot (the terminal channel when no token is set)"
    )
    run.add_argument(
        "--wait",
        action="store_true",
        help="if another process holds this one's partitions, wait for it to let go instead of exiting",
    )
    commands.add_parser("check", parents=[common], help="validate the config and every question pack")

    questions = commands.add_parser("questions", help="browse the question packs")
    q_commands = questions.add_subparsers(dest="questions_command", required=True, metavar="ACTION")
    q_list = q_commands.add_parser("list", parents=[common], help="list questions")
    q_list.add_argument("--level", choices=LEVELS)
    q_show = q_commands.add_parser("show", parents=[common], help="show one question with its answer")
    q_show.add_argument("id", help="question id, like websockets-realtime/beginner-01")

    packs.add_parser(commands, common)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    backup = db_commands.add_parser(
        "backup", parents=[common], help="copy the database safely, even while running"
    )
    backup.add_argument("path", type=Path)
    db_commands.add_parser("migrate", parents=[common], help="bring the database schema up to date")
    copy = db_commands.add_parser(
        "copy", parents=[common], help="copy a SQLite database into an empty PostgreSQL one (docs/scaling.md)"
    )
    copy.add_argument("source", type=Path, help="the SQLite file, at this practicebot's schema")
    copy.add_argument("target", help="postgresql://user@host:port/database (the password: --password-env)")
    copy.add_argument(
        "--password-env",
        metavar="NAME",
        help="the environment variable holding the database password "
        f"(default: [postgresql] password_env, {PASSWORD_ENV} unless set)",
    )

    discord = commands.add_parser("discord", help="Discord setup helpers")
    discord_commands = discord.add_subparsers(dest="discord_command", required=True, metavar="ACTION")
    invite = discord_commands.add_parser(
        "invite-url",
        parents=[common],
        help="the OAuth2 URL that adds the bot with exactly the permissions it needs",
    )
    invite.add_argument(
        "--application-id", type=int, help="default: read from the bot token in the environment"
    )

    slack = commands.add_parser("slack", help="Slack setup helpers")
    slack_commands = slack.add_subparsers(dest="slack_command", required=True, metavar="ACTION")
    manifest = slack_commands.add_parser(
        "manifest",
        parents=[common],
        help="the app manifest: scopes, commands, events (paste it at api.slack.com/apps)",
    )
    manifest.add_argument("--request-url", help="HTTP mode: the bot's public base URL (default: Socket Mode)")
    manifest.add_argument(
        "--oauth",
        action="store_true",
        help="installable by any workspace (needs --request-url): OAuth redirect URL",
    )
    manifest.add_argument("--json", action="store_true", help="JSON instead of YAML")

    subscriptions = commands.add_parser("subscriptions", help="what is scheduled where")
    s_commands = subscriptions.add_subparsers(dest="subscriptions_command", required=True, metavar="ACTION")
    s_commands.add_parser(
        "list", parents=[common], help="every subscription: status, schedule, next post in its zone and UTC"
    )

    exporting = commands.add_parser(
        "export", parents=[common], help="replies or streaks as CSV or JSON, for a team's own records"
    )
    exporting.add_argument("table", choices=tuple(export.TABLES), help="what to export")
    exporting.add_argument("--format", choices=export.FORMATS, default="csv", help="default: csv")
    exporting.add_argument("--output", type=Path, help="write to this file (default: standard output)")
    exporting.add_argument(
        "--subscription", type=int, metavar="ID", help="only this subscription (ids: subscriptions list)"
    )

    commands.add_parser(
        "health",
        parents=[common],
        help="ask the running bot's /healthz (needs [server] monitoring); exit 0 when healthy",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(find_config(args.config))
        if args.database is not None:
            try:
                config = config.with_database(args.database)
            except ValueError as exc:
                raise UserError(f"--database: {exc}") from None
        if args.command == "health":  # first, and without the platforms' libraries: it runs every 30 s
            return _health(config)
        if args.command == "pack":  # files in and out: no platform libraries, no logging set up
            return packs.run(args, config)
        from bot import app

        terminal = args.command == "run" and not app.platform_tokens(config, os.environ)
        configure_logging(
            config.log_level or ("WARNING" if terminal else "INFO"),
            config.log_format,
            secret_values(config, os.environ),
        )
        if args.command == "run":
            if terminal and not has_input(sys.stdin):
                raise UserError(nothing_to_serve(config))
            return asyncio.run(app.run(config, wait=args.wait))
        if args.command == "check":
            return _check(config)
        if args.command == "questions":
            return _questions(args, load_bank(config.packs))
        if args.command == "db":
            return asyncio.run(_db(args, config))
        if args.command == "discord":
            return _discord_invite(args, config)
        if args.command == "slack":
            return _slack_manifest(args)
        if args.command == "subscriptions":
            return asyncio.run(_subscriptions(config))
        if args.command == "export":
            return asyncio.run(_export(args, config))
    except UserError as exc:
        print(f"practicebot: {exc.message}", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:  # a damaged page of the SQLite file, met after it opened
        from bot.ops.database import damaged

        advice = damaged(config.database, exc)
        if advice is None:
            raise
        print(f"practicebot: {advice}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    raise AssertionError(args.command)


def _check(config: Config) -> int:
    bank = load_bank(config.packs)
    d = config.defaults
    print(f"config: {config.source or 'none (built-in defaults)'}")
    print(f"database: {config.database_shown}")
    print(
        f"defaults: {d.schedule.at:%H:%M} {d.schedule.timezone} {format_days(d.schedule.days)}, "
        f"reveal {format_reveal(d.reveal)}, levels {','.join(d.levels)}, {d.order.value}; "
        f"misfire_grace {format_duration(config.misfire_grace)}, team_min_answers {config.team_min_answers}, "
        f"freeze_every {config.freeze_every}, freeze_cap {config.freeze_cap}, "
        f"log_level {config.log_level or 'INFO (WARNING in the terminal channel)'}"
    )
    for pack in bank.packs:
        counts = Counter(q.level for q in pack.questions)
        by_level = ", ".join(f"{counts[level]} {level}" for level in LEVELS if counts[level])
        print(f"pack {pack.id}: {len(pack.questions)} questions ({by_level}) from {pack.path}")
    for platform, variable in (
        ("discord", config.discord.token_env),
        ("slack", config.slack.bot_token_env),
    ):
        state = "set" if os.environ.get(variable) else "not set"
        print(f"{platform}: ${variable} {state}")
    print("ok")
    return 0


def _questions(args: argparse.Namespace, bank: QuestionBank) -> int:
    if args.questions_command == "list":
        for q in bank.questions:
            if args.level is None or q.level == args.level:
                print(f"{q.id:40} {q.title}")
        return 0
    question = bank.get(args.id)
    if question is None:
        close = [q.id for q in bank.questions if args.id in q.id][:3]
        hint = (
            f" - did you mean {', '.join(close)}?" if close else "; `practicebot questions list` shows them"
        )
        raise UserError(f"no question '{args.id}'{hint}")
    print(question.title)
    print(f"{question.level} {question.number} · {question.id} · {', '.join(question.tags)}\n")
    print(textwrap.fill(question.summary, 100) + "\n")
    print(question.body + "\n")
    for heading, items in (
        ("Key points", question.key_points),
        ("Follow-ups", question.follow_ups),
        ("References", question.references),
    ):
        print(heading + ":")
        for item in items:
            print(f"  - {item}")
    return 0


def _discord_invite(args: argparse.Namespace, config: Config) -> int:
    from bot.platforms.discord.adapter import application_id_from_token, invite_url

    token = os.environ.get(config.discord.token_env, "")
    application_id = args.application_id or application_id_from_token(token)
    if application_id is None:
        where = "pass --application-id (Developer Portal > General Information)"
        if token:  # never shown: a wrong token is still a secret
            raise UserError(
                f"${config.discord.token_env} does not look like a bot token (Developer Portal > Bot > "
                f"Reset Token gives one); or {where}"
            )
        raise UserError(f"no application id: {where} or set ${config.discord.token_env}")
    print(invite_url(application_id))
    return 0


def _slack_manifest(args: argparse.Namespace) -> int:
    from bot.platforms.slack.manifest import manifest, to_yaml

    if args.request_url and not args.request_url.startswith("https://"):
        raise UserError(f"--request-url must be a public https:// URL, not '{args.request_url}'")
    if args.oauth and not args.request_url:
        raise UserError("--oauth needs --request-url: Slack sends installers back to the bot's public URL")
    content = manifest(args.request_url, oauth=args.oauth)
    print(json.dumps(content, indent=2) if args.json else to_yaml(content))
    return 0


async def _db(args: argparse.Namespace, config: Config) -> int:
    from bot.ops.database import backup_postgres, backup_target, open_configured, open_to_read

    if args.db_command == "copy":
        from bot.ops.copy import copy_database, summary
        from bot.storage.postgres_connect import is_postgres_url

        if not is_postgres_url(args.target):
            raise UserError(f"the target must be a postgresql:// URL, not '{args.target}'")
        password_env = args.password_env or config.postgresql.password_env
        copied = await copy_database(args.source, args.target, os.environ, password_env)
        print(summary(args.source, args.target, copied))
        return 0
    if args.db_command == "backup" and config.database_url is not None:
        print(await backup_postgres(config, os.environ, args.path))
        return 0
    if args.db_command == "backup":  # read-only: the copy before an upgrade is of the old schema
        target = backup_target(config.database, args.path, datetime.now(UTC).astimezone())
        store = await open_to_read(config.database, schema=False)
        try:
            await store.backup(target)
        except (sqlite3.Error, OSError) as exc:
            raise UserError(f"cannot write the backup {target}: {exc}") from None
        finally:
            await store.close()
        print(f"backed up {config.database} to {target}")
        return 0
    opened = await open_configured(config, os.environ)
    try:
        version = await opened.schema_version()
        print(f"{config.database_shown}: schema version {version} (latest {LATEST_VERSION})")
    finally:
        await opened.close()
    return 0


def _health(config: Config) -> int:
    healthy, summary = probe(config.server)
    print(summary)
    return 0 if healthy else 1


async def _open_existing(config: Config) -> SqlStore:
    from bot.ops.database import open_configured_to_read

    return await open_configured_to_read(config, os.environ)


async def _subscriptions(config: Config) -> int:
    from bot.scheduler import SystemClock

    store = await _open_existing(config)
    try:
        listed = await list_subscriptions(store, SystemClock().now(), await store.leases(), config.splits)
        print(listed)
    finally:
        await store.close()
    return 0


async def _export(args: argparse.Namespace, config: Config) -> int:
    bank = load_bank(config.packs) if args.table == "replies" else None
    store = await _open_existing(config)
    try:
        if bank is not None:
            rows = await export.reply_rows(store, bank, args.subscription)
        else:
            rows = await export.streak_rows(store, args.subscription)
    finally:
        await store.close()
    if args.output is None:
        export.write(rows, export.TABLES[args.table], args.format, sys.stdout)
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8", newline="") as out:
        export.write(rows, export.TABLES[args.table], args.format, out)
    print(f"wrote {len(rows)} {args.table} to {args.output}", file=sys.stderr)
    return 0
