"""The composition root: config -> store -> bank -> service -> scheduler -> platforms.

Everything is wired here through constructors; nothing else creates clients or reads config.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import random
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from bot.config import Config
from bot.core.blind.desk import BlindDesk
from bot.core.catalog.desk import CatalogDesk
from bot.core.catalog.ports import OwnPack, PackFiles
from bot.core.daily.channel_desk import ChannelDesk
from bot.core.daily.questions import QuestionBank, load_bank
from bot.core.daily.service import Desks, PracticeService, ServiceSettings
from bot.core.daily.streaks import Freezes
from bot.core.ownership.partitions import served
from bot.core.personal.desk import PersonalDesk
from bot.core.recap.desk import RecapDesk
from bot.core.recap.ports import RecapPictures
from bot.core.review.desk import ReviewDesk
from bot.core.selfcheck.desk import SelfCheckDesk
from bot.core.shared.errors import UserError
from bot.core.shared.ports import Clock, Metrics, NoMetrics, Platform, Timer
from bot.core.store import Store
from bot.core.suggest.desk import SuggestDesk
from bot.core.suggest.rules import DEFAULT_CAP
from bot.ops.database import open_configured
from bot.ops.lease import LeaseKeeper, LeaseStore
from bot.packs.library import StoredPackFiles
from bot.scheduler import ApsTimer, SystemClock

# A platform's SDK (and the terminal channel), monitoring and the HTTP server are imported only
# when they are used: each is megabytes of resident memory (discord.py 34 MB, slack-bolt and
# slack-sdk 5, aiohttp.web 2).
if TYPE_CHECKING:
    from aiohttp import web

    from bot.ops.server import Server

log = logging.getLogger("practicebot")
STOP_WITHIN = 8.0  # seconds for in-flight work on SIGTERM; with the closing steps, under 10


class Connector(Protocol):
    """A platform with a connection to open before the service starts and to close at the end."""

    async def start(self, service: PracticeService) -> None:
        """Return once the platform takes requests (a refused token fails here)."""
        ...

    async def connected(self) -> None:
        """Return once its events flow too; raise UserError if they cannot."""
        ...

    async def ended(self) -> None:
        """Return only if its connection ends for good (raising UserError with why, like a
        Discord gateway closed with 4004 after a token reset): the process cannot go on."""
        ...

    async def close(self) -> None: ...


def build_service(
    store: Store,
    platforms: Mapping[str, Platform],
    clock: Clock,
    timer: Timer,
    bank: QuestionBank,
    settings: ServiceSettings,
    rng: random.Random | None = None,
    metrics: Metrics | None = None,
    pictures: RecapPictures | None = None,
    own_pack: OwnPack | None = None,
    suggestion_cap: int = DEFAULT_CAP,
    pack_files: PackFiles | None = None,
) -> PracticeService:
    """The daily cycle with every feature's desk attached, each given what it needs; the service
    is the desks' DailyCycle, and they are its features (neither module imports the other back)."""
    metrics = metrics or NoMetrics()
    if pictures is None:
        from bot.render.recap_image import RecapImages  # Pillow itself loads only when one is drawn

        pictures = RecapImages()
    service = PracticeService(store, platforms, clock, timer, bank, settings, rng=rng, metrics=metrics)
    review = ReviewDesk(store, platforms, clock, bank, service.level_size)
    catalog = CatalogDesk(store, store, pack_files or StoredPackFiles(), bank, clock)  # the own pack too
    recaps = RecapDesk(
        store,
        service,
        clock,
        timer,
        bank,
        metrics,
        pictures,
        default=settings.recap,
        grace=settings.recap_grace,
        team_min_answers=settings.team_min_answers,
    )
    suggestions = SuggestDesk(store, own_pack or catalog, platforms, clock, suggestion_cap)
    service.attach(
        Desks(
            channels=ChannelDesk(
                store, service, clock, timer, bank, recaps, settings.defaults, forgetting=suggestions.forget
            ),
            review=review,
            self_checks=SelfCheckDesk(store, service, clock, bank, review),
            blind=BlindDesk(store, service, clock, bank, metrics),
            recaps=recaps,
            catalog=catalog,
            personal=PersonalDesk(store, service, clock),
            suggestions=suggestions,
        )
    )
    return service


def platform_tokens(config: Config, environ: Mapping[str, str]) -> list[str]:
    """Which platforms have a token in the environment (names only, never the values)."""
    found = []
    if environ.get(config.discord.token_env):
        found.append("discord")
    if environ.get(config.slack.bot_token_env) or slack_oauth(config, environ):
        found.append("slack")
    return found


def slack_oauth(config: Config, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The Slack app's OAuth credentials (client id and secret) when both are in the environment:
    then any number of workspaces install it, and its bot token in the environment goes unused."""
    client_id, secret = environ.get(config.slack.client_id_env), environ.get(config.slack.client_secret_env)
    return (client_id, secret) if client_id and secret else None


async def run(
    config: Config,
    *,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    environ: Mapping[str, str] = os.environ,
    wait: bool = False,
) -> int:
    """Serve until a stop signal (0), or until the process cannot go on (UserError). With `wait`,
    a partition another process holds is waited for instead of refused."""
    bank = load_bank(config.packs)
    metrics = None
    if config.server.monitoring:
        from bot.ops.metrics import PrometheusMetrics

        metrics = PrometheusMetrics(platform_tokens(config, environ) or ["terminal"])
    timer = ApsTimer(metrics)
    clock = SystemClock()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    connected: list[Connector] = []
    server: Server | None = None
    in_flight: set[asyncio.Task[object]] = set()
    service: PracticeService | None = None
    keeper: LeaseKeeper | None = None
    keeping: asyncio.Task[None] | None = None
    store = await open_configured(config, environ)  # the last step before `try`, which closes it
    try:
        # the leases first, before any platform connects: a second Socket Mode connection alone
        # would take half of Slack's events away from the process that holds them
        held, keeper = await _take_leases(config, environ, store, clock, stop, wait)
        if not held:
            return 0  # stopped while waiting for another process to let go
        if keeper is not None:
            keeping = asyncio.create_task(keeper.keep(), name="lease")
        platforms: dict[str, Platform] = {}
        connectors: list[Connector] = []
        routes: list[web.RouteDef] = []
        if token := environ.get(config.discord.token_env):
            from bot.platforms.discord.adapter import DiscordPlatform

            discord = DiscordPlatform(config.discord, token, metrics=metrics)
            platforms[discord.name] = discord
            connectors.append(discord)
        credentials = slack_oauth(config, environ)
        if (token := environ.get(config.slack.bot_token_env)) or credentials:
            from bot.platforms.slack.adapter import OAuth, SlackPlatform
            from bot.platforms.slack.installations import DatabaseInstallations, DatabaseStates

            oauth = None
            if credentials is not None:
                client_id, secret = credentials
                installs, states = DatabaseInstallations(store, clock.now), DatabaseStates(store, clock.now)
                oauth = OAuth(client_id, secret, installs, states)
            slack = SlackPlatform(
                config.slack,
                None if oauth else token,
                app_token=environ.get(config.slack.app_token_env),
                signing_secret=environ.get(config.slack.signing_secret_env),
                oauth=oauth,
                metrics=metrics,
            )
            platforms[slack.name] = slack
            connectors.append(slack)
            if config.slack.mode == "http":
                routes.extend(slack.http_routes())
        shell = None
        if not platforms:
            from bot.platforms.shell import TerminalChannel

            shell = TerminalChannel(
                stdin,
                stdout,
                now=clock.now,
                files=config.database.resolve().parent if config.database_url is None else Path.cwd(),
            )
            platforms[shell.name] = shell
        service = build_service(
            store,
            platforms,
            clock,
            timer,
            bank,
            ServiceSettings(
                defaults=config.defaults,
                misfire_grace=config.misfire_grace,
                team_min_answers=config.team_min_answers,
                # freeze_every = 0 turns freezes off: none earned, and none held are spent
                freezes=Freezes(config.freeze_every, config.freeze_cap if config.freeze_every else 0),
                command_cooldown=config.command_cooldown,
                recap=config.recap,
            ),
            metrics=metrics,
            suggestion_cap=config.suggestion_cap,
        )
        jobs = (service.run_post, service.run_reveal, service.recaps.run)
        timer.bind(*(keeper.guard(job) if keeper else job for job in jobs))
        for connector in connectors:
            connected.append(connector)  # closed on the way out even if it fails to start
            await connector.start(service)
        if metrics is not None:  # /healthz and /metrics, beside Slack's HTTP mode when both are on
            from bot.ops.health import Health, health_routes
            from bot.ops.metrics import metrics_routes

            health = Health(store, platforms, partitions=keeper.check if keeper else None)
            routes.extend(health_routes(health))
            token = environ.get(config.server.metrics_token_env) or None  # unset or empty: open
            routes.extend(metrics_routes(metrics, store, token=token))
        if routes:
            from bot.ops.server import serve

            server = await serve(routes, config.server)
        # read back replies first; overdue reveals run once the timer starts
        starting = asyncio.create_task(service.start(), name="start-up")
        in_flight.add(starting)
        if await _first(starting, stop) is starting:
            starting.result()
            timer.start()
            log.info(
                "practicebot ready: %d questions, database %s, platforms %s",
                len(bank.questions),
                config.database_shown,
                ", ".join(platforms),
            )
            _freeze_start_up()
            if shell is not None:
                await shell.run(service, stop)
            else:
                connecting = asyncio.ensure_future(asyncio.gather(*(c.connected() for c in connectors)))
                if await _first(connecting, stop) is connecting:
                    connecting.result()  # a gateway that fails or never gets ready stops the bot
                    ending = asyncio.ensure_future(asyncio.gather(*(c.ended() for c in connectors)))
                    if await _first(ending, stop) is ending:
                        ending.result()  # a connection that ended for good stops the bot, with why
                    else:
                        ending.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await ending
                else:  # stopped before every platform was ready: end the wait quietly
                    connecting.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await connecting  # else asyncio logs the gather's CancelledError as unretrieved
        log.info("stopping")
    finally:
        if server is not None:
            await server.cleanup()
        timer.shutdown()
        await _wind_down(in_flight | timer.running | (service.background if service else set()), STOP_WITHIN)
        for connector in connected:
            await connector.close()
        if keeping is not None:
            keeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeping
        if keeper is not None:
            await keeper.release()
        await store.close()
    if keeper is not None and keeper.lost is not None:
        raise UserError(keeper.lost)
    return 0


async def _take_leases(
    config: Config,
    environ: Mapping[str, str],
    store: LeaseStore,
    clock: Clock,
    stop: asyncio.Event,
    wait: bool,
) -> tuple[bool, LeaseKeeper | None]:
    """The leases on every partition this process serves, taken (no keeper: it serves none, like
    the terminal channel), or refused with UserError; False if a stop came while waiting."""
    splits = {name: config.splits[name] for name in platform_tokens(config, environ)}
    partitions = served(splits)
    if not partitions:
        return True, None
    keeper = LeaseKeeper(store, partitions, clock, config.lease.ttl, on_lost=stop.set, splits=splits)
    acquiring = asyncio.ensure_future(keeper.acquire(wait=wait))
    if await _first(acquiring, stop) is acquiring:
        acquiring.result()
        return True, keeper
    acquiring.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await acquiring
    return False, None


def _freeze_start_up() -> None:
    """What start-up built (modules, the platforms' caches, the question bank) lives as long as
    the process: keep it out of the collector's full passes, which would otherwise walk all of it
    again every few seconds under load, stalling the loop for tens of milliseconds each time."""
    gc.collect()
    gc.freeze()


async def _first(task: asyncio.Future[Any], stop: asyncio.Event) -> asyncio.Future[Any]:
    """Whichever ends first: the task, or a stop request."""
    stopped = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if stopped not in done:
        stopped.cancel()
    return task if task in done else stopped


async def _wind_down(tasks: set[asyncio.Task[object]], within: float) -> None:
    """Let in-flight posts and reveals finish; past `within`, cancel them. Whatever was cut
    short is still `claimed` or mid-reveal in the database and is resolved at the next start."""
    pending = {task for task in tasks if not task.done()}
    if not pending:
        return
    _, late = await asyncio.wait(pending, timeout=within)
    for task in late:
        task.cancel()
    if late:
        log.warning(
            "stopped %d job(s) still running after %.0f s; they resume at the next start", len(late), within
        )
        await asyncio.gather(*late, return_exceptions=True)
