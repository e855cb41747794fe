from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.core.daily.streaks import Streak
from bot.core.shared.models import (
    ChannelRef,
    Order,
    PostedRef,
    Reveal,
    Schedule,
    SubscriptionSettings,
    TeamStreak,
    User,
)
from bot.storage.sqlite import LATEST_VERSION, SqliteStore, migrate, migrations
from tests.conftest import open_store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANNEL = ChannelRef("fake", "W1", "C1")
SETTINGS = SubscriptionSettings(
    Schedule(time(9, 0), "Europe/Berlin", frozenset({0, 2})),
    Reveal(timedelta(hours=8)),
    ("beginner",),
    Order.SHUFFLED,
)


def _schema(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as db:
        return sorted(db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall())


@pytest.mark.sqlite_only  # SQLite's own file, migrations or settings
async def test_every_past_version_migrates_to_the_same_schema_as_a_new_database(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    store = await SqliteStore.open(fresh)
    assert await store.schema_version() == LATEST_VERSION
    await store.close()
    for version in range(0, LATEST_VERSION + 1):
        path = tmp_path / f"v{version}.sqlite3"
        async with aiosqlite.connect(path, isolation_level=None) as db:
            assert await migrate(db, target=version) == (0, version)
        old = await SqliteStore.open(path)
        assert await old.schema_version() == LATEST_VERSION
        await old.close()
        assert _schema(path) == _schema(fresh), f"migrating from version {version} differs"


@pytest.mark.sqlite_only  # SQLite's own file, migrations or settings
async def test_a_failing_migration_leaves_the_database_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = [*migrations(), (LATEST_VERSION + 1, "9999_broken.sql", "CREATE TABLE ok (x);\nCREATE TABLE (;")]
    monkeypatch.setattr("bot.storage.migrate.migrations", lambda: broken)
    path = tmp_path / "db.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        with pytest.raises(sqlite3.OperationalError):
            await migrate(db, target=LATEST_VERSION + 1)
        async with db.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone()) == (0,)
    assert _schema(path) == []  # version 1 was rolled back with the broken one: one transaction


@pytest.mark.sqlite_only  # SQLite's own file, migrations or settings
async def test_a_database_from_a_newer_practicebot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(RuntimeError, match="newer than this practicebot"):
        await SqliteStore.open(path)


@pytest.mark.sqlite_only  # SQLite's own file, migrations or settings
async def test_connection_settings(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "db.sqlite3")
    try:
        assert (await store._one("PRAGMA journal_mode"))[0] == "wal"
        assert (await store._one("PRAGMA foreign_keys"))[0] == 1
        assert (await store._one("PRAGMA busy_timeout"))[0] == 5000
        assert (await store._one("PRAGMA synchronous"))[0] == 1  # NORMAL
    finally:
        await store.close()


async def test_a_local_date_is_claimed_once_and_a_reply_counts_once(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "db.sqlite3")
    try:
        sub = await store.save_subscription(CHANNEL, SETTINGS, NOW, NOW)
        assert sub.settings == SETTINGS
        post = await store.claim_post(sub.id, date(2026, 3, 2), "p/q1", NOW, "n1")
        assert post is not None and post.status == "claimed"
        assert await store.claim_post(sub.id, date(2026, 3, 2), "p/q2", NOW, "n2") is None
        assert not await store.record_skip(sub.id, date(2026, 3, 2), NOW, "x")
        await store.mark_posted(post.id, PostedRef("m1", "t1"), NOW, NOW + timedelta(hours=8))
        assert (await store.post_by_thread(CHANNEL, "t1")) == await store.post(post.id)
        assert await store.post_by_thread(ChannelRef("other", "W1", "C1"), "t1") is None
        ana = User("u1", "Ana")
        assert await store.add_reply(post.id, ana, NOW + timedelta(minutes=1), True)
        assert not await store.add_reply(post.id, ana, NOW + timedelta(minutes=2), True)
        assert [u for u, _, _ in await store.replies(post.id)] == [ana]
    finally:
        await store.close()


async def test_subscriptions_read_together_are_each_as_read_alone(tmp_path: Path) -> None:
    """subscriptions() builds one settings object per distinct settings and shares it: a
    difference in any one column (or in the holidays) still gives the row its own."""
    schedule = SETTINGS.schedule
    variants = [
        SETTINGS,
        SETTINGS,  # the same as the first: shared
        replace(SETTINGS, schedule=replace(schedule, at=time(9, 30))),
        replace(SETTINGS, schedule=replace(schedule, timezone="Europe/Paris")),
        replace(SETTINGS, schedule=replace(schedule, days=frozenset({0, 3}))),
        replace(SETTINGS, reveal=Reveal(None)),
        replace(SETTINGS, reveal=Reveal(timedelta(hours=7))),
        replace(SETTINGS, levels=("beginner", "advanced")),
        replace(SETTINGS, order=Order.PROGRESSIVE),
        replace(SETTINGS, blind=True),
        SETTINGS,  # given a holiday below
    ]
    store = await open_store(tmp_path / "db.sqlite3")
    try:
        ids = []
        for index, settings in enumerate(variants):
            saved = await store.save_subscription(ChannelRef("fake", "W1", f"C{index}"), settings, NOW, NOW)
            ids.append(saved.id)
        await store.add_holidays(ids[-1], [date(2026, 3, 4)], NOW.date())
        together = await store.subscriptions()
        assert together == [await store.subscription(i) for i in ids]
        assert [s.settings for s in together[:-1]] == variants[:-1]
        assert together[-1].settings.schedule.holidays == {date(2026, 3, 4)}
        assert together[0].settings is together[1].settings
        assert len({id(s.settings) for s in together}) == len(variants) - 1
    finally:
        await store.close()


@pytest.mark.sqlite_only  # SQLite's own file, migrations or settings
async def test_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "db.sqlite3")
    await store.save_subscription(CHANNEL, SETTINGS, NOW, NOW)
    await store.backup(tmp_path / "backup" / "copy.sqlite3")
    await store.close()
    copy = await SqliteStore.open(tmp_path / "backup" / "copy.sqlite3")
    try:
        assert await copy.integrity_check() == "ok"
        assert [s.channel for s in await copy.subscriptions()] == [CHANNEL]
    finally:
        await copy.close()


async def test_text_from_users_is_stored_verbatim_never_as_sql(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "db.sqlite3")
    try:
        sub = await store.save_subscription(CHANNEL, SETTINGS, NOW, NOW)
        post = await store.claim_post(sub.id, date(2026, 3, 2), "p/q1", NOW, "n1")
        assert post is not None
        evil = User("x'); DROP TABLE posts; --", "Robert'); DROP TABLE replies;-- @everyone")
        assert await store.add_reply(post.id, evil, NOW, True)
        assert [u for u, _, _ in await store.replies(post.id)] == [evil]
        assert await store.post(post.id) is not None
    finally:
        await store.close()


async def test_concurrent_writers_on_one_store_each_get_their_own_transaction(tmp_path: Path) -> None:
    import asyncio

    store = await open_store(tmp_path / "db.sqlite3")
    try:
        sub = await store.save_subscription(CHANNEL, SETTINGS, NOW, NOW)
        post = await store.claim_post(sub.id, date(2026, 3, 2), "p/q1", NOW, "n1")
        assert post is not None
        users = [User(f"u{i}", f"User {i}") for i in range(50)]
        stored = await asyncio.gather(*(store.add_reply(post.id, u, NOW, True) for u in users))
        assert all(stored)
        assert len(await store.replies(post.id)) == 50
    finally:
        await store.close()


@pytest.mark.sqlite_only  # SQLite's own file, migrations or settings
async def test_version_2_upgrades_to_freezes_keeping_every_streak(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        assert await migrate(db, target=2) == (0, 2)
        await db.execute(
            "INSERT INTO subscriptions (platform, workspace_id, channel_id, post_time, timezone, days,"
            " reveal_minutes, levels, question_order, status, schedule_from, team_current, team_best,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("fake", "W1", "C1", "09:00", "UTC", "0,1,2,3,4", 480, "beginner", "shuffled", "active",
             NOW.isoformat(), 3, 5, NOW.isoformat(), NOW.isoformat()),
        )  # fmt: skip
        await db.executemany(
            "INSERT INTO streaks (subscription_id, user_id, user_name, current, best, total)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(1, "u-ana", "Ana", 4, 5, 9), (1, "u-bo", "Bo", 0, 2, 3)],
        )
    store = await SqliteStore.open(path)
    try:
        assert await store.schema_version() == LATEST_VERSION >= 3
        state, names = await store.streak_state(1)
        assert state == {"u-ana": Streak(4, 5, 9, freezes=0), "u-bo": Streak(0, 2, 3, freezes=0)}
        assert names == {"u-ana": "Ana", "u-bo": "Bo"}
        post = await store.claim_post(1, date(2026, 3, 2), "p/q1", NOW, "n1")
        assert post is not None
        await store.mark_posted(post.id, PostedRef("m1", "t1"), NOW, NOW + timedelta(hours=8))
        later = {"u-ana": Streak(5, 5, 10, freezes=1), "u-bo": Streak(0, 2, 3, freezes=0)}
        await store.close_post(post.id, NOW + timedelta(hours=8), later, names, TeamStreak(4, 5))
        assert (await store.streak_state(1))[0] == later  # the new column is read and written
    finally:
        await store.close()


@pytest.mark.sqlite_only  # SQLite's own file, migrations or settings
async def test_bookmarks_made_before_version_13_keep_their_time_order(tmp_path: Path) -> None:
    """PostgreSQL has no rowid: the order bookmarks were added in became a column, and the
    bookmarks of an older database are numbered by when they were made."""
    path = tmp_path / "v12.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        assert await migrate(db, target=12) == (0, 12)
        for question, minute in (("q-late", 30), ("q-early", 10), ("q-middle", 20)):
            await db.execute(
                "INSERT INTO bookmarks (platform, user_id, question_id, created_at) VALUES ('discord', 'u1', ?, ?)",
                (question, datetime(2026, 3, 2, 9, minute, tzinfo=UTC).isoformat(timespec="microseconds")),
            )
    store = await SqliteStore.open(path)
    try:
        assert [b.question_id for b in await store.bookmarks("discord", "u1")] == [
            "q-early",
            "q-middle",
            "q-late",
        ]
        at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a new one made with an earlier clock still comes last
        await store.add_bookmark("discord", "u1", "q-new", at, limit=10)
        assert [b.question_id for b in await store.bookmarks("discord", "u1")][-1] == "q-new"
    finally:
        await store.close()
