"""Logging: one line per event, as text for people or as JSON for machines (`log_format`).

Each line carries the subscription, channel and platform where they are known: from the
`extra` the service passes (`subscription`, `channel`), from a ChannelRef among the message's
arguments, or from the logger's name (`practicebot.discord...`). Token values are replaced by
`[redacted]` in everything written, exception text included, and so is anything shaped like a
short-lived secret (an interaction token in a URL, a payload's verification token, a Socket Mode
ticket, a Slack response URL). The libraries that log whole payloads at DEBUG never write their
DEBUG: it carries those secrets, the text of blind answers and every SQL parameter.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.config import Config
from bot.core.shared.models import ChannelRef

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6  # shorter values would redact ordinary words
# Libraries that can log the same error once per connection (aiohttp's "Error handling request",
# asyncio's "socket.accept() out of system resource"): under a flood, one line per THROTTLE_EVERY
NOISY_LOGGERS = ("asyncio", "aiohttp")
THROTTLE_EVERY = 10.0  # seconds
PLATFORM_LOGGERS = {"practicebot.discord": "discord", "discord": "discord", "practicebot.slack": "slack",
                    "slack_bolt": "slack", "slack_sdk": "slack"}  # fmt: skip
# At DEBUG these log every gateway event, request and response body (discord.py, slack-sdk, the
# Socket Mode client bolt runs under our logger) and every SQL statement with its parameters
# (aiosqlite): their INFO and above are still written, their DEBUG never.
PAYLOAD_LOGGERS = ("discord", "slack_sdk", "slack_bolt", "practicebot.slack.bolt", "aiosqlite", "aiohttp")
# Secrets with a shape, wherever they turn up (a URL in a library's warning, an exception's text):
# the part before the secret is kept, so the line still says what was called.
SHAPED_SECRETS = (
    re.compile(r"(/(?:interactions|webhooks)/\d+/)[\w.-]+"),  # Discord: posts as the bot for 15 min
    re.compile(r"""(['"](?:token|response_url)['"]\s*:\s*['"])[^'"]+"""),  # a payload's token or URL
    re.compile(r"([?&]ticket=)[^&\s'\"]+"),  # Socket Mode: the URL that opens a connection
    re.compile(r"(hooks\.slack\.com/(?:actions|commands|services)/)[^\s'\"]+"),  # a response URL
    re.compile(r"(xox[a-z]-|xapp-)[\w.-]+"),  # any Slack token, named in the config or not
)


def secret_values(config: Config, environ: Mapping[str, str]) -> list[str]:
    """The values of every variable the config names as holding a secret, where set."""
    names = (
        config.discord.token_env,
        config.slack.bot_token_env,
        config.slack.app_token_env,
        config.slack.signing_secret_env,
        config.server.metrics_token_env,
    )
    return [environ[name] for name in names if len(environ.get(name, "")) >= MIN_SECRET_LENGTH]


def context(record: logging.LogRecord) -> dict[str, Any]:
    """subscription, platform, workspace and channel, where the record tells them."""
    fields: dict[str, Any] = {}
    subscription = getattr(record, "subscription", None)
    if subscription is not None:
        fields["subscription"] = subscription
    channel = getattr(record, "channel", None)
    if not isinstance(channel, ChannelRef):
        args = record.args.values() if isinstance(record.args, Mapping) else (record.args or ())
        channel = next((arg for arg in args if isinstance(arg, ChannelRef)), None)
    if isinstance(channel, ChannelRef):
        fields["platform"] = channel.platform
        fields["workspace"] = channel.workspace_id
        fields["channel"] = channel.channel_id
    else:
        platform = _platform_of(record.name)
        if platform:
            fields["platform"] = platform
    return fields


def _platform_of(logger: str) -> str | None:
    for prefix, platform in PLATFORM_LOGGERS.items():
        if logger == prefix or logger.startswith(prefix + "."):
            return platform
    return None


class Throttle(logging.Filter):
    """Lets through, from the noisy loggers, the first of each kind of line (logger, level and
    message template) per `every` seconds; the next one let through says how many were dropped."""

    def __init__(
        self,
        every: float = THROTTLE_EVERY,
        loggers: Iterable[str] = NOISY_LOGGERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.every = every
        self.loggers = tuple(loggers)
        self.clock = clock
        self._seen: dict[
            tuple[str, int, str], tuple[float, int]
        ] = {}  # kind -> (let through at, dropped since)

    def filter(self, record: logging.LogRecord) -> bool:
        if not any(record.name == name or record.name.startswith(name + ".") for name in self.loggers):
            return True
        # the first line: asyncio puts each connection's details on the lines after it
        kind = (record.name, record.levelno, str(record.msg).partition("\n")[0])
        now = self.clock()
        last = self._seen.get(kind)
        if last is not None and now - last[0] < self.every:
            self._seen[kind] = (last[0], last[1] + 1)
            return False
        if last is not None and last[1]:
            record.msg = f"{record.msg} (and {last[1]} more like it in the last {now - last[0]:.0f} s)"
        if len(self._seen) > 1000:  # bounded: kinds are templates, but a library may format its own
            self._seen.clear()
        self._seen[kind] = (now, 0)
        return True


class _Redacting(logging.Formatter):
    def __init__(self, secrets: Iterable[str], fmt: str | None = None) -> None:
        super().__init__(fmt)
        # longest first, so a secret containing another is replaced whole
        self.secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for shape in SHAPED_SECRETS:
            text = shape.sub(r"\1" + REDACTED, text)
        return text


class TextFormatter(_Redacting):
    """`2026-03-02 09:00:00,001 INFO practicebot.service: posted ... [subscription=3 platform=discord ...]`;
    a traceback follows on its own lines."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(secrets, TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = context(record)
        if fields:
            first, newline, rest = text.partition("\n")
            text = first + " [" + " ".join(f"{k}={v}" for k, v in fields.items()) + "]" + newline + rest
        return self.redact(text)


class JsonFormatter(_Redacting):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the context
    fields, and `exception` with the traceback when there is one."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(secrets)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
            **context(record),
        }
        if record.exc_info:
            entry["exception"] = self.redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = self.redact(self.formatStack(record.stack_info))
        return self.redact(json.dumps(entry, ensure_ascii=False, default=str))


def configure_logging(
    level: str, log_format: str = "text", secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Everything to standard error (a container's log), one handler on the root logger."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(secrets) if log_format == "json" else TextFormatter(secrets))
    handler.addFilter(Throttle())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    # APScheduler logs every job it adds at INFO: the service logs what matters
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLevelName(level)))
