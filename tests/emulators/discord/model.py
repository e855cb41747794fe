"""The emulated Discord world: users, guilds, channels, threads, messages and commands, and the JSON
objects Discord writes for each (REST shape; the gateway adds `guild_id` and `member`)."""

from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

# Gateway intents: https://discord.com/developers/docs/events/gateway#gateway-intents
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

# Permission bits: https://discord.com/developers/docs/topics/permissions
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 53) - 1
EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | SEND_MESSAGES_IN_THREADS
)

# Channel types
GUILD_TEXT = 0
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15  # holds posts (public threads that each start with a message), no messages of its own
THREAD_TYPES = frozenset({10, PUBLIC_THREAD, PRIVATE_THREAD})

# Channel flags: https://discord.com/developers/docs/resources/channel#channel-object-channel-flags
REQUIRE_TAG = 1 << 4  # a forum post must apply a tag
FORUM_TAGS_MAX = 20  # available_tags per forum
APPLIED_TAGS_MAX = 5  # tags per post

# Message flags and types
SUPPRESS_EMBEDS = 1 << 2
HAS_THREAD = 1 << 5
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15
DEFAULT_MESSAGE = 0
REPLY = 19
CHAT_INPUT_COMMAND = 20

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's routing: a guild's events go to shard (guild_id >> 22) % num_shards."""
    return (guild_id >> 22) % shard_count


def guild_id_on_shard(shard_id: int, shard_count: int, index: int = 0) -> int:
    """A guild id (a snowflake from 2020, so no newer id collides) that falls on `shard_id`;
    `index` gives further ones on the same shard."""
    timestamp = (1_577_836_800_000 - DISCORD_EPOCH_MS) // shard_count * shard_count
    return ((timestamp + index * shard_count + shard_id) << 22) | (1 << 17)


def valid_shard(shard: object) -> bool:
    """IDENTIFY's `shard`: [shard_id, num_shards], integers with 0 <= shard_id < num_shards."""
    return (
        isinstance(shard, list)
        and len(shard) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
        and 0 <= shard[0] < shard[1]
    )


class Snowflakes:
    """Real snowflakes (timestamp, worker, increment), so discord.py's `created_at` and interaction
    expiry read sensible times; strictly increasing, as message ordering relies on it."""

    def __init__(self) -> None:
        self._increment = 0
        self._last = 0

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        self._increment = (self._increment + 1) & 0xFFF
        value = max((ms << 22) | (1 << 17) | self._increment, self._last + 1)
        self._last = value
        return value


@dataclass
class User:
    id: int
    username: str
    bot: bool = False

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0001" if self.bot else "0",
            "global_name": None if self.bot else self.username.title(),
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
            "public_flags": 0,
            "flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    bot_id: int | None = None  # set on the managed role Discord gives a bot when it joins

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.bot_id is not None,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass
class Member:
    user: User
    roles: list[int]
    joined_at: str = field(default_factory=now_iso)

    def payload(self, *, with_user: bool = True) -> JSON:
        data: JSON = {
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.roles],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,  # discord.py reads member['flags'] unconditionally
            "communication_disabled_until": None,
            "avatar_decoration_data": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def payload(self) -> JSON:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass
class Channel:
    """A guild text channel or a thread (threads carry the fields after `overwrites`)."""

    id: int
    guild_id: int
    name: str
    type: int = GUILD_TEXT
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    last_message_id: int | None = None
    rate_limit_per_user: int = 0
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    archive_timestamp: str = field(default_factory=now_iso)
    create_timestamp: str | None = None
    message_count: int = 0
    total_message_sent: int = 0
    members: dict[int, str] = field(default_factory=dict)  # thread members: user id -> join time
    flags: int = 0
    available_tags: list[JSON] = field(default_factory=list)  # a forum's tags (ForumTag objects)
    applied_tags: list[int] | None = None  # a forum post's tag ids (None: not in a forum)

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    def thread_member(self, user_id: int) -> JSON:
        return {
            "id": str(self.id),
            "user_id": str(user_id),
            "join_timestamp": self.members[user_id],
            "flags": 0,
        }

    def payload(self, *, me: int | None = None) -> JSON:
        """The channel object; `me` adds the `member` field on threads that user has joined."""
        data: JSON = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "rate_limit_per_user": self.rate_limit_per_user,
            "flags": self.flags,
            "nsfw": False,
            "last_pin_timestamp": None,
        }
        if not self.is_thread:
            data |= {
                "position": self.position,
                "parent_id": None,
                "topic": self.topic,
                "permission_overwrites": [o.payload() for o in self.overwrites.values()],
                "default_auto_archive_duration": 1440,
                "default_thread_rate_limit_per_user": 0,
            }
            if self.type == GUILD_FORUM:
                data |= {
                    "available_tags": copy.deepcopy(self.available_tags),
                    "default_reaction_emoji": None,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                    "default_tag_setting": "match_some",
                }
            return data
        data |= {
            "parent_id": str(self.parent_id),
            "owner_id": str(self.owner_id),
            "message_count": self.message_count,
            "total_message_sent": self.total_message_sent,
            "member_count": min(len(self.members), 50),
            "thread_metadata": {
                "archived": self.archived,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": self.archive_timestamp,
                "locked": self.locked,
                "invitable": self.invitable,
                "create_timestamp": self.create_timestamp,
            },
        }
        if self.applied_tags is not None:
            data["applied_tags"] = [str(t) for t in self.applied_tags]
        if me is not None and me in self.members:
            data["member"] = self.thread_member(me)
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)  # text channels and threads, in creation order


@dataclass
class Message:
    id: int
    channel_id: int
    guild_id: int
    author: User
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[JSON] = field(default_factory=list)
    flags: int = 0
    type: int = DEFAULT_MESSAGE
    tts: bool = False
    nonce: str | int | None = None
    allowed_mentions: JSON | None = None
    mentions: list[int] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    timestamp: str = field(default_factory=now_iso)
    edited_timestamp: str | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: JSON | None = None
    interaction: JSON | None = None
    message_reference: JSON | None = None
    thread_id: int | None = None
    position: int | None = None

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    def mentions_user(self, user_id: int) -> bool:
        return user_id in self.mentions


def resolve_mentions(content: str, allowed: JSON | None) -> tuple[list[int], list[int], bool]:
    """Users, roles and @everyone a message really mentions once `allowed_mentions` is applied."""
    users = [int(u) for u in USER_MENTION.findall(content)]
    roles = [int(r) for r in ROLE_MENTION.findall(content)]
    everyone = "@everyone" in content or "@here" in content
    if allowed is None:
        return list(dict.fromkeys(users)), list(dict.fromkeys(roles)), everyone
    parse = allowed.get("parse") or []
    listed_users = {int(u) for u in allowed.get("users") or []}
    listed_roles = {int(r) for r in allowed.get("roles") or []}
    users = [u for u in users if "users" in parse or u in listed_users]
    roles = [r for r in roles if "roles" in parse or r in listed_roles]
    return list(dict.fromkeys(users)), list(dict.fromkeys(roles)), everyone and "everyone" in parse


def _children(item: JSON) -> list[JSON]:
    children = list(item.get("components") or [])
    return children + [item[key] for key in ("accessory", "component") if isinstance(item.get(key), dict)]


def assign_component_ids(components: list[JSON]) -> None:
    """Discord numbers every component of a message that was sent without an `id`."""

    def walk(items: list[JSON]) -> list[JSON]:
        found = []
        for item in items:
            found.append(item)
            found += walk(_children(item))
        return found

    every = walk(components)
    taken = {item["id"] for item in every if isinstance(item.get("id"), int)}
    number = 1
    for item in every:
        if not isinstance(item.get("id"), int):
            while number in taken:
                number += 1
            item["id"] = number
            taken.add(number)


def find_component(components: list[JSON], custom_id: str) -> JSON | None:
    """The component with this custom_id, searched through rows, sections and labels."""
    for item in components:
        if item.get("custom_id") == custom_id:
            return item
        found = find_component(_children(item), custom_id)
        if found is not None:
            return found
    return None


class World:
    """Everything the emulated Discord knows, and the payloads it writes from it."""

    def __init__(self, *, bot_name: str) -> None:
        self.ids = Snowflakes()
        self.application_id = self.ids.next()
        self.bot = User(self.application_id, bot_name, bot=True)  # a bot's user id is its app id
        self.owner = User(self.ids.next(), "owner")
        self.users: dict[int, User] = {self.bot.id: self.bot, self.owner.id: self.owner}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, dict[int, Message]] = {}  # channel id -> message id -> message
        self.global_commands: dict[int, JSON] = {}
        self.guild_commands: dict[int, dict[int, JSON]] = {}
        self.attachments: dict[int, JSON] = {}  # files people picked for an attachment option (cdn.py)

    # ------------------------------------------------------------ building the world

    def add_guild(self, name: str, guild_id: int | None = None) -> Guild:
        """`guild_id` picks the id (and so the shard, (id >> 22) % shards); else a new snowflake."""
        if guild_id is not None and (guild_id in self.guilds or guild_id in self.users or guild_id < 1):
            raise ValueError(f"guild id {guild_id} is taken or not a snowflake")
        guild = Guild(guild_id or self.ids.next(), name, owner_id=self.owner.id)
        guild.roles[guild.id] = Role(guild.id, "@everyone", EVERYONE_PERMISSIONS)  # @everyone id == guild id
        bot_role = Role(self.ids.next(), self.bot.username, 0, position=1, bot_id=self.bot.id)
        guild.roles[bot_role.id] = bot_role
        guild.members[self.owner.id] = Member(self.owner, [])
        guild.members[self.bot.id] = Member(self.bot, [bot_role.id])
        self.guilds[guild.id] = guild
        self.guild_commands[guild.id] = {}
        return guild

    def add_channel(self, guild_id: int, name: str) -> Channel:
        guild = self.guild(guild_id)
        position = sum(1 for c in guild.channel_ids if not self.channels[c].is_thread)
        channel = Channel(self.ids.next(), guild_id, name, position=position)
        self._store_channel(guild, channel)
        return channel

    def add_forum(
        self, guild_id: int, name: str, *, tags: tuple[str, ...] = (), require_tag: bool = False
    ) -> Channel:
        """A forum channel with these tags (each given an id), REQUIRE_TAG when `require_tag`."""
        forum = self.add_channel(guild_id, name)
        forum.type, forum.flags = GUILD_FORUM, REQUIRE_TAG if require_tag else 0
        forum.available_tags = [self.new_tag({"name": tag}) for tag in tags]
        return forum

    def new_tag(self, body: JSON) -> JSON:
        """A forum tag object from a tag in a PATCH body (a new one gets an id)."""
        return {
            "id": str(body.get("id") or self.ids.next()),
            "name": body["name"],
            "moderated": bool(body.get("moderated")),
            "emoji_id": body.get("emoji_id"),
            "emoji_name": body.get("emoji_name"),
        }

    def add_thread(
        self, parent: Channel, *, thread_id: int, name: str, type_: int, owner_id: int, archive_after: int
    ) -> Channel:
        thread = Channel(
            thread_id,
            parent.guild_id,
            name,
            type=type_,
            parent_id=parent.id,
            owner_id=owner_id,
            auto_archive_duration=archive_after,
            create_timestamp=now_iso(),
            applied_tags=[] if parent.type == GUILD_FORUM else None,
        )
        thread.members[owner_id] = now_iso()  # the creator is added to the thread
        self._store_channel(self.guild(parent.guild_id), thread)
        return thread

    def _store_channel(self, guild: Guild, channel: Channel) -> None:
        self.channels[channel.id] = channel
        self.messages[channel.id] = {}
        guild.channel_ids.append(channel.id)

    def add_member(
        self, guild_id: int, name: str, *, bot: bool = False, roles: list[int] | None = None
    ) -> User:
        user = User(self.ids.next(), name, bot=bot)
        self.users[user.id] = user
        self.guild(guild_id).members[user.id] = Member(user, roles or [])
        return user

    def add_role(self, guild_id: int, name: str, permissions: int) -> Role:
        guild = self.guild(guild_id)
        role = Role(self.ids.next(), name, permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        return role

    def remove_channel(self, channel_id: int) -> list[Channel]:
        """Removes a channel with its threads and messages; returns what was removed, threads last."""
        channel = self.channels.pop(channel_id)
        guild = self.guild(channel.guild_id)
        guild.channel_ids.remove(channel_id)
        self.messages.pop(channel_id, None)
        removed = [channel]
        for thread in [c for c in self.channels.values() if c.parent_id == channel_id]:
            removed += self.remove_channel(thread.id)
        return removed

    # ------------------------------------------------------------ looking things up

    def guild(self, guild_id: int) -> Guild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise LookupError(f"no guild {guild_id}; add_guild() returns the ids that exist") from None

    def text_channel(self, channel: Channel) -> Channel:
        """The channel whose permissions apply: a thread's parent, else the channel itself."""
        return self.channels[channel.parent_id] if channel.is_thread and channel.parent_id else channel

    def permissions(self, channel: Channel, user_id: int) -> int:
        """Discord's permission algorithm: base from roles, then @everyone, role and member overwrites."""
        guild = self.guild(channel.guild_id)
        member = guild.members.get(user_id)
        if member is None:
            return 0
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        perms = guild.roles[guild.id].permissions
        for role_id in member.roles:
            perms |= guild.roles[role_id].permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        source = self.text_channel(channel)
        everyone = source.overwrites.get(guild.id)
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles:
            overwrite = source.overwrites.get(role_id)
            if overwrite and overwrite.type == 0:
                allow, deny = allow | overwrite.allow, deny | overwrite.deny
        perms = (perms & ~deny) | allow
        mine = source.overwrites.get(user_id)
        if mine and mine.type == 1:
            perms = (perms & ~mine.deny) | mine.allow
        if not perms & VIEW_CHANNEL:
            return 0  # without VIEW_CHANNEL every other permission is implicitly denied
        return perms

    # ------------------------------------------------------------ messages

    def new_message(
        self,
        channel: Channel,
        author: User,
        body: JSON,
        *,
        settable_flags: int,
        message_id: int | None = None,
        **fields: Any,
    ) -> Message:
        """A message built from a create body (not stored yet: see `add_message`); `message_id`
        for a forum post's starter message, which has its thread's id."""
        message = Message(message_id or self.ids.next(), channel.id, channel.guild_id, author, **fields)
        self.apply_body(message, body, settable_flags=settable_flags)
        return message

    def apply_body(self, message: Message, body: JSON, *, settable_flags: int) -> None:
        """The fields of a create or edit body; mentions are worked out again from the new content."""
        if "content" in body:
            message.content = body["content"] or ""
        if "embeds" in body:
            message.embeds = [{"type": "rich", **e} for e in copy.deepcopy(body["embeds"] or [])]
        if "components" in body:
            message.components = copy.deepcopy(body["components"] or [])
            assign_component_ids(message.components)
        if "allowed_mentions" in body:
            message.allowed_mentions = body["allowed_mentions"]
        if body.get("flags") is not None:
            message.flags = (message.flags & ~settable_flags) | (int(body["flags"]) & settable_flags)
        if body.get("tts") is not None:
            message.tts = bool(body["tts"])
        found = resolve_mentions(message.content, message.allowed_mentions)
        message.mentions, message.mention_roles, message.mention_everyone = found

    def add_message(self, message: Message) -> Message:
        """Stores a message in its channel; ephemeral ones belong to their interaction only."""
        if message.ephemeral:
            return message
        channel = self.channels[message.channel_id]
        self.messages[channel.id][message.id] = message
        channel.last_message_id = message.id
        if channel.is_thread:
            message.position = channel.total_message_sent
            channel.message_count += 1
            channel.total_message_sent += 1
            if channel.archived and not channel.locked:
                channel.archived = False  # sending a message unarchives a thread
        return message

    def find_message(self, message_id: int) -> Message | None:
        for messages in self.messages.values():
            if message_id in messages:
                return messages[message_id]
        return None

    def message_payload(self, message: Message) -> JSON:
        """A message as the REST API returns it (a DM's message has no guild: see direct.py)."""
        guild = self.guilds.get(message.guild_id)
        mentions = []
        for user_id in message.mentions:
            user = self.users.get(user_id)
            if user is not None:
                mention = user.payload()
                if guild is not None and user_id in guild.members:
                    mention["member"] = guild.members[user_id].payload(with_user=False)
                mentions.append(mention)
        data: JSON = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "type": message.type,
            "author": message.author.payload(),
            "content": message.content,
            "timestamp": message.timestamp,
            "edited_timestamp": message.edited_timestamp,
            "tts": message.tts,
            "mention_everyone": message.mention_everyone,
            "mentions": mentions,
            "mention_roles": [str(r) for r in message.mention_roles],
            "attachments": message.attachments,
            "embeds": message.embeds,
            "components": message.components,
            "pinned": False,
            "flags": message.flags,
        }
        optional: JSON = {
            "nonce": message.nonce,
            "webhook_id": str(message.webhook_id) if message.webhook_id else None,
            "application_id": str(message.application_id) if message.application_id else None,
            "interaction_metadata": message.interaction_metadata,
            "interaction": message.interaction,
            "message_reference": message.message_reference,
            "position": message.position,
        }
        data |= {k: v for k, v in optional.items() if v is not None}
        if message.thread_id is not None and message.thread_id in self.channels:
            data["thread"] = self.channels[message.thread_id].payload()
        return data

    def message_event(self, message: Message) -> JSON:
        """A message as MESSAGE_CREATE/UPDATE carry it: the REST shape plus guild_id and member."""
        data = self.message_payload(message)
        data["guild_id"] = str(message.guild_id)
        member = self.guild(message.guild_id).members.get(message.author.id)
        if member is not None and message.webhook_id is None:
            data["member"] = member.payload(with_user=False)
        return data

    # ------------------------------------------------------------ gateway payloads

    def ready_payload(self, session_id: str, resume_url: str, shard: list[int] | None) -> JSON:
        data: JSON = {
            "v": 10,
            "user": self.bot.payload() | {"verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds_for(shard)],
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": resume_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "user_settings": {},
            "_trace": ['["emulator-gateway",{"micros":0}]'],
        }
        if shard is not None:
            data["shard"] = shard
        return data

    def guilds_for(self, shard: list[int] | None) -> list[Guild]:
        guilds = list(self.guilds.values())
        if shard is None:
            return guilds
        shard_id, count = shard
        return [g for g in guilds if shard_of(g.id, count) == shard_id]

    def guild_create_payload(self, guild: Guild, intents: int) -> JSON:
        visible = [self.channels[c] for c in guild.channel_ids if self.can_view(self.channels[c])]
        members = list(guild.members.values()) if intents & GUILD_MEMBERS else [guild.members[self.bot.id]]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [r.payload() for r in guild.roles.values()],
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "application_id": None,
            "joined_at": guild.members[self.bot.id].joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(guild.members),
            "members": [m.payload() for m in members],
            "channels": [c.payload() for c in visible if not c.is_thread],
            "threads": [c.payload(me=self.bot.id) for c in visible if c.is_thread and not c.archived],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
        }

    def can_view(self, channel: Channel) -> bool:
        return bool(self.permissions(channel, self.bot.id) & VIEW_CHANNEL)

    def commands_of(self, guild_id: int | None) -> dict[int, JSON]:
        return self.global_commands if guild_id is None else self.guild_commands[guild_id]
