"""Each Slack delivery runs once: a retried event or a replayed signed request is acknowledged and
dropped.

Slack's Events API redelivers an event it saw no 200 for, nearly at once, after 1 minute and after
5 minutes, with X-Slack-Retry-Num / X-Slack-Retry-Reason and the same `event_id`
(https://docs.slack.dev/apis/events-api/#retries). Slash commands and interactions carry no id, but
a signed request can be replayed as it is for the five minutes its timestamp is accepted
(https://docs.slack.dev/authentication/verifying-requests-from-slack): the same timestamp and body
is the same request (each real one has its own trigger_id). Kept in memory, bounded: a restart
forgets them, and the Store's own rules (one answer per person and post, a season confirm that
names its season) keep a delivery seen again after a restart harmless.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

WINDOW = 10 * 60.0  # seconds: past Slack's last retry (5 min) and a signature's life (5 min)
MAX_KEPT = 50_000  # deliveries remembered at most; the oldest go first


class Deliveries:
    def __init__(self, clock: Callable[[], float] = time.monotonic, max_kept: int = MAX_KEPT) -> None:
        self._clock = clock
        self._max_kept = max_kept
        self._seen: OrderedDict[str, float] = OrderedDict()  # key -> when first seen, oldest first

    def first(self, key: str) -> bool:
        """True the first time `key` is seen within the window (and remembers it)."""
        now = self._clock()
        while self._seen and (
            len(self._seen) >= self._max_kept or next(iter(self._seen.values())) < now - WINDOW
        ):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


def delivery_key(body: Mapping[str, Any], headers: Mapping[str, Sequence[str]], raw_body: str) -> str | None:
    """An event by its event_id; a signed HTTP request by its timestamp and body; None for a
    Socket Mode command or click (not replayable: the socket is the app's own)."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    timestamp = headers.get("x-slack-request-timestamp")
    if headers.get("x-slack-signature") and timestamp:
        digest = hashlib.sha256(f"{timestamp[0]}:{raw_body}".encode()).hexdigest()
        return f"signed:{digest}"
    return None
