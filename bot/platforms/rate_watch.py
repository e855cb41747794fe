"""See every 429 a platform answers, including those discord.py and slack_sdk wait out and retry
on their own (the service never hears of those): pacing that works keeps this count near zero."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

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


class SlackRateLimitWatch(AsyncRetryHandler):
    """Put first in AsyncWebClient(retry_handlers=[...]): slack_sdk shows every response to each
    handler in turn; this one only looks and never asks for a retry."""

    def __init__(self, on_429: Callable[[], None]) -> None:
        super().__init__(max_retry_count=0)
        self._on_429 = on_429

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == TOO_MANY_REQUESTS:
            self._on_429()
        return False
