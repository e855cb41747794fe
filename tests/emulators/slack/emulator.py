"""SlackEmulator: the aiohttp server (Web API, Socket Mode, response_url), the envelope
dispatcher with Slack's ack deadline and retries, fault injection, and the API tests drive."""

from __future__ import annotations

import asyncio
import base64
import copy
import itertools
import json
import os
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
from aiohttp import web

from .http_mode import SignedResponse, ack_payload, send_signed
from .mrkdwn import Shown, message_shown, show
from .ratelimit import RateLimiter, RateLimits
from .shared_files import SharedFiles
from .socket_mode import EVENTS_API, INTERACTIVE, SLASH_COMMANDS, Delivery, Envelope, SocketModeServer
from .validation import check_message, response_action_problems, submitted_state
from .web_api import APP, BOT, RateLimited, Upload, WebApi
from .workspace import ApiError, Channel, Json, User, Workspace, is_top_level

T = TypeVar("T")

LOG_ENV = "PRACTICEBOT_EMULATOR_LOG"
DROPPED = 0  # fail_next's fault for a connection cut without any answer
# The emulator's own default install (tests of the bot install the manifest's scopes instead).
# Methods outside them answer missing_scope, as Slack does; without metadata.message:read, history
# and replies carry no message metadata.
DEFAULT_SCOPES = frozenset({
    "chat:write", "commands", "channels:history", "groups:history", "users:read", "im:write", "files:write",
    "files:read", "metadata.message:read",
})  # fmt: skip
DEFAULT_SUBSCRIPTIONS = frozenset({"message.channels", "message.groups", "app_mention"})
RESPONSE_URL_USES, RESPONSE_URL_TTL = 5, 30 * 60  # Slack: five posts within thirty minutes
OAUTH_CODE_TTL = 10 * 60  # Slack: the temporary authorization code expires after ten minutes


@dataclass
class Request:
    """One request the emulator received: HTTP, the WebSocket upgrade, or a frame ("WS")."""

    method: str
    path: str
    query: Json
    body: Any
    api_method: str | None = None
    status: int = 200
    error: str | None = None
    at: float = field(default_factory=time.monotonic)
    team_id: str | None = None  # the workspace of the token a Web API call came with
    clock: float | None = None  # the emulator's clock when it arrived


class ConnectionCut(Exception):
    """fail_next(..., DROPPED): the connection is cut instead of answering."""


@dataclass
class ResponseUrl:
    envelope: Envelope
    channel: Channel
    user: User
    source_ts: str | None  # the message replace_original / delete_original act on
    source_ephemeral: bool
    created: float = field(default_factory=time.monotonic)
    uses: int = 0


@dataclass
class OAuthCode:
    """A temporary code from an approved install: exchanged once, within OAUTH_CODE_TTL."""

    team_id: str
    redirect_uri: str
    scopes: str
    installer: str
    issued: float
    used: bool = False


class SlackEmulator:
    """One app, installed in one workspace to begin with (`workspace`, with `bot_token`); more
    workspaces with add_workspace(), which install the app through OAuth (authorize(), then
    oauth.v2.access gives a bot token bound to that workspace) or with install(). Every Web API
    call runs in its token's workspace: another workspace's channel is channel_not_found.
    Options, all optional:

    scopes            the bot token's scopes (default: DESIGN.md's); others answer missing_scope
    subscriptions     bot events the app gets ("message.channels", "message.groups", "app_mention")
    rate_limits       RateLimits(...): per-channel posting, per-method tiers, or enabled=False
    ack_timeout       Slack's 3 s ack deadline; shorten it in tests
    event_retry_delays  waits before the 1st, 2nd, 3rd redelivery of an unacked event
    retry_interactive False like Slack: an unacked slash command or click is not redelivered,
                      the user sees operation_timeout (envelope.error); True redelivers it too
    echo_bot_messages Slack sends the app's own posts back as message events (bolt drops them)
    marketplace_app   False: conversations.history/replies at 1 a minute per workspace, without
                      bursts, and 15 messages a page (2025 rule for apps distributed outside it)
    clock             seconds, monotonic: rate limits and OAuth codes expire on it (inject a
                      fake one to move time without sleeping)
    client_id, client_secret  the app's credentials, for oauth.v2.access
    trigger_ttl       how long a trigger_id opens a modal (Slack: 3 s)
    latency           seconds added to every Web API answer
    request_url       deliver envelopes as signed HTTP POSTs to the app instead of Socket Mode

    Attributes tests set: hold_file_shares (Slack shares an upload asynchronously: the share's
    message waits for release_file_shares()). Test API: shown(message) and pings() (what people
    see, and who was notified), fail_next(method, fault, after=N).

    Close the app's Socket Mode handler before stop(): the SDK reconnects to a closing server.
    """

    def __init__(
        self,
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        signing_secret: str = "emulator-signing-secret",
        *,
        scopes: frozenset[str] | set[str] = DEFAULT_SCOPES,
        subscriptions: frozenset[str] | set[str] = DEFAULT_SUBSCRIPTIONS,
        rate_limits: RateLimits | None = None,
        ack_timeout: float = 3.0,
        event_retry_delays: tuple[float, ...] = (0.0, 60.0, 300.0),  # Slack: at once, 1 min, 5 min
        retry_interactive: bool = False,
        echo_bot_messages: bool = True,
        marketplace_app: bool = True,
        trigger_ttl: float = 3.0,
        latency: float = 0.0,
        request_url: str | None = None,
        max_upload_bytes: int = 1024**3,
        clock: Callable[[], float] = time.monotonic,
        client_id: str = "1111.2222",
        client_secret: str = "emulator-client-secret",
    ) -> None:
        self.clock = clock
        self.client_id = client_id
        self.client_secret = client_secret
        self.bot_token = bot_token
        self.revoked = ""  # the error every call with the bot token answers, once revoked
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.scopes = set(scopes)
        self.subscriptions = set(subscriptions)
        self.limiter = RateLimiter(RateLimits(), clock)
        self.ack_timeout = ack_timeout
        self.event_retry_delays = event_retry_delays
        self.retry_interactive = retry_interactive
        self.echo_bot_messages = echo_bot_messages
        self.marketplace_app = marketplace_app
        self.trigger_ttl = trigger_ttl
        self.latency = latency
        self.request_url = request_url
        self.redirect_uri = ""  # the app's Redirect URL (OAuth & Permissions), when the URL has none
        self.max_upload_bytes = max_upload_bytes  # files.getUploadURLExternal's length; Slack: 1 GB
        self.uploads: dict[str, Upload] = {}  # file id -> what was announced and uploaded
        # Slack shares an upload into the channel asynchronously, after completeUploadExternal
        # returns; hold_file_shares keeps them pending until release_file_shares()
        self.hold_file_shares = False
        self.pending_shares: list[tuple[Channel, Json, list[Upload]]] = []
        self.set_rate_limits(rate_limits or RateLimits())

        self.requests: list[Request] = []  # everything received, in order
        self.envelopes: list[Envelope] = []  # everything pushed to the app, in order
        self.response_posts: list[Json] = []  # bodies the app posted to response_urls
        self.count_429 = 0
        self._ids: dict[str, itertools.count[int]] = {}
        self.workspace = Workspace(counters=self._ids)  # the first one, where bot_token works
        self.workspaces: dict[str, Workspace] = {self.workspace.team_id: self.workspace}
        self.tokens: dict[str, str] = {bot_token: self.workspace.team_id}  # bot token -> team
        self.dead_tokens: dict[str, str] = {}  # a revoked token -> the error it answers
        self._codes: dict[str, OAuthCode] = {}
        self.web = WebApi(self)
        self.shared_files = SharedFiles(self)  # files people share, behind their private links
        self.socket = SocketModeServer(
            app_id=self.workspace.app_id, on_ack=self._on_ack, on_change=self._notify, record=self._record
        )
        self.port = 0
        self._faults: dict[str, deque[int | str | None]] = {}
        self._response_urls: dict[str, ResponseUrl] = {}
        self._triggers: dict[str, float] = {}
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._log_file: IO[str] | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> SlackEmulator:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/socket", self.socket.handle)
        app.router.add_post("/response/{token}", self._response_url)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        app.router.add_routes(self.shared_files.routes())
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._open_log()
        return self

    def _open_log(self) -> None:
        log_path = os.environ.get(LOG_ENV)
        if log_path:
            self._log_file = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed in stop()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.socket.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    async def __aenter__(self) -> SlackEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """For AsyncWebClient(base_url=...): the trailing slash matters."""
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def team_id(self) -> str:
        return self.workspace.team_id

    @property
    def app_id(self) -> str:
        return self.workspace.app_id

    @property
    def bot_user_id(self) -> str:
        return self.workspace.bot_user.id

    @property
    def bot_id(self) -> str:
        return self.workspace.bot_id

    # ------------------------------------------------------------------ HTTP plumbing

    def _record(
        self, method: str, path: str, query: Json, body: Any, api_method: str | None = None
    ) -> Request:
        """Keep every request received (HTTP, the WebSocket upgrade, frames from the app as "WS")
        and append it to the PRACTICEBOT_EMULATOR_LOG file when one is set."""
        record = Request(method, path, query, body, api_method=api_method)
        self.requests.append(record)
        if self._log_file is not None:
            line = {"platform": "slack", "method": method, "path": path, "query": query, "body": body}
            self._log_file.write(json.dumps(line, default=str) + "\n")
            self._log_file.flush()
        return record

    async def _read_body(self, request: web.Request) -> Any:
        if not request.can_read_body:
            return {}
        if request.content_type == "application/json":
            text = await request.text()
            try:
                return json.loads(text) if text else {}
            except ValueError:
                return text
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        return await request.text()

    def _token_kind(self, request: web.Request, args: Json) -> tuple[str | None, Workspace]:
        """What the token is, and the workspace it works in."""
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else args.get("token")
        if not token:
            return None, self.workspace
        if token == self.bot_token and self.revoked:
            raise ApiError(self.revoked)
        if token in self.dead_tokens:
            raise ApiError(self.dead_tokens[token])
        if token in self.tokens:
            return BOT, self.workspaces[self.tokens[token]]
        if token == self.app_token:
            return APP, self.workspace
        raise ApiError("invalid_auth")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        query = dict(request.query)
        body = await self._read_body(request)
        record = self._record(request.method, request.path, query, body, api_method=method)
        headers = {"X-Slack-Req-Id": uuid.uuid4().hex, "X-OAuth-Scopes": ",".join(sorted(self.scopes))}
        status, answer = 200, {"ok": True}
        try:
            if self.latency:
                await asyncio.sleep(self.latency)  # a slow network, not synchronisation
            self._injected_fault(method)
            if not isinstance(body, dict):
                raise ApiError("invalid_json")
            args = {**query, **body}
            if method == "oauth.v2.access":  # the app's credentials, not a token
                answer.update(self._oauth_access(request, args))
                return self._answered(record, status, answer, headers)
            # Slack reads a token from the Authorization header, the query or a form body, never JSON
            token_kind, workspace = self._token_kind(
                request, query if request.content_type == "application/json" else args
            )
            record.team_id, record.clock = workspace.team_id, self.clock()
            answer.update(await self.web.call(method, args, token_kind, workspace))
        except ApiError as e:
            answer = {"ok": False, "error": e.error, **e.extra}
            status = int(answer.pop("http_status", 200))
        except RateLimited as e:
            status, answer = 429, {"ok": False, "error": "ratelimited"}
            headers["Retry-After"] = str(e.retry_after)
        except ConnectionCut:
            record.status = DROPPED
            if request.transport is not None:
                request.transport.abort()
            self._notify()
            return web.Response(status=500)  # never arrives
        return self._answered(record, status, answer, headers)

    def _answered(self, record: Request, status: int, answer: Json, headers: dict[str, str]) -> web.Response:
        if status == 429:
            self.count_429 += 1
        record.status, record.error = status, answer.get("error")
        self._notify()
        return web.json_response(answer, status=status, headers=headers)

    # ------------------------------------------------------------------ OAuth v2

    def _oauth_access(self, request: web.Request, args: Json) -> Json:
        """oauth.v2.access: the app's client_id and client_secret (HTTP Basic, as slack_sdk sends
        them, or as arguments) and a code from authorize(), used once within ten minutes
        (https://docs.slack.dev/reference/methods/oauth.v2.access; errors as listed there)."""
        client_id, client_secret = args.get("client_id"), args.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id != self.client_id:
            raise ApiError("invalid_client_id")
        if client_secret != self.client_secret:
            raise ApiError("bad_client_secret")
        code = self._codes.get(str(args.get("code") or ""))
        if code is None or code.used or self.clock() - code.issued > OAUTH_CODE_TTL:
            raise ApiError("invalid_code")
        if args.get("redirect_uri") and args["redirect_uri"] != code.redirect_uri:
            raise ApiError("bad_redirect_uri")
        code.used = True
        ws = self.workspaces[code.team_id]
        token = f"xoxb-{ws.team_id}-{uuid.uuid4().hex}"
        self.tokens[token] = ws.team_id
        return {
            "access_token": token,
            "token_type": "bot",
            "scope": code.scopes,
            "bot_user_id": ws.bot_user.id,
            "app_id": ws.app_id,
            "team": {"id": ws.team_id, "name": ws.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": code.installer},
        }

    def add_workspace(self, name: str) -> str:
        """Another workspace (team), the app not installed in it yet; its team id."""
        ws = Workspace(name=name, counters=self._ids)
        ws.app_id = self.workspace.app_id  # one app, installed in several workspaces
        self.workspaces[ws.team_id] = ws
        return ws.team_id

    def authorize(self, url: str, team_id: str, *, approve: bool = True, installer: str | None = None) -> str:
        """A person opens the app's authorize URL (https://slack.com/oauth/v2/authorize?...)
        signed in to `team_id` and presses Allow (or Cancel): where Slack sends their browser
        next, the app's redirect URI with `code` and `state` (or `error=access_denied`)."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        self._record("GET", "/oauth/v2/authorize", query, {})
        if query.get("client_id") != self.client_id:
            raise ValueError(f"Slack shows 'Invalid client_id parameter' for {query.get('client_id')!r}")
        redirect = query.get("redirect_uri") or self.redirect_uri
        if not redirect:
            raise ValueError("Slack shows 'No redirect URL was specified': none in the URL or the app")
        if self.redirect_uri and not redirect.startswith(self.redirect_uri):
            # the URL's redirect_uri must match one of the app's Redirect URLs (OAuth & Permissions)
            raise ValueError(f"Slack shows 'redirect_uri did not match any configured URIs': {redirect}")
        ws = self.workspaces[team_id]
        state = {"state": query["state"]} if "state" in query else {}
        if not approve:
            return f"{redirect}?{urlencode({'error': 'access_denied', **state})}"
        code = f"{ws.team_id}.{uuid.uuid4().hex}"
        person = installer or next((u.id for u in ws.users.values() if not u.bot), ws.bot_user.id)
        self._codes[code] = OAuthCode(ws.team_id, redirect, query.get("scope", ""), person, self.clock())
        self._notify()
        return f"{redirect}?{urlencode({'code': code, **state})}"

    def uninstall(self, team_id: str) -> None:
        """Someone removes the app from the workspace: its tokens answer token_revoked from now
        on, and Slack sends tokens_revoked and app_uninstalled (in no promised order)."""
        ws = self.workspaces[team_id]
        for token, team in list(self.tokens.items()):
            if team == team_id:
                self.dead_tokens[token] = "token_revoked"
                del self.tokens[token]
        revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [ws.bot_user.id]}}
        self._dispatch(Envelope(EVENTS_API, ws.event_callback(revoked)))
        self._dispatch(Envelope(EVENTS_API, ws.event_callback({"type": "app_uninstalled"})))

    async def _upload(self, request: web.Request) -> web.Response:
        """An upload URL from files.getUploadURLExternal: the raw bytes, or a multipart `file`,
        exactly as long as announced; Slack answers 200 "OK - <length>"."""
        data = await request.read()
        if request.content_type == "multipart/form-data":
            form = await request.post()
            field = form.get("file") or form.get("filename")
            data = field.file.read() if isinstance(field, web.FileField) else b""
        file_id = request.match_info["file_id"]
        self._record(
            request.method, request.path, dict(request.query), {"bytes": len(data)}, api_method="upload"
        )
        upload = self.uploads.get(file_id)
        if upload is None or upload.completed:
            return web.Response(status=404, text="not found")
        if len(data) != upload.length:
            return web.Response(status=400, text=f"length {len(data)} is not the {upload.length} announced")
        upload.data = data
        self._notify()
        return web.Response(text=f"OK - {len(data)}")

    def file_bytes(self, file_id: str) -> bytes | None:
        """What was uploaded for the file (a test reads the recap's picture back with it)."""
        upload = self.uploads.get(file_id)
        return None if upload is None else upload.data

    def _injected_fault(self, method: str) -> None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue.popleft()
                if fault is None:  # a call let through before the fault
                    return
                if isinstance(fault, str):
                    raise ApiError(fault)
                if fault == DROPPED:
                    raise ConnectionCut
                if fault == 429:
                    raise RateLimited(1)
                raise ApiError("fatal_error" if fault >= 500 else f"http_{fault}", http_status=fault)

    # ------------------------------------------------------------------ waiting

    def _notify(self) -> None:
        """Wake every wait_for: called after anything a test could be waiting on changes."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """The predicate's first truthy value, re-checked whenever the emulator's state changes."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    changed = self._changed
                    value = predicate()
                    if value:
                        return value
                    await changed.wait()
        except TimeoutError:
            raise TimeoutError(f"condition not met within {timeout}s") from None

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ envelopes: ack deadline and retries

    def _dispatch(self, envelope: Envelope) -> Envelope:
        self.envelopes.append(envelope)
        self._spawn(self._deliver(envelope.new_delivery(), 0.0))
        self._notify()
        return envelope

    async def _deliver(self, delivery: Delivery, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)  # Slack's retry schedule
        if self.request_url is not None:
            reason = await self._deliver_http(delivery, self.request_url)
        else:
            await self.socket.send(delivery)
            self._notify()
            try:
                await asyncio.wait_for(delivery.acked_event.wait(), self.ack_timeout)
                return
            except TimeoutError:
                reason = "timeout"
        if reason is not None:
            self._missed(delivery, reason)

    async def _deliver_http(self, delivery: Delivery, url: str) -> str | None:
        """None when the app answered 2xx in time, else Slack's retry reason."""
        envelope = delivery.envelope
        delivery.sent_at = time.monotonic()
        try:
            response = await send_signed(
                url,
                envelope.kind,
                envelope.payload,
                secret=self.signing_secret,
                retry_num=delivery.retry_attempt or None,
                retry_reason=delivery.retry_reason,
                timeout=self.ack_timeout,
            )
        except TimeoutError:
            return "http_timeout"
        except aiohttp.ClientError:
            return "connection_failed"
        if 200 <= response.status < 300:
            self._on_ack(delivery, ack_payload(response))
            return None
        return "http_error"

    def _missed(self, delivery: Delivery, reason: str) -> None:
        envelope = delivery.envelope
        if envelope.is_acked:
            return
        attempt = delivery.retry_attempt + 1
        retried = envelope.kind == EVENTS_API or self.retry_interactive
        if retried and attempt <= len(self.event_retry_delays):
            self._spawn(self._deliver(envelope.new_delivery(reason), self.event_retry_delays[attempt - 1]))
        else:
            # the user sees "failed with the error operation_timeout"; an event is given up on
            envelope.error = "operation_timeout" if envelope.kind != EVENTS_API else f"not_acked ({reason})"
        self._notify()

    def _on_ack(self, delivery: Delivery, payload: Json) -> None:
        envelope = delivery.envelope
        late = delivery.sent_at is not None and time.monotonic() - delivery.sent_at > self.ack_timeout
        if envelope.record_ack(delivery, payload, late=late) and envelope.accepts_response_payload:
            self._show_ack(envelope, payload)
        self._notify()

    def _show_ack(self, envelope: Envelope, payload: Json) -> None:
        """What Slack does with an ack's payload: a slash command's reply, a modal's response_action."""
        if envelope.kind == SLASH_COMMANDS and (payload.get("text") or payload.get("blocks")):
            target = self._response_urls.get((envelope.response_url or "").rsplit("/", 1)[-1])
            if target is not None:
                try:
                    self._respond(target, payload, source="ack")
                except ApiError as e:
                    envelope.error = e.error
        elif envelope.payload.get("type") == "view_submission" and response_action_problems(
            envelope.payload["view"], payload
        ):
            envelope.error = "invalid_response_action: " + "; ".join(
                response_action_problems(envelope.payload["view"], payload)
            )
        elif envelope.payload.get("type") == "view_submission" and payload.get("response_action") == "update":
            view_id = envelope.payload["view"]["id"]
            views = self._views_holding(view_id)
            views[view_id] = {**views.get(view_id, {}), **payload.get("view", {})}

    # ------------------------------------------------------------------ response_url

    def _new_response_url(
        self, envelope: Envelope, channel: Channel, user: User, source_ts: str | None, eph: bool
    ) -> str:
        token = uuid.uuid4().hex
        self._response_urls[token] = ResponseUrl(envelope, channel, user, source_ts, eph)
        return f"http://127.0.0.1:{self.port}/response/{token}"

    def _new_trigger(self) -> str:
        trigger = f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"
        self._triggers[trigger] = time.monotonic()
        return trigger

    def use_trigger(self, trigger_id: str) -> None:
        issued = self._triggers.pop(trigger_id, None)
        if issued is None:
            raise ApiError("invalid_trigger_id")
        if time.monotonic() - issued > self.trigger_ttl:
            raise ApiError("expired_trigger_id")

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await self._read_body(request)
        if isinstance(body, dict) and isinstance(body.get("payload"), str):
            body = json.loads(body["payload"])
        self._record(request.method, request.path, dict(request.query), body)
        target = self._response_urls.get(request.match_info["token"])
        if target is None:
            return web.json_response({"ok": False, "error": "invalid_url"}, status=404)
        if time.monotonic() - target.created > RESPONSE_URL_TTL:
            return web.json_response({"ok": False, "error": "expired_url"}, status=404)
        if target.uses >= RESPONSE_URL_USES:
            return web.json_response({"ok": False, "error": "used_url"}, status=404)
        if not isinstance(body, dict):
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        target.uses += 1
        target.envelope.responses.append(body)
        self.response_posts.append(body)
        try:
            self._respond(target, body, source="response_url")
        except ApiError as e:
            self._notify()
            return web.json_response({"ok": False, "error": e.error, **e.extra}, status=400)
        self._notify()
        return web.json_response({"ok": True})

    def _respond(self, target: ResponseUrl, body: Json, *, source: str) -> None:
        """Apply a slash-command ack or a response_url post the way the user would see it."""
        ws, channel = self.workspace_of(target.channel), target.channel
        if body.get("delete_original") in (True, "true") and target.source_ts:
            if target.source_ephemeral:
                self.workspace.ephemerals = [
                    e for e in self.workspace.ephemerals if e["ts"] != target.source_ts
                ]
            else:
                ws.remove_message(channel, target.source_ts)
            return
        text, blocks = check_message(body)
        if body.get("replace_original") in (True, "true") and target.source_ts:
            if target.source_ephemeral:
                original = next((e for e in self.workspace.ephemerals if e["ts"] == target.source_ts), None)
            else:
                original = ws.find(channel, target.source_ts)
            if original is not None:
                original.update(text=text, blocks=blocks or [])
            return
        if body.get("response_type") == "in_channel":
            message = ws.bot_message(text, blocks=blocks)
            if body.get("thread_ts"):
                message["thread_ts"] = str(body["thread_ts"])
            ws.add_message(channel, message)
            self.bot_message_event(channel, ws.message_event(channel, message))
            target.source_ts, target.source_ephemeral = message["ts"], False
        else:
            ephemeral = self.add_ephemeral(channel, target.user.id, text, blocks, source=source)
            target.source_ts, target.source_ephemeral = ephemeral["ts"], True

    def add_ephemeral(
        self,
        channel: Channel,
        user_id: str,
        text: str,
        blocks: list[Json] | None,
        *,
        source: str,
        thread_ts: Any = None,
    ) -> Json:
        ephemeral: Json = {
            "type": "message",
            "channel": channel.id,
            "user": user_id,
            "text": text,
            "blocks": blocks or [],
            "ts": self.workspace.new_ts(),
            "source": source,
        }
        if thread_ts:
            ephemeral["thread_ts"] = str(thread_ts)
        self.workspace.ephemerals.append(ephemeral)
        self._notify()
        return ephemeral

    # ------------------------------------------------------------------ message events

    def _publish(self, channel: Channel, event: Json) -> Envelope | None:
        """Send a message event if the app is subscribed to it and in the channel, as Slack does."""
        ws = self.workspace_of(channel)
        if ws.bot_user.id not in channel.members:
            return None
        subscription = (
            "message.im" if channel.im else "message.groups" if channel.private else "message.channels"
        )
        sent = None
        if subscription in self.subscriptions:
            sent = self._dispatch(Envelope(EVENTS_API, ws.event_callback(event)))
        mention = f"<@{ws.bot_user.id}>"
        if (
            "app_mention" in self.subscriptions
            and mention in event.get("text", "")
            and not event.get("subtype")
        ):
            mentioned = {k: v for k, v in event.items() if k not in ("channel_type", "subtype", "hidden")}
            self._dispatch(Envelope(EVENTS_API, ws.event_callback({**mentioned, "type": "app_mention"})))
        return sent

    def bot_message_event(self, channel: Channel, event: Json) -> None:
        self._notify()
        if self.echo_bot_messages:
            self._publish(channel, event)

    def changed_event(self, channel: Channel, message: Json, previous: Json) -> Json:
        ts = self.workspace.new_ts()
        return {
            "type": "message",
            "subtype": "message_changed",
            "message": _nested(message),
            "previous_message": _nested(previous),
            "channel": channel.id,
            "hidden": True,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "group" if channel.private else "channel",
        }

    def deleted_event(self, channel: Channel, previous: Json) -> Json:
        ts = self.workspace.new_ts()
        event = {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "deleted_ts": previous["ts"],
            "channel": channel.id,
            "previous_message": _nested(previous),
            "ts": ts,
            "event_ts": ts,
            "channel_type": "group" if channel.private else "channel",
        }
        if previous.get("thread_ts"):
            event["thread_ts"] = previous["thread_ts"]
        return event

    # ------------------------------------------------------------------ test API: the workspace

    def add_channel(
        self, name: str, *, private: bool = False, bot_member: bool = True, team: str | None = None
    ) -> str:
        """A channel in the first workspace, or in `team`'s."""
        ws = self.workspaces[team] if team else self.workspace
        creator = next((u.id for u in ws.users.values() if not u.bot), ws.bot_user.id)
        return ws.add_channel(name, private=private, bot_member=bot_member, creator=creator).id

    def add_user(
        self,
        name: str,
        *,
        admin: bool = False,
        owner: bool = False,
        bot: bool = False,
        team: str | None = None,
    ) -> str:
        ws = self.workspaces[team] if team else self.workspace
        user = ws.add_user(name, admin=admin, owner=owner, bot=bot)
        if not bot:
            for channel in ws.channels.values():
                if not channel.private:
                    channel.members.add(user.id)
        return user.id

    def workspace_of(self, channel: Channel) -> Workspace:
        return next(ws for ws in self.workspaces.values() if ws.channels.get(channel.id) is channel)

    def _channel(self, channel_id: str) -> Channel:
        for ws in self.workspaces.values():
            channel = ws.channel(channel_id)
            if channel is not None:
                return channel
        raise LookupError(f"no channel {channel_id}")

    def _user(self, user_id: str) -> User:
        for ws in self.workspaces.values():
            if user_id in ws.users:
                return ws.users[user_id]
        raise LookupError(f"no user {user_id}")

    def add_member(self, channel_id: str, user_id: str) -> None:
        self._channel(channel_id).members.add(self._user(user_id).id)

    # ------------------------------------------------------------------ test API: people acting

    async def slash_command(self, channel_id: str, user_id: str, command: str, text: str = "") -> Envelope:
        """A person runs `command text` in the channel; dispatched as a slash_commands envelope."""
        payload = self.slash_command_payload(channel_id, user_id, command, text)
        envelope = self._response_urls[payload["response_url"].rsplit("/", 1)[-1]].envelope
        envelope.payload = payload
        return self._dispatch(envelope)

    async def post_message(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        thread_ts: str | None = None,
        *,
        bot_id: str | None = None,
        subtype: str | None = None,
    ) -> str:
        """A person (or another bot, with bot_id) writes in the channel or a thread; returns ts."""
        channel, user = self._channel(channel_id), self._user(user_id)
        if channel.archived:
            raise ValueError(f"{channel_id} is archived")
        message: Json = {"type": "message", "user": user.id, "text": text, "ts": self.workspace.new_ts()}
        message["team"] = self.workspace_of(channel).team_id
        if bot_id is None:
            message["client_msg_id"] = str(uuid.uuid4())
        else:
            message["bot_id"] = bot_id
        if subtype:
            message["subtype"] = subtype
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.workspace.add_message(channel, message)
        self._publish(channel, self.workspace.message_event(channel, message))
        self._notify()
        return str(message["ts"])

    async def share_file(
        self,
        channel_id: str,
        user_id: str,
        filename: str,
        data: bytes,
        text: str = "",
        *,
        mimetype: str | None = None,
        declared_size: int | None = None,
        check_file_info: bool = False,
    ) -> str:
        """A person drags a file into the channel with a message (`text`, which may mention the
        app as `<@BOT_USER_ID>`): a top-level `file_share` message whose `files` hold the file
        object, delivered as a message event (message.channels / message.groups). Returns its ts.
        `declared_size` is the size the file object states (Slack's own is the real one);
        `check_file_info`: the event carries only the file's id, as for a Slack Connect file."""
        channel, user = self._channel(channel_id), self._user(user_id)
        ws = self.workspace_of(channel)
        file = self.shared_files.add(ws.team_id, user.id, filename, data, mimetype)
        message: Json = {
            "type": "message",
            "subtype": "file_share",
            "text": text,
            "user": user.id,
            "upload": True,
            "display_as_bot": False,
            "files": [
                self.shared_files.partial(file)
                if check_file_info
                else self.shared_files.payload(file, size=declared_size)
            ],
            "ts": self.workspace.new_ts(),
            "team": ws.team_id,
            "client_msg_id": str(uuid.uuid4()),
        }
        self.workspace.add_message(channel, message)
        self._publish(channel, self.workspace.message_event(channel, message))
        self._notify()
        return str(message["ts"])

    async def edit_message(self, channel_id: str, ts: str, text: str) -> None:
        """The author edits a message: stored, and a message_changed event goes out."""
        channel = self._channel(channel_id)
        message = self.workspace.find(channel, ts)
        if message is None:
            raise LookupError(f"no message {ts} in {channel_id}")
        previous = copy.deepcopy(message)
        message["text"] = text
        message["edited"] = {"user": message.get("user"), "ts": self.workspace.new_ts()}
        self._publish(channel, self.changed_event(channel, message, previous))
        self._notify()

    async def delete_message(self, channel_id: str, ts: str) -> None:
        """The author deletes a message: removed, and a message_deleted event goes out."""
        channel = self._channel(channel_id)
        message = self.workspace.find(channel, ts)
        if message is None:
            raise LookupError(f"no message {ts} in {channel_id}")
        previous = copy.deepcopy(message)
        self.workspace.remove_message(channel, ts)
        self._publish(channel, self.deleted_event(channel, previous))
        self._notify()

    async def send_event(self, event: Json, team: str | None = None) -> Envelope:
        """Any other Events API event, wrapped in event_callback (of the first workspace, or `team`'s)."""
        ws = self.workspaces[team] if team else self.workspace
        return self._dispatch(Envelope(EVENTS_API, ws.event_callback(event)))

    async def click_button(
        self, channel_id: str, user_id: str, message_ts: str, action_id: str, value: str | None = None
    ) -> Envelope:
        """A person clicks a button in a channel message or in an ephemeral message they can see."""
        channel, user = self._channel(channel_id), self._user(user_id)
        message = self.workspace.find(channel, message_ts)
        ephemeral = message is None
        if message is None:
            message = next(
                (e for e in self.workspace.ephemerals if e["ts"] == message_ts and e["user"] == user_id), None
            )
        if message is None:
            raise LookupError(f"{user_id} sees no message {message_ts} in {channel_id}")
        for block in message.get("blocks") or []:
            elements = list(block.get("elements") or []) + [block[k] for k in ("accessory",) if k in block]
            for element in elements:
                if isinstance(element, dict) and element.get("action_id") == action_id:
                    action = {
                        "action_id": action_id,
                        "block_id": block.get("block_id", ""),
                        "text": element.get("text"),
                        "value": element.get("value", "") if value is None else value,
                        "type": element.get("type", "button"),
                        "action_ts": f"{time.time():.6f}",
                    }
                    envelope = Envelope(INTERACTIVE, {})
                    envelope.response_url = self._new_response_url(
                        envelope, channel, user, message_ts, ephemeral
                    )
                    envelope.payload = self.workspace_of(channel).block_actions(
                        channel,
                        user,
                        message,
                        action,
                        ephemeral=ephemeral,
                        response_url=envelope.response_url,
                        trigger_id=self._new_trigger(),
                    )
                    return self._dispatch(envelope)
        raise LookupError(f"no element with action_id {action_id!r} in message {message_ts}")

    async def submit_view(self, view_id: str, user_id: str, values: Json | None = None) -> Envelope:
        """A person submits an open modal; values as Slack's state.values {block_id: {action_id: {...}}}."""
        views = self._views_holding(view_id)
        view = views.get(view_id)
        if view is None:
            raise LookupError(f"no open view {view_id}")
        ws = next(w for w in self.workspaces.values() if w.views is views)
        state = submitted_state(view, values or {})
        payload = ws.view_submission(self._user(user_id), view, state, self._new_trigger())
        return self._dispatch(Envelope(INTERACTIVE, payload))

    def slash_command_payload(self, channel_id: str, user_id: str, command: str, text: str = "") -> Json:
        """A slash command payload for send_signed (HTTP mode), with a live response_url."""
        channel, user = self._channel(channel_id), self._user(user_id)
        envelope = Envelope(SLASH_COMMANDS, {})
        envelope.response_url = self._new_response_url(envelope, channel, user, None, True)
        envelope.payload = self.workspace_of(channel).slash_command(
            channel, user, command, text, envelope.response_url, self._new_trigger()
        )
        return envelope.payload

    def url_verification_payload(self, challenge: str) -> Json:
        return self.workspace.url_verification(challenge)

    async def send_signed(
        self,
        url: str,
        kind: str,
        payload: Json,
        *,
        timestamp: int | None = None,
        retry_num: int | None = None,
        secret: str | None = None,
    ) -> SignedResponse:
        """send_signed with this workspace's signing secret unless another is given."""
        return await send_signed(
            url, kind, payload, secret=secret or self.signing_secret, timestamp=timestamp, retry_num=retry_num
        )

    # ------------------------------------------------------------------ test API: faults

    def fail_next(self, method: str, status_or_error: int | str, times: int = 1, *, after: int = 0) -> None:
        """The next `times` calls of `method` ("*" for any) answer HTTP status_or_error (an int: 500,
        503, 429 with Retry-After: 1; DROPPED cuts the connection before the call is served) or
        {"ok": false, "error": status_or_error} (a str); with
        `after`, only once that many calls have succeeded (the second part of a message: after=1)."""
        self._faults.setdefault(method, deque()).extend([None] * after + [status_or_error] * times)

    def share(self, channel: Channel, message: Json, uploads: list[Upload]) -> None:
        """A file share's message appears in the channel (files.completeUploadExternal's work)."""
        for upload in uploads:
            upload.channels.append(channel.id)
        self.workspace.add_message(channel, message)
        self.bot_message_event(channel, self.workspace.message_event(channel, message))
        self._notify()

    def release_file_shares(self) -> int:
        """Finish the file shares held by hold_file_shares; how many there were."""
        pending, self.pending_shares = self.pending_shares, []
        for channel, message, uploads in pending:
            message["ts"] = self.workspace.new_ts()  # it appears now
            self.share(channel, message, uploads)
        return len(pending)

    def revoke_token(self, error: str = "token_revoked") -> None:
        """The bot token stops working (the app uninstalled, the token rotated or revoked): every
        Web API call with it answers {"ok": false, "error": error}, as Slack answers a dead token
        (token_revoked, invalid_auth, account_inactive; see any method's Errors table)."""
        self.revoked = error

    def restore_token(self) -> None:
        self.revoked = ""

    def archive_channel(self, channel_id: str) -> None:
        self._channel(channel_id).archived = True

    def remove_bot_from(self, channel_id: str) -> None:
        channel = self._channel(channel_id)
        channel.members.discard(self.workspace_of(channel).bot_user.id)

    def delete_channel(self, channel_id: str) -> None:
        self._channel(channel_id).deleted = True

    def set_rate_limits(self, limits: RateLimits) -> None:
        self.limiter.configure(copy.deepcopy(limits))
        if not self.marketplace_app:
            for method in ("conversations.history", "conversations.replies"):
                self.limiter.set_per_minute(method, 1, burst=1)

    async def disconnect_socket(
        self, reason: str = "refresh_requested", *, close_after: float | None = 10.0
    ) -> int:
        """Send {"type": "disconnect", "reason": ...}; the SDK should open a new connection."""
        return await self.socket.disconnect(reason, close_after=close_after)

    def drop_socket(self) -> int:
        """Cut the WebSocket without a close frame; the SDK notices within its ping_interval."""
        return self.socket.drop()

    # ------------------------------------------------------------------ test API: what happened

    def messages(self, channel_id: str) -> list[Json]:
        """The channel as people see it: top-level messages (and broadcast replies), oldest first."""
        return copy.deepcopy([m for m in self._channel(channel_id).messages if is_top_level(m)])

    def replies(self, channel_id: str, thread_ts: str) -> list[Json]:
        """A thread: its parent first, then the replies, oldest first."""
        return copy.deepcopy(self.workspace.thread(self._channel(channel_id), thread_ts))

    def direct_messages(self, user_id: str) -> list[Json]:
        """What the bot sent the person in their direct message conversation, oldest first."""
        ims = [
            c
            for ws in self.workspaces.values()
            for c in ws.channels.values()
            if c.im and user_id in c.members
        ]
        return [copy.deepcopy(m) for c in ims for m in c.messages]

    def ephemerals(self, channel_id: str | None = None, user_id: str | None = None) -> list[Json]:
        return copy.deepcopy(
            [
                e
                for e in self.workspace.ephemerals
                if (channel_id is None or e["channel"] == channel_id)
                and (user_id is None or e["user"] == user_id)
            ]
        )

    def views(self) -> dict[str, Json]:
        """Every open modal, in every workspace."""
        return copy.deepcopy({k: v for ws in self.workspaces.values() for k, v in ws.views.items()})

    def _views_holding(self, view_id: str) -> dict[str, Json]:
        """The views of the workspace where the modal was opened (the first one if none)."""
        return next(
            (ws.views for ws in self.workspaces.values() if view_id in ws.views), self.workspace.views
        )

    def home_views(self) -> dict[str, Json]:
        return copy.deepcopy(self.workspace.home_views)

    def shown(self, message: Json) -> Shown:
        """What a person reads in a message, with the mentions, links and formatting Slack makes
        of it (mrkdwn.py): blocks parsed unless `verbatim`, the top-level text as posted."""
        return message_shown(message)

    def pings(self) -> list[tuple[str, str]]:
        """(ts, who) for every mention in what the bot posted, its notification text included:
        "here", "channel", "everyone", a user or group id. Empty when the bot notified nobody."""
        sent = [
            m
            for ws in self.workspaces.values()
            for c in ws.channels.values()
            for m in c.messages
            if m.get("bot_id")
        ]
        sent += self.workspace.ephemerals
        found = []
        for m in sent:
            notification = show(str(m.get("text") or ""), parse=False).mentions if m.get("blocks") else []
            found += [(str(m.get("ts", "")), who) for who in (*message_shown(m).mentions, *notification)]
        return found

    def calls(self, api_method: str) -> list[Request]:
        return [r for r in self.requests if r.api_method == api_method]

    @property
    def socket_connects(self) -> int:
        """Socket Mode connections made so far (one hello each)."""
        return self.socket.connects


def _nested(message: Json) -> Json:
    """A message as it appears inside message_changed / message_deleted events."""
    nested = copy.deepcopy(message)
    nested.pop("metadata", None)
    return nested
