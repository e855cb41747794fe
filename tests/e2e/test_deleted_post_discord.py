"""A moderator deletes the daily question on Discord (issue 14, case 1), with the real discord.py
against the emulator. Discord then answers an edit of it with 404 Unknown Message (10008), and
the thread started from it stays: the reveal still happens there, the answers count, and the
channel stays active (before, the 404 paused the whole channel)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.shared.models import ChannelRef, PostStatus, SubscriptionStatus
from tests.e2e import test_discord as e2e
from tests.e2e.test_discord import Guild, Running, daily_posts, practice, replies_stored, seen, text
from tests.emulators.discord import DiscordEmulator

emulator, guild, start_bot = e2e.emulator, e2e.guild, e2e.start_bot  # the Discord e2e fixtures


async def test_a_deleted_question_is_revealed_in_its_thread_and_the_answers_count(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    bot = await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe")
    await practice(emulator, guild, guild.admin, "post-now")
    [post] = daily_posts(emulator, guild.channel)
    [thread] = emulator.threads_of(guild.channel)
    await emulator.post_message(int(thread["id"]), guild.ana, "an answer")
    await replies_stored(bot, 1)

    await emulator.delete_message(guild.channel, int(post["id"]))
    await practice(emulator, guild, guild.admin, "reveal-now")

    reveal = emulator.messages(int(thread["id"]))[-1]
    assert "The model answer to beginner question 1." in text(reveal)
    assert f"Answered in time: <@{guild.ana}>" in text(reveal)
    assert any(r.status == 404 and r.method == "PATCH" for r in emulator.requests)  # the edit was refused
    subscription = await bot.store.subscription_for(ChannelRef("discord", str(guild.id), str(guild.channel)))
    assert subscription is not None and subscription.status is SubscriptionStatus.ACTIVE
    closed = await bot.store.post(1)
    assert closed is not None and closed.status is PostStatus.REVEALED
    board = await seen(await emulator.slash_command(guild.id, guild.channel, guild.bo, "streaks", {}))
    assert "1. Ana - current 1, best 1, total 1" in text(board)
