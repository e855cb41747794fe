"""The short crash soak that runs in CI; the long one is `python -m tests.soak` (README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.soak.harness import soak


async def test_sigkill_during_fan_out_and_reveals_loses_nothing_and_doubles_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await soak(tmp_path, subscriptions=20, kills=6, seed=7)
    with capsys.disabled():  # the summary line belongs in CI's output
        print(f"\nsoak (short): {result.summary()}")
    assert result.kills == 6
    assert result.posts == 20
    assert result.replies > 0
    assert result.ok, "\n".join([result.summary(), *result.notes])


async def test_the_same_against_slack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 15: the crash soak on Slack too (Socket Mode, message metadata as the nonce)."""
    result = await soak(tmp_path, subscriptions=20, kills=6, seed=7, platform="slack")
    with capsys.disabled():
        print(f"\nsoak (short, slack): {result.summary()}")
    assert result.kills == 6
    assert result.posts == 20
    assert result.replies > 0
    assert result.ok, "\n".join([result.summary(), *result.notes])


async def test_the_same_on_postgresql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], postgres_url: str
) -> None:
    """Issue 19: the crash soak with the bot on a real PostgreSQL server."""
    result = await soak(tmp_path, subscriptions=20, kills=6, seed=7, database_url=postgres_url)
    with capsys.disabled():
        print(f"\nsoak (short, postgresql): {result.summary()}")
    assert result.kills == 6
    assert result.posts == 20
    assert result.replies > 0
    assert result.ok, "\n".join([result.summary(), *result.notes])
