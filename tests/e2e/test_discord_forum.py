"""practicebot in a Discord forum channel (type 15), with the real discord.py against the emulator.
A forum holds posts, each a public thread opened with a starter message that has the post's id,
and no messages of its own. Each daily question is a post of its own, tagged with its level
(the tag created when the forum lacks it); everything else works as in a text channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.core.blind import rules as blind
from bot.core.shared.errors import About, PlatformError
from bot.core.shared.messages import Message
from bot.core.shared.models import ChannelRef, SubscriptionStatus
from bot.platforms.discord.adapter import NEEDS_A_TAG
from tests.e2e import test_discord as e2e
from tests.e2e.test_discord import (
    Running,
    descriptions,
    descriptions_of,
    long_message,
    replies_stored,
    seen,
    text,
)
from tests.emulators.discord import DiscordEmulator
from tests.emulators.discord.model import MANAGE_CHANNELS

emulator, start_bot = e2e.emulator, e2e.start_bot  # the Discord e2e fixtures


@dataclass
class Forum:
    """A guild whose practice channel is a forum, and a post a member opened there (the forum
    itself has no composer: commands are run from inside a post)."""

    id: int
    channel: int  # the forum
    lobby: int  # a member's post in it, where the admin runs the commands
    admin: int
    ana: int
    bo: int

    @property
    def ref(self) -> ChannelRef:
        return ChannelRef("discord", str(self.id), str(self.channel))


async def a_forum(
    emulator: DiscordEmulator,
    *,
    require_tag: bool = False,
    can_tag: bool = True,
    tags: tuple[str, ...] = ("Help",),
) -> Forum:
    gid = emulator.add_guild("interview prep")
    forum = emulator.add_forum(gid, "practice", tags=tags, require_tag=require_tag)
    admin = emulator.add_member(gid, "lead", manage_channels=True)
    if can_tag:
        await emulator.allow_bot(forum, MANAGE_CHANNELS)
    return Forum(
        gid,
        forum,
        await emulator.create_post(forum, admin, "Practice setup", "Where the bot is set up"),
        admin,
        emulator.add_member(gid, "ana"),
        emulator.add_member(gid, "bo"),
    )


def bot_posts(emulator: DiscordEmulator, forum: int) -> list[dict[str, Any]]:
    return [t for t in emulator.threads_of(forum) if t["owner_id"] == str(emulator.bot_user_id)]


async def run(emulator: DiscordEmulator, forum: Forum, user: int, action: str, **options: Any) -> str:
    """/practice <action> from inside the forum's lobby post; what the person sees."""
    handle = await emulator.slash_command(forum.id, forum.lobby, user, "practice", options, subcommand=action)
    return text(await seen(handle))


async def test_a_day_in_a_forum_channel(
    emulator: DiscordEmulator, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    forum = await a_forum(emulator, require_tag=True)
    bot = await start_bot()
    subscribed = await run(emulator, forum, forum.admin, "subscribe")
    assert "at 09:00 UTC on mon-fri" in subscribed
    subscription = await bot.store.subscription_for(forum.ref)
    assert subscription is not None, "a command in a post subscribes the forum, not the post"

    await run(emulator, forum, forum.admin, "post-now")
    [post] = bot_posts(emulator, forum.channel)
    assert post["name"] == "Beginner question 1?"
    assert emulator.applied_tags(int(post["id"])) == ["Beginner"]
    assert emulator.forum_tags(forum.channel) == ["Help", "Beginner"]  # created, the old one kept
    [starter] = emulator.messages(int(post["id"]))
    assert starter["id"] == post["id"]
    assert "Answer in the thread" in text(starter)
    assert emulator.messages(forum.channel) == []  # a forum holds no messages of its own

    await emulator.post_message(int(post["id"]), forum.ana, "a full-duplex socket")
    await emulator.post_message(int(post["id"]), forum.bo, "an upgraded HTTP connection")
    await replies_stored(bot, 2)
    await bot.stop()  # read back at start-up: a reply written while the bot was away counts
    await emulator.post_message(int(post["id"]), forum.admin, "written while it was down")
    bot = await start_bot()
    await replies_stored(bot, 3)

    await run(emulator, forum, forum.admin, "reveal-now")
    reveal = emulator.messages(int(post["id"]))[-1]
    assert "The model answer to beginner question 1." in text(reveal)
    answered = f"Answered in time: <@{forum.ana}>, <@{forum.bo}>, <@{forum.admin}>"
    assert answered in text(reveal).splitlines()
    edited = emulator.messages(int(post["id"]))[0]
    assert "3 people answered in time" in text(edited)

    board = await seen(await emulator.slash_command(forum.id, int(post["id"]), forum.bo, "streaks", {}))
    assert "1. Ana - current 1, best 1, total 1\n2. Bo - current 1, best 1, total 1" in text(board)


FULL = tuple(f"Topic {n}" for n in range(20))  # Discord's most tags in one forum


@pytest.mark.parametrize(
    ("can_tag", "tags"), [(False, ("Help",)), (True, FULL)], ids=["no-permission", "20-tags"]
)
async def test_when_the_tag_cannot_be_made_the_question_is_posted_without_it(
    emulator: DiscordEmulator,
    start_bot: Callable[[], Awaitable[Running]],
    can_tag: bool,
    tags: tuple[str, ...],
) -> None:
    forum = await a_forum(emulator, can_tag=can_tag, tags=tags)
    await start_bot()
    await run(emulator, forum, forum.admin, "subscribe")
    await run(emulator, forum, forum.admin, "post-now")
    [post] = bot_posts(emulator, forum.channel)
    assert post["name"] == "Beginner question 1?"
    assert emulator.applied_tags(int(post["id"])) == []
    assert emulator.forum_tags(forum.channel) == list(tags)
    assert not [r for r in emulator.requests if r.method == "PATCH" and r.api_path.count("/") == 2]


async def test_a_refused_tag_edit_still_posts_the_question_without_its_tag(
    emulator: DiscordEmulator, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    """The bot's cache says it may Manage Channels, but the permission went meanwhile: 403 50013."""
    forum = await a_forum(emulator)
    await start_bot()
    await run(emulator, forum, forum.admin, "subscribe")
    emulator.world.channels[forum.channel].overwrites.clear()  # no CHANNEL_UPDATE: the cache is stale
    await run(emulator, forum, forum.admin, "post-now")
    [post] = bot_posts(emulator, forum.channel)
    assert emulator.applied_tags(int(post["id"])) == []
    assert [r.status for r in emulator.requests if r.method == "PATCH"] == [403]


async def test_a_forum_that_requires_tags_pauses_with_what_to_do_when_the_tag_cannot_be_made(
    emulator: DiscordEmulator, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    forum = await a_forum(emulator, require_tag=True, can_tag=False)
    bot = await start_bot()
    await run(emulator, forum, forum.admin, "subscribe")
    await run(emulator, forum, forum.admin, "post-now")
    assert bot_posts(emulator, forum.channel) == []
    subscription = await bot.store.subscription_for(forum.ref)
    assert subscription is not None and subscription.status is SubscriptionStatus.PAUSED
    assert subscription.status_reason == NEEDS_A_TAG
    assert "Manage Channels" in NEEDS_A_TAG and "/practice resume" in NEEDS_A_TAG


async def test_discords_own_tag_refusal_is_about_the_channel(
    emulator: DiscordEmulator, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    """The forum turned Require Tags on after the bot's cache was filled: Discord refuses (40067)."""
    forum = await a_forum(emulator, can_tag=False)
    bot = await start_bot()
    emulator.world.channels[forum.channel].flags = 1 << 4  # no CHANNEL_UPDATE: the cache is stale
    with pytest.raises(PlatformError) as refused:
        await bot.platform.post_question(
            forum.ref, Message(title="Q", body="?", tags=("Beginner",)), "n" * 20
        )
    assert refused.value.about is About.CHANNEL and refused.value.reason == NEEDS_A_TAG
    assert any(r.status == 400 and r.api_path.endswith("/threads") for r in emulator.requests)
    emulator.requests.clear()  # that 400 was the point


@pytest.mark.parametrize("gateway", ["live", "held"])
async def test_a_forum_post_whose_answer_was_lost_is_found_and_completed_not_posted_twice(
    emulator: DiscordEmulator, start_bot: Callable[[], Awaitable[Running]], gateway: str
) -> None:
    """Forum thread creation takes no nonce: Discord creates the post, the answer is lost (503
    after the fact), and the resend must find the post, by the bot's cached threads or (the
    gateway's THREAD_CREATE not in yet) List Active Guild Threads, and send only the missing parts."""
    forum = await a_forum(emulator)
    bot = await start_bot()
    message = long_message("Question 9", 2)  # four parts: the starter and three in the post
    emulator.fail_next("POST", f"/channels/{forum.channel}/threads", 503, apply=True)
    if gateway == "held":
        await emulator.drop_gateway(hold=True)
    with pytest.raises(PlatformError):
        await bot.platform.post_question(forum.ref, message, "f" * 20)
    [post] = bot_posts(emulator, forum.channel)
    posted = await bot.platform.post_question(forum.ref, message, "f" * 20, resend=True)
    emulator.release_gateway()
    assert [p["id"] for p in bot_posts(emulator, forum.channel)] == [post["id"]]
    assert posted.thread_id == posted.message_id == post["id"]
    assert descriptions(emulator, int(post["id"])) == descriptions_of(message)
    active = [r for r in emulator.requests if r.api_path.endswith("/threads/active")]
    assert len(active) == (1 if gateway == "held" else 0)


def button(message: dict[str, Any], label: str) -> str:
    [custom_id] = [
        b["custom_id"] for row in message["components"] for b in row["components"] if b["label"] == label
    ]
    return str(custom_id)


async def test_blind_answers_bookmarks_a_deleted_starter_self_checks_and_the_recap_in_a_forum(
    emulator: DiscordEmulator, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    forum = await a_forum(emulator)
    bot = await start_bot()
    await run(emulator, forum, forum.admin, "subscribe", answers="blind")
    await run(emulator, forum, forum.admin, "post-now")
    [post] = bot_posts(emulator, forum.channel)
    where = int(post["id"])
    [starter] = emulator.messages(where)

    pressed = await emulator.click_button(forum.id, where, forum.ana, where, button(starter, "Answer"))
    assert (await pressed.response(timeout=5))["type"] == 9  # the private form opens
    told = await seen(await emulator.submit_modal(pressed, {"answer": "one TCP connection, upgraded"}))
    assert told["ephemeral"] and text(told).strip() == blind.SAVED
    marked = await seen(
        await emulator.click_button(forum.id, where, forum.bo, where, button(starter, "Bookmark"))
    )
    assert marked["ephemeral"]
    assert [b.question_id for b in await bot.store.bookmarks("discord", str(forum.bo))] == [
        starter_id(starter)
    ]

    await emulator.delete_message(where, where)  # a moderator deletes the starter; the post stays
    await run(emulator, forum, forum.admin, "reveal-now")
    in_post = emulator.messages(where)
    assert any("Everyone's answers" in text(m) and "one TCP connection" in text(m) for m in in_post)
    reveal = in_post[-1]
    assert "Model answer" in text(reveal)
    subscription = await bot.store.subscription_for(forum.ref)
    assert subscription is not None and subscription.status is SubscriptionStatus.ACTIVE
    checked = await seen(
        await emulator.click_button(forum.id, where, forum.ana, int(reveal["id"]), "pb:covered:1:3")
    )
    assert "Marked 3 of 3 key points" in text(checked)

    sent = await run(emulator, forum, forum.admin, "recap-now")
    assert "Sent a recap of the last seven days" in sent
    [recap] = [p for p in bot_posts(emulator, forum.channel) if p["id"] != post["id"]]
    assert recap["name"].startswith("Weekly recap")
    [picture] = emulator.messages(int(recap["id"]))
    assert picture["attachments"] and picture["embeds"][0]["image"]["url"].startswith("attachment://")
    assert emulator.applied_tags(int(recap["id"])) == []  # a recap has no level
    assert emulator.messages(forum.channel) == []


def starter_id(starter: dict[str, Any]) -> str:
    return str(starter["embeds"][0]["footer"]["text"])  # the question id, shown in the footer
