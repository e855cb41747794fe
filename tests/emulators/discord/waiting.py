"""Waiting for the emulator's state without sleeping: every change (a request answered, an event
dispatched, a connection opened or closed) sets an event, and waiters re-check their predicate."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Changes:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float,  # noqa: ASYNC109 - the TimeoutError names what was awaited
        what: str = "a condition",
    ) -> T:
        """Returns the first truthy value of `predicate()`; TimeoutError after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"the Discord emulator waited {timeout}s for {what}")
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                continue  # one last look at the predicate before giving up
