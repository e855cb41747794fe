"""The workspace the emulator pretends to be: ids, users, channels, messages and views, plus the
payloads Slack builds from them (slash commands, events, interactions), shaped as Slack sends them."""

from __future__ import annotations

import copy
import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


class ApiError(Exception):
    """A Web API error: answered as HTTP 200 {"ok": false, "error": ...} plus any extra fields."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class User:
    id: str
    name: str
    team_id: str
    admin: bool = False
    owner: bool = False
    bot: bool = False
    bot_id: str | None = None

    @property
    def real_name(self) -> str:
        return self.name.replace(".", " ").replace("_", " ").title()

    def to_api(self) -> Json:
        profile: Json = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "team": self.team_id,
        }
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": "Europe/London",
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "profile": profile,
            "is_admin": self.admin or self.owner,  # Slack reports owners as admins too
            "is_owner": self.owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
        }


@dataclass
class Channel:
    id: str
    name: str
    private: bool
    created: int
    creator: str
    members: set[str] = field(default_factory=set)
    archived: bool = False
    deleted: bool = False
    messages: list[Json] = field(default_factory=list)  # every message, replies included, in ts order
    im: bool = False  # a direct message conversation between the bot and one person

    def to_api(self, viewer: str) -> Json:
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.im,
            "is_group": False,
            "is_im": self.im,
            "is_mpim": False,
            "is_private": self.private,
            "is_archived": self.archived,
            "is_general": self.name == "general",
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": viewer in self.members,
            "created": self.created,
            "creator": self.creator,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


def is_top_level(message: Json) -> bool:
    """What conversations.history shows: parents and plain messages, and broadcast replies."""
    thread_ts = message.get("thread_ts")
    return thread_ts is None or thread_ts == message["ts"] or message.get("subtype") == "thread_broadcast"


class Workspace:
    """In-memory state. Every read the test API gives out is a deep copy."""

    def __init__(
        self,
        *,
        bot_name: str = "practicebot",
        name: str = "Emulator",
        counters: dict[str, itertools.count[int]] | None = None,
    ) -> None:
        # ids are unique across every workspace of one emulator, as Slack's are across Slack
        self._counters: dict[str, itertools.count[int]] = {} if counters is None else counters
        self.team_id = self.new_id("T")
        self.team_domain = name.lower().replace(" ", "-")
        self.team_name = name
        self.app_id = self.new_id("A")
        self.bot_id = self.new_id("B")
        self.verification_token = uuid.uuid4().hex[:24]
        self.bot_user = User(self.new_id("U"), bot_name, self.team_id, bot=True, bot_id=self.bot_id)
        self.users: dict[str, User] = {self.bot_user.id: self.bot_user}
        self.channels: dict[str, Channel] = {}
        self.ephemerals: list[Json] = []
        self.views: dict[str, Json] = {}
        self.home_views: dict[str, Json] = {}
        self._last_ts = 0.0

    # ids and timestamps

    def new_id(self, prefix: str) -> str:
        counter = self._counters.setdefault(prefix, itertools.count(1))
        return f"{prefix}{next(counter):010d}"

    def new_ts(self) -> str:
        """Message ts: seconds.microseconds, strictly increasing like Slack's within a channel."""
        now = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    # users and channels

    def add_user(self, name: str, *, admin: bool = False, owner: bool = False, bot: bool = False) -> User:
        user = User(self.new_id("U"), name, self.team_id, admin=admin, owner=owner, bot=bot)
        if bot:
            user.bot_id = self.new_id("B")
        self.users[user.id] = user
        return user

    def add_channel(self, name: str, *, private: bool, bot_member: bool, creator: str) -> Channel:
        channel = Channel(self.new_id("G" if private else "C"), name, private, int(time.time()), creator)
        channel.members.update(u.id for u in self.users.values() if not u.bot)
        if bot_member:
            channel.members.add(self.bot_user.id)
        self.channels[channel.id] = channel
        return channel

    def open_im(self, user: User) -> Channel:
        """The bot's direct message conversation with a person: the same one every time."""
        for channel in self.channels.values():
            if channel.im and channel.members == {self.bot_user.id, user.id}:
                return channel
        channel = Channel(self.new_id("D"), user.id, True, int(time.time()), self.bot_user.id, im=True)
        channel.members.update({self.bot_user.id, user.id})
        self.channels[channel.id] = channel
        return channel

    def channel(self, ref: str) -> Channel | None:
        """A live channel by id, by name or by #name, as chat.postMessage accepts."""
        found = self.channels.get(ref)
        if found is None:
            name = ref.removeprefix("#")
            found = next((c for c in self.channels.values() if c.name == name and not c.deleted), None)
        return None if found is None or found.deleted else found

    # messages

    def find(self, channel: Channel, ts: str) -> Json | None:
        return next((m for m in channel.messages if m["ts"] == ts), None)

    def add_message(self, channel: Channel, message: Json) -> Json:
        channel.messages.append(message)
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            parent = self.find(channel, thread_ts)
            if parent is not None:
                message["parent_user_id"] = parent.get("user")
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                users = parent.setdefault("reply_users", [])
                if message.get("user") and message["user"] not in users:
                    users.append(message["user"])
                parent["reply_users_count"] = len(users)
                parent["latest_reply"] = message["ts"]
        return message

    def remove_message(self, channel: Channel, ts: str) -> Json:
        message = self.find(channel, ts)
        if message is None:
            raise ApiError("message_not_found")
        if message.get("reply_count"):
            # a parent with replies stays as a tombstone, as in Slack
            tombstone = {
                k: message[k] for k in ("ts", "thread_ts", "reply_count", "latest_reply") if k in message
            }
            message.clear()
            message.update(tombstone, type="message", subtype="tombstone", hidden=True, user="USLACKBOT")
            message["text"] = "This message was deleted."
        else:
            channel.messages.remove(message)
            parent = self.find(channel, message.get("thread_ts", ""))
            if parent is not None and parent is not message and parent.get("reply_count"):
                parent["reply_count"] -= 1
        return message

    def thread(self, channel: Channel, ts: str) -> list[Json]:
        root = self.find(channel, ts)
        if root is None:
            raise ApiError("thread_not_found")
        root_ts = root.get("thread_ts") or root["ts"]
        return [m for m in channel.messages if m["ts"] == root_ts or m.get("thread_ts") == root_ts]

    def bot_message(self, text: str, *, blocks: list[Json] | None, ts: str | None = None) -> Json:
        message: Json = {
            "type": "message",
            "user": self.bot_user.id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": text,
            "ts": ts or self.new_ts(),
            "team": self.team_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": self.bot_user.name,
                "team_id": self.team_id,
                "deleted": False,
                "icons": {},
                "updated": 1_700_000_000,
            },
        }
        if blocks:
            message["blocks"] = blocks
        return message

    # payloads, shaped as Slack sends them

    def event_callback(self, event: Json) -> Json:
        return {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user.id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + uuid.uuid4().hex,
        }

    def message_event(self, channel: Channel, message: Json) -> Json:
        event = copy.deepcopy(message)
        event.pop("metadata", None)  # shown only where asked for (include_all_metadata)
        event.update(
            channel=channel.id, event_ts=message["ts"], channel_type="group" if channel.private else "channel"
        )
        for key in ("reply_count", "reply_users", "reply_users_count", "latest_reply"):
            event.pop(key, None)
        return event

    def slash_command(
        self, channel: Channel, user: User, command: str, text: str, response_url: str, trigger_id: str
    ) -> Json:
        return {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel.id,
            "channel_name": channel.name if not channel.private else "privategroup",
            "user_id": user.id,
            "user_name": user.name,
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }

    def interaction_user(self, user: User) -> Json:
        return {"id": user.id, "username": user.name, "name": user.name, "team_id": self.team_id}

    def block_actions(
        self,
        channel: Channel,
        user: User,
        message: Json,
        action: Json,
        *,
        ephemeral: bool,
        response_url: str,
        trigger_id: str,
    ) -> Json:
        payload: Json = {
            "type": "block_actions",
            "user": self.interaction_user(user),
            "api_app_id": self.app_id,
            "token": self.verification_token,
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel.id,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": trigger_id,
            "team": {"id": self.team_id, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel.id, "name": channel.name},
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [action],
        }
        if not ephemeral:  # Slack leaves the message out for ephemeral sources
            payload["message"] = copy.deepcopy(message)
        return payload

    def view_submission(self, user: User, view: Json, values: Json, trigger_id: str) -> Json:
        submitted = copy.deepcopy(view)
        submitted["state"] = {"values": values}
        return {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": self.interaction_user(user),
            "api_app_id": self.app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id,
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def url_verification(self, challenge: str) -> Json:
        return {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
