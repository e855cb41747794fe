"""Direct messages from the bot: `POST /users/@me/channels` opens (or returns) the DM channel with
a person, then `POST /channels/{dm id}/messages` posts in it. Bodies are checked against the
OpenAPI description by the emulator's middleware like every other route. A person who takes no
DMs answers 403 50007, as Discord does."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from aiohttp import web

from .model import JSON, assign_component_ids, now_iso
from .responses import BODY, ApiError, json_response

if TYPE_CHECKING:
    from .emulator import DiscordEmulator
    from .rest import Handler

DM = 1  # channel type


class DirectMessages:
    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emu = emulator
        self.world = emulator.world
        self.channels: dict[int, int] = {}  # DM channel id -> the person
        self.messages: dict[int, list[JSON]] = {}  # DM channel id -> messages, oldest first
        self.refusing: set[int] = set()  # people who take no DMs from server members

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", "/users/@me/channels", self.open)]

    def channel_payload(self, channel_id: int) -> JSON:
        person = self.world.users[self.channels[channel_id]]
        last = self.messages[channel_id][-1]["id"] if self.messages[channel_id] else None
        return {"id": str(channel_id), "type": DM, "last_message_id": last, "flags": 0,
                "recipients": [person.payload()]}  # fmt: skip

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
        for channel_id, user_id in self.channels.items():
            if user_id == person.id:
                return json_response(self.channel_payload(channel_id))
        channel_id = self.world.ids.next()
        self.channels[channel_id] = person.id
        self.messages[channel_id] = []
        return json_response(self.channel_payload(channel_id))

    def create(self, channel_id: int, body: JSON) -> web.Response:
        """A message from the bot in a DM channel (the body already passed the spec check)."""
        if self.channels[channel_id] in self.refusing:
            raise ApiError(403, 50007, "Cannot send messages to this user")
        if not any(body.get(k) for k in ("content", "embeds", "components")):
            raise ApiError(400, 50006, "Cannot send an empty message")
        components = copy.deepcopy(body.get("components") or [])
        assign_component_ids(components)
        message: JSON = {
            "id": str(self.world.ids.next()),
            "channel_id": str(channel_id),
            "type": 0,
            "author": self.world.bot.payload(),
            "content": body.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [{"type": "rich", **e} for e in copy.deepcopy(body.get("embeds") or [])],
            "components": components,
            "pinned": False,
            "flags": 0,
            "allowed_mentions": body.get("allowed_mentions"),
        }
        self.messages[channel_id].append(message)
        shown = {k: v for k, v in message.items() if k != "allowed_mentions"}
        return json_response(shown)

    # test API

    def received_by(self, user_id: int) -> list[JSON]:
        """Every DM the bot sent this person, oldest first."""
        return [m for c, u in self.channels.items() if u == user_id for m in self.messages[c]]
