"""One computation at a time, shared by every caller that asks while it runs, and its result
reused for a short while: so a flood of /healthz or /metrics requests costs one probe or one
scrape, not one each."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Shared(Generic[T]):
    """`await shared()`: the result of `compute`, run at most once per `fresh_for` seconds and
    never twice at once. A computation that raises is not kept: the next call runs it again."""

    def __init__(
        self,
        compute: Callable[[], Awaitable[T]],
        fresh_for: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.compute = compute
        self.fresh_for = fresh_for
        self.clock = clock
        self.runs = 0
        self._running: asyncio.Future[T] | None = None
        self._result: tuple[float, T] | None = None  # (finished at, result)

    async def __call__(self) -> T:
        if self._result is not None and self.clock() - self._result[0] < self.fresh_for:
            return self._result[1]
        if self._running is None:
            self._running = asyncio.ensure_future(self._run())
        # shielded: one caller giving up (its client hung up) does not cancel the others' answer
        return await asyncio.shield(self._running)

    async def _run(self) -> T:
        try:
            self.runs += 1
            result = await self.compute()
            self._result = (self.clock(), result)
            return result
        finally:
            self._running = None
