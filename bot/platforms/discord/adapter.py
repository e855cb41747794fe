"""Discord on discord.py 2.7: the Platform port, slash commands, buttons and thread replies.

Intents `guilds` and `guild_messages` only: replies are counted by who wrote in which thread,
never by what they wrote, so no privileged intent is needed. No member chunking and no message
cache. Everything the bot sends carries `allowed_mentions` none. A subscribed forum channel gets
each question as a post of its own, tagged with its level. With `[discord] shard_count` set the
process connects as its `shard_ids` only and owns the channels of their guilds (docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import io
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

import aiohttp
import discord
import yarl
from discord import app_commands

from bot.config import DiscordConfig
from bot.core.calendar.holidays import VERBS as HOLIDAY_VERBS
from bot.core.commands import grammar
from bot.core.daily.schedule import DAY_NAMES, suggest_zones
from bot.core.daily.service import PracticeService
from bot.core.shared.errors import About, PlatformError, UserError
from bot.core.shared.messages import Attachment, Message, Picture, Response, plain
from bot.core.shared.models import LEVELS, Caller, ChannelRef, PostedRef, User
from bot.core.shared.ports import Metrics, NoMetrics
from bot.platforms.discord.render import NO_MENTIONS, Rendered, action_of, modal, render, submitted_values
from bot.platforms.discord.shards import guild_id_of, serves
from bot.platforms.downloads import check_declared, download, without_file
from bot.platforms.pacing import Paced, SlidingWindow, TokenBucket
from bot.platforms.rate_watch import discord_trace
from bot.platforms.token_state import TokenState

log = logging.getLogger("practicebot.discord")

PLATFORM = "discord"
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440
# Discord's global limit is 50 requests per second (interaction callbacks and follow-ups do not
# count). Requests go out evenly at GLOBAL_RATE, and never more than 50 in any GLOBAL_WINDOW as
# they really left: the 40 ms over a second absorb jitter between our send and Discord's count.
# A process with part of the shards takes that part of both (global_pacing).
GLOBAL_RATE = 48.0
GLOBAL_LIMIT = 50
GLOBAL_WINDOW = 1.04
ACK_WITHIN = 2.0  # seconds before deferring; Discord wants an answer within 3
THREAD_ALREADY_CREATED = 160004
HISTORY_LIMIT = 500  # messages read back from a thread after a restart
PICTURE_LOOKBACK = 50  # channel messages searched for a recap that may have gone out before a crash
POST_LOOKBACK = 50  # channel messages searched for the parts of a daily post resent after a crash
REQUEST_TIMEOUT = 30.0  # seconds for one REST call; a hung call must not hold up other channels
FORUM_TAGS_MAX = 20  # a forum's available_tags (Modify Channel)
APPLIED_TAGS_MAX = 5  # tags on one forum post (Start Thread in Forum or Media Channel)
TAG_REQUIRED = 40067  # "A tag is required to create a forum post in this channel"
NEEDS_A_TAG = (
    "this forum requires a tag on every post and practicebot could not add its level tag "
    "(Beginner, Intermediate, Advanced): give the bot Manage Channels in the forum so it can "
    "create them, create them yourself, or turn off the forum's Require Tags setting; "
    "then /practice resume"
)
T = TypeVar("T")

# Permissions the bot needs in a subscribed channel, for the invite URL.
NEEDED_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,  # the weekly recap's picture
    create_public_threads=True,
    send_messages_in_threads=True,
    read_message_history=True,
)
# Manage Channels is not asked for: only a forum's level tags need it (the bot creates missing
# ones with it, and posts without them when it lacks it), and it is a lot to grant for that.


def global_share(config: DiscordConfig) -> float:
    """The part of Discord's global rate limit this process may use: its shards' share of all."""
    if config.shard_count is None or config.shard_ids is None:
        return 1.0
    return len(config.shard_ids) / config.shard_count


def global_pacing(share: float) -> tuple[float, int, float]:
    """(rate, limit, window) for a process with `share` of the shards: requests at `rate` per
    second, never more than `limit` in any `window` seconds. Limits are whole requests that add
    up to at most GLOBAL_LIMIT over the processes (a quarter each: 12, 48 in all, the 2 left over
    absorbing the jitter the longer window absorbs for one process), so the window is shortened,
    never below a second, not to hold a process under its rate (12 in 1.04 s is 11.5/s, not 12);
    where whole requests cannot reach the share's rate, the rate is what the limit lets through."""
    limit = max(1, int(GLOBAL_LIMIT * share))
    window = max(1.0, min(GLOBAL_WINDOW, limit / (GLOBAL_RATE * share)))
    return min(GLOBAL_RATE * share, limit / window), limit, window


def application_id_from_token(token: str) -> int | None:
    """A bot token starts with its user id in base64; for bots that id is the application's."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isdigit() else None


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(
        application_id, permissions=NEEDED_PERMISSIONS, scopes=("bot", "applications.commands")
    )


def point_at(config: DiscordConfig) -> None:
    """discord.py keeps its endpoints process-wide; set them from config (a proxy, an emulator)."""
    discord.http.Route.BASE = config.api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


class DiscordPlatform:
    """The Platform port on a discord.py Client, and the front end for its commands."""

    name = PLATFORM

    def __init__(
        self,
        config: DiscordConfig,
        token: str,
        *,
        guild_ready_timeout: float = 2.0,
        metrics: Metrics | None = None,
        request_timeout: float = REQUEST_TIMEOUT,
        ack_within: float = ACK_WITHIN,
    ) -> None:
        point_at(config)
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice here: no warning
        self._request_timeout = request_timeout
        self._ack_within = ack_within  # seconds an interaction's work may take before it is deferred
        watch = metrics or NoMetrics()
        self._config = config
        self._token = token
        self.token_state = TokenState("Discord", config.token_env)
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        options: dict[str, Any] = {
            "intents": intents,
            "max_messages": None,
            "chunk_guilds_at_startup": False,
            "member_cache_flags": discord.MemberCacheFlags.none(),
            "allowed_mentions": NO_MENTIONS,
            "guild_ready_timeout": guild_ready_timeout,
            "http_trace": discord_trace(lambda: watch.rate_limited(PLATFORM)),
        }
        # [discord] shard_count: this process connects as shard_ids (all when unset) of that many
        # shards and serves only their guilds; unset, one plain connection (discord.py's default)
        self._sharded = config.shard_count is not None
        self.client: discord.Client
        if config.shard_count is None:
            self.client = discord.Client(**options)
        else:
            if config.shard_ids is not None:  # else every shard, 0 to shard_count - 1
                options["shard_ids"] = list(config.shard_ids)
            self.client = discord.AutoShardedClient(shard_count=config.shard_count, **options)
        self.tree = app_commands.CommandTree(self.client)
        # the global limit is the bot's, not the process's: each process takes its shards' share
        rate, limit, window = global_pacing(global_share(config))
        self._pace = Paced(TokenBucket(rate, burst=1), SlidingWindow(limit, window))
        self._service: PracticeService | None = None
        self._ready = asyncio.Event()
        self._synced = False
        self._task: asyncio.Task[None] | None = None
        self._register_commands()
        self.client.event(self.on_ready)
        if self._sharded:
            self.client.event(self.on_shard_ready)
        self.client.event(self.on_message)
        self.client.event(self.on_interaction)

    # ------------------------------------------------------------ life cycle

    async def start(self, service: PracticeService) -> None:
        """Log in over REST, which is all posting needs, and open the gateway in the background:
        the scheduler need not wait for READY (discord.py holds it back until no guild has
        arrived for `guild_ready_timeout`, 2 s). A refused token fails here, at once."""
        self._service = service
        try:
            await self.client.login(self._token)
        except discord.LoginFailure:
            raise UserError(
                f"Discord refused the token in ${self._config.token_env}: copy a fresh one from "
                "the Developer Portal (your application > Bot > Reset Token)"
            ) from None
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise UserError(f"cannot reach Discord at {self._config.api_base_url}: {exc}") from None
        self._task = asyncio.create_task(self.client.connect(), name="discord")

    async def connected(self, within: float = 60.0) -> None:
        """Return once the gateway is READY and commands are synced; a clear error if it fails or
        takes longer than `within` seconds."""
        assert self._task is not None, "start() first"
        ready = asyncio.create_task(self._ready.wait())
        try:
            done, _ = await asyncio.wait(
                {self._task, ready}, timeout=within, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
        if ready in done:
            return
        if self._task in done:  # ended: refused, or cancelled by a stop (.exception() would raise)
            exc = None if self._task.cancelled() else self._task.exception()
            raise UserError(self._gateway_refusal(exc)) from exc
        raise UserError(
            f"Discord did not become ready within {within:.0f} s: check the network and "
            f"[discord] gateway_url ({self._config.gateway_url})"
        )

    async def receiving(self) -> None:
        await self._ready.wait()

    async def ended(self) -> None:
        """Once ready, discord.py reconnects by itself; its task ends only when Discord ends the
        session for good (4004 after a token reset, 4014 ...), which leaves nothing to serve."""
        assert self._task is not None, "start() first"
        await asyncio.wait({self._task})  # being cancelled (a stop) leaves the task alone
        if not self._task.cancelled() and (exc := self._task.exception()) is not None:
            raise UserError(self._gateway_refusal(exc)) from exc

    def _gateway_refusal(self, exc: BaseException | None) -> str:
        """What a gateway that ended the session means, and what to do (Discord's close codes)."""
        code = exc.code if isinstance(exc, discord.ConnectionClosed) else None
        if isinstance(exc, discord.PrivilegedIntentsRequired):
            code = 4014
        advice = {
            4004: f"it refused the token in ${self._config.token_env} (reset since the bot started?): "
            "copy a fresh one from the Developer Portal (your application > Bot > Reset Token)",
            4010: "it refused the shard: check [discord] shard_count and shard_ids",
            4011: "the bot is in too many guilds for one connection: set [discord] shard_count "
            "(see docs/scaling.md)",
            4014: "it refused the intents: practicebot needs no privileged intent, so check the "
            "application's settings in the Developer Portal",
        }.get(code or 0)
        if advice is None:
            return f"Discord closed the gateway connection: {exc or 'no reason given'}"
        return f"Discord closed the gateway connection ({code}): {advice}"

    async def close(self) -> None:
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def is_connected(self) -> bool:
        """For /healthz: ready, not closed, and the gateway socket open (False while it reconnects);
        sharded, every shard's socket."""
        if not self.client.is_ready() or self.client.is_closed():
            return False
        if isinstance(self.client, discord.AutoShardedClient):
            shards = self.client.shards.values()
            return bool(shards) and not any(shard.is_closed() for shard in shards)
        ws = self.client.ws
        return ws is not None and ws.open

    def owns(self, channel: ChannelRef) -> bool:
        """With [discord] shard_count set, only the channels of this process's shards' guilds."""
        config = self._config
        return serves(guild_id_of(channel.workspace_id), config.shard_count, config.shard_ids)

    async def on_ready(self) -> None:
        """Also after a reconnect that could not resume: Discord replays nothing to a new
        session, so the replies written meanwhile are read back from the threads. (Sharded, a
        shard's new session is seen by on_shard_ready: on_ready waits for every shard.)"""
        if not self._synced:
            await self._sync_commands()
            self._synced = True
        elif not self._sharded:
            await self._read_back()
        user = self.client.user
        ids = self._config.shard_ids
        shards = f" as shards {list(ids) if ids is not None else 'all'} of {self._config.shard_count}"
        log.info(
            "discord ready as %s in %d guilds%s",
            user.id if user else "?",
            len(self.client.guilds),
            shards if self._sharded else "",
        )
        self._ready.set()

    async def on_shard_ready(self, shard_id: int) -> None:
        """A shard identified again after start-up (its session could not resume)."""
        if self._synced:
            log.info("discord shard %d has a new session", shard_id)
            await self._read_back()

    async def _read_back(self) -> None:
        if self._service is not None:
            self._service.missed_events(PLATFORM)
            await self._service.backfill(PLATFORM)

    async def _sync_commands(self) -> None:
        if self._config.guild_ids:
            for guild_id in self._config.guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    # ------------------------------------------------------------ Platform port

    async def post_question(
        self, channel: ChannelRef, message: Message, nonce: str, *, resend: bool = False
    ) -> PostedRef:
        """Each part carries its own nonce with `enforce_nonce`, but Discord dedupes only "in the
        past few minutes" (Create Message, discord-api-docs) while a claimed post is resent up to
        `misfire_grace` later; so a resend first looks in the channel's recent history for the
        parts that went out, and sends only the others (the thread then opens on the first).
        In a forum the question is a post of its own (see `_forum_post`)."""
        target = await self._destination(channel)
        parts = render(message)
        if isinstance(target, discord.ForumChannel):
            post = await self._forum_post(
                target, message, {}, lambda m: _shows(m, parts[0]), parts, nonce, resend=resend
            )
            return PostedRef(message_id=str(post.id), thread_id=str(post.id))
        mine = await self._mine(self._partial(channel, channel.channel_id), POST_LOOKBACK) if resend else []
        sent = await self._send_parts(target, parts, nonce, mine)
        thread_id = await self._open_thread(sent, message.title)
        return PostedRef(message_id=str(sent.id), thread_id=str(thread_id))

    async def _forum_post(
        self,
        forum: discord.ForumChannel,
        message: Message,
        extra: dict[str, Any],
        starts: Callable[[discord.Message], bool],
        parts: list[Rendered],
        nonce: str,
        *,
        resend: bool,
    ) -> discord.Thread:
        """A forum post: named for the message's title, its first part (with `extra`, a file)
        as the starter message, which has the post's id, the other parts sent in it, and the
        message's tags applied. Forum thread creation takes no nonce, so a resend first looks
        for a post of the bot's whose starter message `starts` like this one and completes it."""
        name = (message.title or "Practice")[:100]
        post = await self._forum_post_found(forum, name, starts) if resend else None
        if post is not None:
            mine = await self._mine(self._partial_in(forum, post.id), HISTORY_LIMIT, oldest_first=True)
        else:
            first = parts[0]
            created = await self._call(
                forum.create_thread(
                    name=name,
                    embeds=list(first.embeds),
                    applied_tags=await self._tags_for(forum, message.tags),
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                    allowed_mentions=NO_MENTIONS,
                    **_view(first),
                    **extra,
                )
            )
            post, mine = created.thread, [created.message]
        await self._send_parts(post, parts, nonce, mine)
        return post

    async def _forum_post_found(
        self, forum: discord.ForumChannel, name: str, starts: Callable[[discord.Message], bool]
    ) -> discord.Thread | None:
        """The bot's active post in `forum` named `name` whose starter message `starts` right:
        among the cached threads (the gateway's THREAD_CREATE, GUILD_CREATE's threads), else
        among those List Active Guild Threads names."""
        checked: set[int] = set()
        found = await self._post_among(forum, forum.threads, name, starts, checked)
        if found is None:
            active = await self._call(forum.guild.active_threads())
            found = await self._post_among(
                forum, [t for t in active if t.parent_id == forum.id], name, starts, checked
            )
        return found

    async def _post_among(
        self,
        forum: discord.ForumChannel,
        threads: Sequence[discord.Thread],
        name: str,
        starts: Callable[[discord.Message], bool],
        checked: set[int],
    ) -> discord.Thread | None:
        """The newest of `threads` (the bot's, named `name`, not `checked` yet) whose starter
        message `starts` right; one history read per candidate."""
        me = self.client.user.id if self.client.user else None
        for thread in sorted(threads, key=lambda t: t.id, reverse=True)[:POST_LOOKBACK]:
            if thread.id in checked or thread.owner_id != me or thread.name != name:
                continue
            checked.add(thread.id)
            first = await self._history(self._partial_in(forum, thread.id), 1, oldest_first=True)
            if first and first[0].id == thread.id and starts(first[0]):
                return thread
        return None

    async def _tags_for(self, forum: discord.ForumChannel, names: tuple[str, ...]) -> list[discord.ForumTag]:
        """The forum's tags called `names`, creating those it lacks (Modify Channel keeps the
        existing ones and needs Manage Channels). Without the permission, or with the forum's 20
        tags taken, the post goes without; unless the forum requires a tag: then a channel-level
        failure that tells the admin what to do."""

        def known(tags: Sequence[discord.ForumTag]) -> dict[str, discord.ForumTag]:
            return {tag.name.casefold(): tag for tag in tags}

        have = known(forum.available_tags)
        missing = [name for name in dict.fromkeys(names) if name.casefold() not in have]
        room = len(forum.available_tags) + len(missing) <= FORUM_TAGS_MAX
        me = forum.guild.me  # the bot's own member is cached from GUILD_CREATE; unknown, try anyway
        allowed = me is None or forum.permissions_for(me).manage_channels
        if missing and room and allowed:
            wanted = [*forum.available_tags, *(discord.ForumTag(name=name) for name in missing)]
            try:
                edited = await self._call(forum.edit(available_tags=wanted))
            except PlatformError as exc:
                if exc.about is not About.CHANNEL:  # 403: the permission went; post without
                    raise
                log.warning("cannot create the forum tags %s in %s: %s", missing, forum.id, exc.reason)
            else:
                if isinstance(edited, discord.ForumChannel):  # None only for a positional edit
                    have = known(edited.available_tags)
        applied = [have[name.casefold()] for name in names if name.casefold() in have][:APPLIED_TAGS_MAX]
        if not applied and forum.flags.require_tag:
            raise PlatformError(NEEDS_A_TAG, about=About.CHANNEL)
        return applied

    async def _send_parts(
        self,
        target: discord.abc.Messageable,
        parts: list[Rendered],
        nonce: str,
        already: list[discord.Message],
    ) -> discord.Message:
        """Send every part of a message that is not among `already` (the bot's own messages a
        resend found), in order, each with its own nonce; the first part's message."""
        first: discord.Message | None = None
        for index, part in enumerate(parts):
            found = next((m for m in already if _shows(m, part)), None)
            if found is None:
                extra: dict[str, Any] = {"nonce": part_nonce(nonce, index)} if nonce else {}
                found = await self._call(
                    target.send(
                        embeds=list(part.embeds), allowed_mentions=NO_MENTIONS, **_view(part), **extra
                    )
                )
            first = first or found
        assert first is not None, "render() gives at least one part"
        return first

    async def _open_thread(self, sent: discord.Message, title: str) -> int:
        """A public thread from the post. After a crash the thread may exist already: Discord then
        answers 160004 and the thread has the post's id. No join: Discord adds a thread's creator
        to it, and apps get the events of every active thread they can see without joining.
        A post a resend found in the history names its thread (the message's `thread` field)."""
        if sent.thread is not None:
            return sent.thread.id
        await self._pace.acquire()
        try:
            async with asyncio.timeout(self._request_timeout):
                thread = await sent.create_thread(
                    name=(title or "Answers")[:100], auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
            thread_id = thread.id
        except TimeoutError as exc:
            raise self.token_state.failed(_translate(exc)) from exc
        except discord.HTTPException as exc:
            if exc.code != THREAD_ALREADY_CREATED:
                raise self.token_state.failed(_translate(exc)) from exc
            thread_id = sent.id
        return thread_id

    async def reply_in_thread(
        self, channel: ChannelRef, thread_id: str, message: Message, *, nonce: str = "", resend: bool = False
    ) -> None:
        """Each part carries a nonce, so Discord drops a resend within its nonce window; past
        that window a resend first looks in the thread for each part of the bot's reply and sends
        only those that are not there (a reveal split in parts is completed, never cut short)."""
        thread = self._partial(channel, thread_id)
        mine = await self._mine(thread, HISTORY_LIMIT, oldest_first=True) if resend else []
        await self._send_parts(thread, render(message), nonce, mine)

    async def _mine(
        self, where: discord.PartialMessageable, limit: int, *, oldest_first: bool = False
    ) -> list[discord.Message]:
        """The bot's own messages among `where`'s last (or first) `limit` (a resend's look-back)."""
        me = self.client.user.id if self.client.user else None
        return [m for m in await self._history(where, limit, oldest_first=oldest_first) if m.author.id == me]

    async def _sent_by_me(
        self,
        where: discord.PartialMessageable,
        matches: Callable[[discord.Message], bool],
        limit: int = HISTORY_LIMIT,
        *,
        oldest_first: bool = True,
    ) -> bool:
        """Whether the bot's own messages in `where`'s history include one that `matches` (a
        resend's look-back, for what may have gone out before a crash)."""
        return any(matches(sent) for sent in await self._mine(where, limit, oldest_first=oldest_first))

    def _partial(self, channel: ChannelRef, channel_id: str) -> discord.PartialMessageable:
        """The channel (or one of its threads) by id, without a request."""
        return self.client.get_partial_messageable(int(channel_id), guild_id=int(channel.workspace_id))

    def _partial_in(self, forum: discord.ForumChannel, post_id: int) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(post_id, guild_id=forum.guild.id)

    async def thread_replies(self, channel: ChannelRef, thread_id: str) -> list[tuple[User, datetime]]:
        thread = self._partial(channel, thread_id)
        return [
            (User(str(m.author.id), m.author.display_name), m.created_at)
            for m in await self._history(thread)
            if not m.author.bot and m.type in (discord.MessageType.default, discord.MessageType.reply)
        ]

    async def _history(
        self, where: discord.PartialMessageable, limit: int = HISTORY_LIMIT, *, oldest_first: bool = True
    ) -> list[discord.Message]:
        await self._pace.acquire()
        try:
            async with asyncio.timeout(self._request_timeout):
                return [m async for m in where.history(limit=limit, oldest_first=oldest_first)]
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise self.token_state.failed(_translate(exc)) from exc

    async def edit_post(self, channel: ChannelRef, message_id: str, message: Message) -> None:
        """In a forum the post's starter message lives in the post, which has its id."""
        forum = isinstance(await self._destination(channel), discord.ForumChannel)
        target = self._partial(channel, message_id if forum else channel.channel_id)
        first = render(message)[0]
        await self._call(
            target.get_partial_message(int(message_id)).edit(
                embeds=list(first.embeds), allowed_mentions=NO_MENTIONS, **_view(first)
            )
        )

    async def send_private(self, channel: ChannelRef, user_id: str, message: Message) -> None:
        """A DM: open (or reuse) the DM channel with the person, then post in it. A person who
        takes no DMs from server members makes Discord answer 403 (50007): a PlatformError."""
        dm = await self._call(self.client.create_dm(discord.Object(id=int(user_id))))
        for part in render(message):
            await self._call(dm.send(embeds=list(part.embeds), allowed_mentions=NO_MENTIONS, **_view(part)))

    async def post_picture(
        self, channel: ChannelRef, message: Message, picture: Picture, nonce: str, *, resend: bool = False
    ) -> None:
        """A channel message with the picture attached and shown in its embed (multipart:
        payload_json and the file). Discord recognises a resend by its nonce for a few minutes;
        past that, a resend first looks for the bot's message with this picture in the channel.
        In a forum the recap is a post of its own, without a tag (it has no level)."""
        target = await self._destination(channel)
        parts = render(message)
        first = parts[0]
        embeds = list(first.embeds)
        if embeds:
            embeds[0].set_image(url=f"attachment://{picture.filename}")
        attachment = discord.File(
            io.BytesIO(picture.data),
            filename=picture.filename,
            description=picture.description[:1024] or None,
        )

        def carries_it(sent: discord.Message) -> bool:
            return any(a.filename == picture.filename for a in sent.attachments)

        if isinstance(target, discord.ForumChannel):
            starter = Rendered(tuple(embeds), first.buttons)
            await self._forum_post(
                target, message, {"file": attachment}, carries_it, [starter, *parts[1:]], nonce, resend=resend
            )
            return
        if resend and await self._sent_by_me(
            self._partial(channel, channel.channel_id), carries_it, PICTURE_LOOKBACK, oldest_first=False
        ):
            return
        await self._call(
            target.send(
                embeds=embeds, file=attachment, nonce=nonce, allowed_mentions=NO_MENTIONS, **_view(first)
            )
        )
        for extra in parts[1:]:
            await self._call(
                target.send(embeds=list(extra.embeds), allowed_mentions=NO_MENTIONS, **_view(extra))
            )

    async def _destination(self, channel: ChannelRef) -> discord.TextChannel | discord.ForumChannel:
        """The subscribed text or forum channel, from the cache the gateway fills; only a miss
        costs a (paced) request."""
        cached = self.client.get_channel(int(channel.channel_id))
        if isinstance(cached, discord.TextChannel | discord.ForumChannel):
            return cached
        fetched = await self._call(self.client.fetch_channel(int(channel.channel_id)))
        if not isinstance(fetched, discord.TextChannel | discord.ForumChannel):
            raise PlatformError(
                "the subscribed channel is not a text or forum channel any more", about=About.CHANNEL
            )
        return fetched

    async def _call(self, call: Awaitable[T]) -> T:
        """One REST call, paced under the global limit, with Discord's failures translated."""
        await self._pace.acquire()
        try:
            async with asyncio.timeout(self._request_timeout):
                answer = await call
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise self.token_state.failed(_translate(exc)) from exc
        except RuntimeError as exc:  # aiohttp's "Session is closed": the client shut down
            if not self.client.is_closed():
                raise
            raise PlatformError("the Discord client is closed") from exc
        self.token_state.worked()
        return answer

    # ------------------------------------------------------------ incoming

    async def on_message(self, message: discord.Message) -> None:
        """A person writing in a thread answers that thread's daily post."""
        if self._service is None or message.author.bot or message.guild is None:
            return
        channel = message.channel
        if not isinstance(channel, discord.Thread) or channel.parent_id is None:
            return
        ref = ChannelRef(PLATFORM, str(message.guild.id), str(channel.parent_id))
        user = User(str(message.author.id), message.author.display_name)
        await self._service.record_reply(ref, str(channel.id), user, message.created_at)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Buttons and forms: persistent custom ids (`pb:<action>`), so they work after a restart.
        A form's text arrives in the interaction: no message-content intent is needed."""
        kinds = (discord.InteractionType.component, discord.InteractionType.modal_submit)
        if interaction.type not in kinds or self._service is None:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        action = action_of(str(data.get("custom_id", "")))
        if action is None:
            return
        service = self._service
        if interaction.type is discord.InteractionType.modal_submit:
            values = submitted_values(list(data.get("components") or []))
            await self._answer(
                interaction, lambda: service.submit_form(self._caller(interaction), action, values)
            )
            return
        await self._answer(interaction, lambda: service.handle_action(self._caller(interaction), action))

    def _caller(self, interaction: discord.Interaction) -> Caller:
        channel = interaction.channel
        parent = getattr(channel, "parent_id", None) if isinstance(channel, discord.Thread) else None
        channel_id = parent or interaction.channel_id or 0
        return Caller(
            channel=ChannelRef(PLATFORM, str(interaction.guild_id or 0), str(channel_id)),
            user=User(str(interaction.user.id), interaction.user.display_name),
            # from the permissions Discord computed for this member in this channel, on every call
            is_admin=interaction.permissions.manage_channels,
        )

    async def _answer(
        self,
        interaction: discord.Interaction,
        work: Callable[[], Awaitable[Response]],
        *,
        public: bool = False,
    ) -> None:
        """Answer within Discord's 3 s: reply directly when the work is quick, else defer first,
        with the visibility the answer will have (`public`): Discord keeps the deferral's, "The
        ephemeral flag will be ignored, and the value you provided in the initial defer response
        will be preserved, as an existing message's ephemeral state cannot be changed" (Create
        Followup Message, discord-api-docs Receiving and Responding)."""
        task = asyncio.ensure_future(work())
        done, _ = await asyncio.wait({task}, timeout=self._ack_within)
        if not done:
            await interaction.response.defer(ephemeral=not public, thinking=True)
        try:
            response = await task
        except UserError as exc:
            response = Response.text(exc.message)
        except Exception:
            log.exception("command failed for %s in %s", interaction.user.id, interaction.channel_id)
            response = Response.text("Something went wrong on our side; it is logged. Try again in a minute.")
        # a command or a press may answer with a modal; a modal's submission may not (Discord:
        # MODAL is "not available for MODAL_SUBMIT and PING interactions"), so a refused
        # submission is answered with its messages: the reasons, and a button to open it again
        form = modal(response.form) if response.form is not None else None
        if form is not None and interaction.type in OPENS_FORMS:
            if not interaction.response.is_done():
                await interaction.response.send_modal(form)
                return
            form.stop()  # deferred: a modal can only be the first answer
            again = "press the button" if interaction.type is discord.InteractionType.component else "run it"
            response = Response.text(f"That took too long to open the form: {again} again.")
        await self._deliver(interaction, response)

    async def _deliver(self, interaction: discord.Interaction, response: Response) -> None:
        """Reply; an answer that did not arrive (the connection cut, an error after discord.py's
        own retries) is sent once more, without its file and saying so: the work it reports is
        done, and the person must hear how it went, not see "The application did not respond"
        or be told it could not be run."""
        try:
            await self._reply(interaction, response)
        except ANSWER_LOST as exc:
            if await _arrived(interaction):  # only Discord's answer to it was lost
                return
            log.warning("answer to %s lost (%s): sent again", interaction.user.id, _lost(exc))
            resent = response
            if response.attachment is not None:
                name = plain(response.attachment.filename)
                resent = without_file(response, f"{name} could not be attached ({_lost(exc)}): run it again.")
            try:
                await self._reply(interaction, resent)
            except ANSWER_LOST as twice:  # 40060: the first had arrived after all
                if not (isinstance(twice, discord.HTTPException) and twice.code == ALREADY_ACKNOWLEDGED):
                    log.warning("answer to %s lost again: %s", interaction.user.id, _lost(twice))

    async def _reply(self, interaction: discord.Interaction, response: Response) -> None:
        """The response as the interaction's answer (its first message, then follow-ups), the
        file with its first message."""
        response, file = _with_file(response, interaction.filesize_limit)
        parts = [part for message in response.messages for part in render(message)] or render(
            Message(body="Done.")
        )
        if interaction.response.is_done():
            for index, part in enumerate(parts):
                await interaction.followup.send(
                    embeds=list(part.embeds),
                    ephemeral=response.private,
                    allowed_mentions=NO_MENTIONS,
                    **_view(part, file if index == 0 else None),
                )
            return
        first, rest = parts[0], parts[1:]
        await interaction.response.send_message(
            embeds=list(first.embeds),
            ephemeral=response.private,
            allowed_mentions=NO_MENTIONS,
            **_view(first, file),
        )
        for part in rest:
            await interaction.followup.send(
                embeds=list(part.embeds),
                ephemeral=response.private,
                allowed_mentions=NO_MENTIONS,
                **_view(part),
            )

    async def _command(
        self,
        interaction: discord.Interaction,
        build: Callable[[], grammar.Command],
        attach: Callable[[Caller, grammar.Command], Awaitable[grammar.Command]] | None = None,
    ) -> None:
        """Run the command `build` makes; `attach` first completes it with what takes a while (a
        file to download), inside the work the answer waits for, so a slow download is deferred."""
        service = self._service
        if service is None:
            await interaction.response.send_message("Starting up; try again in a moment.", ephemeral=True)
            return

        try:
            command: grammar.Command | UserError = build()
        except UserError as exc:  # bad options: answered privately, like every refusal
            command = exc

        async def work() -> Response:
            if isinstance(command, UserError):
                raise command
            caller = self._caller(interaction)
            ready = await attach(caller, command) if attach is not None else command
            return await service.handle(caller, ready)

        await self._answer(interaction, work, public=answers_publicly(command))

    # ------------------------------------------------------------ slash commands

    def _register_commands(self) -> None:
        practice = app_commands.Group(
            name="practice", description="Daily interview practice in this channel", guild_only=True
        )

        def simple(action: str, description: str) -> None:
            async def callback(interaction: discord.Interaction) -> None:
                await self._command(interaction, lambda: grammar.Practice(action))

            practice.command(name=action, description=description)(callback)

        @practice.command(name="subscribe", description="Post a question here every scheduled day (admins)")
        @app_commands.describe(
            time="Local post time, 24-hour HH:MM (default 09:00)",
            timezone="IANA time zone, like Europe/Berlin (default UTC)",
            days="Days to post: mon-fri, daily, mon,wed,fri ... (default mon-fri)",
            reveal="When to reveal: a delay like 8h or 90m, or 'next' (default 8h)",
            levels="Levels to draw from (default all)",
            order="progressive (beginner first) or shuffled",
            answers="open (in the thread) or blind (a private form, all shown together at the reveal)",
            packs="Packs to draw from, like websockets-realtime,team-onboarding, or all (default all)",
        )
        @app_commands.choices(
            levels=[app_commands.Choice(name=n, value=n) for n in ("all", *LEVELS, "beginner,intermediate")],
            order=[app_commands.Choice(name=n, value=n) for n in ("progressive", "shuffled")],
            answers=[app_commands.Choice(name=n, value=n) for n in ("open", "blind")],
        )
        async def subscribe(
            interaction: discord.Interaction,
            time: app_commands.Range[str, 1, 5] | None = None,
            timezone: app_commands.Range[str, 1, 64] | None = None,
            days: app_commands.Range[str, 1, 40] | None = None,
            reveal: app_commands.Range[str, 1, 16] | None = None,
            levels: str | None = None,
            order: str | None = None,
            answers: str | None = None,
            packs: app_commands.Range[str, 1, 400] | None = None,
        ) -> None:
            given = {
                "time": time,
                "timezone": timezone,
                "days": days,
                "reveal": reveal,
                "levels": levels,
                "order": order,
                "answers": answers,
                "packs": packs,
            }
            options = {key: value for key, value in given.items() if value is not None}
            await self._command(
                interaction,
                lambda: grammar.Practice(
                    "subscribe", grammar.subscribe_args(options, admin=self._caller(interaction).is_admin)
                ),
            )

        @subscribe.autocomplete("timezone")
        async def timezone_choices(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=zone, value=zone) for zone in suggest_zones(current)]

        @subscribe.autocomplete("days")
        async def day_choices(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            presets = ("mon-fri", "daily", "mon,wed,fri", "tue,thu", "sat-sun")
            return [app_commands.Choice(name=p, value=p) for p in presets if p.startswith(current.lower())]

        for action, description in (
            ("unsubscribe", "Stop the daily question here; history and streaks are kept (admins)"),
            ("pause", "Hold the daily question; paused days never break streaks (admins)"),
            ("resume", "Continue after a pause (admins)"),
            ("status", "Schedule, next post and progress through each pack"),
            ("post-now", "Post today's question now; it counts as today's (admins)"),
            ("reveal-now", "Reveal the open question now (admins)"),
            ("help", "How practicebot works here"),
            ("suggest", "Suggest a question for this channel's own pack (a form)"),
            ("queue", "The suggestions waiting for review (admins)"),
        ):
            simple(action, description)
        self._register_decisions(practice)
        self.tree.add_command(practice)

        simple("recap-now", "Send a recap of the last seven days now, to try it (admins)")

        @practice.command(name="recap", description="The weekly recap's day and time here, or off (admins)")
        @app_commands.describe(
            day="Day of the week, or 'off' to stop the recap (leave out to see the setting)",
            time="Local time, 24-hour HH:MM, like 16:00",
        )
        @app_commands.choices(day=[app_commands.Choice(name=n, value=n) for n in (*DAY_NAMES, "off")])
        async def recap(
            interaction: discord.Interaction,
            day: str | None = None,
            time: app_commands.Range[str, 1, 5] | None = None,
        ) -> None:
            words = [w for w in (day, time) if w is not None]
            await self._command(
                interaction,
                lambda: grammar.parse(
                    "practice", " ".join(["recap", *words]), admin=self._caller(interaction).is_admin
                ),
            )

        @practice.command(name="forget-me", description="Delete your answers and streaks (asks to confirm)")
        @app_commands.describe(confirm="Yes, delete them")
        async def forget_me(interaction: discord.Interaction, confirm: bool = False) -> None:
            await self._command(interaction, lambda: grammar.Practice("forget-me", confirm=confirm))

        @practice.command(name="holidays", description="List coming holidays; add or remove some (admins)")
        @app_commands.describe(
            action="list (anyone), add or remove (admins)",
            dates="Local dates: 2026-12-24, or a range 2026-12-31..2027-01-01; several with spaces",
        )
        @app_commands.choices(action=[app_commands.Choice(name=v, value=v) for v in HOLIDAY_VERBS])
        async def holidays(
            interaction: discord.Interaction,
            action: str = "list",
            dates: app_commands.Range[str, 1, 400] | None = None,
        ) -> None:
            text = " ".join(["holidays", action, *(dates or "").split()])
            await self._command(
                interaction, lambda: grammar.parse("practice", text, admin=self._caller(interaction).is_admin)
            )

        @practice.command(name="next", description="Post this question next, out of order (admins)")
        @app_commands.describe(
            question="The question's id, like websockets-realtime/beginner-01 (leave out to see)"
        )
        async def next_question(
            interaction: discord.Interaction, question: app_commands.Range[str, 1, 200] | None = None
        ) -> None:
            text = " ".join(["next", *(question or "").split()])
            await self._command(
                interaction, lambda: grammar.parse("practice", text, admin=self._caller(interaction).is_admin)
            )

        @practice.command(
            name="away", description="Your own away days here: a question you miss then keeps your streak"
        )
        @app_commands.describe(
            action="list, add or remove your own away days",
            dates="Local dates: 2026-12-24, or a range 2026-12-31..2027-01-01; several with spaces",
        )
        @app_commands.choices(action=[app_commands.Choice(name=v, value=v) for v in HOLIDAY_VERBS])
        async def away(
            interaction: discord.Interaction,
            action: str = "list",
            dates: app_commands.Range[str, 1, 400] | None = None,
        ) -> None:
            text = " ".join(["away", action, *(dates or "").split()])
            await self._command(
                interaction, lambda: grammar.parse("practice", text, admin=self._caller(interaction).is_admin)
            )

        @practice.command(name="new-season", description="Start the board from zero, best ever kept (admins)")
        @app_commands.describe(confirm="Yes, start a new season now")
        async def new_season(interaction: discord.Interaction, confirm: bool = False) -> None:
            await self._command(interaction, lambda: grammar.Practice("new-season", confirm=confirm))

        pack = app_commands.Group(
            name="pack",
            description="Question packs: import a file into this channel, or export one",
            parent=practice,
        )

        @pack.command(name="import", description="Import a pack file: CSV, JSON, YAML or Anki .apkg (admins)")
        @app_commands.describe(
            file="The pack file, at most 2 MB",
            into="The pack to create or update (default: this channel's own)",
        )
        async def pack_import(
            interaction: discord.Interaction,
            file: discord.Attachment,
            into: app_commands.Range[str, 1, 100] | None = None,
        ) -> None:
            await self._command(
                interaction,
                lambda: _pack_import(self._caller(interaction), into),
                lambda caller, command: _attached(caller, command, file),
            )

        @pack.command(name="export", description="This channel's pack (or another) as a file")
        @app_commands.describe(pack="Which pack (default: this channel's own)", format="The file's format")
        @app_commands.choices(format=[app_commands.Choice(name=n, value=n) for n in grammar.PACK_FORMATS])
        async def pack_export(
            interaction: discord.Interaction,
            pack: app_commands.Range[str, 1, 100] | None = None,
            format: str | None = None,
        ) -> None:
            await self._command(
                interaction,
                lambda: grammar.Practice(
                    "pack", pack=grammar.pack_args(["export", *_keyed(pack=pack, format=format)])
                ),
            )

        @self.tree.command(name="question", description="A random question, just for you")
        @app_commands.describe(level="Only this level")
        @app_commands.choices(level=[app_commands.Choice(name=n, value=n) for n in LEVELS])
        async def question(interaction: discord.Interaction, level: str | None = None) -> None:
            await self._command(interaction, lambda: grammar.AskQuestion(level))

        @self.tree.command(name="bookmarks", description="Your bookmarked questions, or remove one")
        @app_commands.describe(remove="Remove this bookmark: its number in the list, or its question id")
        async def bookmarks(
            interaction: discord.Interaction, remove: app_commands.Range[str, 1, 100] | None = None
        ) -> None:
            await self._command(interaction, lambda: grammar.ShowBookmarks(remove=remove))

        @self.tree.command(name="review", description="Review your most overdue bookmarked question")
        @app_commands.describe(remind="A private reminder at this channel's post time when reviews are due")
        @app_commands.choices(remind=[app_commands.Choice(name=n, value=n) for n in ("on", "off")])
        async def review(interaction: discord.Interaction, remind: str | None = None) -> None:
            await self._command(
                interaction, lambda: grammar.Review(remind=None if remind is None else remind == "on")
            )

        @self.tree.command(name="streaks", description="This channel's streak board, or your own")
        @app_commands.describe(
            me="Show only your own streak",
            board="hide: leave your row off the board (your streak still counts); show: put it back",
        )
        @app_commands.choices(board=[app_commands.Choice(name=n, value=n) for n in ("hide", "show")])
        @app_commands.guild_only()
        async def streaks(
            interaction: discord.Interaction, me: bool = False, board: str | None = None
        ) -> None:
            words = (["me"] if me else []) + ([board] if board else [])
            await self._command(interaction, lambda: grammar.parse("streaks", " ".join(words)))

        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]

    def _register_decisions(self, practice: app_commands.Group) -> None:
        """/practice approve, edit and reject: a suggestion's number, and reject's reason; parsed
        by the grammar like the typed words (the service checks the caller is an admin)."""

        async def run(interaction: discord.Interaction, words: list[str]) -> None:
            await self._command(
                interaction,
                lambda: grammar.parse("practice", " ".join(words), admin=self._caller(interaction).is_admin),
            )

        @practice.command(
            name="approve", description="Add a suggestion to this channel's pack as it is (admins)"
        )
        @app_commands.describe(number="Its number in /practice queue")
        async def approve(
            interaction: discord.Interaction, number: app_commands.Range[int, 1, 999_999_999]
        ) -> None:
            await run(interaction, ["approve", str(number)])

        @practice.command(
            name="edit", description="Edit a suggestion in a form; sending it approves it (admins)"
        )
        @app_commands.describe(number="Its number in /practice queue")
        async def edit(
            interaction: discord.Interaction, number: app_commands.Range[int, 1, 999_999_999]
        ) -> None:
            await run(interaction, ["edit", str(number)])

        @practice.command(
            name="reject", description="Turn a suggestion down; its author is told why (admins)"
        )
        @app_commands.describe(number="Its number in /practice queue", reason="Why: told to its author")
        async def reject(
            interaction: discord.Interaction,
            number: app_commands.Range[int, 1, 999_999_999],
            reason: app_commands.Range[str, 1, 400],
        ) -> None:
            await run(interaction, ["reject", str(number), *reason.split()])

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        log.warning("slash command error from %s: %s", interaction.user.id, error)
        message = (
            str(error)
            if isinstance(error, app_commands.TransformerError | app_commands.CheckFailure)
            else ("That command could not be run; try /practice help.")
        )
        if not interaction.response.is_done():
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS)


OPENS_FORMS = (discord.InteractionType.component, discord.InteractionType.application_command)
UNKNOWN_MESSAGE = 10008  # https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
ALREADY_ACKNOWLEDGED = 40060  # "Interaction has already been acknowledged"
# An answer that did not arrive, or whose arrival Discord's reply did not confirm: an error status
# (discord.py has retried 5xx and 429 already), or the connection cut before any reply
ANSWER_LOST = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)


async def _arrived(interaction: discord.Interaction) -> bool:
    """Whether an answer whose sending failed reached Discord all the same: once acknowledged, the
    response is no longer "thinking" (the first follow-up after a deferral replaces it). Not yet
    acknowledged, it is told by sending again (Discord answers 40060 if it had arrived)."""
    if not interaction.response.is_done():
        return False
    try:
        original = await interaction.original_response()
    except ANSWER_LOST:
        return False
    return not original.flags.loading


def _lost(exc: BaseException) -> str:
    """Why an answer did not arrive, in a few words for the person."""
    if isinstance(exc, discord.HTTPException):
        return f"Discord answered {exc.status}"
    return "the connection to Discord was cut"


def _keyed(**options: str | None) -> list[str]:
    """Typed options as the grammar's `key=value` words (the same validation as typed text)."""
    return [f"{key}={value}" for key, value in options.items() if value is not None]


def _pack_import(caller: Caller, into: str | None) -> grammar.Practice:
    """A non-admin is refused before anything else, as the grammar refuses typed text."""
    if not caller.is_admin:
        grammar.refuse_unless_admin(["pack", "import"])
    return grammar.Practice("pack", pack=grammar.pack_args(["import", *_keyed(into=into)]))


async def _attached(caller: Caller, command: grammar.Command, file: discord.Attachment) -> grammar.Command:
    """The command with the person's file, fetched from Discord's CDN: refused from its declared
    size before a byte is read. A non-admin's file is not fetched at all (the service refuses them)."""
    if not caller.is_admin or not isinstance(command, grammar.Practice):
        return command
    check_declared(file.filename, file.size)
    expired = (
        f"Discord's link to {plain(file.filename)} has expired or the file was removed: "
        "run the command again and attach the file anew."
    )
    return dataclasses.replace(command, attachment=await download(file.url, file.filename, expired=expired))


def _with_file(response: Response, limit: int) -> tuple[Response, discord.File | None]:
    """The response's attachment as a file for its first message; one over what Discord lets the
    bot attach here (the interaction's attachment_size_limit) is left off, and the answer says so."""
    attachment: Attachment | None = response.attachment
    if attachment is None:
        return response, None
    if len(attachment.data) > limit:
        note = (
            f"{plain(attachment.filename)} is {len(attachment.data) / 1024 / 1024:.1f} MB, more than "
            f"Discord lets the bot attach here ({limit / 1024 / 1024:.0f} MB): export it on the server "
            "with `practicebot pack export` instead."
        )
        return without_file(response, note), None
    return response, discord.File(io.BytesIO(attachment.data), filename=attachment.filename)


PUBLIC_ACTIONS = frozenset({"subscribe", "unsubscribe", "pause", "resume"})


def answers_publicly(command: grammar.Command | UserError) -> bool:
    """Whether the core answers `command` for the whole channel (Response.private False), known
    before it runs so a slow answer's deferral has the same visibility: the channel's settings
    changing, a setting (recap, holidays) changed, a confirmed new season and the board (not
    `/streaks hide` or `show`, nor `/practice away`: a person's own settings). Refusals
    are private; one that comes after a public deferral is shown publicly (Discord cannot change
    it), which only a slow refusal can meet."""
    if isinstance(command, grammar.ShowStreaks):
        return not command.me and command.hide is None
    if not isinstance(command, grammar.Practice):
        return False
    if command.action == "recap":
        return command.recap is not None
    if command.action == "holidays":
        return command.holidays is not None and command.holidays.verb != "list"
    if command.action == "new-season":
        return command.confirm
    return command.action in PUBLIC_ACTIONS


def _translate(exc: Exception) -> PlatformError:
    """Discord's failures in the core's terms (what each is about decides what the core does):
    401 is the token (nothing pauses); 404 10008 Unknown Message a message a moderator deleted;
    another 404 (10003 Unknown Channel) or 403 the channel, which pauses; another 4xx that one
    request; 429, 5xx and network trouble are retried. A forum's 40067 (it requires a tag) is
    about the channel too: an admin has to act."""
    if isinstance(exc, discord.NotFound):
        about = About.GONE if exc.code == UNKNOWN_MESSAGE else About.CHANNEL
        return PlatformError(f"not found on Discord ({exc.code}: {exc.text})", about=about)
    if isinstance(exc, discord.HTTPException) and exc.code == TAG_REQUIRED:
        return PlatformError(NEEDS_A_TAG, about=About.CHANNEL)
    if isinstance(exc, discord.Forbidden):
        return PlatformError(f"no access on Discord ({exc.code}: {exc.text})", about=About.CHANNEL)
    if isinstance(exc, discord.HTTPException):
        retry = float(exc.response.headers.get("Retry-After", 0) or 0) if exc.status == 429 else None
        if exc.status == 401:
            about = About.AUTH
        elif 400 <= exc.status < 500 and exc.status != 429:
            about = About.MESSAGE
        else:
            about = About.RETRY
        return PlatformError(
            f"Discord answered {exc.status} ({exc.code}: {exc.text})", about=about, retry_after=retry
        )
    return PlatformError(f"Discord unreachable: {exc!r}")


def part_nonce(nonce: str, index: int) -> str:
    """Part `index`'s own nonce: the first keeps the post's (as before parts had their own), the
    others add `.index` (the core's nonces are hex, so no two parts or posts share one; at most
    25 characters, Discord's limit, for the core's 20 and a reply's 21)."""
    return nonce if index == 0 else f"{nonce}.{index}"


def _shows(sent: discord.Message, part: Rendered) -> bool:
    """Whether a message the bot sent shows exactly `part`'s embeds (a resend's look-back)."""
    return [_look(e) for e in sent.embeds] == [_look(e) for e in part.embeds]


def _look(embed: discord.Embed) -> tuple[Any, ...]:
    fields = tuple((f.name, f.value) for f in embed.fields)
    return (embed.title, embed.description, fields, embed.footer.text)


def _view(part: Rendered, file: discord.File | None = None) -> dict[str, Any]:
    """The part's buttons (and a file to send with it) as send()'s keywords."""
    view = part.view()
    extra: dict[str, Any] = {"view": view} if view is not None else {}
    if file is not None:
        extra["file"] = file
    return extra
