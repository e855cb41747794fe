"""slack_sdk's OAuth storage interfaces on practicebot's database: AsyncInstallationStore (a bot
token per workspace, which bolt's authorize reads for every request) and AsyncOAuthStateStore
(the state parameter of an install: issued with an expiry, consumed once). The SQL lives in
bot/storage/installations.py; this module only translates slack_sdk's models."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.storage.installations import SlackInstallation

log = logging.getLogger("practicebot.slack.oauth")
STATE_SECONDS = 600  # bolt's default: an install started more than ten minutes ago starts again


class InstallationRows(Protocol):
    """The part of the Store the OAuth storage needs (bot/storage/installations.py)."""

    async def save_installation(self, found: SlackInstallation) -> None: ...

    async def installation(self, team_id: str) -> SlackInstallation | None: ...

    async def delete_installation(self, team_id: str) -> bool: ...

    async def issue_state(self, state: str, expires_at: datetime, now: datetime) -> None: ...

    async def consume_state(self, state: str, now: datetime) -> bool: ...


def _key(enterprise_id: str | None, team_id: str | None) -> str:
    """A workspace's team id (unique across Slack, Enterprise Grid included); an org-wide
    install has no team, so it is kept under its enterprise id."""
    return team_id or enterprise_id or ""


class DatabaseInstallations(AsyncInstallationStore):
    """Installations in the database, one per workspace (bot tokens only: the app asks for no
    user scopes)."""

    def __init__(self, rows: InstallationRows, now: Callable[[], datetime]) -> None:
        self._rows = rows
        self._now = now

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        if not installation.bot_token:
            raise ValueError("an installation without a bot token: the app asks for bot scopes")
        scopes: Any = installation.bot_scopes or []
        await self._rows.save_installation(
            SlackInstallation(
                team_id=_key(installation.enterprise_id, installation.team_id),
                enterprise_id=installation.enterprise_id or "",
                team_name=installation.team_name or "",
                app_id=installation.app_id or "",
                bot_token=installation.bot_token,
                bot_id=installation.bot_id or "",
                bot_user_id=installation.bot_user_id or "",
                bot_scopes=scopes if isinstance(scopes, str) else ",".join(scopes),
                installer_id=installation.user_id or "",
                installed_at=self._now(),
            )
        )
        log.info("slack app installed in workspace %s", installation.team_id)

    async def async_save_bot(self, bot: Bot) -> None:
        raise NotImplementedError("installations are saved whole (async_save)")

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = await self._rows.installation(_key(enterprise_id, team_id))
        if found is None:
            return None
        return Installation(
            app_id=found.app_id or None,
            enterprise_id=found.enterprise_id or None,
            team_id=found.team_id,
            team_name=found.team_name or None,
            bot_token=found.bot_token,
            bot_id=found.bot_id or None,
            bot_user_id=found.bot_user_id or None,
            bot_scopes=found.bot_scopes,
            user_id=found.installer_id,
            installed_at=found.installed_at.timestamp(),
        )

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        found = await self.async_find_installation(enterprise_id=enterprise_id, team_id=team_id)
        return None if found is None else found.to_bot()

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._rows.delete_installation(_key(enterprise_id, team_id))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self._rows.delete_installation(_key(enterprise_id, team_id))


class DatabaseStates(AsyncOAuthStateStore):
    """OAuth state values in the database: any process behind the load balancer may take the
    redirect of an install another one started; each value works once, for `expire_seconds`."""

    def __init__(
        self, rows: InstallationRows, now: Callable[[], datetime], expire_seconds: int = STATE_SECONDS
    ) -> None:
        self._rows = rows
        self._now = now
        self.expire_seconds = expire_seconds

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = self._now()
        await self._rows.issue_state(state, now + timedelta(seconds=self.expire_seconds), now)
        return state

    async def async_consume(self, state: str) -> bool:
        if not state:
            return False
        fresh = await self._rows.consume_state(state, self._now())
        if not fresh:
            log.info("slack install refused: its state was unknown, used already or expired")
        return fresh
