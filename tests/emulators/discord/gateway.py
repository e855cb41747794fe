"""The gateway: HELLO, heartbeats, IDENTIFY -> READY + GUILD_CREATE, RESUME with replay, op 9.

Sharding as Discord does it: an IDENTIFY with `shard` [shard_id, num_shards] gets READY and
GUILD_CREATE for the guilds of that shard only ((guild_id >> 22) % num_shards == shard_id), and a
guild's events go only to the sessions of its shard; a malformed `shard` is closed with 4010.

A session outlives its WebSocket: every dispatch gets the session's next sequence number and is kept
in a bounded buffer, so events dispatched while the bot is disconnected are replayed on RESUME,
followed by RESUMED. Frames are text JSON (discord.py takes text even when it asked for zlib-stream).
Intents are honoured per session: no guild message events without GUILD_MESSAGES, and message
content, embeds, attachments and components blanked without MESSAGE_CONTENT unless the bot wrote or
is mentioned in the message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .model import (
    GUILD_MEMBERS,
    JSON,
    MESSAGE_CONTENT,
    PRIVILEGED_INTENTS,
    Message,
    World,
    shard_of,
    valid_shard,
)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11


@dataclass
class Session:
    id: str
    intents: int
    shard: list[int] | None
    buffer: deque[tuple[int, str]]
    ws: web.WebSocketResponse | None = None
    seq: int = 0
    invalid: bool = False
    replayed: int = 0  # events replayed by the last RESUME
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def wants(self, guild_id: int | None, intent: int) -> bool:
        if self.invalid or self.intents & intent != intent:
            return False
        if guild_id is not None and self.shard is not None:
            return shard_of(guild_id, self.shard[1]) == self.shard[0]
        return True

    def can_replay_from(self, seq: int) -> bool:
        if seq > self.seq:
            return False
        return seq == self.seq or not self.buffer or self.buffer[0][0] <= seq + 1

    async def send(self, event: str, data: JSON) -> int:
        async with self.lock:
            self.seq += 1
            text = json.dumps({"op": DISPATCH, "s": self.seq, "t": event, "d": data})
            self.buffer.append((self.seq, text))
            if self.ws is not None and not self.ws.closed:
                # a connection that is going away keeps the event in the buffer for RESUME
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await self.ws.send_str(text)
            return self.seq


@dataclass
class Connection:
    ws: web.WebSocketResponse
    path: str
    query: dict[str, str]
    request: web.Request
    session: Session | None = None
    dropped: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class SentEvent:
    session_id: str
    seq: int
    name: str
    data: JSON


def redacted(data: JSON) -> JSON:
    """A message as an app without the MESSAGE_CONTENT intent receives it."""
    return data | {"content": "", "embeds": [], "attachments": [], "components": []}


class Gateway:
    def __init__(
        self,
        world: World,
        *,
        token: str,
        heartbeat_interval: int,
        buffer_size: int,
        enabled_privileged_intents: int,
        notify: Callable[[], None],
    ) -> None:
        self.world = world
        self.token = token
        self.heartbeat_interval = heartbeat_interval
        self.buffer_size = buffer_size
        self.enabled_privileged_intents = enabled_privileged_intents
        self.notify = notify
        self.resume_url = ""  # set once the server knows its port
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self.sent: list[SentEvent] = []
        self.identifies = 0
        self.resumes = 0
        self.heartbeats = 0
        self._open = asyncio.Event()
        self._open.set()

    # ------------------------------------------------------------ the WebSocket

    async def handle(self, request: web.Request) -> web.StreamResponse:
        await self._open.wait()  # drop_gateway(hold=True) keeps reconnects waiting here
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        conn = Connection(ws, request.path, dict(request.query), request)
        self.connections.append(conn)
        self.notify()
        try:
            if request.query.get("v", "10") not in ("9", "10"):
                await ws.close(code=4012, message=b"Invalid API version.")
            elif request.query.get("encoding", "json") != "json":
                await ws.close(code=4002, message=b"Error while decoding payload.")
            else:
                hello = {"heartbeat_interval": self.heartbeat_interval, "_trace": ['["emulator-gateway",{}]']}
                await self._send_op(ws, HELLO, hello)
                async for frame in ws:
                    if frame.type is not WSMsgType.TEXT:
                        await ws.close(code=4002, message=b"Error while decoding payload.")
                        break
                    await self._receive(conn, frame.data)
        finally:
            self._forget(conn)
        return ws

    def _forget(self, conn: Connection) -> None:
        self.connections.remove(conn)
        session = conn.session
        if session is not None and session.ws is conn.ws:
            session.ws = None
            if conn.ws.close_code in (1000, 1001) and not conn.dropped:
                session.invalid = True  # closing with 1000/1001 ends the session on Discord
        conn.done.set()
        self.notify()

    async def _send_op(self, ws: web.WebSocketResponse, op: int, data: Any) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(json.dumps({"op": op, "d": data, "s": None, "t": None}))

    async def _receive(self, conn: Connection, text: str) -> None:
        try:
            payload = json.loads(text)
            op, data = payload["op"], payload.get("d")
        except (ValueError, KeyError, TypeError):
            await conn.ws.close(code=4002, message=b"Error while decoding payload.")
            return
        if op == HEARTBEAT:
            self.heartbeats += 1
            await self._send_op(conn.ws, HEARTBEAT_ACK, None)
        elif op == IDENTIFY:
            await self._identify(conn, data or {})
        elif op == RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await conn.ws.close(code=4003, message=b"Not authenticated.")
        elif op == REQUEST_GUILD_MEMBERS:
            await self._request_members(conn.session, data or {})
        elif op not in (PRESENCE_UPDATE, VOICE_STATE_UPDATE):
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, conn: Connection, data: JSON) -> None:
        intents = data.get("intents")
        shard = data.get("shard")
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
        elif data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
        elif not isinstance(intents, int) or intents < 0:
            await conn.ws.close(code=4013, message=b"Invalid intent(s).")
        elif intents & PRIVILEGED_INTENTS & ~self.enabled_privileged_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
        elif shard is not None and not valid_shard(shard):
            await conn.ws.close(code=4010, message=b"Invalid shard.")
        else:
            session = Session(secrets.token_hex(16), intents, shard, deque(maxlen=self.buffer_size), conn.ws)
            self.sessions[session.id] = session
            conn.session = session
            self.identifies += 1
            await self.send(session, "READY", self.world.ready_payload(session.id, self.resume_url, shard))
            for guild in self.world.guilds_for(shard):
                await self.send(session, "GUILD_CREATE", self.world.guild_create_payload(guild, intents))
            self.notify()

    async def _resume(self, conn: Connection, data: JSON) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq") or 0
        if (
            session is None
            or session.invalid
            or data.get("token") != self.token
            or not session.can_replay_from(seq)
        ):
            await self._send_op(conn.ws, INVALID_SESSION, False)
            return
        async with session.lock:
            # a connection this replaces is left for its own handler to notice; Discord closes it
            session.ws = conn.ws
            conn.session = session
            missed = [text for s, text in session.buffer if s > seq]
            for text in missed:
                await conn.ws.send_str(text)
            session.replayed = len(missed)
        self.resumes += 1
        await self.send(session, "RESUMED", {"_trace": ['["emulator-gateway",{}]']})
        self.notify()

    async def _request_members(self, session: Session, data: JSON) -> None:
        guild_ids = data.get("guild_id")
        query = data.get("query")
        user_ids = {int(u) for u in (data.get("user_ids") or [])}
        if query == "" and not user_ids and not session.intents & GUILD_MEMBERS:
            return  # the full member list needs GUILD_MEMBERS; Discord ignores the request
        limit = data.get("limit") or 0
        for guild_id in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            guild = self.world.guilds.get(int(guild_id or 0))
            if guild is None:
                continue
            members = [
                m
                for m in guild.members.values()
                if (user_ids and m.user.id in user_ids)
                or (query is not None and m.user.username.startswith(query))
            ]
            chunk = {
                "guild_id": str(guild.id),
                "members": [m.payload() for m in members[: limit or None]],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [str(u) for u in user_ids - set(guild.members)],
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            await self.send(session, "GUILD_MEMBERS_CHUNK", chunk)

    # ------------------------------------------------------------ dispatching

    async def send(self, session: Session, event: str, data: JSON) -> None:
        seq = await session.send(event, data)
        self.sent.append(SentEvent(session.id, seq, event, data))

    async def dispatch(
        self,
        event: str,
        data: JSON,
        *,
        guild_id: int | None = None,
        intent: int = 0,
        message: Message | None = None,
    ) -> int:
        """Sends an event to every session that wants it; returns how many sessions got it."""
        sent = 0
        for session in list(self.sessions.values()):
            if not session.wants(guild_id, intent):
                continue
            payload = data
            if message is not None and not self._sees_content(session, message):
                payload = redacted(data)
            await self.send(session, event, payload)
            sent += 1
        self.notify()
        return sent

    def _sees_content(self, session: Session, message: Message) -> bool:
        bot_id = self.world.bot.id
        return (
            bool(session.intents & MESSAGE_CONTENT)
            or message.author.id == bot_id
            or message.mentions_user(bot_id)
        )

    @property
    def live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if not s.invalid]

    # ------------------------------------------------------------ faults

    async def drop(self, *, code: int | None, hold: bool) -> int:
        """Closes every connection (with `code`, or abruptly when None); sessions stay resumable."""
        if hold:
            self._open.clear()
        connections = list(self.connections)
        for conn in connections:
            conn.dropped = True
            if code is None:
                transport = conn.request.transport
                if transport is not None:
                    transport.abort()
            else:
                await conn.ws.close(code=code, message=b"Dropped by the test.")
        for conn in connections:
            await asyncio.wait_for(conn.done.wait(), timeout=5)
        return len(connections)

    def release(self) -> None:
        self._open.set()

    async def send_op_to_all(self, op: int, data: Any) -> None:
        for conn in list(self.connections):
            await self._send_op(conn.ws, op, data)

    async def invalidate(self, *, resumable: bool) -> None:
        if not resumable:
            for session in self.sessions.values():
                session.invalid = True
        await self.send_op_to_all(INVALID_SESSION, resumable)

    async def close(self) -> None:
        self._open.set()
        for conn in list(self.connections):
            conn.dropped = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001, message=b"Emulator stopping."), timeout=2)
