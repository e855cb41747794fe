"""Slack installations and OAuth states in the real SQLite file, through slack_sdk's storage
interfaces as bolt calls them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.platforms.slack.installations import DatabaseInstallations, DatabaseStates
from bot.storage.installations import SlackInstallation
from bot.storage.store import SqlStore
from tests.conftest import open_store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    opened = await open_store(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()


async def test_an_installation_is_kept_per_workspace_replaced_by_a_reinstall_and_deleted(
    store: SqlStore,
) -> None:
    installs = DatabaseInstallations(store, Clock().now)
    for token in ("xoxb-first", "xoxb-second"):  # installed, then installed again
        await installs.async_save(
            Installation(
                team_id="T1", team_name="Acme", bot_token=token, bot_id="B1", bot_user_id="U1",
                bot_scopes=["chat:write", "commands"], user_id="U9", app_id="A1",
            )
        )  # fmt: skip
    bot = await installs.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and (bot.bot_token, bot.bot_user_id, bot.bot_id) == ("xoxb-second", "U1", "B1")
    assert bot.bot_scopes == ["chat:write", "commands"]
    assert await installs.async_find_bot(enterprise_id=None, team_id="T2") is None
    assert await store.installation_count() == 1
    found = await store.installation("T1")
    assert found is not None and "xoxb" not in repr(found)  # a token never reaches a log line by repr
    await installs.async_delete_all(enterprise_id=None, team_id="T1")
    assert await installs.async_find_installation(enterprise_id=None, team_id="T1") is None
    assert not await store.delete_installation("T1")  # an uninstall told twice


async def test_a_state_works_once_and_only_until_it_expires(store: SqlStore) -> None:
    clock = Clock()
    states = DatabaseStates(store, clock.now)
    first, second = await states.async_issue(), await states.async_issue()
    assert first != second and len(first) >= 40  # unguessable
    assert await states.async_consume(first)
    assert not await states.async_consume(first)  # replayed
    clock.at += timedelta(seconds=601)
    assert not await states.async_consume(second)  # expired after ten minutes
    third = await states.async_issue()  # issuing purges the expired ones
    assert tuple(await store._one("SELECT COUNT(*) FROM slack_oauth_states")) == (1,)  # the new one only
    assert await states.async_consume(third)


async def test_two_processes_consuming_the_same_state_at_once_let_only_one_through(tmp_path: Path) -> None:
    stores = [await open_store(tmp_path / "shared.sqlite3") for _ in range(2)]
    try:
        state = await DatabaseStates(stores[0], Clock().now).async_issue()
        results = await asyncio.gather(*(DatabaseStates(s, Clock().now).async_consume(state) for s in stores))
        assert sorted(results) == [False, True]
    finally:
        for opened in stores:
            await opened.close()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
async def test_any_state_a_browser_sends_that_was_not_issued_is_refused(store: SqlStore, text: str) -> None:
    states = DatabaseStates(store, Clock().now)
    issued = await states.async_issue()
    assert await states.async_consume(text) is (text == issued)
    assert not await states.async_consume(text)


def test_an_installation_row_shows_no_token() -> None:
    row = SlackInstallation(team_id="T1", bot_token="xoxb-secret", installed_at=NOW)
    assert "secret" not in repr(row) and "secret" not in str(row)
