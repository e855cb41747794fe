"""HTTP mode: POST to the app's request URL the way Slack does. Events API bodies are JSON;
slash commands are form-encoded; interactivity is form-encoded with one field, `payload=<JSON>`.
Each request is signed: X-Slack-Signature = "v0=" + hex HMAC-SHA256(secret, f"v0:{ts}:{body}"),
X-Slack-Request-Timestamp = ts (Unix seconds). Bolt refuses a bad signature and any timestamp
more than five minutes away from its clock. Retries carry X-Slack-Retry-Num/-Reason."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp

from .socket_mode import EVENTS_API, INTERACTIVE, SLASH_COMMANDS
from .workspace import Json

KINDS = (EVENTS_API, SLASH_COMMANDS, INTERACTIVE)


@dataclass(frozen=True)
class SignedResponse:
    status: int
    body: str
    content_type: str

    def json(self) -> Json:
        loaded = json.loads(self.body)
        assert isinstance(loaded, dict)
        return loaded


def signature(secret: str, timestamp: int | str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def encode_body(kind: str, payload: Json) -> tuple[str, str]:
    """(body, content type) for a payload of the given envelope kind."""
    if kind == EVENTS_API:
        return json.dumps(payload), "application/json"
    if kind == SLASH_COMMANDS:
        return urlencode({k: str(v) for k, v in payload.items()}), "application/x-www-form-urlencoded"
    if kind == INTERACTIVE:
        return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")


async def send_signed(
    url: str,
    kind: str,
    payload: Json,
    *,
    secret: str,
    timestamp: int | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    timeout: float = 10.0,  # noqa: ASYNC109 - how long Slack waits
) -> SignedResponse:
    """POST one signed request like Slack. `kind` is "events_api" (also for url_verification),
    "slash_commands" or "interactive"; `timestamp` defaults to now (pass an old one to test replay
    protection); `retry_num` adds the retry headers. Returns the app's status and body."""
    body, content_type = encode_body(kind, payload)
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": content_type,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(secret, ts, body),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
        session.post(url, data=body.encode(), headers=headers) as response,
    ):
        return SignedResponse(response.status, await response.text(), response.content_type)


def ack_payload(response: SignedResponse) -> Json:
    """What an HTTP 200 answer means as an ack payload: its JSON, or its text as {"text": ...}."""
    if not response.body:
        return {}
    if response.content_type == "application/json":
        try:
            return response.json()
        except (ValueError, AssertionError):
            return {"text": response.body}
    return {"text": response.body}
