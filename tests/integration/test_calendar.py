"""Holidays and seasons through the real service and a real SQLite file, time on a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.core.commands.grammar import parse_line
from bot.core.daily.questions import QuestionBank
from bot.core.daily.streaks import Freezes, from_history
from bot.core.shared.messages import Message, Response
from bot.core.shared.models import Caller, ChannelRef, PostStatus, User
from bot.ops.export import reply_rows, streak_rows
from bot.storage.sqlite import LATEST_VERSION, SqliteStore, migrate
from tests.conftest import CHANNEL, FakePlatform, Harness

ANA, BO, CY = User("u-ana", "Ana"), User("u-bo", "Bo"), User("u-cy", "Cy")
MONDAY_0600 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
MONDAY = date(2026, 3, 2)
NO_COOLDOWN = timedelta(0)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in the week of Monday 2 March 2026 (day 0), UTC."""
    return datetime(2026, 3, 2 + day, hour, minute, tzinfo=UTC)


async def say(h: Harness, line: str, user: User = ANA, admin: bool = True) -> Response:
    return await h.service.handle(Caller(CHANNEL, user, admin), parse_line(line))


def text(response: Response) -> str:
    return "\n".join(f"{m.title}\n{m.body}\n{m.footer}" for m in response.messages)


async def reply(h: Harness, user: User) -> None:
    thread = await h.service.open_thread(CHANNEL)
    assert thread is not None
    assert await h.service.record_reply(CHANNEL, thread, user)


async def board(h: Harness, user: User = CY) -> list[str]:
    return (await say(h, "/streaks", user=user, admin=False)).messages[0].body.splitlines()


async def rows(h: Harness) -> list[tuple[date, PostStatus]]:
    found = []
    day = MONDAY - timedelta(days=1)
    while day < MONDAY + timedelta(days=14):
        post = await h.store.post_on(1, day)
        if post is not None:
            found.append((post.local_date, post.status))
        day += timedelta(days=1)
    return found


# ---------------------------------------------------------------- holidays


async def test_no_post_on_a_holiday_and_the_streak_and_freezes_run_over_it(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(
        MONDAY_0600, freezes=Freezes(every=1, cap=2), command_cooldown=NO_COOLDOWN
    ).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    added = await say(h, "/practice holidays add 2026-03-03..2026-03-04")
    assert not added.private
    assert "Holidays added: 2026-03-03..2026-03-04." in text(added)
    await h.run_until(at(0, 9))
    await reply(h, ANA)
    await h.run_until(at(0, 18))
    status = text(await say(h, "/practice status", user=CY, admin=False))
    thursday = int(at(3, 9).timestamp())
    assert f"Next question: <t:{thursday}:F>" in status  # after the holidays, not Tuesday
    assert "Holidays: 2026-03-03..2026-03-04" in status

    await h.run_until(at(3, 9))
    await reply(h, ANA)
    await h.run_until(at(3, 18))
    # no post, no skip record on Tuesday and Wednesday: nothing missed, no freeze spent
    assert await rows(h) == [(MONDAY, PostStatus.REVEALED), (date(2026, 3, 5), PostStatus.REVEALED)]
    assert len(h.platform.of("post")) == 2
    assert await board(h) == ["1. Ana - current 2, best 2, total 2, 2 freezes held"]
    state, _ = await h.store.streak_state(1)
    assert state == from_history(await h.store.closed_history(1), Freezes(every=1, cap=2))


async def test_catch_up_after_downtime_owes_no_holiday(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h")
    await say(h, "/practice holidays add 2026-03-03")  # Tuesday
    await h.run_until(at(0, 18))
    await h.restart(down_for=at(2, 9, 30) - at(0, 18))  # back on Wednesday 09:30, inside the grace
    # Tuesday is neither posted nor recorded as skipped; Wednesday's post is made late
    assert await rows(h) == [(MONDAY, PostStatus.REVEALED), (date(2026, 3, 4), PostStatus.POSTED)]
    await h.restart(down_for=timedelta(days=2))  # Friday 09:30 after a long stop: Thursday skipped
    assert [d for d, s in await rows(h) if s is PostStatus.SKIPPED] == [date(2026, 3, 5)]


async def test_start_arms_the_wake_up_after_the_holidays(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    await say(h, "/practice holidays add 2026-03-02..2026-03-03")
    await h.restart()
    assert h.timer.posts[1] == at(2, 9)


async def test_changing_holidays_rearms_the_wake_up_and_never_unposts(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN).start()
    await say(h, "/practice subscribe 09:00 UTC mon-fri reveal=8h")
    assert h.timer.posts[1] == at(0, 9)
    await say(h, "/practice holidays add 2026-03-02")  # today, before its post: the wake-up moves
    assert h.timer.posts[1] == at(1, 9)
    await h.run_until(at(0, 12))
    assert h.platform.of("post") == []
    await say(h, "/practice holidays remove 2026-03-02")  # 12:00: three hours late, past the grace
    assert h.timer.posts[1] == at(1, 9)
    assert h.platform.of("post") == []

    await h.run_until(at(1, 10))  # Tuesday's post is out ...
    await reply(h, BO)
    await say(h, "/practice holidays add 2026-03-03 2026-03-04")  # ... then today becomes a holiday
    assert len(h.platform.of("post")) == 1 and h.platform.of("edit") == []  # not unposted
    assert h.timer.posts[1] == at(3, 9)
    await h.run_until(at(1, 18))  # it is revealed as usual and counts
    assert await board(h) == ["1. Bo - current 1, best 1, total 1"]
    assert (await h.store.post_on(1, date(2026, 3, 4))) is None


async def test_holiday_commands_check_admins_and_dates(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600).start()
    refused = await say(h, "/practice holidays", user=CY, admin=False)
    assert "This channel is not subscribed" in text(refused)
    await say(h, "/practice subscribe 09:00 Pacific/Auckland mon-fri reveal=8h")  # already Monday 19:00 there
    empty = await say(h, "/practice holidays", user=CY, admin=False)
    assert empty.private and "No holidays ahead. Admins add them: /practice holidays add 2026-03-02" in text(
        empty
    )
    for line in ("/practice holidays add 2026-03-05", "/practice holidays remove 2026-03-05"):
        answer = await say(h, line, user=CY, admin=False)
        assert answer.private and "is for channel admins" in text(answer)
    assert (await h.store.subscription(1)).settings.schedule.holidays == frozenset()  # type: ignore[union-attr]
    past = await say(h, "/practice holidays add 2026-03-01..2026-03-03")
    assert "2026-03-01 is in the past here (today is 2026-03-02): holidays are for days to come" in text(past)
    assert "Those days are holidays already" not in text(past)
    await say(h, "/practice holidays add 2026-03-02 2026-03-05")
    listed = await say(h, "/practice holidays", user=CY, admin=False)
    assert "Holidays here (Pacific/Auckland), skipped like days off: 2026-03-02, 2026-03-05" in text(listed)
    again = await say(h, "/practice holidays add 2026-03-05")
    assert "Those days are holidays already." in text(again)
    gone = await say(h, "/practice holidays remove 2026-03-06")
    assert "None of 2026-03-06 was a holiday here." in text(gone)


# ---------------------------------------------------------------- seasons


async def a_week(h: Harness, answers: list[set[User]], first_day: int = 0) -> None:
    """One post a day from `first_day`, answered by each day's people, revealed."""
    for offset, people in enumerate(answers):
        await h.run_until(at(first_day + offset, 9))
        for person in people:
            await reply(h, person)
        await h.run_until(at(first_day + offset, 18))


async def test_a_new_season_resets_the_board_and_keeps_best_ever_and_history(
    harness_factory: Callable[..., Harness],
) -> None:
    h = await harness_factory(
        MONDAY_0600, freezes=Freezes(every=2, cap=2), command_cooldown=NO_COOLDOWN
    ).start()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h")
    await a_week(h, [{ANA, BO}, {ANA}, {ANA, BO}])
    assert await board(h) == [
        "1. Ana - current 3, best 3, total 3, 1 freeze held",
        "2. Bo - current 1, best 1, total 2, 1 freeze held",
    ]

    for line in ("/practice new-season", "/practice new-season confirm"):
        refused = await say(h, line, user=BO, admin=False)
        assert refused.private and "/practice new-season is for channel admins." in text(refused)
    asked = await say(h, "/practice new-season")
    assert asked.private and "To go ahead: /practice new-season confirm" in text(asked)
    assert len(await board(h)) == 2  # nothing happened yet
    h.clock.set(at(3, 6))
    done = await say(h, "/practice new-season confirm")
    assert not done.private and "Season 2 starts now" in text(done)

    fresh = (await say(h, "/streaks", user=CY, admin=False)).messages[0]
    assert fresh.body == "No answers yet this season. Team streak: 0 (best 0, best ever 3)."
    assert fresh.footer == "Season 2 since 2026-03-05"
    status = text(await say(h, "/practice status", user=CY, admin=False))
    assert "Season: 2, since 2026-03-05" in status and "Progress: 3 of" in status  # the pack goes on

    await a_week(h, [{BO}, {BO, CY}], first_day=3)
    assert await board(h) == [
        "1. Bo - current 2, best 2, total 2, 1 freeze held, best ever 2",
        "2. Cy - current 1, best 1, total 1, best ever 1",
    ]
    mine = await say(h, "/streaks me", user=ANA, admin=False)
    assert mine.messages[0].body == "No answers this season yet; your best ever here is 3."
    # this season's streaks are its own posts' alone
    state, _ = await h.store.streak_state(1)
    season_posts = await h.store.closed_history(1)
    assert season_posts == [frozenset({BO.id}), frozenset({BO.id, CY.id})]
    assert {u: s for u, s in state.items() if s.total} == from_history(season_posts, Freezes(every=2, cap=2))
    # history stays: every answer, with the season it counted in
    exported = [(r["user_name"], r["local_date"], r["season"]) for r in await reply_rows(h.store, h.bank)]
    assert exported[:2] == [("Ana", "2026-03-02", 1), ("Bo", "2026-03-02", 1)]
    assert exported[-1] == ("Cy", "2026-03-06", 2) and len(exported) == 8
    streaks = {
        r["user_name"]: (r["season"], r["current"], r["best_ever"]) for r in await streak_rows(h.store)
    }
    assert streaks == {"Ana": (2, 0, 3), "Bo": (2, 2, 2), "Cy": (2, 1, 1)}


async def test_the_open_post_counts_in_the_new_season(harness_factory: Callable[..., Harness]) -> None:
    h = await harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN).start()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h")
    await a_week(h, [{ANA}])
    await h.run_until(at(1, 9))
    await reply(h, ANA)
    await say(h, "/practice new-season confirm")
    assert await board(h) == ["1. Ana - current 1, best 1, total 1, best ever 1"]  # open, already answered
    await h.run_until(at(1, 18))
    assert await board(h) == ["1. Ana - current 1, best 1, total 1, best ever 1"]
    assert await h.store.closed_history(1) == [frozenset({ANA.id})]


@dataclass
class GatedPlatform(FakePlatform):
    """A platform whose reveal hangs until the test lets it go."""

    entered: asyncio.Event = field(default_factory=asyncio.Event)
    gate: asyncio.Event = field(default_factory=asyncio.Event)

    async def reply_in_thread(
        self, channel: ChannelRef, thread_id: str, message: Message, *, nonce: str = "", resend: bool = False
    ) -> None:
        self.entered.set()
        await self.gate.wait()
        await super().reply_in_thread(channel, thread_id, message, nonce=nonce, resend=resend)


async def test_a_reveal_running_while_a_season_starts_writes_into_the_old_season(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(MONDAY_0600, command_cooldown=NO_COOLDOWN)
    h.platform = GatedPlatform()
    await h.start()
    await say(h, "/practice subscribe 09:00 UTC daily reveal=8h")
    await h.run_until(at(0, 9))
    await reply(h, ANA)
    (post_id,) = h.timer.reveals
    h.clock.set(at(0, 17))
    reveal = asyncio.create_task(h.service.run_reveal(post_id))
    await h.platform.entered.wait()  # the reveal is in the platform call, its streaks not written yet
    season = asyncio.create_task(say(h, "/practice new-season confirm"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not season.done()  # it waits for the reveal
    h.platform.gate.set()
    await reveal
    assert "Season 2 starts now" in text(await season)
    # Ana's answer counted in season 1, and season 2 starts from zero with it as her best ever
    assert (
        (await say(h, "/streaks", user=CY, admin=False))
        .messages[0]
        .body.startswith("No answers yet this season")
    )
    mine = await say(h, "/streaks me", user=ANA, admin=False)
    assert mine.messages[0].body == "No answers this season yet; your best ever here is 1."
    assert (await h.store.post(post_id)).season == 1  # type: ignore[union-attr]


@pytest.mark.sqlite_only  # an old SQLite file upgraded
async def test_version_3_upgrades_to_season_1_without_holidays(tmp_path: Path, bank: QuestionBank) -> None:
    path = tmp_path / "v3.sqlite3"
    created = "2026-01-05T10:00:00.000000+00:00"
    async with aiosqlite.connect(path, isolation_level=None) as db:
        assert await migrate(db, target=3) == (0, 3)
        await db.execute(
            "INSERT INTO subscriptions (platform, workspace_id, channel_id, post_time, timezone, days,"
            " reveal_minutes, levels, question_order, status, schedule_from, team_current, team_best,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("fake", "W1", "C1", "09:00", "UTC", "0,1,2,3,4", 480, "beginner", "shuffled", "active",
             created, 3, 5, created, created),
        )  # fmt: skip
        await db.execute(
            "INSERT INTO streaks (subscription_id, user_id, user_name, current, best, total, freezes)"
            " VALUES (1, 'u-ana', 'Ana', 4, 5, 9, 1)"
        )
    store = await SqliteStore.open(path)
    try:
        assert await store.schema_version() == LATEST_VERSION >= 4
        subscription = await store.subscription(1)
        assert subscription is not None and subscription.season == 1
        assert subscription.settings.schedule.holidays == frozenset()
        season = await store.season_state(1)
        assert (season.number, season.started_on, dict(season.best_before)) == (1, date(2026, 1, 5), {})
        assert await store.start_season(1, MONDAY_0600) == 2
        season = await store.season_state(1)
        assert (season.number, season.started_on, dict(season.best_before)) == (2, MONDAY, {"u-ana": 5})
        assert season.team_best_before == 5
    finally:
        await store.close()
