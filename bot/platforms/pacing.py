"""Pace requests under a platform's limit instead of living on 429s."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class TokenBucket:
    """`rate` requests per second on average, bursts of up to `burst`. Waiters are served in
    arrival order, so no caller starves."""

    def __init__(self, rate: float, burst: int, now: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._now = now
        self._tokens = float(burst)
        self._stamp = now()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._now()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def delay(self) -> float:
        """Take a token; how long to wait before using it (0 when one is free now)."""
        self._refill()
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    async def acquire(self) -> None:
        async with self._lock:
            wait = self.delay()
            if wait > 0:
                await asyncio.sleep(wait)


class KeyedBuckets:
    """One TokenBucket per key (a channel, say), created on first use."""

    def __init__(self, rate: float, burst: int, now: Callable[[], float] = time.monotonic) -> None:
        self._rate, self._burst, self._now = rate, burst, now
        self._buckets: dict[str, TokenBucket] = {}

    async def acquire(self, key: str) -> None:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self._rate, self._burst, self._now)
        await bucket.acquire()


class SlidingWindow:
    """At most `limit` starts in any `window` seconds, counted when each caller really went
    ahead, in arrival order. A caller that wakes up late (a busy loop, a garbage collection) does
    not let the ones behind it catch up in a burst, as a token bucket would: the platform counts
    real arrivals, so this counts real starts."""

    def __init__(
        self,
        limit: int,
        window: float,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self.limit = limit
        self.window = window
        self._now = now
        self._sleep = sleep  # a test's clock moves time instead of waiting a real minute
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    def wait(self) -> float:
        """How long until one more may start (0: now)."""
        now = self._now()
        while self._starts and self._starts[0] <= now - self.window:
            self._starts.popleft()
        return 0.0 if len(self._starts) < self.limit else self._starts[0] + self.window - now

    def start(self) -> None:
        """Count a start, now."""
        self._starts.append(self._now())

    async def acquire(self) -> None:
        async with self._lock:
            wait = self.wait()
            if wait > 0:
                await self._sleep(wait)
                self.wait()  # the oldest start has left the window
            self.start()


class Paced:
    """Several limits in turn: a smooth rate (TokenBucket) under a hard cap (SlidingWindow)."""

    def __init__(self, *limits: TokenBucket | SlidingWindow) -> None:
        self._limits = limits

    async def acquire(self) -> None:
        for limit in self._limits:
            await limit.acquire()
