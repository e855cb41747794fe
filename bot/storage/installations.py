"""The Store's Slack installations (tables slack_installations, slack_oauth_states): a bot
token per workspace, and the OAuth state values, each consumed once before it expires.

Every statement is a plain, parameterised constant here, so a PostgreSQL store can run the same
text with its own placeholders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.connection import Connection, _dt_required, _ts

SAVE_INSTALLATION = (
    "INSERT INTO slack_installations (team_id, enterprise_id, team_name, app_id, bot_token, bot_id,"
    " bot_user_id, bot_scopes, installer_id, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (team_id) DO UPDATE SET enterprise_id = excluded.enterprise_id,"
    " team_name = excluded.team_name,"
    " app_id = excluded.app_id, bot_token = excluded.bot_token, bot_id = excluded.bot_id,"
    " bot_user_id = excluded.bot_user_id, bot_scopes = excluded.bot_scopes,"
    " installer_id = excluded.installer_id, installed_at = excluded.installed_at"
)
FIND_INSTALLATION = (
    "SELECT team_id, enterprise_id, team_name, app_id, bot_token, bot_id, bot_user_id, bot_scopes,"
    " installer_id, installed_at FROM slack_installations WHERE team_id = ?"
)
DELETE_INSTALLATION = "DELETE FROM slack_installations WHERE team_id = ?"
COUNT_INSTALLATIONS = "SELECT COUNT(*) FROM slack_installations"
ISSUE_STATE = "INSERT INTO slack_oauth_states (state, expires_at) VALUES (?, ?)"
PURGE_STATES = "DELETE FROM slack_oauth_states WHERE expires_at <= ?"
CONSUME_STATE = "DELETE FROM slack_oauth_states WHERE state = ? RETURNING expires_at"


@dataclass(frozen=True, slots=True)
class SlackInstallation:
    """One workspace's install of the app. `bot_token` is a secret: never logged or shown."""

    team_id: str
    bot_token: str
    installed_at: datetime
    enterprise_id: str = ""
    team_name: str = ""
    app_id: str = ""
    bot_id: str = ""
    bot_user_id: str = ""
    bot_scopes: str = ""
    installer_id: str = ""

    def __repr__(self) -> str:  # a token in a traceback or a log line is a leaked token
        return f"SlackInstallation(team_id={self.team_id!r}, enterprise_id={self.enterprise_id!r})"


class InstallationTable(Connection):
    """Slack installations and OAuth states."""

    async def save_installation(self, found: SlackInstallation) -> None:
        await self._write(
            SAVE_INSTALLATION,
            (found.team_id, found.enterprise_id, found.team_name, found.app_id, found.bot_token, found.bot_id,
             found.bot_user_id, found.bot_scopes, found.installer_id, _ts(found.installed_at)),
        )  # fmt: skip

    async def installation(self, team_id: str) -> SlackInstallation | None:
        row = await self._one(FIND_INSTALLATION, (team_id,))
        if row is None:
            return None
        return SlackInstallation(
            team_id=row[0], enterprise_id=row[1], team_name=row[2], app_id=row[3], bot_token=row[4],
            bot_id=row[5], bot_user_id=row[6], bot_scopes=row[7], installer_id=row[8],
            installed_at=_dt_required(row[9]),
        )  # fmt: skip

    async def delete_installation(self, team_id: str) -> bool:
        """False when there was none (an uninstall told twice)."""
        return await self._write(DELETE_INSTALLATION, (team_id,)) > 0

    async def installation_count(self) -> int:
        row = await self._one(COUNT_INSTALLATIONS)
        return int(row[0])

    async def issue_state(self, state: str, expires_at: datetime, now: datetime) -> None:
        """Keep a new state until `expires_at`; states already expired go at the same time."""
        async with self._transaction() as db:
            await db.run(PURGE_STATES, (_ts(now),))
            await db.run(ISSUE_STATE, (state, _ts(expires_at)))

    async def consume_state(self, state: str, now: datetime) -> bool:
        """True once for a state issued here and not yet expired; a replay, an expired or an
        unknown state is False (and gone either way)."""
        async with self._transaction() as db:
            consumed = await db.all(CONSUME_STATE, (state,))
        return bool(consumed) and _dt_required(consumed[0][0]) > now
