"""Rate limits as discord.py meets them, and injected faults.

- Global: at most N requests in any sliding second per bot token (interaction endpoints are exempt,
  as on Discord). Over it: 429 with `"global": true` and `X-RateLimit-Global`.
- Per route: fixed windows per route and major parameter (channel, guild, webhook). Every response
  of a bucketed route carries all five `X-RateLimit-*` headers (Limit, Remaining, Reset,
  Reset-After, Bucket), so discord.py waits before it runs out; unbucketed routes carry none.
- Every 429 has `Retry-After`, `X-RateLimit-Scope` and `Via: 1.1 google` (without `Via`,
  discord.py takes a 429 for a Cloudflare ban and raises instead of retrying).
"""

from __future__ import annotations

import fnmatch
import hashlib
import math
import re
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .responses import ApiError

RATE_LIMITED = "You are being rate limited."
# Per route and major parameter, each its own X-RateLimit-Bucket (discord-api-docs, Rate Limits: "per-route
# rate limits ... may be shared across similar endpoints", keyed by major parameters like channel_id).
# Discord publishes no numbers and says not to hard-code them; these are the commonly observed ones.
DEFAULT_ROUTE_LIMITS: Mapping[str, tuple[int, float]] = {
    "POST /channels/{channel_id}/messages": (5, 5.0),
    "PATCH /channels/{channel_id}/messages/{message_id}": (5, 5.0),
    "POST /channels/{channel_id}/messages/{message_id}/threads": (5, 5.0),
    "GET /channels/{channel_id}/messages": (5, 5.0),
}


def too_many_requests(
    retry_after: float,
    *,
    is_global: bool,
    headers: Mapping[str, str] | None = None,
    body: Mapping[str, Any] | None = None,
) -> ApiError:
    payload = {
        "message": RATE_LIMITED,
        "retry_after": round(retry_after, 3),
        "global": is_global,
        **(body or {}),
    }
    extra = {
        "Retry-After": str(max(1, math.ceil(float(payload["retry_after"])))),
        "Via": "1.1 google",
        "X-RateLimit-Scope": "global" if is_global else "user",
        **(headers or {}),
    }
    if is_global:
        extra["X-RateLimit-Global"] = "true"
    return ApiError(429, 0, RATE_LIMITED, body=payload, headers=extra)


@dataclass
class Window:
    """One route bucket for one major parameter: `limit` requests per `per` seconds."""

    bucket: str
    limit: int
    per: float
    started: float | None = None
    used: int = 0

    def _roll(self, now: float) -> None:
        if self.started is not None and now >= self.started + self.per:
            self.started, self.used = None, 0

    def take(self, now: float) -> float | None:
        """Counts a request; returns seconds to wait instead when the window is spent."""
        self._roll(now)
        if self.started is None:
            self.started = now
        if self.used >= self.limit:
            return self.started + self.per - now
        self.used += 1
        return None

    def headers(self, now: float) -> dict[str, str]:
        self._roll(now)
        reset_after = self.per if self.started is None else self.started + self.per - now
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.limit - self.used),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": self.bucket,
        }


class RateLimiter:
    def __init__(self, global_per_second: int, route_limits: Mapping[str, tuple[int, float]]) -> None:
        self.global_per_second = global_per_second
        self.route_limits = dict(route_limits)
        self._recent: deque[float] = deque()
        self._windows: dict[tuple[str, str], Window] = {}

    def take_global(self, now: float) -> float | None:
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.global_per_second:
            return self._recent[0] + 1.0 - now
        self._recent.append(now)
        return None

    def window(self, route: str, major: str) -> Window | None:
        """The bucket window for `route` ("POST /channels/{channel_id}/messages"), if it is bucketed."""
        if route not in self.route_limits:
            return None
        key = (route, major)
        if key not in self._windows:
            limit, per = self.route_limits[route]
            bucket = hashlib.sha1(route.encode()).hexdigest()[:32]
            self._windows[key] = Window(bucket, limit, per)
        return self._windows[key]


@dataclass
class Fault:
    method: str
    pattern: str | re.Pattern[str]
    status: int
    times: int
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    apply: bool = False  # serve the request, then answer with the fault anyway
    spare: int = 0  # matching requests served normally before the fault strikes (a message's second part)

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method):
            return False
        if isinstance(self.pattern, re.Pattern):
            return self.pattern.fullmatch(path) is not None
        return fnmatch.fnmatchcase(path, self.pattern)

    def error(self, window_headers: Mapping[str, str]) -> ApiError:
        headers = {**window_headers, **self.headers}
        if self.status == 429:
            body = {"retry_after": 0.05, **(self.body or {})}
            return too_many_requests(
                float(body["retry_after"]), is_global=bool(body.get("global")), headers=headers, body=body
            )
        reason = {
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }
        message = f"{self.status}: {reason.get(self.status, 'Error')}"
        body = dict(self.body) if self.body is not None else {"message": message, "code": 0}
        return ApiError(self.status, int(body.get("code", 0)), message, body=body, headers=headers)


class Faults:
    """`fail_next` answers: the first pending fault matching a request is spent on it."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.pending.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        for fault in self.pending:
            if fault.matches(method, path):
                if fault.spare > 0:
                    fault.spare -= 1
                    return None
                fault.times -= 1
                if fault.times <= 0:
                    self.pending.remove(fault)
                return fault
        return None
