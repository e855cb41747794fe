"""Errors the core raises on purpose. Their text is shown to users as is, so it must say what
was wrong and what to do instead."""

from __future__ import annotations


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


class PlatformError(Exception):
    """A platform call failed. `permanent` failures (channel gone, access lost) pause the
    subscription; the others are retried."""

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
