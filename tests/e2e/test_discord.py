"""practicebot on the real discord.py, against the local Discord emulator over a real gateway
WebSocket and real HTTP. Real SQLite file; no sleeping to synchronise."""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.app import build_service
from bot.config import DiscordConfig
from bot.core.catalog.ports import OwnPack
from bot.core.commands.grammar import Practice
from bot.core.daily.questions import QuestionBank
from bot.core.daily.service import PracticeService, ServiceSettings
from bot.core.daily.streaks import Freezes
from bot.core.recap.rules import RecapStatus, picture_name, week_of
from bot.core.shared.errors import PlatformError
from bot.core.shared.messages import Message, Picture
from bot.core.shared.models import Caller, ChannelRef, PostStatus, SubscriptionStatus, User
from bot.platforms.discord.adapter import ACK_WITHIN, DiscordPlatform
from bot.platforms.discord.render import render
from bot.render.recap_image import HEIGHT, WIDTH
from bot.scheduler import SystemClock
from bot.storage.sqlite import SqliteStore
from tests.conftest import DEFAULTS, FakeTimer, recap_due_a_minute_ago, seed_streaks
from tests.e2e.calendar_seed import seed_holidays
from tests.e2e.gate import Gate
from tests.emulators.discord import DiscordEmulator

EPHEMERAL = 64


@dataclass
class Running:
    platform: DiscordPlatform
    service: PracticeService
    store: SqliteStore

    async def stop(self) -> None:
        await self.platform.close()
        await self.store.close()


@dataclass
class Guild:
    id: int
    channel: int
    admin: int
    ana: int
    bo: int
    cy: int


@pytest.fixture
async def emulator(discord_endpoints: None) -> AsyncIterator[DiscordEmulator]:
    async with DiscordEmulator() as running:
        yield running


@pytest.fixture
def guild(emulator: DiscordEmulator) -> Guild:
    gid = emulator.add_guild("interview prep")
    return Guild(
        id=gid,
        channel=emulator.add_channel(gid, "practice"),
        admin=emulator.add_member(gid, "lead", manage_channels=True),
        ana=emulator.add_member(gid, "ana"),
        bo=emulator.add_member(gid, "bo"),
        cy=emulator.add_member(gid, "cy"),
    )


@pytest.fixture
async def start_bot(
    emulator: DiscordEmulator, tmp_path: Path, bank: QuestionBank
) -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    running: list[Running] = []

    async def start(ack_within: float = ACK_WITHIN, own_pack: OwnPack | None = None) -> Running:
        config = DiscordConfig(api_base_url=emulator.api_url, gateway_url=emulator.gateway_url)
        platform = DiscordPlatform(config, emulator.token, guild_ready_timeout=0.05, ack_within=ack_within)
        store = await SqliteStore.open(tmp_path / "bot.sqlite3")
        service = build_service(
            store,
            {"discord": platform},
            SystemClock(),
            FakeTimer(),
            bank,
            ServiceSettings(DEFAULTS),
            random.Random(1),
            own_pack=own_pack,
        )
        await platform.start(service)
        await platform.connected(within=10)
        await service.start()
        bot = Running(platform, service, store)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.stop()
    bad = [r for r in emulator.requests if r.status == 400]
    assert not bad, f"Discord would have refused: {[(r.method, r.path) for r in bad]}"


async def practice(
    emulator: DiscordEmulator,
    guild: Guild,
    user: int,
    action: str,
    channel: int | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Run /practice <action>; what the person sees (the reply, or the follow-up after a deferral)."""
    handle = await emulator.slash_command(
        guild.id, channel or guild.channel, user, "practice", options, subcommand=action
    )
    return await seen(handle)


async def seen(handle: Any) -> dict[str, Any]:
    response = await handle.response(timeout=5)
    if response["type"] == 5:  # deferred: the answer is the edited original
        original: dict[str, Any] = await handle.original(timeout=5)
        return {"data": original, "ephemeral": bool(response.get("data", {}).get("flags", 0) & EPHEMERAL)}
    data = response["data"]
    return {"data": data, "ephemeral": bool(data.get("flags", 0) & EPHEMERAL)}


def text(payload: dict[str, Any]) -> str:
    data = payload.get("data", payload)
    parts = [data.get("content") or ""]
    for embed in data.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


def daily_posts(emulator: DiscordEmulator, channel: int) -> list[dict[str, Any]]:
    """What the bot posted in the channel by itself (type 0), not answers to commands (type 20)."""
    return [
        m
        for m in emulator.messages(channel)
        if m["author"]["id"] == str(emulator.bot_user_id) and m["type"] == 0
    ]


async def replies_stored(bot: Running, count: int) -> None:
    async with asyncio.timeout(5):
        while True:
            post = await bot.store.open_post(1)
            if post is not None and len(await bot.store.replies(post.id)) >= count:
                return
            await asyncio.sleep(0.01)


def test_the_emulator_checks_bodies_against_discords_own_spec(emulator: DiscordEmulator) -> None:
    assert emulator.validator.spec is not None
    assert emulator.validator.spec.validator("POST", "/channels/{channel_id}/messages") is not None


async def test_a_day_in_discord(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    bot = await start_bot()
    assert emulator.intents == (1 << 0) | (1 << 9)  # guilds + guild_messages: no privileged intent
    commands = {"practice", "question", "streaks", "bookmarks", "review"}
    assert {c["name"] for c in emulator.commands} == commands

    refused = await practice(emulator, guild, guild.ana, "subscribe")
    assert refused["ephemeral"]
    assert "is for channel admins" in text(refused)

    answer = await practice(emulator, guild, guild.admin, "subscribe", time="09:00", timezone="Europe/Berlin")
    assert not answer["ephemeral"]
    assert "at 09:00 Europe/Berlin on mon-fri" in text(answer)

    posted = await practice(emulator, guild, guild.admin, "post-now")
    assert posted["ephemeral"]
    [post] = daily_posts(emulator, guild.channel)
    [embed] = post["embeds"]
    assert embed["title"] == "Beginner question 1?"
    assert "<t:" in embed["description"]  # the reveal time, shown in each reader's zone
    [thread] = emulator.threads_of(guild.channel)
    assert thread["id"] == post["id"]
    assert emulator.bot_user_id in emulator.thread_members(int(thread["id"]))

    await emulator.post_message(int(thread["id"]), guild.ana, "a full-duplex socket")
    await emulator.post_message(int(thread["id"]), guild.bo, "an upgraded HTTP connection")
    await emulator.post_message(int(thread["id"]), guild.bo, "a second reply counts once")
    other_bot = emulator.add_member(guild.id, "quizbot", bot=True)
    await emulator.post_message(int(thread["id"]), other_bot, "bots do not answer")
    await replies_stored(bot, 2)

    await practice(emulator, guild, guild.admin, "reveal-now")
    reveal = emulator.messages(int(thread["id"]))[-1]
    assert "The model answer to beginner question 1." in text(reveal)
    assert (
        f"Answered in time: <@{guild.ana}>, <@{guild.bo}>" in text(reveal).splitlines()
    )  # not the other bot
    [edited] = [m for m in emulator.messages(guild.channel) if m["id"] == post["id"]]
    assert "2 people answered in time" in text(edited)

    await emulator.post_message(int(thread["id"]), guild.cy, "late, but kept")
    handle = await emulator.slash_command(guild.id, guild.channel, guild.cy, "streaks", {})
    board = await seen(handle)
    assert not board["ephemeral"]
    assert "1. Ana - current 1, best 1, total 1\n2. Bo - current 1, best 1, total 1" in text(board)
    assert "Team streak: 1 (best 1)" in text(board)
    mine = await seen(
        await emulator.slash_command(guild.id, guild.channel, guild.cy, "streaks", {"me": True})
    )
    assert mine["ephemeral"]
    assert "not answered a question here yet" in text(mine)

    for message in emulator.stored_messages(guild.channel) + emulator.stored_messages(int(thread["id"])):
        if message.author.id == emulator.bot_user_id:
            assert message.allowed_mentions == {"parse": []}, "the bot must never be able to ping anyone"
            assert (message.mentions, message.mention_roles, message.mention_everyone) == ([], [], False)


async def test_question_is_ephemeral_and_its_button_works_after_a_restart(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    bot = await start_bot()
    card = await emulator.slash_command(guild.id, guild.channel, guild.ana, "question", {"level": "advanced"})
    shown = await seen(card)
    assert shown["ephemeral"]
    [row] = shown["data"]["components"]
    button, bookmark = row["components"]
    assert bookmark["custom_id"] == "pb:bookmark:testpack/advanced-01"
    assert button["custom_id"] == "pb:answer:testpack/advanced-01"
    await bot.stop()

    await start_bot()
    message_id = card.record.original_id
    click = await emulator.click_button(guild.id, guild.channel, guild.ana, message_id, button["custom_id"])
    answer = await seen(click)
    assert answer["ephemeral"]
    assert "The model answer to advanced question 1." in text(answer)


async def test_time_zone_autocomplete(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    await start_bot()
    handle = await emulator.autocomplete(
        guild.id,
        guild.channel,
        guild.admin,
        "practice",
        {"timezone": "berl"},
        "timezone",
        subcommand="subscribe",
    )
    choices = await handle.choices()
    assert choices[0]["value"] == "Europe/Berlin"


async def test_junk_options_get_a_specific_private_answer(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    await start_bot()
    for options, message in (
        ({"time": "25:00"}, "'25:00' is not a time of day"),
        ({"timezone": "Europe/Berln"}, "did you mean Europe/Berlin?"),
        ({"reveal": "-3h"}, "'-3h' is negative"),
        ({"days": "someday"}, "is not a list of days"),
    ):
        answer = await practice(emulator, guild, guild.admin, "subscribe", **options)
        assert answer["ephemeral"]
        assert message in text(answer)


async def test_a_restart_between_post_and_reveal_loses_nothing_and_posts_nothing_twice(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    bot = await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe")
    await practice(emulator, guild, guild.admin, "post-now")
    [thread] = emulator.threads_of(guild.channel)
    await emulator.post_message(int(thread["id"]), guild.ana, "before the restart")
    await replies_stored(bot, 1)
    await bot.stop()

    bot = await start_bot()
    await emulator.post_message(int(thread["id"]), guild.bo, "after the restart")
    await replies_stored(bot, 2)
    await practice(emulator, guild, guild.admin, "reveal-now")
    assert len(daily_posts(emulator, guild.channel)) == 1
    assert f"<@{guild.ana}>, <@{guild.bo}>" in text(emulator.messages(int(thread["id"]))[-1])


async def test_a_reply_sent_while_the_gateway_is_down_is_counted_after_the_resume(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    bot = await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe")
    await practice(emulator, guild, guild.admin, "post-now")
    [thread] = emulator.threads_of(guild.channel)
    resumes = emulator.resume_count
    await emulator.drop_gateway(None, hold=True)  # cut, and refuse reconnects for now
    await emulator.post_message(int(thread["id"]), guild.ana, "written while the bot was cut off")
    emulator.release_gateway()
    await replies_stored(bot, 1)
    assert emulator.resume_count > resumes


async def test_a_deleted_channel_among_ten_pauses_only_its_subscription(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    bot = await start_bot()
    channels = [emulator.add_channel(guild.id, f"team-{i}") for i in range(10)]
    for channel in channels:
        await practice(emulator, guild, guild.admin, "subscribe", channel=channel)
    gone = channels[4]
    subs = {channel: await bot.store.subscription_for(_ref(guild, channel)) for channel in channels}
    await emulator.delete_channel(gone)
    for channel in channels:
        sub = subs[channel]
        assert sub is not None
        await bot.service.run_post(sub.id)  # the scheduler's wake-up; nothing due yet at 09:00
        await bot.service.handle(_admin(guild, channel), Practice("post-now"))
    for channel in channels:
        sub = await bot.store.subscription_for(_ref(guild, channel))
        assert sub is not None
        if channel == gone:
            assert sub.status is SubscriptionStatus.PAUSED
            assert "not found on Discord (10003" in sub.status_reason
        else:
            assert sub.status is SubscriptionStatus.ACTIVE
            post = await bot.store.open_post(sub.id)
            assert post is not None
            assert post.status is PostStatus.POSTED


async def test_429_storms_and_500s_are_waited_out_and_post_once(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe")
    emulator.fail_next("POST", f"/channels/{guild.channel}/messages", 429, times=3)
    emulator.fail_next("POST", f"/channels/{guild.channel}/messages/*/threads", 500, times=2)
    await practice(emulator, guild, guild.admin, "post-now")
    assert len(daily_posts(emulator, guild.channel)) == 1
    assert len(emulator.threads_of(guild.channel)) == 1
    assert emulator.count_429 >= 3


def _ref(guild: Guild, channel: int) -> ChannelRef:
    return ChannelRef("discord", str(guild.id), str(channel))


def _admin(guild: Guild, channel: int) -> Caller:
    return Caller(_ref(guild, channel), User(str(guild.admin), "lead"), True)


async def test_slow_work_is_deferred_within_three_seconds_then_answered(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe")
    # two 500s in a row: discord.py backs off 1 s, then 3 s, so posting takes over 2 s
    emulator.fail_next("POST", f"/channels/{guild.channel}/messages", 500, times=2)
    handle = await emulator.slash_command(
        guild.id, guild.channel, guild.admin, "practice", {}, subcommand="post-now"
    )
    first = await handle.response(timeout=3)  # the emulator refuses a callback after 3 s
    assert first["type"] == 5  # deferred
    answer = await seen(handle)
    assert "Posted today's question." in text(answer)
    assert len(daily_posts(emulator, guild.channel)) == 1


async def test_lost_access_pauses_the_subscription_with_the_reason_in_status(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe")
    await emulator.revoke_access(guild.channel, keep="view")  # can see the channel, cannot post
    refused = await practice(emulator, guild, guild.admin, "post-now")
    assert "could not be posted" in text(refused)
    status = await practice(emulator, guild, guild.ana, "status")
    assert "Status: paused: no access on Discord (50013" in text(status)


async def test_replies_written_while_the_bot_process_was_down_are_read_back(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    bot = await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe")
    await practice(emulator, guild, guild.admin, "post-now")
    [thread] = emulator.threads_of(guild.channel)
    await bot.stop()  # a new process gets a new gateway session: Discord replays nothing to it
    await emulator.post_message(int(thread["id"]), guild.ana, "written while the bot was down")
    await emulator.post_message(int(thread["id"]), guild.bo, "me too")
    bot = await start_bot()
    await asyncio.gather(*bot.service.background)  # the read-back runs beside the start-up
    post = await bot.store.open_post(1)
    assert post is not None
    assert [u.name for u, _, _ in await bot.store.replies(post.id)] == ["Ana", "Bo"]


async def test_a_freeze_keeps_a_streak_over_a_missed_post_on_the_board(
    emulator: DiscordEmulator,
    guild: Guild,
    start_bot: Callable[[], Awaitable[Running]],
    tmp_path: Path,
    bank: QuestionBank,
) -> None:
    ana, bo = User(str(guild.ana), "Ana"), User(str(guild.bo), "Bo")
    history = [{ana, bo}, {ana}]  # Ana's second answer earns a freeze
    await seed_streaks(tmp_path / "bot.sqlite3", bank, _ref(guild, guild.channel), history, Freezes(2, 2))
    bot = await start_bot()  # the default rule from here on: a freeze per 7 answers, at most 2
    board = await seen(await emulator.slash_command(guild.id, guild.channel, guild.cy, "streaks", {}))
    held = "1. Ana - current 2, best 2, total 2, 1 freeze held\n2. Bo - current 0, best 1, total 1"
    assert held in text(board)

    await practice(emulator, guild, guild.admin, "resume")
    await practice(emulator, guild, guild.admin, "post-now")
    [post] = daily_posts(emulator, guild.channel)
    await emulator.post_message(int(post["id"]), guild.bo, "Ana misses this one")
    await replies_stored(bot, 1)
    await practice(emulator, guild, guild.admin, "reveal-now")

    board = await seen(await emulator.slash_command(guild.id, guild.channel, guild.admin, "streaks", {}))
    assert "1. Ana - current 2, best 2, total 2\n2. Bo - current 1, best 1, total 2" in text(board)
    handle = await emulator.slash_command(guild.id, guild.channel, guild.ana, "streaks", {"me": True})
    mine = await seen(handle)
    assert mine["ephemeral"]
    assert "current 2, best 2, total 2" in text(mine) and "freeze" not in text(mine)  # spent


async def holidays(emulator: DiscordEmulator, guild: Guild, user: int, **options: Any) -> dict[str, Any]:
    """/practice holidays with its typed options (`action` clashes with practice()'s own argument)."""
    return await seen(
        await emulator.slash_command(
            guild.id, guild.channel, user, "practice", options, subcommand="holidays"
        )
    )


async def test_holidays_and_a_new_season_in_discord(
    emulator: DiscordEmulator,
    guild: Guild,
    start_bot: Callable[[], Awaitable[Running]],
    tmp_path: Path,
    bank: QuestionBank,
) -> None:
    ana = User(str(guild.ana), "Ana")
    due = await seed_holidays(tmp_path / "bot.sqlite3", bank, _ref(guild, guild.channel), ana)
    holiday, tomorrow = due.date(), due.date() + timedelta(days=1)
    bot = await start_bot()
    assert daily_posts(emulator, guild.channel) == []  # due minutes ago, but today is a holiday
    status = text(await practice(emulator, guild, guild.bo, "status"))
    assert f"Holidays: {holiday}" in status
    assert f"Next question: <t:{int((due + timedelta(days=1)).timestamp())}:F>" in status
    listed = await holidays(emulator, guild, guild.ana)  # the list is for everyone
    assert listed["ephemeral"] and f"skipped like days off: {holiday}" in text(listed)
    for refused in (
        await holidays(emulator, guild, guild.ana, action="add", dates=str(tomorrow)),
        await holidays(emulator, guild, guild.ana, action="remove", dates=str(holiday)),
        await practice(emulator, guild, guild.ana, "new-season"),
        await practice(emulator, guild, guild.ana, "new-season", confirm=True),
    ):
        assert refused["ephemeral"] and "is for channel admins" in text(refused)
    bad = await holidays(emulator, guild, guild.admin, action="add", dates="2026-12-31..2026-12-24")
    assert bad["ephemeral"] and "runs backwards" in text(bad)
    board = await seen(await emulator.slash_command(guild.id, guild.channel, guild.cy, "streaks", {}))
    assert "1. Ana - current 2, best 2, total 2" in text(board)  # unbroken over the holiday

    asked = await practice(emulator, guild, guild.admin, "new-season")
    assert asked["ephemeral"] and "To go ahead: /practice new-season confirm" in text(asked)
    started = await practice(emulator, guild, guild.admin, "new-season", confirm=True)
    assert not started["ephemeral"] and "Season 2 starts now" in text(started)
    board = await seen(await emulator.slash_command(guild.id, guild.channel, guild.bo, "streaks", {}))
    assert "No answers yet this season. Team streak: 0 (best 0, best ever 2)." in text(board)
    assert f"Season 2 since {datetime.now(UTC).date()}" in text(board)
    mine = await seen(
        await emulator.slash_command(guild.id, guild.channel, guild.ana, "streaks", {"me": True})
    )
    assert "No answers this season yet; your best ever here is 2." in text(mine)

    removed = await holidays(emulator, guild, guild.admin, action="remove", dates=str(holiday))
    assert f"Holidays removed: {holiday}." in text(removed)
    [post] = daily_posts(emulator, guild.channel)  # still inside misfire_grace: posted now
    await emulator.post_message(int(post["id"]), guild.ana, "back after the holiday")
    await replies_stored(bot, 1)
    await practice(emulator, guild, guild.admin, "reveal-now")
    board = await seen(await emulator.slash_command(guild.id, guild.channel, guild.admin, "streaks", {}))
    assert "1. Ana - current 1, best 1, total 1, best ever 2" in text(board)


def recap_messages(emulator: DiscordEmulator, channel: int) -> list[dict[str, Any]]:
    return [
        m
        for m in emulator.messages(channel)
        if m["attachments"] and m["author"]["id"] == str(emulator.bot_user_id)
    ]


def attached_picture(emulator: DiscordEmulator, message: dict[str, Any]) -> Image.Image:
    [attachment] = message["attachments"]
    assert attachment["content_type"] == "image/png"
    assert attachment["filename"].startswith("recap-") and attachment["filename"].endswith(".png")
    data = emulator.attachment_data[int(attachment["id"])]
    assert attachment["size"] == len(data)
    assert (attachment["width"], attachment["height"]) == (WIDTH, HEIGHT)  # as Discord read the PNG
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def test_the_weekly_recap_arrives_with_its_picture_once_even_across_a_restart(
    emulator: DiscordEmulator,
    guild: Guild,
    start_bot: Callable[[], Awaitable[Running]],
    tmp_path: Path,
    bank: QuestionBank,
) -> None:
    ana, bo = User(str(guild.ana), "Ana"), User(str(guild.bo), "Bo")
    db = tmp_path / "bot.sqlite3"
    await seed_streaks(db, bank, _ref(guild, guild.channel), [{ana, bo}, {ana}], Freezes(7, 2))
    await recap_due_a_minute_ago(db)
    bot = await start_bot()
    assert 1 in bot.service.timer.recaps  # type: ignore[attr-defined]
    await bot.service.recaps.run(1)  # the wake-up start-up armed
    [recap] = recap_messages(emulator, guild.channel)
    [embed] = recap["embeds"]
    assert embed["title"].startswith("Weekly recap: ")
    assert f"Kept their streak: <@{guild.ana}> (2)" in text(recap)  # a mention that notifies nobody
    assert embed["image"]["url"] == f"attachment://{recap['attachments'][0]['filename']}"
    [stored] = [m for m in emulator.stored_messages(guild.channel) if m.id == int(recap["id"])]
    assert stored.allowed_mentions == {"parse": []}
    image = attached_picture(emulator, recap)
    assert image.size == (WIDTH, HEIGHT)

    await bot.service.recaps.run(1)
    await bot.stop()
    again = await start_bot()
    await again.service.recaps.run(1)
    assert len(recap_messages(emulator, guild.channel)) == 1  # never twice in a week


async def test_recap_now_on_discord_and_a_picture_over_the_size_limit(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe", time="09:00", timezone="Europe/Berlin")
    refused = await practice(emulator, guild, guild.ana, "recap-now")
    assert refused["ephemeral"] and "is for channel admins" in text(refused)
    bad = await practice(emulator, guild, guild.admin, "recap", day="fri", time="4pm")
    assert bad["ephemeral"] and "'4pm' is not a time: use 24-hour HH:MM" in text(bad)
    changed = await practice(emulator, guild, guild.admin, "recap", day="mon", time="08:30")
    assert "weekly recap on mon 08:30 Europe/Berlin" in text(changed)

    sent = await practice(emulator, guild, guild.admin, "recap-now")
    assert sent["ephemeral"] and "Sent a recap of the last seven days" in text(sent)
    [recap] = recap_messages(emulator, guild.channel)
    assert attached_picture(emulator, recap).size == (WIDTH, HEIGHT)
    assert "No questions went out this week" in text(recap)

    emulator.attachment_size_limit = 1000  # smaller than the picture: Discord answers 413
    failed = await practice(emulator, guild, guild.admin, "recap-now")
    assert "The recap could not be sent: Discord answered 413 (40005: Request entity too large)" in text(
        failed
    )
    assert len(recap_messages(emulator, guild.channel)) == 1


async def test_a_recap_sent_just_before_a_crash_is_found_in_the_channel_and_not_sent_again(
    emulator: DiscordEmulator,
    guild: Guild,
    start_bot: Callable[[], Awaitable[Running]],
    tmp_path: Path,
    bank: QuestionBank,
) -> None:
    db = tmp_path / "bot.sqlite3"
    await seed_streaks(db, bank, _ref(guild, guild.channel), [{User(str(guild.ana), "Ana")}], Freezes(7, 2))
    due = await recap_due_a_minute_ago(db)
    bot = await start_bot()
    # the last run claimed the week's recap and sent it, then died before recording that
    row = await bot.store.claim_recap(1, week_of(due.date()), due.date(), due, "nonce-before-crash")
    assert row is not None
    picture = Picture(picture_name(due.date()), b"\x89PNG\r\n\x1a\n", 1, 1)
    await bot.platform.post_picture(
        _ref(guild, guild.channel), Message(title="Weekly recap"), picture, "other"
    )
    await bot.service.recaps.run(1)
    assert len(recap_messages(emulator, guild.channel)) == 1  # found by its picture, not only by nonce
    settled = await bot.store.recap_of_week(1, week_of(due.date()))
    assert settled is not None and settled.status is RecapStatus.SENT


async def test_a_slow_public_answer_is_deferred_publicly_and_comes_out_for_the_channel(
    emulator: DiscordEmulator,
    guild: Guild,
    start_bot: Callable[..., Awaitable[Running]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Saving the subscription is held past the deferral deadline: the deferral already has the
    answer's visibility, since Discord keeps the deferral's for the answer that replaces it."""
    bot = await start_bot(ack_within=0.05)
    saving = Gate(monkeypatch, bot.store, "save_subscription")
    handle = await emulator.slash_command(
        guild.id, guild.channel, guild.admin, "practice", {}, subcommand="subscribe"
    )
    deferred = await handle.response(timeout=5)  # deferred after 0.05 s: no sleep here
    assert deferred["type"] == 5 and saving.entered.is_set()
    saving.open()
    told = await seen(handle)
    assert "This channel now gets a question" in text(told)
    assert not told["ephemeral"]  # everyone in the channel sees it, as when it is quick

    status = Gate(monkeypatch, bot.store, "subscription_for")  # a slow private answer stays private
    handle = await emulator.slash_command(
        guild.id, guild.channel, guild.ana, "practice", {}, subcommand="status"
    )
    await handle.response(timeout=5)
    status.open()
    assert (await seen(handle))["ephemeral"]


def long_message(title: str, parts: int) -> Message:
    """A message that renders as `parts` Discord messages (each a full 6,000 characters of embeds)."""
    paragraphs = [f"{n} " + "word " * 700 for n in range(parts * 2)]  # ~3,500 characters each
    message = Message(title=title, body="\n\n".join(paragraphs))
    assert len(render(message)) >= parts
    return message


def descriptions(emulator: DiscordEmulator, channel: int) -> list[list[str]]:
    """The embed descriptions of each bot message in `channel`, in order."""
    mine = [m for m in emulator.messages(channel) if m["author"]["id"] == str(emulator.bot_user_id)]
    return [[e.get("description") or "" for e in m["embeds"]] for m in mine]


def descriptions_of(message: Message) -> list[list[str]]:
    """What `descriptions` shows when every part of `message` went out once, in order."""
    return [[e.description or "" for e in part.embeds] for part in render(message)]


async def test_a_post_resent_after_the_nonce_window_is_found_in_the_channel_not_posted_twice(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    """Discord dedupes a nonce only "in the past few minutes"; the catch-up resends a claimed post up
    to an hour later (misfire_grace): the post and its thread are found, not made again."""
    now = [0.0]
    emulator.clock = lambda: now[0]
    bot = await start_bot()
    ref, message = _ref(guild, guild.channel), Message(title="Question 1", body="What is a WebSocket?")
    first = await bot.platform.post_question(ref, message, "a" * 20)
    now[0] += 30 * 60  # the bot crashed before recording the post; it restarts half an hour later
    again = await bot.platform.post_question(ref, message, "a" * 20, resend=True)
    assert again == first
    assert len(daily_posts(emulator, guild.channel)) == 1
    assert len(emulator.threads_of(guild.channel)) == 1


@pytest.mark.parametrize("fault", ["refused", "made"])
async def test_a_post_in_parts_cut_short_by_a_fault_is_completed_by_the_resend(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]], fault: str
) -> None:
    """A 503 on the second part (refused, or made and the answer lost), then the resend past
    the nonce window: every part once, in order, with the thread on the first."""
    now = [0.0]
    emulator.clock = lambda: now[0]
    bot = await start_bot()
    ref, message = _ref(guild, guild.channel), long_message("Question 2", 3)
    path = f"/channels/{guild.channel}/messages"
    emulator.fail_next("POST", path, 503, spare=1, apply=fault == "made")
    with pytest.raises(PlatformError):
        await bot.platform.post_question(ref, message, "b" * 20)
    now[0] += 10 * 60
    posted = await bot.platform.post_question(ref, message, "b" * 20, resend=True)
    assert descriptions(emulator, guild.channel) == descriptions_of(message)
    [thread] = emulator.threads_of(guild.channel)
    assert thread["id"] == posted.thread_id == posted.message_id


async def test_a_reveal_in_parts_cut_short_by_a_503_is_completed_in_the_thread(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    now = [0.0]
    emulator.clock = lambda: now[0]
    bot = await start_bot()
    ref = _ref(guild, guild.channel)
    posted = await bot.platform.post_question(ref, Message(title="Question 3", body="?"), "c" * 20)
    reveal = long_message("Answers", 3)
    emulator.fail_next("POST", f"/channels/{posted.thread_id}/messages", 503, spare=1)
    with pytest.raises(PlatformError):
        await bot.platform.reply_in_thread(ref, posted.thread_id, reveal, nonce="c" * 20 + "r")
    now[0] += 10 * 60
    await bot.platform.reply_in_thread(ref, posted.thread_id, reveal, nonce="c" * 20 + "r", resend=True)
    assert descriptions(emulator, int(posted.thread_id)) == descriptions_of(reveal)


async def test_a_channel_the_bot_lost_access_to_costs_one_invalid_request_not_a_ban(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    """Discord bans an IP making 10,000 invalid (401/403/429) requests in 10 minutes: a 403 is not
    retried, the subscription pauses, and later runs ask nothing of the channel."""
    bot = await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe")
    await emulator.revoke_access(guild.channel, keep="view")
    for _ in range(3):
        await practice(emulator, guild, guild.admin, "post-now")
    await bot.service.run_post(1)  # the schedule's next wake-up
    assert emulator.invalid.count() <= 1


async def test_a_reply_in_a_thread_that_auto_archived_still_counts(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    """The bot opens threads with auto_archive_duration 1440: after a day without a message the
    thread archives (THREAD_UPDATE, and discord.py drops it from its cache); a member writing in it
    unarchives it, and Discord sends THREAD_UPDATE before the MESSAGE_CREATE: the reply counts."""
    now = [0.0]
    emulator.clock = lambda: now[0]
    bot = await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe", reveal="next")
    await practice(emulator, guild, guild.admin, "post-now")
    [thread] = emulator.threads_of(guild.channel)
    assert thread["thread_metadata"]["auto_archive_duration"] == 1440
    now[0] += 1439 * 60
    assert await emulator.archive_idle_threads() == []
    now[0] += 60
    assert await emulator.archive_idle_threads() == [int(thread["id"])]
    await emulator.post_message(int(thread["id"]), guild.ana, "late, but here")
    await replies_stored(bot, 1)
    updates = [e for e in emulator.dispatched("THREAD_UPDATE") if e.data["id"] == thread["id"]]
    assert [u.data["thread_metadata"]["archived"] for u in updates] == [True, False]


async def test_packs_and_next_through_discords_typed_options(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    """`packs` on /practice subscribe and /practice next, as Discord delivers their options."""
    await start_bot()
    unknown = await practice(emulator, guild, guild.admin, "subscribe", packs="team-onboarding")
    assert text(unknown).strip() == "no pack team-onboarding here: this channel can draw from testpack"
    answer = await practice(emulator, guild, guild.admin, "subscribe", packs="testpack", levels="all")
    assert "packs testpack" in text(answer)
    refused = await practice(emulator, guild, guild.ana, "next", question="testpack/advanced-01")
    assert refused["ephemeral"] and "/practice next is for channel admins." in text(refused)
    chosen = await practice(emulator, guild, guild.admin, "next", question="testpack/advanced-01")
    assert chosen["ephemeral"] and "is Advanced question 1? (testpack/advanced-01)" in text(chosen)
    await practice(emulator, guild, guild.admin, "post-now")
    [post] = daily_posts(emulator, guild.channel)
    assert post["embeds"][0]["title"] == "Advanced question 1?"
    status = await practice(emulator, guild, guild.ana, "status")
    assert "Progress: 1 of 6 questions (round 1)\n  testpack: 1 of 6" in text(status)
