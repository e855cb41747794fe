"""The one HTTP server: Slack's HTTP mode, /healthz and /metrics, held open against clients that
connect and never finish (slowloris).

- A request's head (request line and headers) must arrive within `header_timeout` of connecting,
  or of the last answer on a kept-alive connection: aiohttp's keep-alive timer, which it starts
  at the connection and fires only while no request has been read whole.
- A request's body must arrive within `body_timeout` once its head is in: 408, connection closed.
- At most `max_connections` at once, from the file-descriptor limit less a margin for the bot's
  own sockets and database files and for asyncio's accepting (see `capacity`). At the cap a new
  connection evicts the oldest one that is not inside a handler (idle, still sending its head or
  body, or not reading its answer), so a probe always gets in; when every one is inside a
  handler, the new one gets a 503 and is closed.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from bot.config import ServerConfig

log = logging.getLogger("practicebot.server")

HEADER_TIMEOUT = 10.0  # seconds; also how long a kept-alive connection may sit idle
BODY_TIMEOUT = 10.0  # seconds; a Slack payload is a few kilobytes
LINGER = 1.0  # seconds to read and drop the rest of a body answered early (aiohttp's default: 10)
RESERVED_FDS = 64  # at least, for the bot's own sockets (platforms, HTTP clients), database files, pipes
MAX_CONNECTIONS = 4096  # when the descriptor limit is unlimited or very high
MAX_BACKLOG = 128  # aiohttp's default
BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Capacity:
    connections: int  # held at once
    backlog: int  # waiting in the kernel to be accepted; asyncio also accepts up to this many in one go


def capacity(soft_limit: int | None = None) -> Capacity:
    """What fits under a descriptor limit (RLIMIT_NOFILE's soft one by default). asyncio accepts
    up to `backlog` connections in one go before any is handed over (so before one can make room),
    and the bot needs its own: both are kept back, the bot an eighth of the limit (at least
    RESERVED_FDS). Under 1024: 768 connections; under 256: 160."""
    if soft_limit is None:
        soft_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft_limit == resource.RLIM_INFINITY or soft_limit <= 0:
        return Capacity(MAX_CONNECTIONS, MAX_BACKLOG)
    backlog = min(MAX_BACKLOG, max(16, soft_limit // 8))
    kept = backlog + max(RESERVED_FDS, soft_limit // 8)
    return Capacity(max(8, min(MAX_CONNECTIONS, soft_limit - kept)), backlog)


class _Refuse(asyncio.Protocol):
    """Answers 503 and closes, without reading: for a connection past the cap."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(BUSY)
        transport.close()


class _Admission:
    """The protocol factory in front of aiohttp's: keeps the connections under the cap."""

    def __init__(self, cap: int, body_timeout: float) -> None:
        self.server: web.Server | None = None  # aiohttp's, once its runner is set up
        self.cap = cap
        self.body_timeout = body_timeout
        self.busy: set[RequestHandler] = set()  # inside a route's handler right now
        self.evicted = 0
        self.refused = 0

    def __call__(self) -> asyncio.Protocol:
        assert self.server is not None
        live = [
            c for c in self.server.connections if c.transport is not None and not c.transport.is_closing()
        ]
        if len(live) >= self.cap:
            oldest = next((c for c in live if c not in self.busy), None)  # connections are oldest first
            if oldest is None:
                self.refused += 1
                return _Refuse()
            oldest.force_close()
            self.evicted += 1
        return self.server()

    @web.middleware
    async def deadlines(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Read the body within its deadline, then count the connection as busy while its
        handler runs."""
        timeout = self.body_timeout
        if request.body_exists:
            try:
                async with asyncio.timeout(timeout):
                    await request.read()  # kept: request.text()/.json() later read this copy
            except TimeoutError:
                response = web.Response(
                    status=408, text=f"the request body did not arrive within {timeout:g} s"
                )
                response.force_close()
                return response
            except ConnectionError:  # it hung up, or was evicted, mid-body: nobody to answer or log
                return web.Response(status=400)
        protocol = request.protocol
        self.busy.add(protocol)
        try:
            return await handler(request)
        finally:
            self.busy.discard(protocol)


class _Site(web.BaseSite):
    """aiohttp's TCPSite with the admission factory in front of its server."""

    __slots__ = ("_admission", "_host", "_port")

    def __init__(
        self, runner: web.AppRunner, host: str, port: int, admission: _Admission, backlog: int
    ) -> None:
        super().__init__(runner, backlog=backlog)
        self._host, self._port, self._admission = host, port, admission

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._admission, self._host, self._port, backlog=self._backlog, reuse_address=True
        )


class Server:
    """The running server; `cleanup()` stops it."""

    def __init__(self, runner: web.AppRunner, admission: _Admission) -> None:
        self.runner = runner
        self.admission = admission

    @property
    def connections(self) -> int:
        server = self.runner.server
        return 0 if server is None else len(server.connections)

    async def cleanup(self) -> None:
        await self.runner.cleanup()


async def serve(
    routes: list[web.RouteDef],
    config: ServerConfig,
    *,
    header_timeout: float = HEADER_TIMEOUT,
    body_timeout: float = BODY_TIMEOUT,
    max_connections: int | None = None,
) -> Server:
    """Start the server on config.host:port with these routes."""
    fits = capacity()
    cap = fits.connections if max_connections is None else max_connections
    admission = _Admission(cap, body_timeout)
    application = web.Application(middlewares=[admission.deadlines])
    application.add_routes(routes)
    runner = web.AppRunner(
        application,
        access_log=None,
        keepalive_timeout=header_timeout,
        lingering_time=min(LINGER, body_timeout),
    )
    await runner.setup()
    admission.server = runner.server
    await _Site(runner, config.host, config.port, admission, fits.backlog).start()
    log.info("listening on http://%s:%d (at most %d connections)", config.host, config.port, cap)
    return Server(runner, admission)
