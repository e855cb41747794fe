"""Slack on slack-bolt 1.30 AsyncApp: the Platform port, slash commands, buttons and thread
replies, over Socket Mode (default) or HTTP (Events API, commands and interactivity on one
aiohttp route, every request verified with the signing secret).

One workspace with its bot token in the environment, or (OAuth, HTTP mode) any number that
install the app through bolt's OAuth flow at /slack/install: bolt then authorizes each request
with the workspace's token from the installation store, and scheduled work uses a client per
workspace (a ChannelRef's workspace_id is the team id). A process schedules only the workspaces
of its partitions (partitions.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltRequest, AsyncRespond
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackConfig
from bot.core.commands import grammar
from bot.core.daily.service import PracticeService
from bot.core.shared.errors import About, PlatformError, UserError
from bot.core.shared.messages import Form, Message, Picture, Response, plain
from bot.core.shared.models import Caller, ChannelRef, PostedRef, User
from bot.core.shared.ports import Metrics, NoMetrics
from bot.platforms.downloads import without_file
from bot.platforms.pacing import KeyedBuckets, SlidingWindow, TokenBucket
from bot.platforms.rate_watch import TOO_MANY_REQUESTS
from bot.platforms.slack.deliveries import Deliveries, delivery_key
from bot.platforms.slack.forms import done_view, errors, form_view, submission
from bot.platforms.slack.install_pages import install_failed
from bot.platforms.slack.pack_files import (
    HOW_TO_IMPORT,
    is_import,
    mentions,
    shared_command,
    token_hosts,
    words_after_mention,
)
from bot.platforms.slack.partitions import serves
from bot.platforms.slack.render import Rendered, action_of, plain_text, render
from bot.platforms.token_state import TokenState

log = logging.getLogger("practicebot.slack")

PLATFORM = "slack"
EVENT_PATH = "/slack/events"
INSTALL_PATH, REDIRECT_PATH = "/slack/install", "/slack/oauth_redirect"  # bolt's defaults
METADATA_EVENT = "practicebot_post"
REVEAL_EVENT = "practicebot_reveal"
THREAD_PAGES = 10  # 2,000 thread messages at most, read back after a restart
ACK_WITHIN = 2.0  # seconds; Slack wants the ack within 3
USER_CACHE_SECONDS = 600.0
HISTORY_LOOKBACK = 100  # messages searched for a post's nonce after a crash
UPLOAD_LOOKBACK = 8 * 24 * 3600  # seconds of the bot's files searched for a recap's (weekly) after a crash
FILE_SHARE_BLOCKS = frozenset({"section", "rich_text", "header", "context", "divider", "image"})
# What each Slack error is about (the `error` of an ok:false answer; each method's reference lists
# its own: https://docs.slack.dev/reference/methods/chat.update, .../chat.postMessage). Any other
# error is about the one request, given up after a few tries. missing_scope is the app's
# configuration, like the token: every channel would answer it, so nothing pauses for it.
_CHANNEL = ("channel_not_found", "not_in_channel", "is_archived", "restricted_action")
_AUTH = ("invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "missing_scope",
         "no_permission")  # fmt: skip
_GONE = ("message_not_found", "thread_not_found")  # a moderator deleted the message
_RETRY = ("ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout",
          "unknown_error")  # fmt: skip
ERRORS_ABOUT = (
    dict.fromkeys(_CHANNEL, About.CHANNEL)
    | dict.fromkeys(_AUTH, About.AUTH)
    | dict.fromkeys(_GONE, About.GONE)
    | dict.fromkeys(_RETRY, About.RETRY)
)
COMMANDS = ("/practice", "/question", "/streaks", "/bookmarks", "/review")
# Workspace-wide allowances per minute of the methods a fan-out, a reveal round or a read-back
# repeats per channel. Slack takes a minute's allowance in a burst, then refills it steadily.
# chat.postMessage's figure is documented only as "several hundred per minute": its low end.
WORKSPACE_PER_MINUTE = {
    "chat.postMessage": 300, "chat.update": 50, "conversations.history": 50, "conversations.replies": 50,
}  # fmt: skip
# Kept in hand: Slack counts a request when it arrives, a little after our clock let it go, and
# an allowance spent to the last request would refuse one that happened to arrive sooner.
WORKSPACE_MARGIN = 2
# An app distributed outside the Marketplace (Slack, 2025): conversations.history and .replies
# about once a minute per workspace, at most 15 messages a call
# (https://docs.slack.dev/apis/web-api/rate-limits). One call per method per workspace a minute,
# a little over, so a call Slack counts late still finds the minute over; never a burst.
READ_BACK_METHODS = ("conversations.history", "conversations.replies")
DISTRIBUTED_WINDOW = 61.0
DISTRIBUTED_PAGE = 15
TELL_TRIES = 3  # a private answer about work already done, tried this often
TELL_PAUSE = 1.0  # seconds before the 2nd try (twice that before the 3rd) without a Retry-After
UNINSTALLED = (
    "the Slack app was uninstalled from this workspace: install it again (/slack/install), "
    "then /practice resume"
)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OAuth:
    """Several workspaces: the app's credentials (from the environment) and where installs live."""

    client_id: str
    client_secret: str
    installations: AsyncInstallationStore
    states: AsyncOAuthStateStore


@dataclass(slots=True)
class Team:
    """One workspace as this process talks to it: a client with its bot token, and its pacing."""

    team_id: str  # "" for the one workspace of a token from the environment
    client: AsyncWebClient
    bot_user_id: str
    paced: dict[str, TokenBucket | SlidingWindow]


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    is_admin: bool
    fetched: float


class SlackPlatform:
    """The Platform port on a bolt AsyncApp, and the front end for its commands."""

    name = PLATFORM

    def __init__(
        self,
        config: SlackConfig,
        bot_token: str | None,
        *,
        app_token: str | None = None,
        signing_secret: str | None = None,
        oauth: OAuth | None = None,
        channel_rate: float = 1.0,
        ping_interval: float = 10.0,
        metrics: Metrics | None = None,
        ack_within: float = ACK_WITHIN,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._watch = metrics or NoMetrics()
        self._ack_within = ack_within  # seconds a command or form may take before it is acked bare
        if oauth is not None and config.mode != "http":
            raise UserError(
                'Slack OAuth (several workspaces) needs [slack] mode = "http": Slack sends installers '
                "back to this server's /slack/oauth_redirect"
            )
        if oauth is None and not bot_token:
            raise UserError(
                f"Slack needs a bot token in ${config.bot_token_env}, or OAuth credentials in "
                f"${config.client_id_env} and ${config.client_secret_env}"
            )
        if config.mode == "socket" and not app_token:
            raise UserError(
                f"Slack Socket Mode needs an app-level token (xapp-...) in ${config.app_token_env}"
            )
        if config.mode == "http" and not signing_secret:
            raise UserError(f"Slack HTTP mode needs the signing secret in ${config.signing_secret_env}")
        self._config = config
        self.token_state = TokenState("Slack", config.bot_token_env)
        self._app_token = app_token
        self._oauth = oauth
        self.distributed = config.distributed if config.distributed is not None else oauth is not None
        self._now, self._sleep = now, sleep
        self.client = self._new_client(bot_token)  # with OAuth: no token, for oauth.v2.access
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret or "unused-in-socket-mode",
            request_verification_enabled=config.mode == "http",
            logger=logging.getLogger("practicebot.slack.bolt"),
            oauth_settings=None if oauth is None else self._oauth_settings(oauth),
        )
        self._pace = KeyedBuckets(rate=channel_rate, burst=1)
        self._teams: dict[str, Team] = {}  # team id -> its client and pacing, made on first use
        self._ping_interval = ping_interval
        self._people: dict[str, Person] = {}
        self._service: PracticeService | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self.team_id = ""
        self.bot_user_id = ""
        self.message_events = 0  # message events handled, answers or not
        self.duplicates = 0  # deliveries seen before: acknowledged, not run again
        self._deliveries = Deliveries()
        self._register()

    # ------------------------------------------------------------ life cycle

    def _new_client(self, token: str | None) -> AsyncWebClient:
        return AsyncWebClient(
            token=token,
            base_url=self._config.api_base_url,
            retry_handlers=[
                SlackRateLimitWatch(lambda: self._watch.rate_limited(PLATFORM)),
                AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            ],
        )

    def _oauth_settings(self, oauth: OAuth) -> AsyncOAuthSettings:
        from bot.platforms.slack.manifest import BOT_SCOPES  # the manifest is built from this module

        return AsyncOAuthSettings(
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            callback_options=AsyncCallbackOptions(success=self._installed, failure=install_failed),
            authorization_url=self._config.authorize_url,
            installation_store=oauth.installations,
            installation_store_bot_only=True,
            state_store=oauth.states,
            logger=logging.getLogger("practicebot.slack.oauth"),
        )

    async def _installed(self, args: AsyncSuccessArgs) -> BoltResponse:
        """Installed (again): the workspace's next call reads its token afresh; bolt's page."""
        self._teams.pop(args.installation.team_id or "", None)
        return await args.default.success(args)

    def _paced(self) -> dict[str, TokenBucket | SlidingWindow]:
        """A workspace's allowances (Slack counts an app's calls per workspace)."""
        paced: dict[str, TokenBucket | SlidingWindow] = {
            method: TokenBucket(per_minute / 60, max(1, per_minute - WORKSPACE_MARGIN), self._now)
            for method, per_minute in WORKSPACE_PER_MINUTE.items()
        }
        if self.distributed:
            for method in READ_BACK_METHODS:
                paced[method] = SlidingWindow(1, DISTRIBUTED_WINDOW, self._now, self._sleep)
        return paced

    async def _team(self, team_id: str) -> Team:
        """The workspace's client: the environment's token, or its installation's."""
        team = self._teams.get(team_id) or self._teams.get("")
        if team is not None:
            return team
        assert self._oauth is not None  # with a token from the environment, start() made it
        bot = await self._oauth.installations.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None:
            raise PlatformError(f"{UNINSTALLED} (workspace {team_id})", about=About.CHANNEL)
        team = self._teams[team_id] = Team(
            team_id, self._new_client(bot.bot_token), bot.bot_user_id or "", self._paced()
        )
        return team

    async def start(self, service: PracticeService) -> None:
        self._service = service
        if self._oauth is not None:  # each workspace's token comes with its install
            log.info("slack ready for OAuth installs at %s (http mode)", INSTALL_PATH)
            return
        try:
            identity = await self.client.auth_test()
        except SlackApiError as exc:
            raise UserError(
                f"Slack refused the bot token in ${self._config.bot_token_env} "
                f"({exc.response.get('error')}): copy the Bot User OAuth Token (xoxb-...) from Install App"
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise UserError(f"cannot reach Slack at {self._config.api_base_url}: {exc}") from None
        self.team_id, self.bot_user_id = str(identity["team_id"]), str(identity["user_id"])
        self._teams[""] = Team("", self.client, self.bot_user_id, self._paced())  # every workspace: this one
        if self._config.mode == "socket":
            self._socket = AsyncSocketModeHandler(
                self.app, self._app_token, web_client=self.client, ping_interval=self._ping_interval
            )
            try:
                # the SDK retries a refused app token forever: ask for the socket URL ourselves once
                self._socket.client.wss_uri = await self._socket.client.issue_new_wss_url()
            except SlackApiError as exc:
                raise UserError(
                    f"Slack refused the app token in ${self._config.app_token_env} "
                    f"({exc.response.get('error')}): make an app-level token with connections:write "
                    "under Basic Information > App-Level Tokens"
                ) from None
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
        log.info("slack ready in team %s as %s (%s mode)", self.team_id, self.bot_user_id, self._config.mode)

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
        if self._runner is not None:
            await self._runner.cleanup()

    async def is_connected(self) -> bool:
        """For /healthz: in Socket Mode the socket is open and answers pings; HTTP mode holds no
        connection (Slack calls in), so it counts as connected once started."""
        if self._config.mode == "http":
            return bool(self.team_id) or self._oauth is not None
        return self._socket is not None and await self._socket.client.is_connected()

    def http_routes(self) -> list[web.RouteDef]:
        """HTTP mode: one route for events, slash commands and interactivity."""

        async def handle(request: web.Request) -> web.Response:
            # slack_sdk's SignatureVerifier does int(timestamp) unguarded: a header that is not
            # a number raised out of bolt as a 500 to anyone. Slack sends the Unix time in whole
            # seconds (https://api.slack.com/authentication/verifying-requests-from-slack).
            stamp = request.headers.get("X-Slack-Request-Timestamp", "")
            if not (stamp.isascii() and stamp.isdigit()):
                return web.Response(status=401, text="invalid request")
            return await to_aiohttp_response(await self.app.async_dispatch(await to_bolt_request(request)))

        routes = [web.post(EVENT_PATH, handle)]
        flow = self.app.oauth_flow
        if flow is not None:  # as bolt's own aiohttp server routes them (slack_bolt.app.async_server)

            async def install(request: web.Request) -> web.Response:
                # the install page: a new state, kept in the database and in a cookie
                return await to_aiohttp_response(
                    await flow.handle_installation(await to_bolt_request(request))
                )

            async def redirected(request: web.Request) -> web.Response:
                # back from Slack: the state checked against the cookie and consumed, the code exchanged
                return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

            routes += [web.get(INSTALL_PATH, install), web.get(REDIRECT_PATH, redirected)]
        return routes

    # ------------------------------------------------------------ Platform port

    def owns(self, channel: ChannelRef) -> bool:
        """The channels of the workspaces in this process's partitions (all, unpartitioned)."""
        return serves(channel.workspace_id, self._config.partition_count, self._config.partition_ids)

    async def receiving(self) -> None:
        return  # start() returns with the socket open, or the HTTP route in place

    async def connected(self) -> None:
        return

    async def ended(self) -> None:
        """The SDK keeps Socket Mode reconnecting, and HTTP mode holds no connection: a refused
        token shows in /healthz instead (see TokenState); this never ends."""
        await asyncio.Event().wait()

    async def post_question(
        self, channel: ChannelRef, message: Message, nonce: str, *, resend: bool = False
    ) -> PostedRef:
        """The first part in the channel, the others in its thread. Every part carries the nonce
        and its number as metadata, so a resend finds what went out and sends only what did not."""
        parts = render(message)
        found = await self._find_post(channel, nonce) if resend else None
        if found is None:
            first = await self._send(channel, parts[0], metadata=_metadata(METADATA_EVENT, nonce, 0))
            found = PostedRef(message_id=first, thread_id=first)
        if len(parts) > 1:
            sent = await self._parts_in(channel, found.message_id, METADATA_EVENT, nonce) if resend else set()
            await self._send_parts(channel, found.message_id, parts, METADATA_EVENT, nonce, sent | {0})
        return found

    async def _find_post(self, channel: ChannelRef, nonce: str) -> PostedRef | None:
        """After a crash between sending and recording: the post carries its nonce as metadata."""
        for item in await self._recent(channel, include_all_metadata=True):
            if _nonce_of(item, METADATA_EVENT) == nonce:
                return PostedRef(message_id=item["ts"], thread_id=item["ts"])
        return None

    async def reply_in_thread(
        self, channel: ChannelRef, thread_id: str, message: Message, *, nonce: str = "", resend: bool = False
    ) -> None:
        """Each part carries the nonce and its number as metadata; a resend sends, in order, the
        parts it does not find in the thread (a crash or an error after the first part)."""
        parts = render(message)
        if not nonce:
            for part in parts:
                await self._send(channel, part, thread_ts=thread_id)
            return
        sent = await self._parts_in(channel, thread_id, REVEAL_EVENT, nonce) if resend else set()
        await self._send_parts(channel, thread_id, parts, REVEAL_EVENT, nonce, sent)

    async def _parts_in(self, channel: ChannelRef, thread_id: str, event_type: str, nonce: str) -> set[int]:
        """The numbers of the parts with this nonce already in the thread."""
        return {
            _part_of(item)
            for item in await self._thread(channel, thread_id)
            if _nonce_of(item, event_type) == nonce
        }

    async def _send_parts(
        self,
        channel: ChannelRef,
        thread_id: str,
        parts: list[Rendered],
        event_type: str,
        nonce: str,
        sent: set[int],
    ) -> None:
        for index, part in enumerate(parts):
            if index not in sent:
                await self._send(
                    channel, part, thread_ts=thread_id, metadata=_metadata(event_type, nonce, index)
                )

    async def thread_replies(self, channel: ChannelRef, thread_id: str) -> list[tuple[User, datetime]]:
        replies = []
        bot_user_id = (await self._team(channel.workspace_id)).bot_user_id
        for item in await self._thread(channel, thread_id):
            user_id = item.get("user")
            if not user_id or item.get("bot_id") or item.get("ts") == thread_id or user_id == bot_user_id:
                continue
            if item.get("subtype") not in (None, "thread_broadcast", "file_share"):
                continue
            person = await self.person(channel.workspace_id, user_id)
            replies.append((User(user_id, person.name), datetime.fromtimestamp(float(item["ts"]), UTC)))
        return replies

    async def _thread(self, channel: ChannelRef, thread_id: str) -> list[dict[str, Any]]:
        """Every message of a thread, following Slack's cursor; a distributed app's pages are
        15 messages a minute apart, so a long thread takes several minutes (never a burst)."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        team = await self._team(channel.workspace_id)
        for _ in range(THREAD_PAGES):
            await team.paced["conversations.replies"].acquire()
            page = await self._call(
                team.client.conversations_replies(
                    channel=channel.channel_id,
                    ts=thread_id,
                    limit=DISTRIBUTED_PAGE if self.distributed else 200,
                    cursor=cursor,
                    include_all_metadata=True,
                ),
                team,
            )
            found += page.get("messages", [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return found

    async def edit_post(self, channel: ChannelRef, message_id: str, message: Message) -> None:
        part = render(message)[0]
        await self._pace.acquire(channel.channel_id)
        team = await self._team(channel.workspace_id)
        await team.paced["chat.update"].acquire()
        await self._call(
            team.client.chat_update(
                channel=channel.channel_id, ts=message_id, blocks=list(part.blocks), text=part.text
            ),
            team,
        )

    async def post_picture(
        self, channel: ChannelRef, message: Message, picture: Picture, nonce: str, *, resend: bool = False
    ) -> None:
        """Upload the picture and share it in the channel with the message as its blocks
        (files_upload_v2: files.getUploadURLExternal, the upload, files.completeUploadExternal).

        Slack shares the file asynchronously: completeUploadExternal returns before the message
        is in the channel, so a crash look-back can miss a share still being processed in the
        channel's history. The file's name carries the nonce instead, and a resend first looks
        for a file of that name among the bot's recent files (files.list, scope files:read), where
        a file is listed from its upload on. completeUploadExternal's `blocks` are "structured
        rich text blocks" (https://docs.slack.dev/reference/methods/files.completeUploadExternal):
        any other kind goes in a message after the file."""
        name = _nonce_name(picture.filename, nonce)
        team = await self._team(channel.workspace_id)
        if resend and await self._uploaded(team, name):
            return
        parts = render(message)
        with_file = [b for b in parts[0].blocks if b["type"] in FILE_SHARE_BLOCKS]
        after = [b for b in parts[0].blocks if b["type"] not in FILE_SHARE_BLOCKS]
        await self._pace.acquire(channel.channel_id)
        await self._call(
            team.client.files_upload_v2(
                channel=channel.channel_id,
                file=picture.data,
                filename=name,
                title=message.title or picture.filename,
                alt_txt=picture.description,
                blocks=json.dumps(with_file),
            ),
            team,
        )
        rest = [Rendered(tuple(after), parts[0].text)] if after else []
        for part in rest + parts[1:]:
            await self._send(channel, part)

    async def _uploaded(self, team: Team, name: str) -> bool:
        since = int(time.time()) - UPLOAD_LOOKBACK
        found = await self._call(
            team.client.files_list(user=team.bot_user_id, ts_from=str(since), count=1000), team
        )
        return any(item.get("name") == name for item in found.get("files") or [])

    async def _recent(self, channel: ChannelRef, **options: Any) -> list[dict[str, Any]]:
        """The channel's newest messages (a resend's look-back), paced under the method's tier."""
        team = await self._team(channel.workspace_id)
        await team.paced["conversations.history"].acquire()
        limit = DISTRIBUTED_PAGE if self.distributed else HISTORY_LOOKBACK
        history = await self._call(
            team.client.conversations_history(channel=channel.channel_id, limit=limit, **options), team
        )
        items: list[dict[str, Any]] = history.get("messages", [])
        return items

    async def _send(
        self,
        channel: ChannelRef,
        part: Rendered,
        *,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        await self._pace.acquire(channel.channel_id)  # about one message per second per channel
        team = await self._team(channel.workspace_id)
        await team.paced["chat.postMessage"].acquire()  # and a few hundred a minute in all
        extra: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
        if thread_ts:
            extra["thread_ts"] = thread_ts
        if metadata:
            extra["metadata"] = metadata
        answer = await self._call(
            team.client.chat_postMessage(
                channel=channel.channel_id, blocks=list(part.blocks), text=part.text, **extra
            ),
            team,
        )
        return str(answer["ts"])

    async def send_private(self, channel: ChannelRef, user_id: str, message: Message) -> None:
        """A direct message: conversations.open (scope im:write) gives the bot's IM with the
        person, then chat.postMessage posts there."""
        team = await self._team(channel.workspace_id)
        opened = await self._call(team.client.conversations_open(users=user_id), team)
        im = ChannelRef(PLATFORM, channel.workspace_id, str(opened["channel"]["id"]))
        for part in render(message):
            await self._send(im, part)

    async def _call(self, call: Awaitable[T], team: Team | None = None) -> T:
        try:
            answer = await call
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            retry = exc.response.headers.get("Retry-After") if exc.response.status_code == 429 else None
            about = ERRORS_ABOUT.get(error, About.MESSAGE)
            if self._oauth is not None and about is About.AUTH and error != "missing_scope":
                raise await self._refused(team, error) from exc
            raise self.token_state.failed(
                PlatformError(
                    f"Slack answered {error}",
                    about=about,
                    retry_after=float(retry) if retry else None,
                )
            ) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise PlatformError(f"Slack unreachable: {exc!r}") from exc
        except SlackRequestError as exc:  # a file upload the upload URL refused
            raise PlatformError(f"Slack refused the upload: {exc}") from exc
        self.token_state.worked()
        return answer

    async def _refused(self, team: Team | None, error: str) -> PlatformError:
        """A workspace's token refused (one workspace's, not the process's): the app is gone from
        it, and its channels pause; unless it was installed again meanwhile (through another
        process, say), when the next try takes the new token from the database."""
        assert self._oauth is not None
        if team is not None:
            self._teams.pop(team.team_id, None)
            bot = await self._oauth.installations.async_find_bot(enterprise_id=None, team_id=team.team_id)
            if bot is not None and bot.bot_token != team.client.token:
                return PlatformError(
                    f"Slack answered {error}; the app was installed again: the next try takes its new token"
                )
        return PlatformError(f"Slack answered {error}: {UNINSTALLED}", about=About.CHANNEL)

    # ------------------------------------------------------------ people

    async def person(self, team_id: str, user_id: str) -> Person:
        """Name and admin status from users.info, cached for ten minutes (user ids are unique
        across workspaces)."""
        cached = self._people.get(user_id)
        if cached is not None and time.monotonic() - cached.fetched < USER_CACHE_SECONDS:
            return cached
        try:
            client = (await self._team(team_id)).client
            info = (await client.users_info(user=user_id))["user"]
        except PlatformError as exc:
            log.warning("users.info for %s: %s", user_id, exc.reason)
            return Person(user_id, user_id in self._config.admins, time.monotonic())
        except SlackApiError as exc:
            log.warning("users.info for %s failed: %s", user_id, exc.response.get("error"))
            return Person(user_id, user_id in self._config.admins, time.monotonic())
        profile = info.get("profile") or {}
        name = profile.get("display_name") or info.get("real_name") or info.get("name") or user_id
        admin = bool(info.get("is_admin") or info.get("is_owner")) or user_id in self._config.admins
        person = self._people[user_id] = Person(str(name), admin, time.monotonic())
        return person

    async def _caller(self, team_id: str, channel_id: str, user_id: str) -> Caller:
        person = await self.person(team_id, user_id)
        return Caller(ChannelRef(PLATFORM, team_id, channel_id), User(user_id, person.name), person.is_admin)

    # ------------------------------------------------------------ incoming

    def _register(self) -> None:
        self.app.use(self._once)  # after bolt's own middleware, so only verified requests count
        for name in COMMANDS:
            self.app.command(name)(self._on_command)
        self.app.action(re.compile(r"^pb:"))(self._on_button)
        self.app.view(re.compile(r"^pb:"))(self._on_form)
        self.app.event("message")(self._on_message)
        if self._oauth is not None:  # bolt asks no token for these two (the workspace's is gone)
            self.app.event("app_uninstalled")(self._on_uninstalled)
            self.app.event("tokens_revoked")(self._on_tokens_revoked)

    async def _on_uninstalled(self, body: dict[str, Any]) -> None:
        await self._removed(str(body.get("team_id") or ""))

    async def _on_tokens_revoked(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """The bot's token revoked is the app gone from the workspace, whichever of the two
        events Slack sends first (https://docs.slack.dev/reference/events/app_uninstalled)."""
        if (event.get("tokens") or {}).get("bot"):
            await self._removed(str(body.get("team_id") or ""))

    async def _removed(self, team_id: str) -> None:
        """Forget the workspace's installation and pause its subscriptions, saying why."""
        assert self._oauth is not None
        self._teams.pop(team_id, None)
        await self._oauth.installations.async_delete_installation(enterprise_id=None, team_id=team_id)
        paused = (
            0
            if self._service is None
            else await self._service.workspace_removed(PLATFORM, team_id, UNINSTALLED)
        )
        log.warning("slack app removed from workspace %s: %d subscription(s) paused", team_id, paused)

    async def _once(
        self, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """A retried event or a replayed request (deliveries.py) is acknowledged, not run again."""
        key = delivery_key(req.body, req.headers, req.raw_body)
        if key is not None and not self._deliveries.first(key):
            self.duplicates += 1
            retry = (req.headers.get("x-slack-retry-num") or ["-"])[0]
            log.info("slack delivery seen before (retry %s): acknowledged, not run again", retry)
            return BoltResponse(status=200, body="")
        return await next()

    async def _on_command(self, ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        service = self._service
        if service is None:
            await ack(text="practicebot is starting; try again in a moment.")
            return

        async def work() -> Response:
            caller = await self._caller(command["team_id"], command["channel_id"], command["user_id"])
            parsed = grammar.parse(command["command"], command.get("text", ""), admin=caller.is_admin)
            if is_import(parsed):  # a slash command carries no file: say how to share one
                return Response.text(HOW_TO_IMPORT)
            response = await service.handle(caller, parsed)
            return await self._send_file(caller, response) if response.attachment else response

        trigger = (command["team_id"], command["channel_id"], str(command.get("trigger_id") or ""))
        await self._answer(ack, respond, work, trigger)

    async def _open_form(self, form: Form, team_id: str, channel_id: str, trigger_id: str) -> Response | None:
        """Open the form with the trigger_id of a press or a command (valid 3 s); None once
        open, else what to tell the person."""
        try:
            view = form_view(form, team_id, channel_id)
            client = (await self._team(team_id)).client
            await client.views_open(trigger_id=trigger_id, view=view)
            return None
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, PlatformError) as exc:
            log.warning("views.open failed: %s", getattr(exc, "response", {}) or exc)
            return Response.text("The form could not be opened in time: try again.")

    async def _send_file(self, caller: Caller, response: Response) -> Response:
        """The response's file, uploaded into the caller's direct messages with the app (see
        pack_files.py); the answer says where it went, or why it did not."""
        assert response.attachment is not None
        file = response.attachment
        try:
            team = await self._team(caller.channel.workspace_id)
            opened = await self._call(team.client.conversations_open(users=caller.user.id), team)
            await self._call(
                team.client.files_upload_v2(
                    channel=str(opened["channel"]["id"]),
                    file=file.data,
                    filename=file.filename,
                    title=file.filename,
                ),
                team,
            )
        except PlatformError as exc:
            log.warning("could not send %s to %s: %s", file.filename, caller.user.id, exc.reason)
            return without_file(
                response, f"The file could not be sent to you ({exc.reason}): try again in a minute."
            )
        return without_file(response, f"{plain(file.filename)} is in your direct messages with practicebot.")

    async def _on_file_share(self, event: dict[str, Any], body: dict[str, Any]) -> bool:
        """A file shared at the top of a channel in a message that mentions the app: a pack
        import (pack_files.py), answered to the person who shared it only. False when the
        message is not one (a file shared in a thread is an answer, say)."""
        service = self._service
        user_id, channel = event.get("user"), event.get("channel")
        if event.get("subtype") != "file_share" or event.get("thread_ts") or event.get("bot_id"):
            return False
        if service is None or not user_id or not channel:
            return False
        team_id = str(body.get("team_id") or self.team_id)
        team = await self._team(team_id)
        text = str(event.get("text") or "")
        if not mentions(text, team.bot_user_id):
            return False

        async def work() -> Response:
            caller = await self._caller(team_id, channel, user_id)  # the admin facts of who shared it
            files = [f for f in event.get("files") or [] if isinstance(f, dict)]

            async def info(file_id: str) -> dict[str, Any]:
                answer = await self._call(team.client.files_info(file=file_id), team)
                found = answer.get("file")
                return found if isinstance(found, dict) else {}

            words = words_after_mention(text, team.bot_user_id)
            hosts = token_hosts(self._config.api_base_url)
            command = await shared_command(caller, words, files, str(team.client.token), info, hosts)
            return await service.handle(caller, command)

        response = await _safely(work)
        try:
            await self._tell(team, channel, user_id, response)
        except PlatformError as exc:
            log.warning("could not tell %s how their pack import went: %s", user_id, exc.reason)
        return True

    async def _tell(self, team: Team, channel: str, user_id: str, response: Response) -> None:
        """The response to the person only, in the channel (chat.postEphemeral): the outcome of
        work already done (an import stored, a form taken), so a failure Slack may get over (a
        5xx, fatal_error, a cut connection) is tried again, after its Retry-After or a pause."""
        for part in self._parts(response):
            for attempt in range(1, TELL_TRIES + 1):
                try:
                    await self._call(
                        team.client.chat_postEphemeral(
                            channel=channel, user=user_id, blocks=list(part.blocks), text=part.text
                        ),
                        team,
                    )
                    break
                except PlatformError as exc:
                    if exc.about is not About.RETRY or attempt == TELL_TRIES:
                        raise
                    await self._sleep(exc.retry_after or TELL_PAUSE * attempt)

    async def _on_button(self, ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any]) -> None:
        service = self._service
        action = action_of(body["actions"][0]["action_id"])
        if service is None or action is None:
            await ack()
            return
        await ack()
        channel = (body.get("channel") or {}).get("id", "")
        caller = await self._caller(body["team"]["id"], channel, body["user"]["id"])
        response = await service.handle_action(caller, action)
        if response.form is not None:  # the click's trigger_id opens a modal for 3 s
            trigger = str(body.get("trigger_id") or "")
            failed = await self._open_form(response.form, body["team"]["id"], channel, trigger)
            if failed is None:
                return
            response = failed
        for rendered in self._parts(response):
            await respond(blocks=list(rendered.blocks), text=rendered.text, response_type="ephemeral",
                          replace_original=False)  # fmt: skip

    async def _on_form(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A submitted form: acked within 3 s with the outcome in the modal itself, or with the
        reason as the text box's error (nothing stored); when slower, acked bare (the modal
        closes) and the outcome told privately in the channel."""
        service = self._service
        found = submission(view)
        if service is None or found is None:
            await ack()
            return
        action, team, channel, values = found
        user_id = body["user"]["id"]

        async def work() -> Response:
            caller = await self._caller(team or body["team"]["id"], channel, user_id)
            return await service.submit_form(caller, action, values)

        task = asyncio.ensure_future(_safely(work))
        done, _ = await asyncio.wait({task}, timeout=self._ack_within)
        if not done:
            await ack()
            response = await task
            try:  # escaped and split like any message
                await self._tell(await self._team(team or body["team"]["id"]), channel, user_id, response)
            except PlatformError as exc:
                log.warning("could not tell %s how their form went: %s", user_id, exc.reason)
            return
        response = task.result()
        said = plain_text("\n".join(m.body for m in response.messages), 2000)
        if response.form is not None:  # refused: the form stays open with the text and the reasons
            await ack(response_action="errors", errors=errors(response.form))
        else:
            title = str((view.get("title") or {}).get("text") or "Done")
            await ack(response_action="update", view=done_view(title, said))

    async def _answer(
        self,
        ack: AsyncAck,
        respond: AsyncRespond,
        work: Callable[[], Awaitable[Response]],
        trigger: tuple[str, str, str] | None = None,
    ) -> None:
        """Ack within Slack's 3 s with the answer when it is quick; else ack, then respond. An
        answer with a form opens it with the command's `trigger` (team, channel, trigger_id)."""
        task = asyncio.ensure_future(_safely(work))
        done, _ = await asyncio.wait({task}, timeout=self._ack_within)
        if not done:
            await ack()
        response = await task
        if response.form is not None and trigger is not None:
            failed = await self._open_form(response.form, *trigger)
            if failed is None:
                if done:
                    await ack()
                return
            response = failed
        parts = self._parts(response)
        kind = "ephemeral" if response.private else "in_channel"
        first, rest = parts[0], parts[1:]
        if done:
            await ack(blocks=list(first.blocks), text=first.text, response_type=kind)
        else:
            await respond(blocks=list(first.blocks), text=first.text, response_type=kind)
        for part in rest:
            await respond(blocks=list(part.blocks), text=part.text, response_type=kind)

    @staticmethod
    def _parts(response: Response) -> list[Rendered]:
        return [part for message in response.messages for part in render(message)] or render(
            Message(body="Done.")
        )

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """A person writing in a thread answers that thread's daily post. Edits, deletions,
        bots and the bot itself are not answers; a redelivered event counts once (the Store
        keeps one answer per person and post)."""
        try:
            if not await self._on_file_share(event, body):
                await self._answer_from(event, body)
        finally:
            self.message_events += 1

    async def _answer_from(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        service = self._service
        thread = event.get("thread_ts")
        user_id = event.get("user")
        if service is None or not thread or not user_id or event.get("bot_id"):
            return
        if event.get("subtype") not in (None, "thread_broadcast", "file_share"):  # edits, deletions, joins
            return
        team = body.get("team_id") or self.team_id
        known = self._teams.get(team) or self._teams.get("")
        if (known is not None and user_id == known.bot_user_id) or thread == event.get("ts"):
            return
        person = await self.person(team, user_id)
        at = datetime.fromtimestamp(float(event["ts"]), UTC)
        await service.record_reply(
            ChannelRef(PLATFORM, team, event["channel"]), thread, User(user_id, person.name), at
        )


class SlackRateLimitWatch(AsyncRetryHandler):
    """Put first in AsyncWebClient(retry_handlers=[...]): slack_sdk shows every response to each
    handler in turn; this one only looks and never asks for a retry."""

    def __init__(self, on_429: Callable[[], None]) -> None:
        super().__init__(max_retry_count=0)
        self._on_429 = on_429

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == TOO_MANY_REQUESTS:
            self._on_429()
        return False


def _nonce_name(filename: str, nonce: str) -> str:
    """recap-2026-12-07.png -> recap-2026-12-07-<nonce>.png: this channel's upload, found by name."""
    stem, dot, ext = filename.rpartition(".")
    return f"{stem}-{nonce}.{ext}" if dot else f"{filename}-{nonce}"


def _metadata(event_type: str, nonce: str, part: int) -> dict[str, Any]:
    return {"event_type": event_type, "event_payload": {"nonce": nonce, "part": part}}


def _part_of(message: dict[str, Any]) -> int:
    """A part's number; 0 for a message sent before parts were numbered (only the first had a nonce)."""
    part = (message.get("metadata") or {}).get("event_payload", {}).get("part", 0)
    return part if isinstance(part, int) else 0


def _nonce_of(message: dict[str, Any], event_type: str) -> str | None:
    meta = message.get("metadata") or {}
    return str(meta.get("event_payload", {}).get("nonce")) if meta.get("event_type") == event_type else None


async def _safely(work: Callable[[], Awaitable[Response]]) -> Response:
    try:
        return await work()
    except UserError as exc:
        return Response.text(exc.message)
    except Exception:
        log.exception("slack command failed")
        return Response.text("Something went wrong on our side; it is logged. Try again in a minute.")
