"""Interactions: building INTERACTION_CREATE the way Discord does for a registered command, a button
or a modal; the callback and webhook routes the bot answers them with; and the handle a test holds.

Discord's rules kept here: the first callback within 3 s of dispatch (else 404, code 10062), only
one (else 400, code 40060); the token lives 15 minutes for follow-ups and @original (then 401,
code 50027); `?with_response=1` returns `{"interaction": ..., "resource": ...}`, without it 204;
the first follow-up after a deferral replaces the loading message instead of posting a new one.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import responses as r
from .direct import NO_GUILD
from .model import (
    ADD_REACTIONS,
    ATTACH_FILES,
    CHAT_INPUT_COMMAND,
    DEFAULT_MESSAGE,
    EMBED_LINKS,
    EPHEMERAL,
    IS_COMPONENTS_V2,
    JSON,
    LOADING,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    USE_EXTERNAL_EMOJIS,
    VIEW_CHANNEL,
    Message,
    World,
    now_iso,
)
from .responses import BODY, FILES, json_response, no_content, snowflake
from .waiting import Changes

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}
RESPONSE_FLAGS = EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
# what the bot may do in its DM with a person (there are no roles or overwrites to compute from)
DM_APP_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
)  # fmt: skip
GUILD_CONTEXT, BOT_DM_CONTEXT = 0, 1
SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int
    guild_id: int
    channel_id: int
    user_id: int
    dispatched_at: float
    payload: JSON = field(default_factory=dict)  # what INTERACTION_CREATE carried
    command_name: str | None = None
    source_message_id: int | None = None  # the message a component was clicked on
    callback: JSON | None = None  # the body of the initial callback
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    edits: list[JSON] = field(default_factory=list)  # bodies of PATCH .../messages/@original
    messages: dict[int, Message] = field(default_factory=dict)  # every message it produced, ephemeral too


class InteractionHandle:
    """What a test holds after triggering an interaction; every wait is on emulator state."""

    def __init__(self, record: InteractionRecord, world: World, changes: Changes) -> None:
        self.record = record
        self._world = world
        self._changes = changes

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def payload(self) -> JSON:
        return self.record.payload

    async def response(self, timeout: float = 3.0) -> JSON:  # noqa: ASYNC109
        """The initial callback body ({"type": 4, "data": {...}})."""
        return await self._changes.wait_for(
            lambda: self.record.callback, timeout, f"a callback to {self._what}"
        )

    @property
    def acknowledged(self) -> bool:
        return self.record.callback is not None

    async def original(self, timeout: float = 3.0) -> JSON:  # noqa: ASYNC109
        """The response message once it is no longer loading (after a deferral: once edited)."""

        def ready() -> JSON | None:
            message = self._message(self.record.original_id)
            return self._world.message_payload(message) if message and not message.flags & LOADING else None

        return await self._changes.wait_for(ready, timeout, f"the original response to {self._what}")

    @property
    def followups(self) -> list[JSON]:
        found = (self._message(i) for i in self.record.followup_ids)
        return [self._world.message_payload(m) for m in found if m is not None]

    async def followup(self, index: int = 0, timeout: float = 3.0) -> JSON:  # noqa: ASYNC109
        def nth() -> JSON | None:
            messages = self.followups
            return messages[index] if len(messages) > index else None

        return await self._changes.wait_for(nth, timeout, f"follow-up #{index} to {self._what}")

    @property
    def edits(self) -> list[JSON]:
        return list(self.record.edits)

    async def edit(self, index: int = 0, timeout: float = 3.0) -> JSON:  # noqa: ASYNC109
        """The body of the `index`-th PATCH to @original."""

        def nth() -> JSON | None:
            return self.record.edits[index] if len(self.record.edits) > index else None

        return await self._changes.wait_for(nth, timeout, f"edit #{index} of the response to {self._what}")

    async def choices(self, timeout: float = 3.0) -> list[JSON]:  # noqa: ASYNC109
        """The autocomplete suggestions (callback type 8)."""
        body = await self.response(timeout)
        return list((body.get("data") or {}).get("choices") or [])

    @property
    def _what(self) -> str:
        return f"interaction {self.record.id} ({self.record.command_name or 'component'})"

    def _message(self, message_id: int | None) -> Message | None:
        if message_id is None:
            return None
        return self.record.messages.get(message_id) or self._world.find_message(message_id)


# ---------------------------------------------------------------- INTERACTION_CREATE payloads


def find_command(world: World, guild_id: int, name: str, type_: int = 1) -> JSON | None:
    """A guild's own command first, then the global one: the command Discord would run."""
    for commands in (world.guild_commands.get(guild_id, {}), world.global_commands):
        for command in commands.values():
            if command["name"] == name and command.get("type", 1) == type_:
                return command
    return None


def _option_value(
    world: World, guild_id: int, kind: int, value: Any, resolved: dict[str, dict[str, JSON]]
) -> Any:
    if kind == STRING:
        return str(value)
    if kind == INTEGER:
        return int(value)
    if kind == BOOLEAN:
        return bool(value)
    if kind == NUMBER:
        return float(value)
    snowflake = int(value)
    guild = world.guild(guild_id)
    if kind in (USER, MENTIONABLE) and snowflake in guild.members:
        member = guild.members[snowflake]
        resolved.setdefault("users", {})[str(snowflake)] = member.user.payload()
        partial = member.payload(with_user=False)
        partial.pop("deaf"), partial.pop("mute")  # resolved members are partial: no user, deaf, mute
        resolved.setdefault("members", {})[str(snowflake)] = partial
    elif kind in (ROLE, MENTIONABLE) and snowflake in guild.roles:
        resolved.setdefault("roles", {})[str(snowflake)] = guild.roles[snowflake].payload()
    elif kind == ATTACHMENT and snowflake in world.attachments:
        resolved.setdefault("attachments", {})[str(snowflake)] = dict(world.attachments[snowflake])
    elif kind == CHANNEL and snowflake in world.channels:
        channel = world.channels[snowflake]
        perms = world.permissions(channel, world.bot.id)
        resolved.setdefault("channels", {})[str(snowflake)] = channel.payload() | {"permissions": str(perms)}
    else:
        raise ValueError(f"option value {value!r} names nothing of type {kind} in guild {guild_id}")
    return str(snowflake)


def command_data(
    world: World,
    command: JSON,
    guild_id: int,
    options: Mapping[str, Any],
    path: list[str],
    *,
    focused: str | None = None,
) -> JSON:
    """The `data` of an application-command interaction: options nested under the subcommand group
    and subcommand, values typed from the registered definition, users/channels/roles resolved."""
    definitions: list[JSON] = command.get("options") or []
    for step in path:
        parent = next(
            (o for o in definitions if o["name"] == step and o["type"] in (SUBCOMMAND, SUBCOMMAND_GROUP)),
            None,
        )
        if parent is None:
            raise ValueError(f"/{command['name']} has no subcommand {step!r}")
        definitions = parent.get("options") or []
    if any(o["type"] in (SUBCOMMAND, SUBCOMMAND_GROUP) for o in definitions):
        names = ", ".join(o["name"] for o in definitions)
        raise ValueError(f"/{command['name']} {' '.join(path)} needs a subcommand: {names}")
    resolved: dict[str, dict[str, JSON]] = {}
    given: list[JSON] = []
    for name, value in options.items():
        definition = next((o for o in definitions if o["name"] == name), None)
        if definition is None:
            raise ValueError(f"/{command['name']} has no option {name!r}")
        if name == focused:  # autocomplete sends what the user has typed so far, as text
            given.append({"name": name, "type": definition["type"], "value": str(value), "focused": True})
            continue
        choices = [c["value"] for c in definition.get("choices") or []]
        if choices and value not in choices:
            raise ValueError(f"option {name!r} must be one of {choices}, not {value!r}")
        typed = _option_value(world, guild_id, definition["type"], value, resolved)
        given.append({"name": name, "type": definition["type"], "value": typed})
    missing = [o["name"] for o in definitions if o.get("required") and o["name"] not in options]
    if missing and focused is None:
        raise ValueError(f"/{command['name']} needs options {missing}")
    for step in reversed(path):
        kind = SUBCOMMAND if step == path[-1] else SUBCOMMAND_GROUP
        given = [{"name": step, "type": kind, "options": given}]
    data: JSON = {
        "id": command["id"],
        "name": command["name"],
        "type": command.get("type", 1),
        "options": given,
    }
    if resolved:
        data["resolved"] = resolved
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    return data


def modal_submit_data(modal: JSON, values: Mapping[str, str]) -> JSON:
    """What a user submitting the modal sends: each text input's value, in the modal's layout:
    what they typed (`values`, by custom id), or else what it was pre-filled with. Discord's
    client does not send a modal with a required text input left empty (ValueError here)."""
    inputs = _text_inputs(modal.get("components") or [])
    unknown = set(values) - {i["custom_id"] for i in inputs}
    if unknown:
        raise ValueError(f"the modal has no text inputs {sorted(unknown)} to type into")
    for text_input in inputs:
        value = values.get(text_input["custom_id"], text_input.get("value") or "")
        if not value and text_input.get("required", True):
            raise ValueError(f"text input {text_input['custom_id']!r} is required: Discord does not send it")

    def submitted(component: JSON) -> JSON:
        kind = component.get("type")
        if kind == 1:  # action row
            return {
                "type": 1,
                "id": component.get("id"),
                "components": [submitted(c) for c in component["components"]],
            }
        if kind == 18:  # label
            return {"type": 18, "id": component.get("id"), "component": submitted(component["component"])}
        if kind == 4:  # text input
            return {
                "type": 4,
                "id": component.get("id"),
                "custom_id": component["custom_id"],
                "value": values.get(component["custom_id"], component.get("value") or ""),
            }
        return {"type": kind, "id": component.get("id")}

    return {
        "custom_id": modal["custom_id"],
        "components": [submitted(c) for c in modal.get("components") or []],
    }


def _text_inputs(components: list[JSON]) -> list[JSON]:
    """The text inputs of a modal's layout (in action rows or labels)."""
    found: list[JSON] = []
    for component in components:
        if component.get("type") == 4:
            found.append(component)
        inner = [
            *(component.get("components") or []),
            *([component["component"]] if "component" in component else []),
        ]
        found += _text_inputs(inner)
    return found


def interaction_payload(
    world: World,
    record: InteractionRecord,
    data: JSON,
    message: JSON | None = None,
    *,
    size_limit: int = ATTACHMENT_SIZE_LIMIT,
) -> JSON:
    """INTERACTION_CREATE with every field discord.py 2.7 reads (it fails on a missing
    `attachment_size_limit`, and resolves `channel` from the object, not `channel_id`)."""
    guild = world.guild(record.guild_id)
    channel = world.channels[record.channel_id]
    member = guild.members[record.user_id]
    perms = world.permissions(channel, record.user_id)
    payload: JSON = {
        "id": str(record.id),
        "application_id": str(world.application_id),
        "type": record.type,
        "token": record.token,
        "version": 1,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "channel_id": str(channel.id),
        "channel": channel.payload() | {"permissions": str(perms)},
        "member": member.payload() | {"permissions": str(perms)},
        "app_permissions": str(world.permissions(channel, world.bot.id)),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": size_limit,
        "data": data,
    }
    if message is not None:
        payload["message"] = message
    return payload


def dm_interaction_payload(
    world: World,
    record: InteractionRecord,
    data: JSON,
    channel: JSON,
    message: JSON | None = None,
    *,
    size_limit: int = ATTACHMENT_SIZE_LIMIT,
) -> JSON:
    """INTERACTION_CREATE from the bot's DM with a person, as Discord sends it: `user` instead of
    `member`, no `guild_id` or `guild`, the partial DM `channel` (type 1), context BOT_DM, and the
    guild install's owner "0" (discord.py then resolves a DMChannel and a User)."""
    payload: JSON = {
        "id": str(record.id),
        "application_id": str(world.application_id),
        "type": record.type,
        "token": record.token,
        "version": 1,
        "channel_id": channel["id"],
        "channel": channel,
        "user": world.users[record.user_id].payload(),
        "app_permissions": str(DM_APP_PERMISSIONS),
        "locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": str(NO_GUILD)},
        "context": BOT_DM_CONTEXT,
        "attachment_size_limit": size_limit,
        "data": data,
    }
    if message is not None:
        payload["message"] = message
    return payload


def new_record(
    world: World, type_: int, guild_id: int, channel_id: int, user_id: int, now: float
) -> InteractionRecord:
    return InteractionRecord(
        world.ids.next(), secrets.token_urlsafe(48), type_, guild_id, channel_id, user_id, now
    )


# ---------------------------------------------------------------- the routes the bot answers with


class InteractionRoutes:
    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emu = emulator
        self.world = emulator.world
        self.by_id: dict[int, InteractionRecord] = {}
        self.by_token: dict[str, InteractionRecord] = {}

    def routes(self) -> list[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]]:
        webhook = "/webhooks/{webhook_id}/{webhook_token}"
        return [
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self.callback),
            ("POST", webhook, self.followup),
            *[(m, webhook + "/messages/@original", h) for m, h in self._message_handlers()],
            *[(m, webhook + "/messages/{message_id}", h) for m, h in self._message_handlers()],
        ]

    def _message_handlers(self) -> list[tuple[str, Callable[[web.Request], Awaitable[web.StreamResponse]]]]:
        return [("GET", self.get_message), ("PATCH", self.edit_message), ("DELETE", self.delete_message)]

    def add(self, record: InteractionRecord) -> None:
        self.by_id[record.id] = record
        self.by_token[record.token] = record

    def _message_for(self, record: InteractionRecord, body: JSON, *, flags: int = 0) -> Message:
        from_command = record.type == APPLICATION_COMMAND
        user = self.world.users[record.user_id]
        metadata: JSON = {
            "id": str(record.id),
            "type": record.type,
            "user": user.payload(),
            "authorizing_integration_owners": {"0": str(record.guild_id)},
        }
        if from_command:
            metadata["name"] = record.command_name
            metadata["command_type"] = 1
        elif record.source_message_id is not None:
            metadata["interacted_message_id"] = str(record.source_message_id)
        message = Message(
            self.world.ids.next(),
            record.channel_id,
            record.guild_id,  # NO_GUILD in a DM
            self.world.bot,
            type=CHAT_INPUT_COMMAND if from_command else DEFAULT_MESSAGE,
            webhook_id=self.world.application_id,
            application_id=self.world.application_id,
            interaction_metadata=metadata,
        )
        self.world.apply_body(message, body, settable_flags=RESPONSE_FLAGS)
        message.flags |= flags
        if from_command:
            message.interaction = {
                "id": str(record.id),
                "type": record.type,
                "name": record.command_name,
                "user": user.payload(),
            }
        record.messages[message.id] = message
        return message

    async def _post(self, message: Message) -> None:
        if message.guild_id == NO_GUILD:  # a response in a DM: posted there unless ephemeral, no event
            if not message.ephemeral:
                self.emu.direct.add(message)
            return
        self.world.add_message(message)
        await self.emu.publish(message, "MESSAGE_CREATE")

    async def callback(self, request: web.Request) -> web.Response:
        """POST /interactions/{interaction_id}/{interaction_token}/callback"""
        record = self.by_id.get(snowflake(request, "interaction_id"))
        if record is None or record.token != request.match_info["interaction_token"]:
            raise r.unknown_interaction()
        if record.callback is not None:
            raise r.already_acknowledged()
        if self.emu.clock() - record.dispatched_at > self.emu.interaction_deadline:
            raise r.unknown_interaction()  # the 3 s to acknowledge are over: the token is gone
        body: JSON = request[BODY]
        kind, data = body.get("type"), body.get("data") or {}
        if kind not in ALLOWED_CALLBACKS.get(record.type, set()):
            raise r.form_error(
                ("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type"
            )
        if kind == CHANNEL_MESSAGE and not _has_message_fields(data):
            raise r.empty_message()
        interaction: JSON = {"id": str(record.id), "type": record.type}
        resource: JSON = {"type": kind}
        if kind == CHANNEL_MESSAGE:
            message = self._message_for(record, data)
            message.attachments = self.emu.rest._uploads(request[FILES], record.channel_id)
            await self._post(message)
            record.original_id = message.id
            resource["message"] = self.world.message_payload(message)
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            message = self._message_for(record, {}, flags=LOADING | (int(data.get("flags") or 0) & EPHEMERAL))
            await self._post(message)
            record.original_id = message.id
            interaction["response_message_loading"] = True
        elif kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            source = self._message(record, record.source_message_id)
            if source is None:
                raise r.unknown_message()
            record.original_id = source.id
            if kind == UPDATE_MESSAGE:
                self.world.apply_body(source, data, settable_flags=SUPPRESS_EMBEDS | IS_COMPONENTS_V2)
                source.edited_timestamp = now_iso()
                await self.emu.publish(source, "MESSAGE_UPDATE")
                resource["message"] = self.world.message_payload(source)
        original = self._message(record, record.original_id)
        if original is not None:
            interaction["response_message_id"] = str(record.original_id)
            interaction["response_message_ephemeral"] = original.ephemeral
        record.callback = body
        self.emu.changes.notify()
        if request.query.get("with_response", "").lower() in ("1", "true"):
            return json_response({"interaction": interaction, "resource": resource})
        return no_content()

    def _message(self, record: InteractionRecord, message_id: int | None) -> Message | None:
        """A message of the interaction: its own (ephemeral ones live only there) or the channel's."""
        if message_id is None:
            return None
        return (
            record.messages.get(message_id)
            or self.world.find_message(message_id)
            or self.emu.direct.find(record.channel_id, message_id)
        )

    # ------------------------------------------------------------ webhooks of the interaction

    def _record(self, request: web.Request) -> InteractionRecord:
        if request.match_info["webhook_id"] != str(self.world.application_id):
            raise r.unknown_webhook()
        record = self.by_token.get(request.match_info["webhook_token"])
        if record is None or self.emu.clock() - record.dispatched_at > self.emu.interaction_token_ttl:
            raise r.invalid_webhook_token()
        return record

    def _target(self, request: web.Request, record: InteractionRecord) -> Message:
        wanted = request.match_info.get("message_id", "@original")
        message_id = (
            record.original_id if wanted == "@original" else int(wanted) if wanted.isdigit() else None
        )
        allowed = {record.original_id, *record.followup_ids}
        message = self._message(record, message_id) if message_id in allowed else None
        if message is None:
            raise r.unknown_message()
        return message

    async def followup(self, request: web.Request) -> web.Response:
        """POST /webhooks/{webhook_id}/{webhook_token}"""
        record = self._record(request)
        if record.callback is None:
            raise r.unknown_webhook()  # follow-ups need an acknowledged interaction
        body: JSON = request[BODY]
        if not _has_message_fields(body):
            raise r.empty_message()
        original = record.messages.get(record.original_id or 0)
        if original is not None and original.flags & LOADING:
            # the first follow-up after a deferral becomes the response, keeping the deferral's ephemerality
            self.world.apply_body(original, body, settable_flags=RESPONSE_FLAGS & ~EPHEMERAL)
            original.attachments = self.emu.rest._uploads(request[FILES], record.channel_id)
            original.flags &= ~LOADING
            message = original
            await self.emu.publish(message, "MESSAGE_UPDATE")
        else:
            message = self._message_for(record, body)
            message.attachments = self.emu.rest._uploads(request[FILES], record.channel_id)
            await self._post(message)
        record.followup_ids.append(message.id)
        self.emu.changes.notify()
        if request.query.get("wait", "").lower() in ("1", "true"):
            return json_response(self.world.message_payload(message))
        return no_content()

    async def get_message(self, request: web.Request) -> web.Response:
        record = self._record(request)
        return json_response(self.world.message_payload(self._target(request, record)))

    async def edit_message(self, request: web.Request) -> web.Response:
        record = self._record(request)
        message = self._target(request, record)
        body: JSON = request[BODY]
        self.world.apply_body(message, body, settable_flags=SUPPRESS_EMBEDS | IS_COMPONENTS_V2)
        if message.flags & LOADING:
            message.flags &= ~LOADING
        else:
            message.edited_timestamp = now_iso()
        if message.id == record.original_id:
            record.edits.append(body)
        await self.emu.publish(message, "MESSAGE_UPDATE")
        return json_response(self.world.message_payload(message))

    async def delete_message(self, request: web.Request) -> web.Response:
        record = self._record(request)
        message = self._target(request, record)
        await self.emu.remove_message(message)
        return no_content()


def _has_message_fields(body: JSON) -> bool:
    return any(body.get(k) for k in ("content", "embeds", "components", "attachments", "poll", "sticker_ids"))
