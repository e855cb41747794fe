"""Slack's rate limits as token buckets: a per-workspace allowance per method (its tier) and the
special chat.postMessage limit of about one message per second per channel with short bursts.
Over a limit Slack answers HTTP 429, `Retry-After: <seconds>` and {"ok": false, "error": "ratelimited"}."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

TIER_1, TIER_2, TIER_3, TIER_4 = 1, 20, 50, 100  # requests per minute ("1+", "20+", ...)

# https://docs.slack.dev/apis/web-api/rate-limits ; chat.postMessage's workspace-wide figure is
# documented only as "several hundred per minute", so 300 is this emulator's assumption.
PER_MINUTE: dict[str, int] = {
    "apps.connections.open": TIER_1,
    "auth.test": TIER_4,
    "chat.postMessage": 300,
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "conversations.history": TIER_3,
    "conversations.replies": TIER_3,
    "conversations.info": TIER_3,
    "conversations.join": TIER_3,
    "users.info": TIER_4,
    "views.open": TIER_4,
    "views.publish": TIER_4,
}


class TokenBucket:
    def __init__(
        self, per_second: float, capacity: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_second = per_second
        self.capacity = capacity
        self.tokens = capacity
        self.clock = clock
        self.updated = clock()

    def take(self) -> float:
        """0.0 if a request may go now (and it is counted), else the seconds until one may."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


@dataclass
class RateLimits:
    """Tune per test: `RateLimits(per_channel_burst=1)`, `RateLimits(enabled=False)`, ..."""

    enabled: bool = True
    per_channel_per_second: float = 1.0  # chat.postMessage per channel
    per_channel_burst: int = 3
    per_minute: dict[str, int] = field(default_factory=lambda: dict(PER_MINUTE))
    default_per_minute: int = TIER_2  # methods not in the table
    # Slack's tiers are "N+ per minute" and tolerate bursts: a whole minute's allowance (at least
    # min_burst) may go at once, so a Socket Mode reconnect or two is not refused.
    min_burst: int = 5
    # methods whose allowance does not come in a burst (the 2025 limit for apps outside the
    # Marketplace: one conversations.history a minute means one, not five at once)
    burst: dict[str, int] = field(default_factory=dict)


class RateLimiter:
    """Per workspace (Slack counts an app's calls per workspace) and per method or channel."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._methods: dict[str, TokenBucket] = {}
        self._channels: dict[str, TokenBucket] = {}

    def configure(self, limits: RateLimits) -> None:
        self.limits = limits
        self._methods.clear()
        self._channels.clear()

    def set_per_minute(self, method: str, per_minute: int, *, burst: int | None = None) -> None:
        self.limits.per_minute[method] = per_minute
        if burst is not None:
            self.limits.burst[method] = burst
        self._methods = {key: b for key, b in self._methods.items() if not key.endswith(f"/{method}")}

    def check_method(self, method: str, team_id: str = "") -> int | None:
        """None if allowed, else the Retry-After seconds (an integer, at least 1, like Slack's)."""
        if not self.limits.enabled:
            return None
        key = f"{team_id}/{method}"
        bucket = self._methods.get(key)
        if bucket is None:
            per_minute = self.limits.per_minute.get(method, self.limits.default_per_minute)
            burst = self.limits.burst.get(method, max(per_minute, self.limits.min_burst))
            bucket = self._methods[key] = TokenBucket(per_minute / 60, burst, self.clock)
        return _retry_after(bucket.take())

    def check_channel(self, channel_id: str) -> int | None:
        if not self.limits.enabled:
            return None
        bucket = self._channels.get(channel_id)
        if bucket is None:
            bucket = self._channels[channel_id] = TokenBucket(
                self.limits.per_channel_per_second, self.limits.per_channel_burst, self.clock
            )
        return _retry_after(bucket.take())


def _retry_after(wait: float) -> int | None:
    return None if wait <= 0 else max(1, math.ceil(wait))
