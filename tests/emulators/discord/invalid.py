"""Discord's invalid-request limit (discord-api-docs, Rate Limits, "Invalid Request Limit aka
Cloudflare bans"): IP addresses that make too many invalid HTTP requests are temporarily
restricted from the whole API; the limit is 10,000 per 10 minutes, an invalid request being one
answered 401, 403 or 429 (a 429 with `X-RateLimit-Scope: shared` does not count). While banned,
every request gets Cloudflare's own 429: an HTML page, no JSON, no `Via` header (discord.py
raises at once on it rather than waiting)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping

from aiohttp import web

INVALID_LIMIT = 10_000
INVALID_WINDOW = 10 * 60.0  # seconds
BAN_SECONDS = 60 * 60.0  # "temporarily": Discord does not say how long; an hour here


class InvalidRequests:
    """Counts invalid answers over a sliding window on `clock`, and bans past `limit`."""

    def __init__(self, clock: Callable[[], float], limit: int = INVALID_LIMIT) -> None:
        self.clock = clock
        self.limit = limit
        self.banned_until: float | None = None
        self._seen: deque[float] = deque()

    def count(self) -> int:
        """Invalid requests in the last 10 minutes."""
        now = self.clock()
        while self._seen and self._seen[0] <= now - INVALID_WINDOW:
            self._seen.popleft()
        return len(self._seen)

    def note(self, status: int, headers: Mapping[str, str]) -> None:
        shared = status == 429 and headers.get("X-RateLimit-Scope") == "shared"
        if status in (401, 403, 429) and not shared:
            self._seen.append(self.clock())
            if self.count() >= self.limit:
                self.banned_until = self.clock() + BAN_SECONDS

    def banned(self) -> web.Response | None:
        """Cloudflare's answer while the ban lasts, else None."""
        if self.banned_until is None or self.clock() >= self.banned_until:
            self.banned_until = None
            return None
        return web.Response(
            status=429, text="<html><body>error code: 1015</body></html>", content_type="text/html"
        )
