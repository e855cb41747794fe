"""The Metrics port on prometheus-client, in a registry of its own (never the process-wide one,
so two bots in one test process, or a library that registers its own, never collide)."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable
from typing import Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.core.shared.models import SubscriptionStatus
from bot.ops.shared import Shared

log = logging.getLogger("practicebot.metrics")

METRICS_PATH = "/metrics"
CONTENT_TYPE = CONTENT_TYPE_LATEST
SCRAPE_FRESH_FOR = 1.0  # seconds a scrape is served again to whoever asks; Prometheus asks every 15-60 s
# Commands must be acknowledged within 3 s on both platforms: the buckets resolve that range.
COMMAND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
# A wake-up a few ms late is normal; minutes late means the loop was blocked or the host slept.
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 3600.0)


class PrometheusMetrics:
    """Counters, histograms and gauges behind the core's Metrics port. Names follow Prometheus'
    conventions: `_total` on counters, base units (seconds) in the name."""

    def __init__(self, platforms: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._posts = Counter("practicebot_posts", "Daily questions posted.", ["platform"], registry=r)
        self._reveals = Counter("practicebot_reveals", "Model answers revealed.", ["platform"], registry=r)
        self._replies = Counter(
            "practicebot_replies", "Answers stored (late ones too).", ["platform", "on_time"], registry=r
        )
        self._commands = Histogram(
            "practicebot_command_duration_seconds",
            "Time from a command or button press to its answer.",
            ["platform", "command"],
            buckets=COMMAND_BUCKETS,
            registry=r,
        )
        self._errors = Counter(
            "practicebot_platform_errors",
            "Platform calls that failed; permanent ones pause the subscription.",
            ["platform", "kind"],
            registry=r,
        )
        self._rate_limited = Counter(
            "practicebot_platform_rate_limited",
            "HTTP 429 answers from a platform, including those its library retried.",
            ["platform"],
            registry=r,
        )
        self._lag = Histogram(
            "practicebot_scheduler_lag_seconds",
            "How late a scheduled wake-up started after its due time.",
            ["job"],
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self._subscriptions = Gauge(
            "practicebot_subscriptions", "Subscriptions by status.", ["status"], registry=r
        )
        # every series exists from the start, so a rate() over a fresh process is 0, not absent
        for platform in platforms:
            self._posts.labels(platform)
            self._reveals.labels(platform)
            self._replies.labels(platform, "true")
            self._replies.labels(platform, "false")
            self._errors.labels(platform, "transient")
            self._errors.labels(platform, "permanent")
            self._rate_limited.labels(platform)
        for job in ("post", "reveal", "recap"):
            self._lag.labels(job)
        for status in SubscriptionStatus:
            self._subscriptions.labels(status.value)

    # ------------------------------------------------------------ the Metrics port

    def posted(self, platform: str) -> None:
        self._posts.labels(platform).inc()

    def revealed(self, platform: str) -> None:
        self._reveals.labels(platform).inc()

    def replied(self, platform: str, on_time: bool) -> None:
        self._replies.labels(platform, "true" if on_time else "false").inc()

    def command_handled(self, platform: str, command: str, seconds: float) -> None:
        self._commands.labels(platform, command).observe(seconds)

    def platform_failed(self, platform: str, permanent: bool) -> None:
        self._errors.labels(platform, "permanent" if permanent else "transient").inc()

    def rate_limited(self, platform: str) -> None:
        self._rate_limited.labels(platform).inc()

    def job_started(self, job: str, lateness_seconds: float) -> None:
        self._lag.labels(job).observe(max(0.0, lateness_seconds))

    # ------------------------------------------------------------ read at scrape time

    def count_subscriptions(self, by_status: dict[str, int]) -> None:
        for status in SubscriptionStatus:
            self._subscriptions.labels(status.value).set(by_status.get(status.value, 0))

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)


class Subscriptions(Protocol):
    async def subscription_counts(self) -> dict[str, int]:
        """How many subscriptions are in each status (statuses with none may be left out),
        counted by the database: a scrape never loads the subscriptions themselves."""
        ...


def authorized(header: str, token: str) -> bool:
    """`Authorization: Bearer <token>`, exactly; compared in constant time."""
    return hmac.compare_digest(header.encode(errors="surrogateescape"), f"Bearer {token}".encode())


def metrics_routes(
    metrics: PrometheusMetrics,
    store: Subscriptions,
    *,
    token: str | None = None,
    fresh_for: float = SCRAPE_FRESH_FOR,
) -> list[web.RouteDef]:
    """GET /metrics; with a `token`, only for `Authorization: Bearer <token>`."""

    async def exposition() -> bytes:
        try:
            metrics.count_subscriptions(await store.subscription_counts())
        except Exception as exc:  # the counters are still worth serving; /healthz reports the database
            log.warning("metrics: could not count subscriptions: %s", exc)
        return metrics.exposition()

    scrape_once = Shared(exposition, fresh_for)  # concurrent scrapes share one; a burst costs one

    async def scrape(request: web.Request) -> web.Response:
        if token is not None and not authorized(request.headers.get("Authorization", ""), token):
            return web.Response(
                status=401,
                text="/metrics needs Authorization: Bearer and the token in the bot's metrics_token_env\n",
                headers={"WWW-Authenticate": 'Bearer realm="practicebot metrics"'},
            )
        return web.Response(body=await scrape_once(), headers={"Content-Type": CONTENT_TYPE})

    return [web.get(METRICS_PATH, scrape)]
