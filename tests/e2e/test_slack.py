"""practicebot on the real slack-bolt, against the local Slack emulator: Socket Mode by default,
the key flows again in HTTP mode. Real SQLite file, real sockets; no sleeping to synchronise."""

from __future__ import annotations

import asyncio
import io
import random
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from slack_sdk.models.blocks import Block

from bot.app import build_service
from bot.config import ServerConfig, SlackConfig
from bot.core.catalog.ports import OwnPack
from bot.core.daily.questions import QuestionBank
from bot.core.daily.service import PracticeService, ServiceSettings
from bot.core.daily.streaks import Freezes
from bot.core.recap.rules import RecapStatus, picture_name, week_of
from bot.core.shared.messages import Message, Picture
from bot.core.shared.models import ChannelRef, SubscriptionStatus, User
from bot.ops.server import Server, serve
from bot.platforms.slack.adapter import ACK_WITHIN, SlackPlatform
from bot.platforms.slack.manifest import BOT_SCOPES
from bot.render.recap_image import HEIGHT, WIDTH
from bot.scheduler import SystemClock
from bot.storage.sqlite import SqliteStore
from tests.conftest import DEFAULTS, FakeTimer, recap_due_a_minute_ago, seed_streaks
from tests.e2e.calendar_seed import seed_holidays
from tests.emulators.slack import RateLimits, SlackEmulator
from tests.emulators.slack.mrkdwn import message_shown, show


@dataclass
class Running:
    """The bot: real service, real SQLite, real SlackPlatform; the timer is ours (commands drive time)."""

    platform: SlackPlatform
    service: PracticeService
    store: SqliteStore
    server: Server | None = None

    async def stop(self) -> None:
        await self.platform.close()
        if self.server is not None:
            await self.server.cleanup()
        await self.store.close()


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    """Slack with the app installed from our manifest: exactly its scopes, so a method or a read
    the manifest does not ask for fails here as it would in a real workspace."""
    async with SlackEmulator(
        ack_timeout=3.0, rate_limits=RateLimits(per_channel_burst=3), scopes=frozenset(BOT_SCOPES)
    ) as emulator:
        yield emulator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def start_bot(
    slack: SlackEmulator, tmp_path: Path, bank: QuestionBank
) -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    running: list[Running] = []

    async def start(
        mode: str = "socket",
        channel_rate: float = 20.0,
        ack_within: float = ACK_WITHIN,
        own_pack: OwnPack | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **config: Any,
    ) -> Running:
        settings = SlackConfig(api_base_url=slack.api_url, mode=mode, **config)
        platform = SlackPlatform(
            settings,
            slack.bot_token,
            app_token=slack.app_token,
            signing_secret=slack.signing_secret,
            channel_rate=channel_rate,
            ping_interval=0.5,
            ack_within=ack_within,
            sleep=sleep,
        )
        store = await SqliteStore.open(tmp_path / "bot.sqlite3")
        service = build_service(
            store,
            {"slack": platform},
            SystemClock(),
            FakeTimer(),
            bank,
            ServiceSettings(DEFAULTS),
            random.Random(1),
            own_pack=own_pack,
        )
        await platform.start(service)
        server = None
        if mode == "http":
            port = free_port()
            server = await serve(platform.http_routes(), ServerConfig("127.0.0.1", port))
            slack.request_url = f"http://127.0.0.1:{port}/slack/events"
        await service.start()
        bot = Running(platform, service, store, server)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.stop()


async def command(slack: SlackEmulator, channel: str, user: str, line: str) -> dict[str, Any]:
    """Type a slash command; what the person sees (the ack's payload, or the first response)."""
    name, _, text = line.partition(" ")
    envelope = await slack.slash_command(channel, user, name, text)
    ack = await envelope.acked(timeout=5)
    if ack.get("text") or ack.get("blocks"):
        return ack
    await slack.wait_for(lambda: envelope.responses, timeout=5)
    return envelope.responses[0]


def posts(slack: SlackEmulator, channel: str) -> list[dict[str, Any]]:
    """The daily posts in a channel (messages carrying practicebot's metadata)."""
    return [
        m
        for m in slack.messages(channel)
        if (m.get("metadata") or {}).get("event_type") == "practicebot_post"
    ]


def shown(payload: dict[str, Any]) -> str:
    """All the text a person reads in a message, as Slack shows it (entities decoded, formatting
    marks gone: tests/emulators/slack/mrkdwn.py), and its notification text."""
    return "\n".join((show(str(payload.get("text") or ""), parse=False).text, message_shown(payload).text))


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_a_day_in_slack(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]], mode: str
) -> None:
    bot = await start_bot(mode=mode)
    channel = slack.add_channel("practice")
    admin, ana, bo, cy = (slack.add_user("lead", admin=True), slack.add_user("ana"), slack.add_user("bo"),
                          slack.add_user("cy"))  # fmt: skip

    refused = await command(slack, channel, ana, "/practice subscribe")
    assert refused.get("response_type", "ephemeral") == "ephemeral"
    assert "is for channel admins" in shown(refused)

    answer = await command(slack, channel, admin, "/practice subscribe 09:00 Europe/Berlin reveal=8h")
    assert answer["response_type"] == "in_channel"
    assert "at 09:00 Europe/Berlin on mon-fri" in shown(answer)

    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    assert post["metadata"]["event_type"] == "practicebot_post"
    assert post["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Beginner question 1?"},
    }
    assert "<!date^" in str(post["blocks"])  # reveal time in each reader's own zone
    for block in post["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]

    await slack.post_message(channel, ana, "a full-duplex socket", thread_ts=post["ts"])
    await slack.post_message(channel, bo, "an upgraded HTTP connection", thread_ts=post["ts"])
    await slack.post_message(channel, bo, "and a second reply counts once", thread_ts=post["ts"])
    await slack.post_message(channel, ana, "a bot does not count", thread_ts=post["ts"], bot_id="B999")
    await _settled(bot, 2)

    await command(slack, channel, admin, "/practice reveal-now")
    thread = slack.replies(channel, post["ts"])
    reveal = thread[-1]
    assert "The model answer to beginner question 1." in shown(reveal)
    assert "Answered in time\nana, bo" in shown(reveal)
    assert "<@" not in shown(reveal)  # names, never mentions: nobody is notified
    [edited] = [m for m in slack.messages(channel) if m["ts"] == post["ts"]]
    assert "Revealed: the model answer is in the thread. 2 people answered in time." in shown(edited)

    await slack.post_message(channel, cy, "late, but kept", thread_ts=post["ts"])
    board = await command(slack, channel, cy, "/streaks")
    assert board["response_type"] == "in_channel"
    assert "1. ana - current 1, best 1, total 1\n2. bo - current 1, best 1, total 1" in shown(board)
    assert "Team streak: 1 (best 1)" in shown(board)
    mine = await command(slack, channel, cy, "/streaks me")
    assert "not answered a question here yet" in shown(mine)


async def test_question_is_private_and_its_button_answers_privately(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    await start_bot()
    channel, ana = slack.add_channel("practice"), slack.add_user("ana")
    card = await command(slack, channel, ana, "/question advanced")
    assert card.get("response_type", "ephemeral") == "ephemeral"
    [actions] = [b for b in card["blocks"] if b["type"] == "actions"]
    button = actions["elements"][0]
    assert button["action_id"] == "pb:answer:testpack/advanced-01"
    [shown_card] = slack.ephemerals(channel, ana)
    envelope = await slack.click_button(channel, ana, shown_card["ts"], button["action_id"])
    await envelope.acked(timeout=5)
    await slack.wait_for(lambda: envelope.responses, timeout=5)
    assert "The model answer to advanced question 1." in shown(envelope.responses[0])
    assert envelope.responses[0]["response_type"] == "ephemeral"
    assert slack.messages(channel) == []


async def test_a_restart_between_post_and_reveal_loses_nothing_and_posts_nothing_twice(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    bot = await start_bot()
    channel, admin, ana = (
        slack.add_channel("practice"),
        slack.add_user("lead", admin=True),
        slack.add_user("ana"),
    )
    await command(slack, channel, admin, "/practice subscribe")
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    await slack.post_message(channel, ana, "before the restart", thread_ts=post["ts"])
    await _settled(bot, 1)
    await bot.stop()

    bot = await start_bot()
    assert len(posts(slack, channel)) == 1
    await command(slack, channel, admin, "/practice reveal-now")
    assert "ana" in shown(slack.replies(channel, post["ts"])[-1])
    assert len(posts(slack, channel)) == 1


async def test_a_post_sent_before_a_crash_is_found_by_its_metadata(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    bot = await start_bot()
    channel = slack.add_channel("practice")
    target = _ref(slack, channel)
    first = await bot.platform.post_question(target, Message(title="Q"), "nonce-1")
    again = await bot.platform.post_question(target, Message(title="Q"), "nonce-1", resend=True)
    assert again == first
    assert len(posts(slack, channel)) == 1
    for _ in range(2):  # a reveal resent after a crash: found in the thread by its metadata
        await bot.platform.reply_in_thread(
            target, first.message_id, Message(body="A"), nonce="r", resend=True
        )
    assert len(slack.replies(channel, first.message_id)) == 2  # the post and one reveal


async def test_an_archived_channel_pauses_only_its_subscription(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    bot = await start_bot()
    admin = slack.add_user("lead", admin=True)
    channels = [slack.add_channel(f"team-{i}") for i in range(10)]
    for channel in channels:
        await command(slack, channel, admin, "/practice subscribe")
    slack.archive_channel(channels[3])
    for channel in channels:
        await command(slack, channel, admin, "/practice post-now")
    posted = [c for c in channels if posts(slack, c)]
    assert posted == [c for c in channels if c != channels[3]]
    sub = await bot.store.subscription_for(_ref(slack, channels[3]))
    assert sub is not None
    assert sub.status is SubscriptionStatus.PAUSED
    assert "is_archived" in sub.status_reason


async def test_pacing_keeps_one_channel_under_its_limit_and_a_429_is_honoured(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    slack.set_rate_limits(RateLimits(per_channel_per_second=1.0, per_channel_burst=2))  # 2: network jitter
    bot = await start_bot(channel_rate=1.0)
    target = _ref(slack, slack.add_channel("practice"))
    started = time.monotonic()
    for n in range(3):
        await bot.platform.reply_in_thread(target, "1.0", Message(body=f"message {n}"))
    assert slack.count_429 == 0
    assert time.monotonic() - started >= 1.9  # three messages at one per second
    slack.fail_next("chat.postMessage", 429)
    await bot.platform.reply_in_thread(target, "1.0", Message(body="after a 429"))
    assert slack.count_429 == 1
    assert len(slack.calls("chat.postMessage")) == 5  # the 429, then the retry that succeeded


async def test_http_mode_verifies_signatures_and_counts_a_retried_event_once(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    bot = await start_bot(mode="http")
    assert slack.request_url is not None
    channel, admin, ana = (
        slack.add_channel("practice"),
        slack.add_user("lead", admin=True),
        slack.add_user("ana"),
    )
    subscribe = slack.slash_command_payload(channel, admin, "/practice", "subscribe")
    forged = await slack.send_signed(slack.request_url, "slash_commands", subscribe, secret="wrong")
    assert forged.status == 401
    stale = await slack.send_signed(
        slack.request_url, "slash_commands", subscribe, timestamp=int(time.time()) - 360
    )
    assert stale.status == 401
    assert await bot.store.subscription_for(_ref(slack, channel)) is None  # nothing changed

    ok = await slack.send_signed(slack.request_url, "slash_commands", subscribe)
    assert ok.status == 200
    assert "now gets a question" in ok.body
    posted = await slack.send_signed(
        slack.request_url,
        "slash_commands",
        slack.slash_command_payload(channel, admin, "/practice", "post-now"),
    )
    assert posted.status == 200
    [post] = posts(slack, channel)

    event = {"type": "message", "channel": channel, "user": ana, "text": "hi", "ts": f"{time.time():.6f}",
             "thread_ts": post["ts"], "channel_type": "channel"}  # fmt: skip
    callback = slack.workspace.event_callback(event)
    for retry in (None, 1, 2):  # Slack redelivers when it did not see our 200 in time
        answer = await slack.send_signed(slack.request_url, "events_api", callback, retry_num=retry)
        assert answer.status == 200
    await _handled(bot, 1)  # bolt answers 200 first and runs the listener after
    assert bot.platform.duplicates == 2  # the retries: acknowledged, not run again
    open_post = await bot.store.open_post(1)
    assert open_post is not None
    assert len(await bot.store.replies(open_post.id)) == 1


async def test_edits_deletions_and_the_bots_own_messages_are_not_answers(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    bot = await start_bot()
    channel, admin, ana = (
        slack.add_channel("practice"),
        slack.add_user("lead", admin=True),
        slack.add_user("ana"),
    )
    await command(slack, channel, admin, "/practice subscribe")
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    ts = await slack.post_message(channel, admin, "the lead answers too", thread_ts=post["ts"])
    await slack.edit_message(channel, ts, "edited")
    await slack.delete_message(channel, ts)
    await slack.post_message(channel, ana, "top-level chatter is not an answer")
    await _handled(bot, 4)
    open_post = await bot.store.open_post(1)
    assert open_post is not None
    assert [u.name for u, _, _ in await bot.store.replies(open_post.id)] == ["lead"]


def _ref(slack: SlackEmulator, channel: str) -> ChannelRef:
    return ChannelRef("slack", slack.team_id, channel)


async def _handled(bot: Running, events: int) -> None:
    """Wait (bounded, on the event loop) until the bot has handled this many message events."""
    async with asyncio.timeout(5):
        while bot.platform.message_events < events:  # noqa: ASYNC110 - polls a counter, bounded above
            await asyncio.sleep(0.01)


async def _settled(bot: Running, replies: int) -> None:
    """Wait (bounded, on the event loop) until the open post has this many replies stored."""
    async with asyncio.timeout(5):
        while True:
            post = await bot.store.open_post(1)
            if post is not None and len(await bot.store.replies(post.id)) >= replies:
                return
            await asyncio.sleep(0.01)


async def test_a_reply_sent_while_the_socket_is_down_is_still_counted(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    bot = await start_bot()
    channel, admin, ana = (
        slack.add_channel("practice"),
        slack.add_user("lead", admin=True),
        slack.add_user("ana"),
    )
    await command(slack, channel, admin, "/practice subscribe")
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    connects = slack.socket_connects
    assert slack.drop_socket() == 1
    await slack.post_message(channel, ana, "written while the bot was cut off", thread_ts=post["ts"])
    await _settled(bot, 1)
    assert slack.socket_connects > connects  # the SDK reconnected; the event was delivered then


async def test_replies_written_while_the_bot_process_was_down_are_read_back(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    bot = await start_bot()
    channel, admin, ana = (
        slack.add_channel("practice"),
        slack.add_user("lead", admin=True),
        slack.add_user("ana"),
    )
    await command(slack, channel, admin, "/practice subscribe")
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    await bot.stop()
    slack.subscriptions.clear()  # the app is gone: Slack gives up on events it cannot deliver
    await slack.post_message(channel, ana, "written while the bot was down", thread_ts=post["ts"])
    slack.subscriptions.update({"message.channels", "message.groups"})
    bot = await start_bot()
    await asyncio.gather(*bot.service.background)  # the read-back runs beside the start-up
    open_post = await bot.store.open_post(1)
    assert open_post is not None
    assert [u.name for u, _, _ in await bot.store.replies(open_post.id)] == ["ana"]


async def test_a_freeze_keeps_a_streak_over_a_missed_post_on_the_board(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]], tmp_path: Path, bank: QuestionBank
) -> None:
    channel, admin, ana, bo = (slack.add_channel("practice"), slack.add_user("lead", admin=True),
                               slack.add_user("ana"), slack.add_user("bo"))  # fmt: skip
    history = [{User(ana, "ana"), User(bo, "bo")}, {User(ana, "ana")}]  # ana's second answer earns a freeze
    await seed_streaks(tmp_path / "bot.sqlite3", bank, _ref(slack, channel), history, Freezes(2, 2))
    bot = await start_bot()  # the default rule from here on: a freeze per 7 answers, at most 2
    board = await command(slack, channel, admin, "/streaks")
    held = "1. ana - current 2, best 2, total 2, 1 freeze held\n2. bo - current 0, best 1, total 1"
    assert held in shown(board)

    await command(slack, channel, admin, "/practice resume")
    await command(slack, channel, admin, "/practice post-now")
    [post] = posts(slack, channel)
    await slack.post_message(channel, bo, "ana misses this one", thread_ts=post["ts"])
    await _settled(bot, 1)
    await command(slack, channel, admin, "/practice reveal-now")

    board = await command(slack, channel, bo, "/streaks")
    assert "1. ana - current 2, best 2, total 2\n2. bo - current 1, best 1, total 2" in shown(board)
    mine = await command(slack, channel, ana, "/streaks me")
    assert "current 2, best 2, total 2" in shown(mine) and "freeze" not in shown(mine)  # spent


async def test_holidays_and_a_new_season_in_slack(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]], tmp_path: Path, bank: QuestionBank
) -> None:
    channel, admin, ana, bo = (slack.add_channel("practice"), slack.add_user("lead", admin=True),
                               slack.add_user("ana"), slack.add_user("bo"))  # fmt: skip
    due = await seed_holidays(tmp_path / "bot.sqlite3", bank, _ref(slack, channel), User(ana, "ana"))
    holiday, tomorrow = due.date(), due.date() + timedelta(days=1)
    bot = await start_bot()
    assert posts(slack, channel) == []  # due minutes ago, but today is a holiday
    status = shown(await command(slack, channel, bo, "/practice status"))
    assert f"Holidays: {holiday}" in status and "Season: 1, since" in status
    listed = await command(slack, channel, ana, "/practice holidays")  # the list is for everyone
    assert f"skipped like days off: {holiday}" in shown(listed)
    for line in (
        f"/practice holidays add {tomorrow}",
        f"/practice holidays remove {holiday}",
        "/practice new-season",
        "/practice new-season confirm",
    ):
        refused = await command(slack, channel, ana, line)
        assert "is for channel admins" in shown(refused), line
    bad = await command(slack, channel, admin, "/practice holidays add 2026-02-30")
    assert "'2026-02-30' is not a day of the calendar" in shown(bad)
    added = await command(slack, channel, admin, f"/practice holidays add {tomorrow}")
    assert f"Holidays added: {tomorrow}." in shown(added)
    assert "1. ana - current 2, best 2, total 2" in shown(await command(slack, channel, bo, "/streaks"))

    asked = await command(slack, channel, admin, "/practice new-season")
    assert "To go ahead: /practice new-season confirm" in shown(asked)
    started = await command(slack, channel, admin, "/practice new-season confirm")
    assert "Season 2 starts now" in shown(started)
    board = shown(await command(slack, channel, admin, "/streaks"))
    assert "No answers yet this season. Team streak: 0 (best 0, best ever 2)." in board
    assert f"Season 2 since {datetime.now(UTC).date()}" in board
    mine = await command(slack, channel, ana, "/streaks me")
    assert "No answers this season yet; your best ever here is 2." in shown(mine)

    removed = await command(slack, channel, admin, f"/practice holidays remove {holiday}")
    assert f"Holidays removed: {holiday}." in shown(removed)
    [post] = posts(slack, channel)  # still inside misfire_grace: posted now
    await slack.post_message(channel, ana, "back after the holiday", thread_ts=post["ts"])
    await _settled(bot, 1)
    await command(slack, channel, admin, "/practice reveal-now")
    board = shown(await command(slack, channel, slack.add_user("cy"), "/streaks"))  # the others cool down
    assert "1. ana - current 1, best 1, total 1, best ever 2" in board


def file_shares(slack: SlackEmulator, channel: str) -> list[dict[str, Any]]:
    return [m for m in slack.messages(channel) if m.get("files") and m.get("user") == slack.bot_user_id]


def shared_picture(slack: SlackEmulator, message: dict[str, Any]) -> Image.Image:
    [file] = message["files"]
    assert file["mimetype"] == "image/png" and file["name"].startswith("recap-")
    data = slack.file_bytes(file["id"])
    assert data is not None and len(data) == file["size"]
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def test_the_weekly_recap_is_shared_with_its_picture_once_even_across_a_restart(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]], tmp_path: Path, bank: QuestionBank
) -> None:
    channel, ana, bo = slack.add_channel("practice"), slack.add_user("ana"), slack.add_user("bo")
    db = tmp_path / "bot.sqlite3"
    await seed_streaks(db, bank, _ref(slack, channel), [{User(ana, "ana"), User(bo, "bo")}, {User(ana, "ana")}],
                       Freezes(7, 2))  # fmt: skip
    await recap_due_a_minute_ago(db)
    bot = await start_bot()
    await bot.service.recaps.run(1)  # the wake-up start-up armed
    [recap] = file_shares(slack, channel)
    assert recap["blocks"][0]["text"]["text"].startswith("Weekly recap: ")
    assert "Kept their streak\nana (2)" in shown(recap) and not slack.pings()  # a name, not a mention
    for block in recap["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    assert shared_picture(slack, recap).size == (WIDTH, HEIGHT)
    [upload] = [r for r in slack.requests if r.api_method == "upload"]
    assert upload.body == {"bytes": recap["files"][0]["size"]}

    await bot.service.recaps.run(1)
    await bot.stop()
    again = await start_bot()
    await again.service.recaps.run(1)
    assert len(file_shares(slack, channel)) == 1  # never twice in a week
    assert all(
        r.status == 200 and r.error is None
        for r in slack.requests
        if r.api_method and "files" in r.api_method
    )


async def test_recap_now_on_slack_and_an_upload_without_the_scope(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]]
) -> None:
    await start_bot()
    channel, admin, ana = (
        slack.add_channel("practice"),
        slack.add_user("lead", admin=True),
        slack.add_user("ana"),
    )
    await command(slack, channel, admin, "/practice subscribe 09:00 Europe/Berlin")
    refused = await command(slack, channel, ana, "/practice recap-now")
    assert "is for channel admins" in shown(refused)
    bad = await command(slack, channel, admin, "/practice recap fri")
    assert "/practice recap takes a day and a time, like /practice recap fri 16:00, or off" in shown(bad)
    changed = await command(slack, channel, admin, "/practice recap sun 18:00")
    assert "weekly recap on sun 18:00 Europe/Berlin" in shown(changed)

    sent = await command(slack, channel, admin, "/practice recap-now")
    assert "Sent a recap of the last seven days" in shown(sent)
    [recap] = file_shares(slack, channel)
    assert shared_picture(slack, recap).size == (WIDTH, HEIGHT)

    slack.scopes.discard("files:write")  # an app installed before the recap asked for it
    failed = await command(slack, channel, admin, "/practice recap-now")
    assert "The recap could not be sent: Slack answered missing_scope" in shown(failed)
    assert len(file_shares(slack, channel)) == 1


async def test_a_recap_shared_just_before_a_crash_is_found_in_the_channel_and_not_shared_again(
    slack: SlackEmulator, start_bot: Callable[..., Awaitable[Running]], tmp_path: Path, bank: QuestionBank
) -> None:
    channel, ana = slack.add_channel("practice"), slack.add_user("ana")
    db = tmp_path / "bot.sqlite3"
    await seed_streaks(db, bank, _ref(slack, channel), [{User(ana, "ana")}], Freezes(7, 2))
    due = await recap_due_a_minute_ago(db)
    bot = await start_bot()
    # the last run claimed the week's recap and shared it, then died before recording that
    row = await bot.store.claim_recap(1, week_of(due.date()), due.date(), due, "nonce-before-crash")
    assert row is not None
    picture = Picture(picture_name(due.date()), b"\x89PNG\r\n\x1a\n", 1, 1)
    await bot.platform.post_picture(_ref(slack, channel), Message(title="Weekly recap"), picture, row.nonce)
    await bot.service.recaps.run(1)
    assert len(file_shares(slack, channel)) == 1  # an upload has no nonce: the file's name gave it away
    settled = await bot.store.recap_of_week(1, week_of(due.date()))
    assert settled is not None and settled.status is RecapStatus.SENT
