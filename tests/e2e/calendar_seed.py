"""A channel's history with a holiday in it, and today a holiday, for a bot started afterwards on
any platform (the terminal channel, Discord, Slack)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.commands.grammar import parse_line
from bot.core.daily.questions import QuestionBank
from bot.core.shared.models import (
    LEVELS,
    Caller,
    ChannelRef,
    Order,
    Reveal,
    Schedule,
    SubscriptionSettings,
    User,
)
from bot.storage.sqlite import SqliteStore
from tests.conftest import FakePlatform, Harness


async def seed_holidays(db_path: Path, bank: QuestionBank, channel: ChannelRef, person: User) -> datetime:
    """Three weeks ago `channel` got a daily question for three days with the middle one a holiday:
    no post that day, and `person` answered the other two (a streak of 2 over the holiday). Now it
    posts daily at a time two minutes ago, inside misfire_grace, and that day is a holiday: a bot
    started now posts nothing until it is removed. Returns that instant (its date is the holiday)."""
    now = datetime.now(UTC)
    start = (now - timedelta(days=21)).replace(hour=0, minute=0, second=0, microsecond=0)
    h = Harness(db_path, bank, start)
    h.platform = FakePlatform(name=channel.platform)
    await h.start()
    try:
        admin = Caller(channel, User("seed-admin", "seed admin"), True)
        await h.service.handle(admin, parse_line("/practice subscribe 09:00 UTC daily reveal=1h"))
        holiday = (start + timedelta(days=1)).date()
        await h.service.handle(admin, parse_line(f"/practice holidays add {holiday}"))
        for offset in (0, 2):
            posted = start + timedelta(days=offset, hours=9)
            await h.run_until(posted)
            thread = await h.service.open_thread(channel)
            assert thread is not None
            assert await h.service.record_reply(channel, thread, person, posted)
            await h.run_until(posted + timedelta(hours=1))
        assert await h.store.post_on(1, holiday) is None  # neither posted nor skipped
        await h.service.handle(admin, parse_line("/practice pause"))
    finally:
        await h.store.close()
    due = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    store = await SqliteStore.open(db_path)
    try:
        settings = SubscriptionSettings(
            Schedule(due.time(), "UTC", frozenset(range(7))),
            Reveal(timedelta(hours=8)),
            LEVELS,
            Order.PROGRESSIVE,
        )
        subscription = await store.save_subscription(channel, settings, now - timedelta(minutes=10), now)
        await store.add_holidays(subscription.id, [due.date()], due.date())
    finally:
        await store.close()
    return due
