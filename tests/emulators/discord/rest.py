"""REST routes a bot built on discord.py and app_commands uses: who am I, where is the gateway,
command sync, channels, messages (with `enforce_nonce`), threads and thread membership, forum
posts and a forum's tags.
Routes are named with the OpenAPI description's path templates, so each request finds its schema."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from . import responses as r
from .model import (
    ATTACH_FILES,
    CREATE_PRIVATE_THREADS,
    CREATE_PUBLIC_THREADS,
    FORUM_TAGS_MAX,
    GUILD_FORUM,
    GUILD_MEMBERS,
    HAS_THREAD,
    IS_COMPONENTS_V2,
    JSON,
    MANAGE_CHANNELS,
    MANAGE_MESSAGES,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    READ_MESSAGE_HISTORY,
    REPLY,
    REQUIRE_TAG,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    VIEW_CHANNEL,
    Channel,
    Message,
    now_iso,
)
from .responses import BODY, FILES, json_response, no_content, snowflake

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CREATE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
GUILDS_PER_SHARD = 1000  # what Discord's recommended shard count works out to (required at 2,500)


def has_message_fields(body: JSON, files: list[JSON]) -> bool:
    return bool(files) or any(body.get(k) for k in ("content", "embeds", "components", "sticker_ids", "poll"))


class RestRoutes:
    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emu = emulator
        self.world = emulator.world
        self.nonces: dict[tuple[int, str], tuple[int, float]] = {}  # (author, nonce) -> (message id, when)

    def routes(self) -> list[tuple[str, str, Handler]]:
        commands = "/applications/{application_id}/commands"
        guild_commands = "/applications/{application_id}/guilds/{guild_id}/commands"
        message = "/channels/{channel_id}/messages/{message_id}"
        return [
            ("GET", "/users/@me", self.me),
            ("GET", "/gateway", self.gateway),
            ("GET", "/gateway/bot", self.gateway_bot),
            ("GET", "/oauth2/applications/@me", self.application),
            ("GET", "/applications/@me", self.application),
            ("GET", commands, self.list_commands),
            ("PUT", commands, self.overwrite_commands),
            ("POST", commands, self.create_command),
            ("GET", guild_commands, self.list_commands),
            ("PUT", guild_commands, self.overwrite_commands),
            ("POST", guild_commands, self.create_command),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.guild_channels),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("PATCH", "/channels/{channel_id}", self.edit_channel),
            ("GET", "/guilds/{guild_id}/threads/active", self.active_threads),
            ("GET", "/channels/{channel_id}/messages", self.list_messages),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", message, self.get_message),
            ("PATCH", message, self.edit_message),
            ("DELETE", message, self.delete_message),
            ("POST", message + "/threads", self.thread_from_message),
            ("POST", "/channels/{channel_id}/threads", self.thread_without_message),
            ("PUT", "/channels/{channel_id}/thread-members/@me", self.join_thread),
            ("DELETE", "/channels/{channel_id}/thread-members/@me", self.leave_thread),
            ("GET", "/channels/{channel_id}/thread-members", self.list_thread_members),
            ("POST", "/channels/{channel_id}/typing", self.typing),
        ]

    # ------------------------------------------------------------ who and where

    async def me(self, request: web.Request) -> web.Response:
        extra = {"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}
        return json_response(self.world.bot.payload() | extra)

    async def gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.emu.gateway_url})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        limit = {
            "total": 1000,
            "remaining": 1000 - self.emu.gateway.identifies,
            "reset_after": 86_400_000,
            "max_concurrency": 1,
        }
        shards = self.emu.recommended_shards or max(1, -(-len(self.world.guilds) // GUILDS_PER_SHARD))
        return json_response({"url": self.emu.gateway_url, "shards": shards, "session_start_limit": limit})

    async def application(self, request: web.Request) -> web.Response:
        world = self.world
        return json_response(
            {
                "id": str(world.application_id),
                "name": world.bot.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": world.owner.payload(),
                "team": None,
                "bot": world.bot.payload(),
                "hook": True,
                "interactions_endpoint_url": None,  # set, discord.py warns that it gets no interactions
                "redirect_uris": [],
                "tags": [],
                "approximate_guild_count": len(world.guilds),
                "integration_types_config": {"0": {}},
            }
        )

    # ------------------------------------------------------------ application commands

    def _scope(self, request: web.Request) -> int | None:
        if request.match_info["application_id"] != str(self.world.application_id):
            raise r.missing_access()
        if "guild_id" not in request.match_info:
            return None
        guild_id = snowflake(request, "guild_id")
        if guild_id not in self.world.guilds:
            raise r.unknown_guild()
        return guild_id

    def _command(self, body: JSON, guild_id: int | None, previous: JSON | None) -> JSON:
        world = self.world
        command: JSON = {
            "id": previous["id"] if previous else str(world.ids.next()),  # overwriting keeps ids
            "application_id": str(world.application_id),
            "version": str(world.ids.next()),
            "type": body.get("type", 1),
            "name": body["name"],
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description") or "",
            "description_localizations": body.get("description_localizations"),
            "default_member_permissions": body.get("default_member_permissions"),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
            "nsfw": bool(body.get("nsfw")),
        }
        if body.get("options"):
            command["options"] = body["options"]
        if guild_id is None:
            command["dm_permission"] = body.get("dm_permission", True)
        else:
            command["guild_id"] = str(guild_id)
        return command

    async def list_commands(self, request: web.Request) -> web.Response:
        return json_response(list(self.world.commands_of(self._scope(request)).values()))

    async def overwrite_commands(self, request: web.Request) -> web.Response:
        guild_id = self._scope(request)
        store = self.world.commands_of(guild_id)
        by_key = {(c["type"], c["name"]): c for c in store.values()}
        bodies: list[JSON] = request[BODY] or []
        fresh = [self._command(b, guild_id, by_key.get((b.get("type", 1), b["name"]))) for b in bodies]
        store.clear()
        store.update({int(c["id"]): c for c in fresh})
        self.emu.changes.notify()
        return json_response(fresh)

    async def create_command(self, request: web.Request) -> web.Response:
        guild_id = self._scope(request)
        store = self.world.commands_of(guild_id)
        body: JSON = request[BODY]
        previous = next(
            (c for c in store.values() if (c["type"], c["name"]) == (body.get("type", 1), body["name"])), None
        )
        command = self._command(body, guild_id, previous)
        store[int(command["id"])] = command
        self.emu.changes.notify()
        return json_response(command, 200 if previous else 201)

    # ------------------------------------------------------------ guilds and channels

    async def get_guild(self, request: web.Request) -> web.Response:
        guild = self.world.guilds.get(snowflake(request, "guild_id"))
        if guild is None:
            raise r.unknown_guild()
        gateway_only = {"joined_at", "large", "unavailable", "member_count", "members", "channels", "threads"}
        gateway_only |= {"voice_states", "presences", "stage_instances", "guild_scheduled_events"}
        gateway_only |= {"soundboard_sounds", "embedded_activities"}
        full = self.world.guild_create_payload(guild, 0)
        return json_response({k: v for k, v in full.items() if k not in gateway_only})

    async def guild_channels(self, request: web.Request) -> web.Response:
        guild = self.world.guilds.get(snowflake(request, "guild_id"))
        if guild is None:
            raise r.unknown_guild()
        channels = [self.world.channels[c] for c in guild.channel_ids]
        return json_response([c.payload() for c in channels if not c.is_thread and self.world.can_view(c)])

    def _channel(self, request: web.Request, *, need: int = 0) -> Channel:
        """The channel, or 10003 when it does not exist, 50001 when the bot cannot see it, 50013
        when it lacks `need` there (a thread answers with its parent's permissions)."""
        channel = self.world.channels.get(snowflake(request, "channel_id"))
        if channel is None:
            raise r.unknown_channel()
        perms = self.world.permissions(channel, self.world.bot.id)
        if not perms & VIEW_CHANNEL:
            raise r.missing_access()
        if need & ~perms:
            raise r.missing_permissions()
        return channel

    def _send_permission(self, request: web.Request) -> Channel:
        channel = self._channel(request)
        return self._channel(request, need=SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES)

    def _message(self, channel: Channel, request: web.Request) -> Message:
        message = self.world.messages[channel.id].get(snowflake(request, "message_id"))
        if message is None:
            raise r.unknown_message()
        return message

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(self._channel(request).payload(me=self.world.bot.id))

    async def edit_channel(self, request: web.Request) -> web.Response:
        """Modify Channel, as far as a forum's `available_tags` (at most 20, the spec's maxItems):
        needs MANAGE_CHANNELS, else 403 50013; a listed tag keeps its id, a new one gets one, an
        unlisted one is deleted. CHANNEL_UPDATE goes out."""
        channel = self._channel(request, need=MANAGE_CHANNELS)
        body: JSON = request[BODY] or {}
        if "available_tags" in body:
            if channel.type != GUILD_FORUM:
                raise r.wrong_channel_type()
            tags = [self.world.new_tag(tag) for tag in body["available_tags"] or []]
            assert len(tags) <= FORUM_TAGS_MAX  # the schema's maxItems answered a longer list
            channel.available_tags = tags
        if body.get("name"):
            channel.name = body["name"]
        await self.emu.channel_update(channel)
        return json_response(channel.payload())

    async def active_threads(self, request: web.Request) -> web.Response:
        """List Active Guild Threads: every unarchived thread the bot can see, with the bot's own
        thread member objects for those it is in."""
        guild = self.world.guilds.get(snowflake(request, "guild_id"))
        if guild is None:
            raise r.unknown_guild()
        bot = self.world.bot.id
        threads = [self.world.channels[c] for c in guild.channel_ids]
        active = [t for t in threads if t.is_thread and not t.archived and self.world.can_view(t)]
        members = [t.thread_member(bot) for t in active if bot in t.members]
        return json_response({"threads": [t.payload() for t in active], "members": members})

    async def typing(self, request: web.Request) -> web.Response:
        self._send_permission(request)
        return no_content()

    # ------------------------------------------------------------ messages

    async def create_message(self, request: web.Request) -> web.Response:
        if snowflake(request, "channel_id") in self.emu.direct.channels:
            return self.emu.direct.create(snowflake(request, "channel_id"), request[BODY] or {})
        channel = self._send_permission(request)
        if channel.type == GUILD_FORUM:
            raise r.not_a_text_channel()
        if channel.is_thread and channel.locked:
            raise r.thread_archived()
        body: JSON = request[BODY] or {}
        files: list[JSON] = request[FILES]
        bot = self.world.bot
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            seen = self.nonces.get((bot.id, str(nonce)))
            if seen and self.emu.clock() - seen[1] <= self.emu.nonce_ttl:
                existing = self.world.find_message(seen[0])
                if existing is not None:  # same author, same nonce, within minutes: the same message
                    return json_response(self.world.message_payload(existing))
        if not has_message_fields(body, files):
            raise r.empty_message()
        if files and not self.world.permissions(channel, bot.id) & ATTACH_FILES:
            raise r.missing_permissions()
        reference = self._reference(channel, body.get("message_reference"))
        attachments = self._uploads(files, channel.id)
        message = self.world.new_message(
            channel,
            bot,
            body,
            settable_flags=CREATE_FLAGS,
            nonce=nonce,
            message_reference=reference,
            type=REPLY if reference else 0,
            attachments=attachments,
        )
        self.world.add_message(message)
        if nonce is not None:
            self.nonces[(bot.id, str(nonce))] = (message.id, self.emu.clock())
        await self.emu.publish(message, "MESSAGE_CREATE")
        return json_response(self.world.message_payload(message))

    def _uploads(self, files: list[JSON], channel_id: int) -> list[JSON]:
        """The attachment objects of uploaded files, each given an id and a signed CDN link; the
        bytes are kept (attachment_data) and served at the link."""
        attachments = []
        for file in files:
            data = file.get("_data", b"")
            stored = self.emu.cdn.add(self.world.ids.next(), channel_id, file["filename"], data,
                                      content_type=file.get("content_type"))  # fmt: skip
            url = self.emu.cdn.url(stored)
            attachment = {k: v for k, v in file.items() if k != "_data"} | {
                "id": str(stored.id), "url": url, "proxy_url": url,
            }  # fmt: skip
            self.emu.attachment_data[stored.id] = data
            attachments.append(attachment)
        return attachments

    def _reference(self, channel: Channel, reference: JSON | None) -> JSON | None:
        if not reference or not reference.get("message_id"):
            return None
        target = self.world.find_message(int(reference["message_id"]))
        if target is None:
            if reference.get("fail_if_not_exists", True):
                raise r.form_error(
                    ("message_reference", "message_id"),
                    "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                    "Unknown message",
                )
            return None
        return {
            "type": 0,
            "message_id": str(target.id),
            "channel_id": str(target.channel_id),
            "guild_id": str(channel.guild_id),
        }

    async def list_messages(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel.type == GUILD_FORUM:
            # a forum has posts (threads), no messages of its own; the code is the generic one for
            # the wrong channel type (Discord's docs name none for this, and the bot never asks)
            raise r.wrong_channel_type()
        if not self.world.permissions(channel, self.world.bot.id) & READ_MESSAGE_HISTORY:
            return json_response([])  # Discord answers with no messages rather than an error
        query = request.query
        limit = self._int_query(query.get("limit", "50"), "limit", 1, 100)
        ordered = sorted(self.world.messages[channel.id].values(), key=lambda m: m.id)
        if "before" in query:
            before = self._int_query(query["before"], "before")
            ordered = [m for m in ordered if m.id < before][-limit:]
        elif "after" in query:
            after = self._int_query(query["after"], "after")
            ordered = [m for m in ordered if m.id > after][:limit]
        elif "around" in query:
            around = self._int_query(query["around"], "around")
            older = [m for m in ordered if m.id < around][-(limit // 2) :] if limit > 1 else []
            rest = [m for m in ordered if m.id >= around][: limit - len(older)]
            ordered = older + rest
        else:
            ordered = ordered[-limit:]
        return json_response([self.world.message_payload(m) for m in reversed(ordered)])

    @staticmethod
    def _int_query(value: str, name: str, low: int | None = None, high: int | None = None) -> int:
        if not value.isdigit():
            raise r.form_error((name,), "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
        number = int(value)
        if low is not None and number < low:
            raise r.form_error(
                (name,), "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {low}."
            )
        if high is not None and number > high:
            raise r.form_error(
                (name,), "NUMBER_TYPE_MAX", f"int value should be less than or equal to {high}."
            )
        return number

    async def get_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if not self.world.permissions(channel, self.world.bot.id) & READ_MESSAGE_HISTORY:
            raise r.missing_access()
        return json_response(self.world.message_payload(self._message(channel, request)))

    async def edit_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        message = self._message(channel, request)
        if message.author.id != self.world.bot.id:
            raise r.not_author()
        self.world.apply_body(message, request[BODY] or {}, settable_flags=SUPPRESS_EMBEDS | IS_COMPONENTS_V2)
        message.edited_timestamp = now_iso()
        await self.emu.publish(message, "MESSAGE_UPDATE")
        return json_response(self.world.message_payload(message))

    async def delete_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        message = self._message(channel, request)
        if message.author.id != self.world.bot.id:
            self._channel(request, need=MANAGE_MESSAGES)
        await self.emu.remove_message(message)
        return no_content()

    # ------------------------------------------------------------ threads

    async def thread_from_message(self, request: web.Request) -> web.Response:
        """A public thread on a message; Discord gives the thread the message's id."""
        channel = self._channel(request, need=CREATE_PUBLIC_THREADS)
        if channel.is_thread:
            raise r.wrong_channel_type()
        message = self._message(channel, request)
        if message.thread_id is not None or message.id in self.world.channels:
            raise r.thread_exists()
        body: JSON = request[BODY] or {}
        thread = self.world.add_thread(
            channel,
            thread_id=message.id,
            name=body["name"],
            type_=PUBLIC_THREAD,
            owner_id=self.world.bot.id,
            archive_after=body.get("auto_archive_duration") or 1440,
        )
        thread.rate_limit_per_user = body.get("rate_limit_per_user") or 0
        message.thread_id, message.flags = thread.id, message.flags | HAS_THREAD
        await self.emu.announce_thread(thread)
        await self.emu.publish(message, "MESSAGE_UPDATE")
        return json_response(thread.payload(me=self.world.bot.id), 201)

    async def thread_without_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel.type == GUILD_FORUM:
            return await self.forum_post(request, channel)
        body: JSON = request[BODY] or {}
        kind = body.get("type") or PRIVATE_THREAD  # Discord's default, kept from the first thread docs
        if channel.is_thread or kind not in (PUBLIC_THREAD, PRIVATE_THREAD):
            raise r.wrong_channel_type()
        self._channel(
            request, need=CREATE_PUBLIC_THREADS if kind == PUBLIC_THREAD else CREATE_PRIVATE_THREADS
        )
        thread = self.world.add_thread(
            channel,
            thread_id=self.world.ids.next(),
            name=body["name"],
            type_=kind,
            owner_id=self.world.bot.id,
            archive_after=body.get("auto_archive_duration") or 1440,
        )
        thread.invitable = body.get("invitable", True) is not False
        await self.emu.announce_thread(thread)
        return json_response(thread.payload(me=self.world.bot.id), 201)

    async def forum_post(self, request: web.Request, forum: Channel) -> web.Response:
        """Start Thread in Forum or Media Channel: a public thread and its starter message, which
        has the thread's id. Creating a post needs SEND_MESSAGES ("Create Posts"). The message
        takes no `nonce` (forum thread message params), so nothing dedupes a resend.
        `applied_tags` must be ids of the forum's `available_tags`; with REQUIRE_TAG a post
        without one is refused with 40067. THREAD_CREATE, then MESSAGE_CREATE, go out."""
        self._channel(request, need=SEND_MESSAGES)
        body: JSON = request[BODY] or {}
        files: list[JSON] = request[FILES]
        message_body = body.get("message")
        if not isinstance(message_body, dict):
            raise r.form_error(("message",), "BASE_TYPE_REQUIRED", "This field is required")
        if not has_message_fields(message_body, files):
            raise r.empty_message()
        tags = [int(t) for t in body.get("applied_tags") or []]
        known = {int(t["id"]) for t in forum.available_tags}
        for index, tag in enumerate(tags):
            if tag not in known:
                raise r.form_error(("applied_tags", index), "FORUM_TAG_UNKNOWN", "Unknown tag")
        if forum.flags & REQUIRE_TAG and not tags:
            raise r.tag_required()
        if files and not self.world.permissions(forum, self.world.bot.id) & ATTACH_FILES:
            raise r.missing_permissions()
        post_id = self.world.ids.next()
        thread = self.world.add_thread(
            forum,
            thread_id=post_id,
            name=body["name"],
            type_=PUBLIC_THREAD,
            owner_id=self.world.bot.id,
            archive_after=body.get("auto_archive_duration") or 1440,
        )
        thread.applied_tags = list(dict.fromkeys(tags))
        attachments = self._uploads(files, thread.id)
        starter = self.world.new_message(
            thread,
            self.world.bot,
            message_body,
            settable_flags=CREATE_FLAGS,
            message_id=post_id,
            attachments=attachments,
        )
        self.world.add_message(starter)
        forum.last_message_id = post_id
        await self.emu.announce_thread(thread)
        await self.emu.publish(starter, "MESSAGE_CREATE")
        payload = thread.payload(me=self.world.bot.id) | {"message": self.world.message_payload(starter)}
        return json_response(payload, 201)

    def _thread(self, request: web.Request) -> Channel:
        thread = self._channel(request)
        if not thread.is_thread:
            raise r.wrong_channel_type()
        return thread

    async def join_thread(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        if thread.archived:
            raise r.thread_archived()
        await self.emu.change_thread_members(thread, added=[self.world.bot.id])
        return no_content()

    async def leave_thread(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        await self.emu.change_thread_members(thread, removed=[self.world.bot.id])
        return no_content()

    async def list_thread_members(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        if not self.emu.gateway.enabled_privileged_intents & GUILD_MEMBERS:
            raise r.missing_access()  # needs the GUILD_MEMBERS intent enabled for the app
        return json_response([thread.thread_member(u) for u in thread.members])
