"""Whether a platform still takes the bot's token. A revoked or rotated token is about the
platform, not any channel: nothing pauses for it (the core retries the work), /healthz reports it,
and the log says it once when it starts and once when the token works again."""

from __future__ import annotations

import logging

from bot.core.shared.errors import About, PlatformError

log = logging.getLogger("practicebot.platforms")


class TokenState:
    def __init__(self, platform: str, token_env: str) -> None:
        self._platform = platform
        self._token_env = token_env
        self.refused = ""  # why the platform refuses the token; "" while it takes it

    def failed(self, exc: PlatformError) -> PlatformError:
        """Note an auth failure (once), and hand the error on."""
        if exc.about is About.AUTH and not self.refused:
            self.refused = exc.reason
            log.error(
                "%s refuses the bot's token (%s): nothing is paused and the work is retried; put a "
                "valid token in $%s and restart if it was rotated",
                self._platform,
                exc.reason,
                self._token_env,
            )
        return exc

    def worked(self) -> None:
        """A call went through: the token works (again)."""
        if self.refused:
            self.refused = ""
            log.warning("%s takes the bot's token again", self._platform)
