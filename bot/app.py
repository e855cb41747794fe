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
from typing import TextIO

from bot.config import Config
from bot.core.ports import Platform
from bot.core.questions import load_bank
from bot.core.service import PracticeService, ServiceSettings
from bot.platforms.shell import TerminalChannel
from bot.scheduler import ApsTimer, SystemClock
from bot.storage.sqlite import SqliteStore

log = logging.getLogger("practicebot")


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
    try:
        configured = platform_tokens(config, environ)
        for name in configured:
            log.warning("%s has a token set, but this build has no %s platform yet", name, name)
        shell = TerminalChannel(stdin, stdout, now=clock.now)
        platforms: dict[str, Platform] = {shell.name: shell}
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
        timer.start()
        await service.start()
        log.info(
            "practicebot ready: %d questions, database %s, platforms %s",
            len(bank.questions),
            config.database,
            ", ".join(platforms),
        )
        await shell.run(service, stop)
    finally:
        timer.shutdown()
        await store.close()
    return 0
