"""Direct messages from the bot: `POST /users/@me/channels` opens (or returns) the DM channel with
a person, then `POST /channels/{dm id}/messages` posts in it. Bodies are checked against the
OpenAPI description by the emulator's middleware like every other route. A person who takes no
DMs answers 403 50007, as Discord does.

A DM message has no guild (`guild_id` NO_GUILD). Pressing a button on one (`click_dm_button` on
the emulator) sends INTERACTION_CREATE the way Discord does in a DM with the bot: on shard 0, with
`user` rather than `member`, a partial `channel` of type 1 without recipients, no `guild_id`,
`context` 1 (BOT_DM) and `authorizing_integration_owners` {"0": "0"}. Interaction responses that
are not ephemeral are posted into the DM. The bot asks for no DIRECT_MESSAGES intent, so no
MESSAGE_CREATE/UPDATE/DELETE is sent for DM messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .model import JSON, Message
from .responses import BODY, ApiError, json_response

if TYPE_CHECKING:
    from .emulator import DiscordEmulator
    from .rest import Handler

DM = 1  # channel type
NO_GUILD = 0  # guild_id of a DM message; also routes DM interactions to shard 0, as Discord does


class DirectMessages:
    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emu = emulator
        self.world = emulator.world
        self.channels: dict[int, int] = {}  # DM channel id -> the person
        self.messages: dict[int, list[Message]] = {}  # DM channel id -> messages, oldest first
        self.refusing: set[int] = set()  # people who take no DMs from server members

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", "/users/@me/channels", self.open)]

    def channel_payload(self, channel_id: int) -> JSON:
        person = self.world.users[self.channels[channel_id]]
        last = str(self.messages[channel_id][-1].id) if self.messages[channel_id] else None
        return {"id": str(channel_id), "type": DM, "last_message_id": last, "flags": 0,
                "recipients": [person.payload()]}  # fmt: skip

    def interaction_channel(self, channel_id: int) -> JSON:
        """The partial channel an interaction in this DM carries (Discord leaves out recipients)."""
        return {k: v for k, v in self.channel_payload(channel_id).items() if k != "recipients"}

    async def open(self, request: web.Request) -> web.Response:
        body: JSON = request[BODY] or {}
        try:
            person = self.world.users.get(int(body.get("recipient_id") or 0))
        except (TypeError, ValueError):
            person = None
        if person is None:
            raise ApiError(404, 10013, "Unknown User")
        if person.bot:
            raise ApiError(400, 50007, "Cannot send messages to this user")
        channel_id = self.channel_with(person.id)
        if channel_id is None:
            channel_id = self.world.ids.next()
            self.channels[channel_id] = person.id
            self.messages[channel_id] = []
        return json_response(self.channel_payload(channel_id))

    def channel_with(self, user_id: int) -> int | None:
        return next((c for c, u in self.channels.items() if u == user_id), None)

    def create(self, channel_id: int, body: JSON) -> web.Response:
        """A message from the bot in a DM channel (the body already passed the spec check)."""
        if self.channels[channel_id] in self.refusing:
            raise ApiError(403, 50007, "Cannot send messages to this user")
        if not any(body.get(k) for k in ("content", "embeds", "components")):
            raise ApiError(400, 50006, "Cannot send an empty message")
        message = Message(self.world.ids.next(), channel_id, NO_GUILD, self.world.bot)
        self.world.apply_body(message, body, settable_flags=0)
        self.add(message)
        return json_response(self.world.message_payload(message))

    def add(self, message: Message) -> None:
        """A message in a DM: the bot's own, or an interaction's response that is not ephemeral."""
        self.messages[message.channel_id].append(message)

    def find(self, channel_id: int, message_id: int) -> Message | None:
        return next((m for m in self.messages.get(channel_id, []) if m.id == message_id), None)

    def remove(self, message: Message) -> None:
        found = self.messages.get(message.channel_id, [])
        self.messages[message.channel_id] = [m for m in found if m.id != message.id]

    # test API

    def received_by(self, user_id: int) -> list[JSON]:
        """Every DM the bot sent this person, oldest first, with the allowed_mentions it was sent with."""
        return [
            self.world.message_payload(m) | {"allowed_mentions": m.allowed_mentions}
            for c, u in self.channels.items()
            if u == user_id
            for m in self.messages[c]
        ]
