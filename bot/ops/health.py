"""/healthz: is the process up, can the database be written, is each platform connected.

200 with the details as JSON when everything is fine, 503 with the same details when something
is not, so a container runtime (Docker's HEALTHCHECK, a Kubernetes probe) and a person reading
the JSON see the same thing.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bot.ops.probe import HEALTH_PATH
from bot.ops.shared import Shared
from bot.storage.connection import ProbeFailed

if TYPE_CHECKING:  # loaded only to serve: `practicebot run` imports this module for its write probe
    from aiohttp import web

WRITE_TIMEOUT = 1.0  # seconds to wait for another writer's lock before calling the database unwritable
CHECK_TIMEOUT = 4.0  # every check together; Docker's HEALTHCHECK gives the probe 5 s
# A report is shared by every request that comes while it runs, and served again for this long:
# a flood of probes is one write a second, and cannot lock the database against itself.
FRESH_FOR = 1.0  # seconds


@runtime_checkable
class Connectable(Protocol):
    """A platform that holds a connection (Discord's gateway, Slack's socket)."""

    async def is_connected(self) -> bool: ...


class Database(Protocol):
    """The part of the Store that /healthz reads: a query through the bot's own connection, and
    a real, committed write of the probe's own."""

    async def schema_version(self) -> int: ...

    async def probe_write(self, within: float) -> str:
        """What was written where ("bot.sqlite3 writable (1.2 ms)"); ProbeFailed says why not."""
        ...


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    detail: str


def version() -> str:
    from importlib import metadata  # some megabytes: loaded when /healthz is first asked

    try:
        return metadata.version("practicebot")
    except metadata.PackageNotFoundError:
        return "unknown"


class Health:
    """The checks behind /healthz, each bounded in time."""

    def __init__(
        self,
        store: Database,
        platforms: Mapping[str, object],
        *,
        write_timeout: float = WRITE_TIMEOUT,
        fresh_for: float = FRESH_FOR,
        clock: Callable[[], float] = time.monotonic,
        partitions: Callable[[], Coroutine[Any, Any, Check]] | None = None,  # the lease check (ops/lease.py)
    ) -> None:
        self.store = store
        self.partitions = partitions
        self.platforms = platforms
        self.write_timeout = write_timeout
        self.started = time.monotonic()
        self.shared = Shared(self._report, fresh_for, clock)

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """The last report if it is fresh, else the one running, else a new one."""
        return await self.shared()

    async def _report(self) -> tuple[bool, dict[str, Any]]:
        """Every check at once, so the whole report takes at most CHECK_TIMEOUT."""
        names = ["database", *self.platforms, *(["partitions"] if self.partitions else [])]
        results = await asyncio.gather(
            self._bounded(self.database()),
            *(self._bounded(self.platform(platform)) for platform in self.platforms.values()),
            *([self._bounded(self.partitions())] if self.partitions else []),
        )
        checks = {
            "process": Check(True, f"pid {os.getpid()}, version {version()}"),
            **dict(zip(names, results, strict=True)),
        }
        healthy = all(check.ok for check in checks.values())
        return healthy, {
            "status": "ok" if healthy else "unhealthy",
            "uptime_seconds": round(time.monotonic() - self.started, 3),
            "checks": {name: asdict(check) for name, check in checks.items()},
        }

    async def _bounded(self, check: Coroutine[Any, Any, Check]) -> Check:
        try:
            result = await asyncio.wait_for(check, timeout=CHECK_TIMEOUT)
        except TimeoutError:
            return Check(False, f"no answer within {CHECK_TIMEOUT:g} s")
        return result

    async def database(self) -> Check:
        """The bot's own connection answers, and the database takes a real, committed write."""
        try:
            schema = await self.store.schema_version()
        except Exception as exc:  # a closed or broken connection: report it, do not crash the probe
            return Check(False, f"the bot's database connection fails: {_reason(exc)}")
        try:
            written = await self.store.probe_write(self.write_timeout)
        except ProbeFailed as exc:
            return Check(False, str(exc))
        return Check(True, f"{written}, schema version {schema}")

    async def platform(self, platform: object) -> Check:
        if not isinstance(platform, Connectable):
            return Check(True, "n/a: the local terminal channel has no connection")
        refused = getattr(getattr(platform, "token_state", None), "refused", "")
        if refused:  # a revoked or rotated token: the work waits for a valid one
            return Check(False, f"the platform refuses the bot's token: {refused}")
        try:
            connected = await platform.is_connected()
        except Exception as exc:
            return Check(False, f"cannot tell: {_reason(exc)}")
        return Check(True, "connected") if connected else Check(False, "not connected")


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def health_routes(health: Health) -> list[web.RouteDef]:
    from aiohttp import web

    async def healthz(request: web.Request) -> web.Response:
        healthy, body = await health.report()
        return web.json_response(body, status=200 if healthy else 503)

    return [web.get(HEALTH_PATH, healthz)]
