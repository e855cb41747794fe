"""See every 429 a platform answers, including those discord.py and slack_sdk wait out and retry
on their own (the service never hears of those): pacing that works keeps this count near zero.
Slack's watch lives with the Slack adapter, so a Discord-only bot never loads slack_sdk."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import aiohttp

TOO_MANY_REQUESTS = 429


def discord_trace(on_429: Callable[[], None]) -> aiohttp.TraceConfig:
    """For discord.Client(http_trace=...): called at the end of every REST request."""
    trace = aiohttp.TraceConfig()

    async def ended(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        if params.response.status == TOO_MANY_REQUESTS:
            on_429()

    trace.on_request_end.append(ended)
    return trace
