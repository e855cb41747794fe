"""The Slack app manifest: exactly the scopes, commands, events and settings the bot uses.
Paste it at https://api.slack.com/apps > Create New App > From a manifest."""

from __future__ import annotations

import json
from typing import Any

from bot.platforms.slack.adapter import COMMANDS, EVENT_PATH, REDIRECT_PATH

# im:write: conversations.open, for the review reminder's direct message; files:write: the weekly
# recap's picture and an exported pack (files.getUploadURLExternal, files.completeUploadExternal);
# files:read: files.list, where a resent recap finds its picture even while Slack is still sharing it,
# and the download of a pack file an admin shares (url_private_download); metadata.message:read:
# reading our own message metadata back (conversations.history / .replies include_all_metadata),
# how a resend after a crash finds what already went out. Slack lists the scope for reading
# metadata (https://api.slack.com/scopes/metadata.message:read, https://api.slack.com/metadata/using)
# without saying which reads need it, so we ask for it.
BOT_SCOPES = (
    "chat:write", "commands", "channels:history", "groups:history", "users:read", "im:write", "files:write",
    "files:read", "metadata.message:read",
)  # fmt: skip
BOT_EVENTS = ("message.channels", "message.groups")  # thread replies in public and private channels
# With OAuth: a workspace that removes the app (no scope needed; Slack sends both, in no set order)
UNINSTALL_EVENTS = ("app_uninstalled", "tokens_revoked")
USAGE = {
    "/practice": (
        "Daily interview practice: subscribe, status, post-now, holidays, away, recap, pack, help",
        "subscribe 09:00 Europe/Berlin",
    ),
    "/question": ("A random interview question, just for you", "[beginner|intermediate|advanced]"),
    "/streaks": ("This channel's streak board, or your own; hide or show your row", "[me | hide | show]"),
    "/bookmarks": ("Your bookmarked questions and when each is due for review", "[remove NUMBER]"),
    "/review": ("Review your most overdue bookmarked question, just for you", "[remind on|off]"),
}


def manifest(
    request_url: str | None = None, name: str = "practicebot", *, oauth: bool = False
) -> dict[str, Any]:
    """Socket Mode when `request_url` is None; otherwise HTTP mode at that public URL, and with
    `oauth` installable by any workspace (its redirect URL, and the uninstall events)."""
    if oauth and not request_url:
        raise ValueError("OAuth needs HTTP mode: give the bot's public base URL too (--request-url)")
    url = {"url": request_url.rstrip("/") + EVENT_PATH} if request_url else {}
    redirect = {"redirect_urls": [request_url.rstrip("/") + REDIRECT_PATH]} if oauth and request_url else {}
    return {
        "display_information": {
            "name": name,
            "description": "A daily interview question in your channel, with threads, reveals and streaks.",
        },
        "features": {
            "bot_user": {"display_name": name, "always_online": True},
            # the review reminder arrives in the app's Messages tab; the bot reads no DMs, so read-only
            "app_home": {
                "home_tab_enabled": False,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "slash_commands": [
                {
                    "command": c,
                    "description": USAGE[c][0],
                    "usage_hint": USAGE[c][1],
                    "should_escape": False,
                    **url,
                }
                for c in COMMANDS
            ],
        },
        "oauth_config": {**redirect, "scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": {
                "bot_events": list(BOT_EVENTS) + (list(UNINSTALL_EVENTS) if oauth else []),
                **({"request_url": url["url"]} if url else {}),
            },
            "interactivity": {"is_enabled": True, **({"request_url": url["url"]} if url else {})},
            "org_deploy_enabled": False,
            "socket_mode_enabled": request_url is None,
            "token_rotation_enabled": False,
        },
    }


def to_yaml(value: Any, indent: int = 0) -> str:
    """The small YAML subset a manifest needs (maps, lists, scalars), without a YAML library."""
    pad = "  " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:\n{to_yaml(item, indent + 1)}")
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
        return "\n".join(lines)
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, dict):
                body = to_yaml(item, indent + 1).lstrip()
                lines.append(f"{pad}- {body}")
            else:
                lines.append(f"{pad}- {_scalar(item)}")
        return "\n".join(lines)
    return pad + _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, dict | list):
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value)  # JSON strings, booleans and numbers are valid YAML
