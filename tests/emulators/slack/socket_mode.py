"""Socket Mode: the WebSocket that apps.connections.open hands out, envelopes pushed over it and
the acks that must come back carrying their envelope_id.

What slack_sdk's aiohttp SocketModeClient does with it (slack_sdk/socket_mode/aiohttp):
- connects with autoping=False and pings every ping_interval with b"sdk-ping-pong:<time>"; it
  reads the pong's payload to decide whether the link is stale, so pongs must echo the payload
  (aiohttp's server autoping does);
- `hello` goes to its listeners and is otherwise ignored; an envelope is anything with type,
  envelope_id and payload; the ack is {"envelope_id": ..., "payload"?: ...};
- {"type": "disconnect"} makes it call apps.connections.open again, connect the new URL and
  then close the old socket; a CLOSE frame reconnects at once; a dropped TCP connection is
  noticed by its monitor task within ping_interval.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .workspace import Json

SLASH_COMMANDS, EVENTS_API, INTERACTIVE = "slash_commands", "events_api", "interactive"


@dataclass
class Delivery:
    """One attempt to hand an envelope to the app (a Socket Mode frame or a signed HTTP POST)."""

    envelope: Envelope
    envelope_id: str
    retry_attempt: int
    retry_reason: str
    sent_at: float | None = None
    acked_at: float | None = None
    ack_payload: Json | None = None
    late: bool = False  # acked after its deadline (Slack has moved on by then)
    acked_event: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def wire(self) -> Json:
        frame: Json = {
            "envelope_id": self.envelope_id,
            "payload": self.envelope.payload,
            "type": self.envelope.kind,
            "accepts_response_payload": self.envelope.accepts_response_payload,
        }
        if self.envelope.kind == EVENTS_API:
            frame["retry_attempt"] = self.retry_attempt
            frame["retry_reason"] = self.retry_reason
        return frame


class Envelope:
    """What the emulator sent for one user action or event, and what came back for it."""

    def __init__(self, kind: str, payload: Json, *, response_url: str | None = None) -> None:
        self.kind = kind
        self.payload = payload
        # Slack accepts a response payload in the ack for slash commands and view submissions only
        self.accepts_response_payload = kind == SLASH_COMMANDS or payload.get("type") == "view_submission"
        self.response_url = response_url
        self.deliveries: list[Delivery] = []
        self.ack: Json | None = None  # payload of the first ack, {} for a bare ack
        self.responses: list[Json] = []  # what the app posted to response_url
        self.error: str | None = None  # "operation_timeout": what the user sees when no ack came
        self._acked = asyncio.Event()

    @property
    def envelope_id(self) -> str:
        return self.deliveries[0].envelope_id

    @property
    def retry_attempt(self) -> int:
        return self.deliveries[-1].retry_attempt if self.deliveries else 0

    @property
    def is_acked(self) -> bool:
        return self._acked.is_set()

    async def acked(self, timeout: float = 5.0) -> Json:  # noqa: ASYNC109
        """The ack's payload ({} for a bare ack); TimeoutError if none arrives within timeout."""
        try:
            await asyncio.wait_for(self._acked.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"{self.kind} envelope {self.envelope_id} was not acked within {timeout}s"
            ) from None
        assert self.ack is not None
        return self.ack

    def new_delivery(self, reason: str = "") -> Delivery:
        attempt = len(self.deliveries)
        delivery = Delivery(self, str(uuid.uuid4()), attempt, reason if attempt else "")
        self.deliveries.append(delivery)
        return delivery

    def record_ack(self, delivery: Delivery, payload: Json, *, late: bool) -> bool:
        """Store an ack; True if it is the first one for this envelope."""
        delivery.acked_at = time.monotonic()
        delivery.ack_payload = payload
        delivery.late = late
        delivery.acked_event.set()
        if self._acked.is_set():
            return False
        self.ack = payload
        self._acked.set()
        return True

    def __repr__(self) -> str:
        return f"<Envelope {self.kind} attempts={len(self.deliveries)} ack={self.ack!r}>"


@dataclass
class SocketConnection:
    number: int
    ws: web.WebSocketResponse
    request: web.Request
    draining: bool = False  # told to disconnect: Slack sends it nothing new

    @property
    def open(self) -> bool:
        return not self.ws.closed


class SocketModeServer:
    def __init__(
        self,
        *,
        app_id: str,
        on_ack: Callable[[Delivery, Json], None],
        on_change: Callable[[], None],
        record: Callable[[str, str, Json, Any], object],
    ) -> None:
        self.app_id = app_id
        self._on_ack = on_ack
        self._on_change = on_change
        self._record = record
        self._tickets: set[str] = set()
        self.issued: list[str] = []  # every ticket handed out, for tests that check none leaks
        self._pending: dict[str, Delivery] = {}
        self.connections: list[SocketConnection] = []
        self.connects = 0  # hellos sent: one per successful (re)connection
        self.unknown_acks: list[Json] = []
        self._ready = asyncio.Event()
        self._timers: list[asyncio.TimerHandle] = []
        self._tasks: set[asyncio.Task[None]] = set()

    # the URL apps.connections.open hands out

    def issue_ticket(self) -> str:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        self.issued.append(ticket)
        return ticket

    @property
    def active(self) -> SocketConnection | None:
        live = [c for c in self.connections if c.open and not c.draining]
        return live[-1] if live else None

    def _refresh_ready(self) -> None:
        if self.active is None:
            self._ready.clear()
        else:
            self._ready.set()
        self._on_change()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        self._record(request.method, request.path, dict(request.query), None)
        if ticket not in self._tickets:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        self._tickets.discard(ticket)  # a URL is good for one connection
        ws = web.WebSocketResponse(autoping=True)  # pongs echo the SDK's ping payload
        await ws.prepare(request)
        self.connects += 1
        connection = SocketConnection(self.connects, ws, request)
        self.connections.append(connection)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len([c for c in self.connections if c.open]),
                "debug_info": {
                    "host": f"applink-emulator-{connection.number}",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
        )
        self._refresh_ready()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._receive(str(message.data))
        finally:
            self._refresh_ready()
        return ws

    def _receive(self, raw: str) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            frame = {"unparsable": raw}
        self._record("WS", "/socket", {}, frame)
        envelope_id = frame.get("envelope_id") if isinstance(frame, dict) else None
        delivery = self._pending.get(envelope_id or "")
        if delivery is None:
            self.unknown_acks.append(frame)
            self._on_change()
            return
        payload = frame.get("payload")
        self._on_ack(delivery, payload if isinstance(payload, dict) else {})

    # sending

    async def send(self, delivery: Delivery) -> None:
        """Push a frame to the newest live connection, waiting for one if the app is not connected."""
        while True:
            await self._ready.wait()
            connection = self.active
            if connection is None:
                self._refresh_ready()
                continue
            self._pending[delivery.envelope_id] = delivery
            try:
                await connection.ws.send_json(delivery.wire())
            except (ConnectionError, RuntimeError):
                # a socket whose peer died (SIGKILL) still reads as open until its close
                # handshake times out: never pick it again, or this loop spins without yielding
                connection.draining = True
                self._refresh_ready()
                continue
            delivery.sent_at = time.monotonic()
            return

    # faults

    async def disconnect(self, reason: str = "refresh_requested", *, close_after: float | None = 10.0) -> int:
        """Send {"type": "disconnect"} to every live connection, as Slack does before recycling one;
        close it ourselves after close_after seconds if the app has not. Returns how many were told."""
        told = 0
        for connection in [c for c in self.connections if c.open and not c.draining]:
            connection.draining = True
            await connection.ws.send_json(
                {
                    "type": "disconnect",
                    "reason": reason,
                    "debug_info": {"host": f"applink-emulator-{connection.number}"},
                }
            )
            told += 1
            if close_after is not None:
                self._timers.append(
                    asyncio.get_running_loop().call_later(close_after, self._close_soon, connection)
                )
        self._refresh_ready()
        return told

    def _close_soon(self, connection: SocketConnection) -> None:
        if connection.open:
            task = asyncio.ensure_future(self._close(connection, b"refresh"))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _close(self, connection: SocketConnection, message: bytes) -> None:
        await connection.ws.close(code=1001, message=message)

    def drop(self) -> int:
        """Cut every connection without a close frame, like a network failure."""
        dropped = 0
        for connection in [c for c in self.connections if c.open]:
            connection.draining = True
            transport = connection.request.transport
            if transport is not None:
                transport.abort()
                dropped += 1
        self._refresh_ready()
        return dropped

    async def close_all(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        for connection in self.connections:
            if connection.open:
                await self._close(connection, b"server shutdown")
        self._ready.clear()
