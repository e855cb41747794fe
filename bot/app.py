"""The composition root: config -> store -> bank -> service -> scheduler -> platforms.

Everything is wired here through constructors; nothing else creates clients or reads config.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Mapping
from typing import Protocol, TextIO

from aiohttp import web

from bot.config import Config, ServerConfig
from bot.core.ports import Platform
from bot.core.questions import load_bank
from bot.core.service import PracticeService, ServiceSettings
from bot.platforms.discord.adapter import DiscordPlatform
from bot.platforms.shell import TerminalChannel
from bot.platforms.slack.adapter import SlackPlatform
from bot.scheduler import ApsTimer, SystemClock
from bot.storage.sqlite import SqliteStore

log = logging.getLogger("practicebot")


class Connector(Protocol):
    """A platform with a connection to open before the service starts and to close at the end."""

    async def start(self, service: PracticeService) -> None: ...

    async def close(self) -> None: ...


def platform_tokens(config: Config, environ: Mapping[str, str]) -> list[str]:
    """Which platforms have a token in the environment (names only, never the values)."""
    found = []
    if environ.get(config.discord.token_env):
        found.append("discord")
    if environ.get(config.slack.bot_token_env):
        found.append("slack")
    return found


async def run(
    config: Config,
    *,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    environ: Mapping[str, str] = os.environ,
) -> int:
    bank = load_bank(config.packs)
    store = await SqliteStore.open(config.database)
    timer = ApsTimer()
    clock = SystemClock()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    connected: list[Connector] = []
    server: web.AppRunner | None = None
    try:
        platforms: dict[str, Platform] = {}
        connectors: list[Connector] = []
        routes: list[web.RouteDef] = []
        if token := environ.get(config.discord.token_env):
            discord = DiscordPlatform(config.discord, token)
            platforms[discord.name] = discord
            connectors.append(discord)
        if token := environ.get(config.slack.bot_token_env):
            slack = SlackPlatform(
                config.slack,
                token,
                app_token=environ.get(config.slack.app_token_env),
                signing_secret=environ.get(config.slack.signing_secret_env),
            )
            platforms[slack.name] = slack
            connectors.append(slack)
            if config.slack.mode == "http":
                routes.extend(slack.http_routes())
        shell = None
        if not platforms:
            shell = TerminalChannel(stdin, stdout, now=clock.now)
            platforms[shell.name] = shell
        service = PracticeService(
            store,
            platforms,
            clock,
            timer,
            bank,
            ServiceSettings(
                defaults=config.defaults,
                misfire_grace=config.misfire_grace,
                team_min_answers=config.team_min_answers,
            ),
        )
        timer.bind(service.run_post, service.run_reveal)
        for connector in connectors:
            await connector.start(service)
            connected.append(connector)
        if routes:
            server = await serve(routes, config.server)
        await service.start()  # read back replies first; overdue reveals run once the timer starts
        timer.start()
        log.info(
            "practicebot ready: %d questions, database %s, platforms %s",
            len(bank.questions),
            config.database,
            ", ".join(platforms),
        )
        if shell is not None:
            await shell.run(service, stop)
        else:
            await stop.wait()
            log.info("stopping")
    finally:
        if server is not None:
            await server.cleanup()
        timer.shutdown()
        for connector in connected:
            await connector.close()
        await store.close()
    return 0


async def serve(routes: list[web.RouteDef], config: ServerConfig) -> web.AppRunner:
    """The one HTTP server: Slack's HTTP mode today."""
    application = web.Application()
    application.add_routes(routes)
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, config.host, config.port).start()
    log.info("listening on http://%s:%d", config.host, config.port)
    return runner
