"""The Web API methods the bot and bolt call, with Slack's arguments, errors and answers.

Every method answers HTTP 200 with {"ok": true, ...} or {"ok": false, "error": ...}; only rate
limits answer 429. Arguments may come in the query string (slack_sdk sends GET params and some
POST params there), a form body (blocks/metadata/view as JSON strings) or a JSON body."""

from __future__ import annotations

import base64
import contextvars
import copy
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .mrkdwn import auto_parse
from .validation import check_blocks, check_message, check_metadata, check_view_model, decode_json_arg, truthy
from .workspace import ApiError, Channel, Json, Workspace, is_top_level

if TYPE_CHECKING:
    from .emulator import SlackEmulator

BOT, APP = "bot", "app"
# The workspace of the token of the call being answered: each request runs in its own task, so
# a method reads its own workspace however calls interleave.
CALLER: contextvars.ContextVar[Workspace] = contextvars.ContextVar("caller")

# What the method needs besides the token; missing ones answer invalid_arguments.
REQUIRED: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("channel",),
    "chat.update": ("channel", "ts"),
    "chat.delete": ("channel", "ts"),
    "chat.postEphemeral": ("channel", "user"),
    "conversations.history": ("channel",),
    "conversations.replies": ("channel", "ts"),
    "conversations.info": ("channel",),
    "conversations.join": ("channel",),
    "conversations.open": ("users",),
    "users.info": ("user",),
    "views.open": ("trigger_id", "view"),
    "views.publish": ("user_id", "view"),
    "views.update": ("view",),
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
    "files.info": ("file",),
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_COMMENT = 40_000  # initial_comment, like a message's text
# files.completeUploadExternal's `blocks`: "structured rich text blocks"; a markdown block (which
# chat.postMessage takes) is answered internal_error (slack-morphism's note, python-slack-sdk#1756)
FILE_SHARE_BLOCKS = frozenset({"section", "rich_text", "header", "context", "divider", "image"})


@dataclass
class Upload:
    """A file announced by files.getUploadURLExternal; `data` arrives at its upload URL."""

    id: str
    filename: str
    length: int
    alt_txt: str
    data: bytes | None = None
    completed: bool = False
    created: int = 0  # when completed (Unix seconds)
    title: str = ""
    channels: list[str] = field(default_factory=list)  # where it is shared, once processed


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"ratelimited, retry after {retry_after}s")
        self.retry_after = retry_after


@dataclass
class Call:
    method: str
    args: Json
    token_kind: str


def _ts(value: Any, default: str) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else default))
    except InvalidOperation:
        raise ApiError("invalid_ts_latest" if default != "0" else "invalid_ts_oldest") from None


def _cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _from_cursor(cursor: str) -> str:
    try:
        return base64.b64decode(cursor.encode()).decode().removeprefix("next_ts:")
    except ValueError:
        raise ApiError("invalid_cursor") from None


class WebApi:
    def __init__(self, emulator: SlackEmulator) -> None:
        self.emu = emulator
        self.methods: dict[str, Callable[[Call], Awaitable[Json]]] = {
            "api.test": self.api_test,
            "auth.test": self.auth_test,
            "apps.connections.open": self.apps_connections_open,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "conversations.info": self.conversations_info,
            "conversations.join": self.conversations_join,
            "conversations.open": self.conversations_open,
            "users.info": self.users_info,
            "views.open": self.views_open,
            "views.publish": self.views_publish,
            "views.update": self.views_update,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
            "files.list": self.files_list,
            "files.info": self.files_info,
        }

    @property
    def ws(self) -> Workspace:
        """The workspace of the calling token (the emulator's first one for api.test)."""
        return CALLER.get(self.emu.workspace)

    async def call(
        self, method: str, args: Json, token_kind: str | None, workspace: Workspace | None = None
    ) -> Json:
        """Run one method after auth, in the token's workspace; raises ApiError or RateLimited."""
        CALLER.set(workspace or self.emu.workspace)
        handler = self.methods.get(method)
        if handler is None:
            raise ApiError("unknown_method", req_method=method)
        if method == "api.test":
            return await handler(Call(method, args, token_kind or ""))
        if token_kind is None:
            raise ApiError("not_authed")
        if (token_kind == APP) != (method == "apps.connections.open"):
            raise ApiError("not_allowed_token_type")
        retry_after = self.emu.limiter.check_method(method, self.ws.team_id)
        if retry_after is not None:
            raise RateLimited(retry_after)
        missing = [name for name in REQUIRED.get(method, ()) if args.get(name) in (None, "")]
        if missing:
            messages = [f"[ERROR] missing required field: {name}" for name in missing]
            raise ApiError("invalid_arguments", response_metadata={"messages": messages})
        return await handler(Call(method, args, token_kind))

    # helpers

    def need_scope(self, *scopes: str) -> None:
        """Slack's missing_scope: any one of `scopes` will do."""
        if not set(scopes) & self.emu.scopes:
            raise ApiError(
                "missing_scope", needed=",".join(scopes), provided=",".join(sorted(self.emu.scopes))
            )

    def channel(self, call: Call, *, member: bool = True, writable: bool = False) -> Channel:
        channel = self.ws.channel(str(call.args["channel"]))
        bot = self.ws.bot_user.id
        if channel is None or (channel.private and bot not in channel.members):
            raise ApiError("channel_not_found")
        if writable and channel.archived:
            raise ApiError("is_archived")
        if member and bot not in channel.members:
            raise ApiError("not_in_channel")
        return channel

    def metadata_shown(self, call: Call) -> bool:
        """include_all_metadata, for an app with metadata.message:read (without it: no metadata,
        no error, as an app reading metadata without the scope would see nothing to find)."""
        return truthy(call.args.get("include_all_metadata")) and "metadata.message:read" in self.emu.scopes

    def out(self, message: Json, *, metadata: bool) -> Json:
        shown = copy.deepcopy(message)
        if not metadata:
            shown.pop("metadata", None)
        return shown

    # auth

    async def api_test(self, call: Call) -> Json:
        return {"args": {k: v for k, v in call.args.items() if k != "token"}}

    async def auth_test(self, call: Call) -> Json:
        return {
            "url": f"https://{self.ws.team_domain}.slack.com/",
            "team": self.ws.team_name,
            "user": self.ws.bot_user.name,
            "team_id": self.ws.team_id,
            "user_id": self.ws.bot_user.id,
            "bot_id": self.ws.bot_id,
            "is_enterprise_install": False,
        }

    async def apps_connections_open(self, call: Call) -> Json:
        return {"url": f"ws://127.0.0.1:{self.emu.port}/socket?ticket={self.emu.socket.issue_ticket()}"}

    # chat

    async def chat_post_message(self, call: Call) -> Json:
        self.need_scope("chat:write")
        channel = self.channel(call, writable=True, member="chat:write.public" not in self.emu.scopes)
        text, blocks = check_message(call.args)
        if call.args.get("parse") == "full" or truthy(call.args.get("link_names")):
            text = auto_parse(text)  # Slack: parse defaults to none; link_names links @channel, @here
        metadata = check_metadata(call.args.get("metadata"))
        retry_after = self.emu.limiter.check_channel(channel.id)
        if retry_after is not None:
            raise RateLimited(retry_after)
        message = self.ws.bot_message(text, blocks=blocks)
        thread_ts = call.args.get("thread_ts")
        if thread_ts:
            message["thread_ts"] = str(thread_ts)
            if truthy(call.args.get("reply_broadcast")):
                message["subtype"] = "thread_broadcast"
        if metadata:
            message["metadata"] = metadata
        self.ws.add_message(channel, message)
        self.emu.bot_message_event(channel, self.ws.message_event(channel, message))
        return {"channel": channel.id, "ts": message["ts"], "message": self.out(message, metadata=True)}

    async def chat_update(self, call: Call) -> Json:
        self.need_scope("chat:write")
        channel = self.channel(call, writable=True)
        message = self.ws.find(channel, str(call.args["ts"]))
        if message is None or message.get("subtype") == "tombstone":  # deleted, replies kept
            raise ApiError("message_not_found")
        if message.get("bot_id") != self.ws.bot_id:
            raise ApiError("cant_update_message")
        text, blocks = check_message(call.args)
        metadata = check_metadata(call.args.get("metadata"))
        previous = copy.deepcopy(message)
        message["text"] = text
        if blocks is not None or "blocks" in call.args:
            message["blocks"] = blocks or []
        if metadata:
            message["metadata"] = metadata
        message["edited"] = {"user": self.ws.bot_user.id, "ts": self.ws.new_ts()}
        self.emu.bot_message_event(channel, self.emu.changed_event(channel, message, previous))
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "text": text,
            "message": self.out(message, metadata=True),
        }

    async def chat_delete(self, call: Call) -> Json:
        self.need_scope("chat:write")
        channel = self.channel(call, writable=True)
        message = self.ws.find(channel, str(call.args["ts"]))
        if message is None:
            raise ApiError("message_not_found")
        if message.get("bot_id") != self.ws.bot_id:
            raise ApiError("cant_delete_message")
        previous = copy.deepcopy(message)
        self.ws.remove_message(channel, message["ts"])
        self.emu.bot_message_event(channel, self.emu.deleted_event(channel, previous))
        return {"channel": channel.id, "ts": previous["ts"]}

    async def chat_post_ephemeral(self, call: Call) -> Json:
        self.need_scope("chat:write")
        channel = self.channel(call, writable=True)
        user_id = str(call.args["user"])
        if user_id not in self.ws.users:
            raise ApiError("user_not_found")
        if user_id not in channel.members:
            raise ApiError("user_not_in_channel")
        text, blocks = check_message(call.args)
        ephemeral = self.emu.add_ephemeral(
            channel, user_id, text, blocks, source="chat.postEphemeral", thread_ts=call.args.get("thread_ts")
        )
        return {"message_ts": ephemeral["ts"]}

    # conversations

    def history_scope(self, channel: Channel) -> None:
        self.need_scope("groups:history" if channel.private else "channels:history")

    def page_limit(self, call: Call, default: int, maximum: int) -> int:
        if not self.emu.marketplace_app:  # since 2025 for apps outside the Marketplace
            default = maximum = 15
        try:
            limit = int(call.args.get("limit") or default)
        except ValueError:
            raise ApiError("invalid_limit") from None
        return max(1, min(limit, maximum))

    async def conversations_history(self, call: Call) -> Json:
        channel = self.channel(call)
        self.history_scope(channel)
        inclusive = truthy(call.args.get("inclusive"))
        oldest = _ts(call.args.get("oldest"), "0")
        latest = _ts(call.args.get("latest"), f"{time.time() + 1:.6f}")
        if call.args.get("cursor"):
            latest, inclusive = Decimal(_from_cursor(str(call.args["cursor"]))), False
        limit = self.page_limit(call, 100, 999)

        def within(ts: Decimal) -> bool:
            return (oldest <= ts <= latest) if inclusive else (oldest < ts < latest)

        found = [m for m in reversed(channel.messages) if is_top_level(m) and within(Decimal(m["ts"]))]
        page, more = found[:limit], len(found) > limit
        metadata = self.metadata_shown(call)
        return {
            "messages": [self.out(m, metadata=metadata) for m in page],
            "has_more": more,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": _cursor(page[-1]["ts"]) if more else ""},
        }

    async def conversations_replies(self, call: Call) -> Json:
        channel = self.channel(call)
        self.history_scope(channel)
        thread = self.ws.thread(channel, str(call.args["ts"]))
        if call.args.get("cursor"):
            after = Decimal(_from_cursor(str(call.args["cursor"])))
            thread = [m for m in thread if Decimal(m["ts"]) > after]
        limit = self.page_limit(call, 1000, 1000)
        page, more = thread[:limit], len(thread) > limit
        metadata = self.metadata_shown(call)
        return {
            "messages": [self.out(m, metadata=metadata) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": _cursor(page[-1]["ts"]) if more else ""},
        }

    async def conversations_info(self, call: Call) -> Json:
        channel = self.channel(call, member=False)
        self.need_scope("groups:read" if channel.private else "channels:read")
        return {"channel": channel.to_api(self.ws.bot_user.id)}

    async def conversations_join(self, call: Call) -> Json:
        self.need_scope("channels:join")
        channel = self.ws.channel(str(call.args["channel"]))
        if channel is None or channel.private:
            raise ApiError("method_not_supported_for_channel_type" if channel else "channel_not_found")
        if channel.archived:
            raise ApiError("is_archived")
        answer: Json = {}
        if self.ws.bot_user.id in channel.members:
            answer["warning"] = "already_in_channel"
            answer["response_metadata"] = {"warnings": ["already_in_channel"]}
        else:
            channel.members.add(self.ws.bot_user.id)
            join = {
                "type": "message",
                "subtype": "channel_join",
                "user": self.ws.bot_user.id,
                "text": f"<@{self.ws.bot_user.id}> has joined the channel",
                "ts": self.ws.new_ts(),
            }
            self.ws.add_message(channel, join)
        answer["channel"] = channel.to_api(self.ws.bot_user.id)
        return answer

    # users

    async def conversations_open(self, call: Call) -> Json:
        """A direct message with one person (a group DM with several is not emulated)."""
        self.need_scope("im:write", "mpim:write", "channels:manage", "groups:write")
        users = [u for u in str(call.args["users"]).split(",") if u]
        if len(users) != 1:
            raise ApiError("not_implemented", detail="only one user per conversation here")
        user = self.ws.users.get(users[0])
        if user is None:
            raise ApiError("user_not_found")
        if user.bot:
            raise ApiError("cannot_dm_bot")
        return {"channel": {"id": self.ws.open_im(user).id}}

    async def users_info(self, call: Call) -> Json:
        self.need_scope("users:read")
        user = self.ws.users.get(str(call.args["user"]))
        if user is None:
            raise ApiError("user_not_found")
        return {"user": user.to_api()}

    # views

    def check_view(self, raw: Any, surface: str) -> Json:
        view = decode_json_arg(raw, error="invalid_arguments")
        if not isinstance(view, dict) or view.get("type") != surface:
            raise ApiError(
                "invalid_arguments", response_metadata={"messages": [f"[ERROR] view type must be {surface}"]}
            )
        blocks = check_blocks(view.get("blocks", []), surface=surface) or []
        if surface == "modal":
            title = view.get("title")
            if (
                not isinstance(title, dict)
                or title.get("type") != "plain_text"
                or len(title.get("text", "")) > 24
            ):
                raise ApiError(
                    "invalid_arguments",
                    response_metadata={"messages": ["[ERROR] title must be plain_text <= 24"]},
                )
        view_problems = check_view_model(view)
        if view_problems:
            raise ApiError("invalid_arguments", response_metadata={"messages": view_problems})
        stored = copy.deepcopy(view)
        stored.update(blocks=blocks, team_id=self.ws.team_id, app_id=self.ws.app_id, bot_id=self.ws.bot_id)
        stored.setdefault("private_metadata", "")
        stored.setdefault("callback_id", "")
        stored.setdefault("state", {"values": {}})
        stored["hash"] = f"{int(time.time())}.{len(self.ws.views):08d}"
        return stored

    async def views_open(self, call: Call) -> Json:
        self.emu.use_trigger(str(call.args["trigger_id"]))
        view = self.check_view(call.args["view"], "modal")
        view["id"] = self.ws.new_id("V")
        self.ws.views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    async def views_publish(self, call: Call) -> Json:
        user_id = str(call.args["user_id"])
        if user_id not in self.ws.users:
            raise ApiError("user_not_found")
        view = self.check_view(call.args["view"], "home")
        view["id"] = self.ws.home_views.get(user_id, {}).get("id") or self.ws.new_id("V")
        self.ws.home_views[user_id] = view
        return {"view": copy.deepcopy(view)}

    async def views_update(self, call: Call) -> Json:
        view_id = str(call.args.get("view_id") or "")
        old = self.ws.views.get(view_id)
        if old is None:
            raise ApiError("not_found")
        view = self.check_view(call.args["view"], old.get("type", "modal"))
        view["id"] = view_id
        self.ws.views[view_id] = view
        return {"view": copy.deepcopy(view)}

    # files (files_upload_v2: get an upload URL, send the bytes there, complete the upload)

    async def files_get_upload_url_external(self, call: Call) -> Json:
        self.need_scope("files:write")
        try:
            length = int(str(call.args["length"]))
        except ValueError:
            raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] length"]}) from None
        if length <= 0:
            raise ApiError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] length must be > 0"]}
            )
        if length > self.emu.max_upload_bytes:
            raise ApiError("file_too_large")
        alt_txt = str(call.args.get("alt_txt") or "")
        if len(alt_txt) > 1000:
            raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] alt_txt too long"]})
        upload = Upload(self.ws.new_id("F"), str(call.args["filename"]), length, alt_txt)
        self.emu.uploads[upload.id] = upload
        return {"upload_url": f"http://127.0.0.1:{self.emu.port}/upload/v1/{upload.id}", "file_id": upload.id}

    async def files_complete_upload_external(self, call: Call) -> Json:
        self.need_scope("files:write")
        described = decode_json_arg(call.args["files"], error="invalid_arguments")
        if not isinstance(described, list) or not described:
            raise ApiError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] files must be an array"]}
            )
        uploads: list[tuple[Upload, str]] = []
        for item in described:
            upload = self.emu.uploads.get(str(item.get("id"))) if isinstance(item, dict) else None
            if upload is None or upload.data is None or upload.completed:
                raise ApiError("file_not_found")
            uploads.append((upload, str(item.get("title") or upload.filename)))
        channel: Channel | None = None
        if call.args.get("channel_id"):
            channel = self.channel(Call(call.method, {"channel": call.args["channel_id"]}, call.token_kind),
                                   writable=True)  # fmt: skip
        elif call.args.get("channels"):
            raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] use channel_id"]})
        comment = str(call.args.get("initial_comment") or "")
        if len(comment) > MAX_COMMENT:
            raise ApiError("msg_too_long")
        blocks = None if comment else check_blocks(call.args.get("blocks"))
        if any(b.get("type") not in FILE_SHARE_BLOCKS for b in blocks or []):
            raise ApiError("internal_error")  # e.g. a markdown block, which chat.postMessage takes
        files = []
        for upload, title in uploads:
            upload.completed, upload.created, upload.title = True, int(time.time()), title
            png = upload.data is not None and upload.data.startswith(PNG_SIGNATURE)
            files.append({
                "id": upload.id, "name": upload.filename, "title": title, "size": len(upload.data or b""),
                "mimetype": "image/png" if png else "application/octet-stream",
                "filetype": "png" if png else "binary", "alt_txt": upload.alt_txt,
                "user": self.ws.bot_user.id, "url_private": f"http://127.0.0.1:{self.emu.port}/files/{upload.id}",
            })  # fmt: skip
        if channel is not None:
            thread_ts = call.args.get("thread_ts")
            if thread_ts and self.ws.find(channel, str(thread_ts)) is None:
                raise ApiError("invalid_thread_ts")
            retry_after = self.emu.limiter.check_channel(channel.id)
            if retry_after is not None:
                raise RateLimited(retry_after)
            message = self.ws.bot_message(comment, blocks=blocks)
            message.update(
                subtype="file_share", upload=True, files=copy.deepcopy(files), display_as_bot=False
            )
            if thread_ts:
                message["thread_ts"] = str(thread_ts)
            shared = [upload for upload, _ in uploads]
            if self.emu.hold_file_shares:  # Slack shares asynchronously: the message comes later
                self.emu.pending_shares.append((channel, message, shared))
            else:
                self.emu.share(channel, message, shared)
        return {"files": [{"id": f["id"], "title": f["title"]} for f in files]}

    async def files_info(self, call: Call) -> Json:
        """A file people shared in this workspace, whole (https://docs.slack.dev/reference/methods/files.info)."""
        self.need_scope("files:read")
        file = self.emu.shared_files.files.get(str(call.args.get("file")))
        if file is None or file.team_id != self.ws.team_id:
            raise ApiError("file_not_found")
        return {"file": self.emu.shared_files.payload(file)}

    async def files_list(self, call: Call) -> Json:
        """The bot's files, newest first; a file still being shared is listed, without channels."""
        self.need_scope("files:read")
        user, channel = call.args.get("user"), call.args.get("channel")
        ts_from = int(float(str(call.args.get("ts_from") or 0)))
        found = [
            u for u in reversed(list(self.emu.uploads.values()))
            if u.completed and u.created >= ts_from and (not user or user == self.ws.bot_user.id)
            and (not channel or channel in u.channels)
        ]  # fmt: skip
        count = max(1, min(int(str(call.args.get("count") or 100)), 1000))
        shown = [{"id": u.id, "name": u.filename, "title": u.title, "user": self.ws.bot_user.id,
                  "created": u.created, "channels": list(u.channels)} for u in found[:count]]  # fmt: skip
        return {"files": shown, "paging": {"count": count, "total": len(found), "page": 1, "pages": 1}}
