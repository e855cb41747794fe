"""Two processes over one database, each owning part of a platform (as Discord shards split the
guilds): each schedules, posts, reveals and catches up its own subscriptions only, and leaves the
other's alone, not even a skip row, whether the other process is running or not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.shared.models import ChannelRef, PostStatus
from bot.storage.sqlite import LATEST_VERSION, SqliteStore
from tests.conftest import DEFAULTS, Harness

MONDAY_0600 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
MINE = [ChannelRef("fake", "W1", "C1"), ChannelRef("fake", "W1", "C2")]
THEIRS = [ChannelRef("fake", "W2", "C3"), ChannelRef("fake", "W2", "C4")]


async def rows(h: Harness, channel: ChannelRef) -> list[tuple[str, PostStatus]]:
    subscription = await h.store.subscription_for(channel)
    assert subscription is not None
    found = []
    for day in range(-7, 7):
        post = await h.store.post_on(subscription.id, (MONDAY_0600 + timedelta(days=day)).date())
        if post is not None:
            found.append((post.local_date.isoformat(), post.status))
    return found


async def test_each_process_posts_reveals_and_catches_up_only_its_own_part(
    harness_factory: Callable[..., Harness],
) -> None:
    first = harness_factory(MONDAY_0600, database="shared.sqlite3", foreign={"W2"})
    second = harness_factory(MONDAY_0600, database="shared.sqlite3", foreign={"W1"})
    await first.start()
    # subscribed since early on the Wednesday before: Wednesday to Friday were missed (a skip row each)
    for channel in MINE + THEIRS:
        await first.store.save_subscription(channel, DEFAULTS, MONDAY_0600 - timedelta(days=5), MONDAY_0600)
    await first.store.close()
    await first.start()  # the start-up catch-up, with the other process not running

    theirs = [(await first.store.subscription_for(c)) for c in THEIRS]
    assert all(s is not None and s.id not in first.timer.posts for s in theirs)
    await first.run_until(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))  # Monday's post and its reveal
    assert {s.channel for s in first.platform.sent} == set(MINE)
    assert [len(first.platform.of("post", c)) for c in MINE] == [1, 1]
    assert [len(first.platform.of("thread", c)) for c in MINE] == [1, 1]  # revealed
    for channel in THEIRS:
        assert await rows(first, channel) == [], "another process's subscription got rows"
    assert await rows(first, MINE[0]) == [
        ("2026-02-25", PostStatus.SKIPPED),
        ("2026-02-26", PostStatus.SKIPPED),
        ("2026-02-27", PostStatus.SKIPPED),
        ("2026-03-02", PostStatus.REVEALED),
    ]

    second.clock.set(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))  # starts late, within misfire_grace
    await second.start()
    await second.run_until(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))
    assert {s.channel for s in second.platform.sent} == set(THEIRS)
    assert [len(second.platform.of("post", c)) for c in THEIRS] == [1, 1]
    for channel in THEIRS:
        assert [status for _, status in await rows(second, channel)] == [PostStatus.SKIPPED] * 3 + [
            PostStatus.REVEALED
        ]
    assert await rows(second, MINE[1]) == await rows(first, MINE[1])  # untouched by the second

    await first.run_until(datetime(2026, 3, 3, 18, 0, tzinfo=UTC))  # Tuesday: each its own again
    await second.run_until(datetime(2026, 3, 3, 18, 0, tzinfo=UTC))
    assert [len(first.platform.of("post", c)) for c in MINE] == [2, 2]
    assert [len(second.platform.of("post", c)) for c in THEIRS] == [2, 2]
    assert {s.channel for s in first.platform.sent} == set(MINE)


async def test_processes_starting_together_on_a_new_database_migrate_it_once(tmp_path: Path) -> None:
    stores = await asyncio.gather(*(SqliteStore.open(tmp_path / "new.sqlite3") for _ in range(4)))
    try:
        assert [await store.schema_version() for store in stores] == [LATEST_VERSION] * 4
    finally:
        for store in stores:
            await store.close()


async def test_a_platform_this_process_was_not_started_with_is_left_to_its_own_process(
    harness_factory: Callable[..., Harness],
) -> None:
    """A Slack-only process beside a Discord-only one on one database: neither claims, posts nor
    skips the other's subscriptions, before or after their due time."""
    slack_only = harness_factory(MONDAY_0600, database="shared.sqlite3")
    await slack_only.start()
    elsewhere = ChannelRef("discord", "G1", "C9")  # the harness serves only the "fake" platform
    await slack_only.store.save_subscription(
        elsewhere, DEFAULTS, MONDAY_0600 - timedelta(days=5), MONDAY_0600
    )
    await slack_only.store.save_subscription(MINE[0], DEFAULTS, MONDAY_0600 - timedelta(days=5), MONDAY_0600)
    await slack_only.store.close()
    await slack_only.start()
    await slack_only.run_until(datetime(2026, 3, 3, 18, 0, tzinfo=UTC))
    assert await rows(slack_only, elsewhere) == [], "the other platform's subscription got rows"
    assert [len(slack_only.platform.of("post", c)) for c in MINE[:1]] == [2]
