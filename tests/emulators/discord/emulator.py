"""DiscordEmulator: a local Discord for tests. The real, unpatched discord.py talks to it over a real
WebSocket and real HTTP; the test builds guilds, channels and people, acts as those people (messages,
slash commands, buttons), injects faults, and reads back what the bot did.

    emulator = DiscordEmulator()
    guild = emulator.add_guild("Practice")
    channel = emulator.add_channel(guild, "general")
    await emulator.start()
    monkeypatch.setattr(discord.http.Route, "BASE", emulator.api_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emulator.gateway_url))
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
import os
import re
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import aiohttp
from aiohttp import web

from .cdn import Cdn
from .direct import NO_GUILD, DirectMessages
from .gateway import RECONNECT, Gateway, SentEvent
from .interactions import (
    APPLICATION_COMMAND,
    ATTACHMENT_SIZE_LIMIT,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    InteractionHandle,
    InteractionRoutes,
    command_data,
    dm_interaction_payload,
    find_command,
    interaction_payload,
    modal_submit_data,
    new_record,
)
from .invalid import InvalidRequests
from .model import (
    GUILD_FORUM,
    GUILD_MEMBERS,
    GUILD_MESSAGES,
    GUILDS,
    JSON,
    MANAGE_CHANNELS,
    PRIVILEGED_INTENTS,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    Channel,
    Message,
    Overwrite,
    World,
    find_component,
    now_iso,
)
from .ratelimit import DEFAULT_ROUTE_LIMITS, Fault, Faults, RateLimiter, Window, too_many_requests
from .responses import BODY, FILES, ApiError, form_error, not_found_route, unauthorized
from .rest import RestRoutes
from .validation import DEFAULT_OPENAPI, BodyValidator
from .waiting import Changes

API_PREFIX = "/api/v10"
LOG_ENV = "PRACTICEBOT_EMULATOR_LOG"
DROPPED = 0  # fail_next's status for a connection cut without an answer
T = TypeVar("T")


@dataclass
class ReceivedRequest:
    method: str
    path: str  # as received, /api/v10/...
    query: dict[str, str]
    body: Any
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    received_at: float = field(default_factory=time.monotonic)  # when it arrived (time.monotonic)

    @property
    def api_path(self) -> str:
        return self.path.removeprefix(API_PREFIX)


class DiscordEmulator:
    def __init__(
        self,
        token: str = "test-token",
        *,
        bot_name: str = "practicebot",
        heartbeat_interval: int = 41250,
        global_rate_limit: int = 50,
        route_limits: Mapping[str, tuple[int, float]] = DEFAULT_ROUTE_LIMITS,
        latency: float = 0.0,
        openapi_path: Path | None = DEFAULT_OPENAPI,
        interaction_deadline: float = 3.0,
        interaction_token_ttl: float = 15 * 60.0,
        nonce_ttl: float = 5 * 60.0,
        event_buffer: int = 1000,
        enabled_privileged_intents: int = PRIVILEGED_INTENTS,
        clock: Callable[[], float] = time.monotonic,
        recommended_shards: int | None = None,
        attachment_size_limit: int = ATTACHMENT_SIZE_LIMIT,
    ) -> None:
        """`route_limits` maps "METHOD /template" to (requests, per seconds); `clock` drives interaction
        deadlines, token lifetimes and nonce windows (rate limits run on real time, as discord.py sleeps).
        `recommended_shards` is what GET /gateway/bot answers; None: one per 1,000 guilds, as Discord."""
        self.token = token
        self._revoked_token = token
        self.attachment_size_limit = attachment_size_limit  # bytes per file, as Discord's 413 (40005)
        self.attachment_data: dict[int, bytes] = {}  # attachment id -> the bytes uploaded
        self.recommended_shards = recommended_shards
        self.latency = latency
        self.interaction_deadline = interaction_deadline
        self.interaction_token_ttl = interaction_token_ttl
        self.nonce_ttl = nonce_ttl
        self.clock = clock
        self.world = World(bot_name=bot_name)
        self.changes = Changes()
        self.gateway = Gateway(
            self.world,
            token=token,
            heartbeat_interval=heartbeat_interval,
            buffer_size=event_buffer,
            enabled_privileged_intents=enabled_privileged_intents,
            notify=self.changes.notify,
        )
        self.rest = RestRoutes(self)
        self.direct = DirectMessages(self)
        self.interactions = InteractionRoutes(self)
        self.cdn = Cdn(self)  # attachment links: signed, expiring, and the bytes behind them
        self.validator = BodyValidator(openapi_path)
        self.ratelimits = RateLimiter(global_rate_limit, route_limits)
        self.faults = Faults()
        self.requests: list[ReceivedRequest] = []
        self.count_429 = 0
        self._thread_active: dict[int, float] = {}  # thread id -> last activity, on the clock
        self._archived: set[int] = set()  # threads archived for inactivity, announced to the bot
        self.invalid = InvalidRequests(
            lambda: self.clock()
        )  # 401/403/429 per 10 minutes, and the ban past 10,000
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._log_path: Path | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._managers_role: dict[int, int] = {}

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> DiscordEmulator:
        log = os.environ.get(LOG_ENV)
        self._log_path = Path(log) if log else None
        app = web.Application(middlewares=[self._middleware])
        for method, template, handler in [
            *self.rest.routes(),
            *self.interactions.routes(),
            *self.direct.routes(),
        ]:
            app.router.add_route(method, API_PREFIX + template, handler)
        for method, template, handler in self.cdn.routes():
            app.router.add_route(method, template, handler)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/resume", self.gateway.handle)  # READY's resume_gateway_url
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self.gateway.resume_url = f"ws://127.0.0.1:{self.port}/gateway/resume"
        return self

    async def stop(self) -> None:
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """For `discord.http.Route.BASE` (a str)."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """For `DiscordWebSocket.DEFAULT_GATEWAY` (wrap it in `yarl.URL`; discord.py adds the query)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def bot_user_id(self) -> int:
        return self.world.bot.id

    @property
    def application_id(self) -> int:
        return self.world.application_id

    # ------------------------------------------------------------ every request: log, auth, faults, limits, validation

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        arrived = time.monotonic()
        body, files, bad_body = await self._read_body(request)
        received = ReceivedRequest(
            request.method, request.path, dict(request.query), body, received_at=arrived
        )
        self.requests.append(received)
        self._log(received)
        if not request.path.startswith(API_PREFIX + "/"):
            upgraded = await handler(request)  # the gateway: returns when the WebSocket closes
            received.status = upgraded.status
            return upgraded
        window: Window | None = None
        banned = self.invalid.banned()
        if banned is not None:
            received.status = banned.status
            return banned
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            template = self._template(request)
            # interaction callbacks and their webhooks authenticate by token and skip the global limit
            by_token = template.startswith(("/interactions/", "/webhooks/{webhook_id}/{webhook_token}"))
            if not by_token and request.headers.get("Authorization") != f"Bot {self.token}":
                raise unauthorized()
            window = self.ratelimits.window(f"{request.method} {template}", _major(request.match_info))
            fault = self.faults.take(request.method, received.api_path)
            if fault is not None and not fault.apply:
                if fault.status == DROPPED:
                    return _drop(request, received)
                raise fault.error(window.headers(time.monotonic()) if window else {})
            self._take_rate_limits(window, by_token)
            if bad_body is not None:
                raise bad_body
            self.validator.check(request.method, template, body)
            request[BODY], request[FILES] = body, files
            response = await handler(request)
            if fault is not None:  # applied, but the answer is lost: a retry must not do it twice
                if fault.status == DROPPED:
                    self.changes.notify()
                    return _drop(request, received)
                raise fault.error(window.headers(time.monotonic()) if window else {})
        except ApiError as error:
            response = error.response()
        if window is not None:
            response.headers.update(window.headers(time.monotonic()))
        if response.status == 429:
            self.count_429 += 1
        self.invalid.note(response.status, response.headers)
        received.status = response.status
        received.response_headers = dict(response.headers)
        self.changes.notify()
        return response

    @staticmethod
    def _template(request: web.Request) -> str:
        """The route's path template ("/channels/{channel_id}/messages"), as the OpenAPI file names it."""
        unmatched = request.match_info.http_exception
        if unmatched is not None:
            if unmatched.status == 404:
                raise not_found_route()
            raise ApiError(unmatched.status, 0, f"{unmatched.status}: {unmatched.reason}")
        return request.match_info.route.resource.canonical.removeprefix(API_PREFIX)  # type: ignore[union-attr]

    def _take_rate_limits(self, window: Window | None, by_token: bool) -> None:
        now = time.monotonic()
        bucket_headers = window.headers(now) if window is not None else {}
        wait = None if by_token else self.ratelimits.take_global(now)
        if wait is not None:
            raise too_many_requests(wait, is_global=True, headers=bucket_headers)
        wait = window.take(now) if window is not None else None
        if wait is not None:
            raise too_many_requests(wait, is_global=False, headers=bucket_headers)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[JSON], ApiError | None]:
        if request.content_type == "multipart/form-data":
            return await self._read_multipart(request)
        raw = await request.read()
        if not raw:
            return None, [], None
        try:
            return json.loads(raw), [], None
        except ValueError:
            return (
                raw.decode(errors="replace"),
                [],
                ApiError(400, 50109, "The request body contains invalid JSON."),
            )

    async def _read_multipart(self, request: web.Request) -> tuple[Any, list[JSON], ApiError | None]:
        """Discord's multipart body: `payload_json` (validated like a JSON body) and `files[n]`
        parts, each named by an entry of the payload's `attachments` with id n. A file over the
        attachment size limit answers 413 (40005). The bytes are kept in `attachment_data`."""
        body: Any = None
        parts: dict[int, JSON] = {}
        error: ApiError | None = None
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, aiohttp.BodyPartReader):
                continue
            name = part.name or ""
            data = await part.read(decode=False)
            if name == "payload_json":
                try:
                    body = json.loads(data)
                except ValueError:
                    error = error or ApiError(400, 50109, "The request body contains invalid JSON.")
                continue
            index = re.fullmatch(r"files\[(\d+)\]", name)
            if index is None or not part.filename:
                error = error or form_error((name or "file",), "BASE_TYPE_BAD_NAME", "Unknown form field.")
                continue
            if len(data) > self.attachment_size_limit:
                error = error or ApiError(413, 40005, "Request entity too large")
                continue
            parts[int(index[1])] = {  # its id and signed link come when it is stored (rest._uploads)
                "filename": part.filename,
                "size": len(data),
                # Discord types a file by its name (discord.py sends them all as octet-stream)
                "content_type": mimetypes.guess_type(part.filename)[0] or "application/octet-stream",
                **_image_size(bytes(data)),
                "_data": bytes(data),
            }
        # a forum post's files are described by its message (discord.py nests the message fields),
        # an interaction response's by its data ({"type": 4, "data": {...}})
        nested = (
            next((body[k] for k in ("message", "data") if isinstance(body.get(k), dict)), None)
            if isinstance(body, dict)
            else None
        )
        holder = nested if isinstance(nested, dict) else body
        described = holder.get("attachments") if isinstance(holder, dict) else None
        files: list[JSON] = []
        for position, attachment in enumerate(described or []):
            try:
                index_of = int(attachment.get("id"))
            except (TypeError, ValueError, AttributeError):
                index_of = -1
            found = parts.pop(index_of, None)
            if found is None:
                error = error or form_error(
                    ("attachments", position, "id"), "ATTACHMENT_NOT_FOUND", "Attachment data not found"
                )
                continue
            for key in ("description", "title"):
                if attachment.get(key):
                    found[key] = attachment[key]
            files.append(found)
        files.extend(parts.values())  # Discord takes a file that payload_json does not describe too
        return body, files, error

    def _log(self, received: ReceivedRequest) -> None:
        if self._log_path is None:
            return
        line = {
            "platform": "discord",
            "method": received.method,
            "path": received.path,
            "query": received.query,
            "body": received.body,
        }
        with self._log_path.open("a") as log:
            log.write(json.dumps(line) + "\n")

    # ------------------------------------------------------------ events the bot receives

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """For the synchronous setup calls made while a bot is connected: dispatch in order."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def publish(self, message: Message, event: str) -> None:
        """MESSAGE_CREATE/UPDATE as Discord sends them: not for ephemeral messages, not in channels
        the bot cannot see, only with GUILD_MESSAGES, content only with MESSAGE_CONTENT or a mention;
        never for DMs (that needs DIRECT_MESSAGES, which the bot does not ask for)."""
        if message.guild_id == NO_GUILD:
            return
        if message.ephemeral or not self.world.can_view(self.world.channels[message.channel_id]):
            return
        channel = self.world.channels[message.channel_id]
        if channel.is_thread and event == "MESSAGE_CREATE":
            self._thread_active[channel.id] = self.clock()
            if channel.id in self._archived and not channel.archived:
                # a message in an archived thread unarchived it: Discord sends THREAD_UPDATE first
                self._archived.discard(channel.id)
                await self._thread_update(channel)
        data = self.world.message_event(message)
        await self.gateway.dispatch(
            event, data, guild_id=message.guild_id, intent=GUILD_MESSAGES, message=message
        )

    async def remove_message(self, message: Message) -> None:
        if message.guild_id == NO_GUILD:
            self.direct.remove(message)
            return
        self.world.messages.get(message.channel_id, {}).pop(message.id, None)
        if message.ephemeral:
            return
        data = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "guild_id": str(message.guild_id),
        }
        await self.gateway.dispatch("MESSAGE_DELETE", data, guild_id=message.guild_id, intent=GUILD_MESSAGES)

    async def archive_idle_threads(self) -> list[int]:
        """Archive every thread idle for its `auto_archive_duration` (minutes, on the clock), as
        Discord does ("the thread will stop showing in the channel list after
        auto_archive_duration minutes of inactivity"), each with a THREAD_UPDATE; the ids."""
        archived = []
        for thread in list(self.world.channels.values()):
            idle = self.clock() - self._thread_active.get(thread.id, self.clock())
            if thread.is_thread and not thread.archived and idle >= thread.auto_archive_duration * 60:
                thread.archived = True
                thread.archive_timestamp = now_iso()
                self._archived.add(thread.id)
                archived.append(thread.id)
                await self._thread_update(thread)
        return archived

    async def _thread_update(self, thread: Channel) -> None:
        data = thread.payload(me=self.world.bot.id)
        await self.gateway.dispatch("THREAD_UPDATE", data, guild_id=thread.guild_id, intent=GUILDS)

    async def announce_thread(self, thread: Channel) -> None:
        self._thread_active[thread.id] = self.clock()
        data = thread.payload(me=self.world.bot.id) | {"newly_created": True}
        await self.gateway.dispatch("THREAD_CREATE", data, guild_id=thread.guild_id, intent=GUILDS)
        await self._thread_members_update(thread, list(thread.members), [])

    async def change_thread_members(
        self, thread: Channel, *, added: Sequence[int] = (), removed: Sequence[int] = ()
    ) -> None:
        joined = [u for u in added if u not in thread.members]
        left = [u for u in removed if u in thread.members]
        for user_id in joined:
            thread.members[user_id] = now_iso()
        await self._thread_members_update(thread, joined, left)
        for user_id in left:
            thread.members.pop(user_id)

    async def _thread_members_update(self, thread: Channel, joined: list[int], left: list[int]) -> None:
        if not joined and not left:
            return
        guild = self.world.guild(thread.guild_id)
        data = {
            "id": str(thread.id),
            "guild_id": str(thread.guild_id),
            "member_count": min(len(thread.members) - len(left), 50),
            "added_members": [
                thread.thread_member(u) | {"member": guild.members[u].payload()} for u in joined
            ],
            "removed_member_ids": [str(u) for u in left],
        }
        # the bot always hears about itself; about others only with GUILD_MEMBERS
        about_bot = self.world.bot.id in (*joined, *left)
        await self.gateway.dispatch(
            "THREAD_MEMBERS_UPDATE",
            data,
            guild_id=thread.guild_id,
            intent=GUILDS if about_bot else GUILDS | GUILD_MEMBERS,
        )

    # ------------------------------------------------------------ building the world (tests)

    def add_guild(self, name: str, *, guild_id: int | None = None) -> int:
        """A new guild; `guild_id` chooses its id, and so its shard (`guild_id_on_shard`)."""
        guild = self.world.add_guild(name, guild_id)
        if self.gateway.live_sessions:
            self._spawn(self._guild_create(guild.id))
        return guild.id

    async def _guild_create(self, guild_id: int) -> None:
        guild = self.world.guild(guild_id)
        for session in self.gateway.live_sessions:
            if session.wants(guild_id, 0):
                await self.gateway.send(
                    session, "GUILD_CREATE", self.world.guild_create_payload(guild, session.intents)
                )
        self.changes.notify()

    def add_channel(self, guild_id: int, name: str) -> int:
        channel = self.world.add_channel(guild_id, name)
        if self.gateway.live_sessions:
            self._spawn(
                self.gateway.dispatch("CHANNEL_CREATE", channel.payload(), guild_id=guild_id, intent=GUILDS)
            )
        return channel.id

    def add_forum(
        self, guild_id: int, name: str, *, tags: tuple[str, ...] = (), require_tag: bool = False
    ) -> int:
        """A forum channel (type 15) with these tags; `require_tag` sets REQUIRE_TAG."""
        forum = self.world.add_forum(guild_id, name, tags=tags, require_tag=require_tag)
        if self.gateway.live_sessions:
            self._spawn(
                self.gateway.dispatch("CHANNEL_CREATE", forum.payload(), guild_id=guild_id, intent=GUILDS)
            )
        return forum.id

    def forum_tags(self, forum_id: int) -> list[str]:
        return [t["name"] for t in self._channel(forum_id).available_tags]

    def applied_tags(self, thread_id: int) -> list[str]:
        """The names of the tags a forum post carries."""
        thread = self._channel(thread_id)
        names = {int(t["id"]): t["name"] for t in self.world.text_channel(thread).available_tags}
        return [names[t] for t in thread.applied_tags or []]

    async def allow_bot(self, channel_id: int, permissions: int) -> None:
        """Grants the bot `permissions` in the channel (a member overwrite), like an admin would."""
        channel = self.world.text_channel(self._channel(channel_id))
        channel.overwrites[self.bot_user_id] = Overwrite(self.bot_user_id, 1, allow=permissions)
        await self.channel_update(channel)

    async def channel_update(self, channel: Channel) -> None:
        await self.gateway.dispatch(
            "CHANNEL_UPDATE", channel.payload(), guild_id=channel.guild_id, intent=GUILDS
        )

    def add_member(
        self, guild_id: int, name: str, *, manage_channels: bool = False, bot: bool = False
    ) -> int:
        roles = [self._managers(guild_id)] if manage_channels else []
        user = self.world.add_member(guild_id, name, bot=bot, roles=roles)
        data = self.world.guild(guild_id).members[user.id].payload() | {"guild_id": str(guild_id)}
        if self.gateway.live_sessions:
            self._spawn(
                self.gateway.dispatch("GUILD_MEMBER_ADD", data, guild_id=guild_id, intent=GUILD_MEMBERS)
            )
        return user.id

    def _managers(self, guild_id: int) -> int:
        if guild_id not in self._managers_role:
            self._managers_role[guild_id] = self.world.add_role(
                guild_id, "Channel Managers", MANAGE_CHANNELS
            ).id
        return self._managers_role[guild_id]

    async def delete_channel(self, channel_id: int) -> None:
        """Deletes a channel (its threads and messages go with it) and tells the bot."""
        channel = self._channel(channel_id)
        visible = self.world.can_view(channel)
        data = channel.payload()
        self.world.remove_channel(channel_id)
        if visible:
            event = "THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE"
            await self.gateway.dispatch(event, data, guild_id=channel.guild_id, intent=GUILDS)

    async def revoke_access(self, channel_id: int, *, keep: Literal["nothing", "view"] = "nothing") -> None:
        """Denies the bot the channel: `keep="nothing"` hides it (REST answers 403 Missing Access,
        50001); `keep="view"` leaves it visible but denies sending (403 Missing Permissions, 50013)."""
        channel = self.world.text_channel(self._channel(channel_id))
        deny = VIEW_CHANNEL if keep == "nothing" else SEND_MESSAGES | SEND_MESSAGES_IN_THREADS
        channel.overwrites[self.bot_user_id] = Overwrite(self.bot_user_id, 1, deny=deny)
        await self.channel_update(channel)

    async def restore_access(self, channel_id: int) -> None:
        channel = self.world.text_channel(self._channel(channel_id))
        channel.overwrites.pop(self.bot_user_id, None)
        await self.channel_update(channel)

    def _channel(self, channel_id: int) -> Channel:
        try:
            return self.world.channels[channel_id]
        except KeyError:
            raise LookupError(f"no channel {channel_id}") from None

    # ------------------------------------------------------------ people acting (tests)

    async def post_message(
        self, channel_id: int, user_id: int, content: str, *, reply_to: int | None = None
    ) -> JSON:
        """A person writes in a channel or thread; the bot gets MESSAGE_CREATE if its intents allow."""
        channel = self._channel(channel_id)
        user = self.world.users[user_id]
        needed = VIEW_CHANNEL | (SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES)
        if self.world.permissions(channel, user_id) & needed != needed:
            raise PermissionError(f"{user.username} cannot write in #{channel.name}")
        if channel.type == GUILD_FORUM:
            raise PermissionError(f"#{channel.name} is a forum: people write in its posts (threads)")
        reference = None
        if reply_to is not None:
            reference = {
                "type": 0,
                "message_id": str(reply_to),
                "channel_id": str(channel_id),
                "guild_id": str(channel.guild_id),
            }
        message = self.world.new_message(
            channel,
            user,
            {"content": content},
            settable_flags=0,
            message_reference=reference,
            type=19 if reference else 0,
        )
        self.world.add_message(message)
        await self.publish(message, "MESSAGE_CREATE")
        return self.world.message_payload(message)

    async def create_post(self, forum_id: int, user_id: int, name: str, content: str) -> int:
        """A person opens a post in a forum: a public thread whose starter message has its id
        (THREAD_CREATE, then MESSAGE_CREATE). Returns the post's id."""
        forum = self._channel(forum_id)
        if forum.type != GUILD_FORUM:
            raise ValueError(f"#{forum.name} is not a forum")
        if not self.world.permissions(forum, user_id) & SEND_MESSAGES:
            raise PermissionError(f"{self.world.users[user_id].username} cannot post in #{forum.name}")
        post_id = self.world.ids.next()
        thread = self.world.add_thread(
            forum, thread_id=post_id, name=name, type_=11, owner_id=user_id, archive_after=1440
        )
        starter = self.world.new_message(
            thread, self.world.users[user_id], {"content": content}, settable_flags=0, message_id=post_id
        )
        self.world.add_message(starter)
        await self.announce_thread(thread)
        await self.publish(starter, "MESSAGE_CREATE")
        return post_id

    async def revoke_token(self, *, close_gateway: bool = True) -> None:
        """The bot's token is reset in the Developer Portal: every REST call with the old one
        answers 401 {"code": 0, "message": "401: Unauthorized"}, an IDENTIFY with it is closed
        with 4004 Authentication failed, and (`close_gateway`) so are the live sessions; without,
        the moment between the reset and the gateway noticing, when REST calls already fail."""
        self._revoked_token = self.token
        self.token = self.gateway.token = "reset-" + os.urandom(8).hex()
        for session in self.gateway.live_sessions if close_gateway else ():
            if session.ws is not None:
                await session.ws.close(code=4004, message=b"Authentication failed.")

    def restore_token(self) -> None:
        """The old token works again (a test's stand-in for deploying the new one)."""
        self.token = self.gateway.token = self._revoked_token

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        """A moderator deletes a message (MESSAGE_DELETE goes out). REST on it then answers 404
        Unknown Message (10008); a thread started from it stays, with the message's id, as on
        Discord (the thread outlives its starter message, whose fetch answers 10008)."""
        await self.remove_message(self._find_message(channel_id, message_id))

    async def join_thread(self, thread_id: int, user_id: int) -> None:
        await self.change_thread_members(self._channel(thread_id), added=[user_id])

    def attach_file(
        self, channel_id: int, filename: str, data: bytes, *, content_type: str | None = None
    ) -> int:
        """A person picks a file for a command's attachment option: their client uploads it to the
        CDN first (an ephemeral attachment). Give the id as the option's value; the interaction
        then carries it in `data.resolved.attachments` with a signed link that expires."""
        file = self.cdn.add(self.world.ids.next(), channel_id, filename, data, content_type=content_type)
        self.world.attachments[file.id] = self.cdn.payload(file, ephemeral=True)
        return file.id

    async def slash_command(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        subcommand: str | None = None,
    ) -> InteractionHandle:
        """A person runs a registered command; `subcommand` is "sub" or "group sub"."""
        command = find_command(self.world, guild_id, name)
        if command is None:
            raise LookupError(f"/{name} is not registered for guild {guild_id}: sync the command tree first")
        path = subcommand.split() if subcommand else []
        data = command_data(self.world, command, guild_id, options or {}, path)
        return await self._interact(
            APPLICATION_COMMAND, guild_id, channel_id, user_id, data, " ".join([name, *path])
        )

    async def autocomplete(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        subcommand: str | None = None,
    ) -> InteractionHandle:
        """A person typing into option `focused`; read the suggestions with `await handle.choices()`."""
        command = find_command(self.world, guild_id, name)
        if command is None:
            raise LookupError(f"/{name} is not registered for guild {guild_id}")
        path = subcommand.split() if subcommand else []
        data = command_data(self.world, command, guild_id, options, path, focused=focused)
        return await self._interact(
            AUTOCOMPLETE, guild_id, channel_id, user_id, data, " ".join([name, *path])
        )

    async def click_button(
        self, guild_id: int, channel_id: int, user_id: int, message_id: int, custom_id: str
    ) -> InteractionHandle:
        message = self._find_message(channel_id, message_id)
        data = _press(message, custom_id)
        return await self._interact(MESSAGE_COMPONENT, guild_id, channel_id, user_id, data, source=message)

    async def click_dm_button(self, user_id: int, message_id: int, custom_id: str) -> InteractionHandle:
        """A person presses a button on a message in their DM with the bot (the bot's own, or an
        ephemeral response it gave there)."""
        channel_id = self.direct.channel_with(user_id)
        if channel_id is None:
            raise LookupError(f"the bot has no DM channel with {user_id}")
        message = self._find_dm_message(channel_id, message_id)
        data = _press(message, custom_id)
        return await self._interact_in_dm(MESSAGE_COMPONENT, channel_id, user_id, data, message)

    def _find_dm_message(self, channel_id: int, message_id: int) -> Message:
        message = self.direct.find(channel_id, message_id)
        for record in self.interactions.by_id.values():
            if message is None and record.channel_id == channel_id:
                message = record.messages.get(message_id)  # an ephemeral response in the DM
        if message is None:
            raise LookupError(f"no message {message_id} in DM channel {channel_id}")
        return message

    async def _interact_in_dm(
        self, kind: int, channel_id: int, user_id: int, data: JSON, source: Message
    ) -> InteractionHandle:
        if not any(s.wants(NO_GUILD, 0) for s in self.gateway.live_sessions):
            raise RuntimeError("no bot has identified with the gateway as shard 0 (DMs go there) yet")
        record = new_record(self.world, kind, NO_GUILD, channel_id, user_id, self.clock())
        record.source_message_id = source.id
        if source.ephemeral:
            record.messages[source.id] = source
        channel = self.direct.interaction_channel(channel_id)
        record.payload = dm_interaction_payload(
            self.world,
            record,
            data,
            channel,
            self.world.message_payload(source),
            size_limit=self.attachment_size_limit,
        )
        self.interactions.add(record)
        record.dispatched_at = self.clock()
        await self.gateway.dispatch("INTERACTION_CREATE", record.payload, guild_id=NO_GUILD)  # shard 0
        return InteractionHandle(record, self.world, self.changes)

    async def select(
        self, guild_id: int, channel_id: int, user_id: int, message_id: int, custom_id: str, values: list[str]
    ) -> InteractionHandle:
        """Chooses `values` in a string select menu."""
        message = self._find_message(channel_id, message_id)
        menu = find_component(message.components, custom_id)
        if menu is None or menu.get("type") != 3:
            raise LookupError(f"message {message_id} has no string select {custom_id!r}")
        offered = {o["value"] for o in menu.get("options") or []}
        if not set(values) <= offered:
            raise ValueError(f"{values} are not all among the options {sorted(offered)}")
        data = {"custom_id": custom_id, "component_type": 3, "values": values}
        return await self._interact(MESSAGE_COMPONENT, guild_id, channel_id, user_id, data, source=message)

    async def submit_modal(self, shown_by: InteractionHandle, values: Mapping[str, str]) -> InteractionHandle:
        """Fills in and submits the modal the bot answered `shown_by` with (callback type 9)."""
        callback = await shown_by.response()
        if callback.get("type") != MODAL:
            raise ValueError(
                f"interaction {shown_by.id} was answered with type {callback.get('type')}, not a modal"
            )
        record = shown_by.record
        data = modal_submit_data(callback["data"], values)
        if record.guild_id == NO_GUILD:
            assert record.source_message_id is not None  # in a DM only a button opens a modal
            source = self._find_dm_message(record.channel_id, record.source_message_id)
            return await self._interact_in_dm(MODAL_SUBMIT, record.channel_id, record.user_id, data, source)
        source = (
            self._find_message(record.channel_id, record.source_message_id)
            if record.source_message_id
            else None
        )
        return await self._interact(
            MODAL_SUBMIT, record.guild_id, record.channel_id, record.user_id, data, source=source
        )

    def _find_message(self, channel_id: int, message_id: int) -> Message:
        message = self.world.messages.get(channel_id, {}).get(message_id)
        for record in self.interactions.by_id.values():
            message = message or record.messages.get(
                message_id
            )  # ephemeral messages live with their interaction
        if message is None:
            raise LookupError(f"no message {message_id} in channel {channel_id}")
        return message

    async def _interact(
        self,
        kind: int,
        guild_id: int,
        channel_id: int,
        user_id: int,
        data: JSON,
        command_name: str | None = None,
        *,
        source: Message | None = None,
    ) -> InteractionHandle:
        channel = self._channel(channel_id)
        guild = self.world.guild(guild_id)
        if channel.guild_id != guild_id or user_id not in guild.members:
            raise LookupError(f"channel {channel_id} and user {user_id} must both be in guild {guild_id}")
        if not self.world.permissions(channel, user_id) & VIEW_CHANNEL:
            raise PermissionError(f"user {user_id} cannot see channel {channel_id}")
        if not any(s.wants(guild_id, 0) for s in self.gateway.live_sessions):
            raise RuntimeError(f"no bot has identified with the gateway for guild {guild_id}'s shard yet")
        record = new_record(self.world, kind, guild_id, channel_id, user_id, self.clock())
        record.command_name = command_name
        if source is not None:
            record.source_message_id = source.id
            if source.ephemeral:
                record.messages[source.id] = source
        message = self.world.message_payload(source) if source is not None else None
        record.payload = interaction_payload(
            self.world, record, data, message, size_limit=self.attachment_size_limit
        )
        self.interactions.add(record)
        record.dispatched_at = self.clock()
        await self.gateway.dispatch("INTERACTION_CREATE", record.payload, guild_id=guild_id)
        return InteractionHandle(record, self.world, self.changes)

    # ------------------------------------------------------------ faults (tests)

    def fail_next(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        status: int,
        times: int = 1,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        apply: bool = False,
        spare: int = 0,
    ) -> None:
        """Answers the next `times` matching requests (after serving `spare` of them normally) with `status` instead of serving them.
        `path_pattern` is a glob ("/channels/*/messages") or a compiled regex, matched against the
        path after /api/v10; `method` may be "*". A 429 gets Retry-After, Via and the bucket
        headers, with `retry_after` 0.05 s unless `body` says otherwise. `apply=True` serves the
        request first and loses the answer (a 500 after the message was created). Status
        DROPPED (0) cuts the connection instead of answering, before serving it or (`apply`) after."""
        self.faults.add(
            Fault(method.upper(), path_pattern, status, times, body, dict(headers or {}), apply, spare)
        )

    async def drop_gateway(self, code: int | None = 4000, *, hold: bool = False) -> int:
        """Closes the bot's WebSockets (close `code`, or an abrupt 1006-like cut when None); the
        sessions stay resumable. `hold=True` keeps reconnects waiting until `release_gateway()`,
        so a test can dispatch while the bot is away. Returns how many connections were dropped."""
        dropped = await self.gateway.drop(code=code, hold=hold)
        self.changes.notify()
        return dropped

    def release_gateway(self) -> None:
        self.gateway.release()

    async def request_reconnect(self) -> None:
        """Sends op 7 RECONNECT: discord.py closes and resumes."""
        await self.gateway.send_op_to_all(RECONNECT, None)

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Sends op 9; with `resumable=False` the sessions are gone and the bot must IDENTIFY again."""
        await self.gateway.invalidate(resumable=resumable)

    # ------------------------------------------------------------ observing (tests)

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 3.0,  # noqa: ASYNC109 - a timeout that names what it waited for
        what: str = "a condition",
    ) -> T:
        """Waits until `predicate()` is truthy (re-checked on every change); returns its value."""
        return await self.changes.wait_for(predicate, timeout, what)

    async def wait_for_request(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        timeout: float = 3.0,  # noqa: ASYNC109
    ) -> ReceivedRequest:
        """The first answered request matching, like `fail_next` matches."""
        matcher = Fault(method.upper(), path_pattern, 0, 0)

        def found() -> ReceivedRequest | None:
            return next(
                (q for q in self.requests if q.status and matcher.matches(q.method, q.api_path)), None
            )

        return await self.wait_for(found, timeout, f"{method} {path_pattern}")

    async def wait_until_ready(self, timeout: float = 3.0) -> None:  # noqa: ASYNC109
        """Until a bot has identified and been sent every GUILD_CREATE."""

        def ready() -> bool:
            sessions = self.gateway.live_sessions
            if not sessions:
                return False
            newest = sessions[-1]
            sent = {
                e.data["id"]
                for e in self.gateway.sent
                if e.session_id == newest.id and e.name == "GUILD_CREATE"
            }
            return len(sent) >= len(self.world.guilds_for(newest.shard))

        await self.wait_for(ready, timeout, "a bot to identify and receive its guilds")

    async def wait_until_shards_ready(self, shard_count: int, timeout: float = 3.0) -> None:  # noqa: ASYNC109
        """Until every shard of `shard_count` has a live session that was sent each GUILD_CREATE of
        its guilds (the shards may be connected by different processes)."""

        def ready() -> bool:
            for shard_id in range(shard_count):
                shard = [shard_id, shard_count]
                wanted = {str(g.id) for g in self.world.guilds_for(shard)}
                if not any(
                    wanted
                    <= {
                        e.data["id"]
                        for e in self.gateway.sent
                        if e.session_id == s.id and e.name == "GUILD_CREATE"
                    }
                    for s in self.gateway.live_sessions
                    if s.shard == shard
                ):
                    return False
            return True

        await self.wait_for(ready, timeout, f"all {shard_count} shards to identify and receive their guilds")

    def shard_sessions(self) -> dict[int, list[str]]:
        """Live sessions by shard id (unsharded sessions under -1): which connection serves what."""
        found: dict[int, list[str]] = {}
        for session in self.gateway.live_sessions:
            found.setdefault(session.shard[0] if session.shard else -1, []).append(session.id)
        return found

    def messages(self, channel_id: int) -> list[JSON]:
        """The channel's (or thread's) messages, oldest first; ephemeral ones are on their handles."""
        return [self.world.message_payload(m) for m in self.world.messages.get(channel_id, {}).values()]

    def stored_messages(self, channel_id: int) -> list[Message]:
        """The stored messages themselves, with what the payload does not show (allowed_mentions)."""
        return list(self.world.messages.get(channel_id, {}).values())

    def threads_of(self, channel_id: int) -> list[JSON]:
        return [c.payload() for c in self.world.channels.values() if c.parent_id == channel_id]

    def thread_members(self, thread_id: int) -> list[int]:
        return list(self._channel(thread_id).members)

    @property
    def commands(self) -> list[JSON]:
        """Every registered command: global ones, then each guild's (those carry `guild_id`)."""
        found = list(self.world.global_commands.values())
        for commands in self.world.guild_commands.values():
            found += commands.values()
        return found

    def dispatched(self, event: str | None = None) -> list[SentEvent]:
        """Gateway events sent (first sends; replays on RESUME are not repeated here)."""
        return [e for e in self.gateway.sent if event is None or e.name == event]

    @property
    def identify_count(self) -> int:
        return self.gateway.identifies

    @property
    def resume_count(self) -> int:
        return self.gateway.resumes

    @property
    def intents(self) -> int | None:
        """The intents of the newest live session."""
        sessions = self.gateway.live_sessions
        return sessions[-1].intents if sessions else None

    @property
    def replayed_on_last_resume(self) -> int:
        sessions = self.gateway.live_sessions
        return sessions[-1].replayed if sessions else 0


def _drop(request: web.Request, received: ReceivedRequest) -> web.StreamResponse:
    """The connection cut before an answer (a load balancer's reset, a network that gave way):
    the client gets no status at all, only a closed connection."""
    received.status = DROPPED
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)  # never arrives


def _image_size(data: bytes) -> dict[str, int]:
    """An image attachment's width and height, as Discord adds them (PNG: from its IHDR chunk)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return {"width": int.from_bytes(data[16:20], "big"), "height": int.from_bytes(data[20:24], "big")}
    return {}


def _major(match_info: Mapping[str, str]) -> str:
    """The major parameters that split a route's bucket, as Discord and discord.py key them."""
    names = ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id", "interaction_token")
    return "+".join(match_info[n] for n in names if n in match_info)


def _press(message: Message, custom_id: str) -> JSON:
    """The `data` of a press on the message's button `custom_id`, if it has that button, enabled."""
    button = find_component(message.components, custom_id)
    if button is None or button.get("type") != 2:
        raise LookupError(f"message {message.id} has no button {custom_id!r}")
    if button.get("disabled"):
        raise ValueError(f"button {custom_id!r} is disabled")
    return {"custom_id": custom_id, "component_type": 2}
