"""Errors the core raises on purpose. Their text is shown to users as is, so it must say what
was wrong and what to do instead."""

from __future__ import annotations

import logging
from enum import Enum

log = logging.getLogger("practicebot.errors")


def shown(text: str, width: int = 40) -> str:
    """Something a person typed, quoted back safely: printable characters only, and short."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= width else clean[: width - 3] + "..."


class UserError(Exception):
    """Something a person typed or configured cannot be used; the message says why."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else "that did not work"


class NotAllowed(UserError):
    """The caller may not do this here (admin commands)."""


class About(Enum):
    """What a platform failure is about, which decides what the core does with it."""

    RETRY = "retry"  # may work next time (5xx, 429, network): retried
    MESSAGE = "message"  # this one message (refused, unrenderable): given up after a few tries
    GONE = "gone"  # the message it is about was deleted (Discord 10008, Slack message_not_found)
    CHANNEL = "channel"  # the channel is gone or the bot lost access: the subscription pauses
    AUTH = "auth"  # the platform's token (revoked, rotated): nothing pauses, retried once it works


class PlatformError(Exception):
    """A platform call failed; `about` says what the failure is about."""

    def __init__(self, reason: str, *, about: About = About.RETRY, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.about = about
        self.retry_after = retry_after

    @property
    def final(self) -> bool:
        """Retrying will not help this item (the metric's `permanent`)."""
        return self.about in (About.MESSAGE, About.GONE, About.CHANNEL)


def as_platform_error(exc: Exception) -> PlatformError:
    """A failure in the core's terms: anything else raised while rendering or sending (a bug, a
    renderer refusing the text) is about that one message, so it is given up like one."""
    if isinstance(exc, PlatformError):
        return exc
    log.error("could not render or send: %r", exc, exc_info=exc)
    return PlatformError(f"could not be rendered ({type(exc).__name__}: {exc})", about=About.MESSAGE)
