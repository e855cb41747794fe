"""Hold one async method of our own objects (the Store) until the test opens the gate: the
work behind a button or a form then takes exactly as long as the test wants, with no sleep."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest


class Gate:
    """Calls to `target.name` wait until `open()`; `entered` is set once the first call arrives."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, target: object, name: str) -> None:
        self.entered = asyncio.Event()
        self._opened = asyncio.Event()
        real: Callable[..., Awaitable[Any]] = getattr(target, name)

        async def held(*args: Any, **kwargs: Any) -> Any:
            self.entered.set()
            await self._opened.wait()
            return await real(*args, **kwargs)

        monkeypatch.setattr(target, name, held)

    def open(self) -> None:
        self._opened.set()
