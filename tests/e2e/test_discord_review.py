"""Bookmarks, review and the reminder on the real discord.py against the Discord emulator: the
Bookmark button on a daily post, /bookmarks, /review with its grade buttons, the reminder as a DM
(once a day, also across a restart), remove and junk arguments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.e2e import test_discord as discord_e2e
from tests.e2e.test_discord import Guild, Running, daily_posts, practice, seen, text
from tests.emulators.discord import DiscordEmulator

# the Discord end-to-end fixtures, shared
emulator, guild, start_bot = discord_e2e.emulator, discord_e2e.guild, discord_e2e.start_bot

Q1 = "testpack/beginner-01"


def buttons(payload: dict[str, Any]) -> list[str]:
    data = payload.get("data", payload)
    return [c["custom_id"] for row in data.get("components") or [] for c in row["components"]]


async def command(
    emulator: DiscordEmulator, guild: Guild, user: int, name: str, **options: Any
) -> dict[str, Any]:
    return await seen(await emulator.slash_command(guild.id, guild.channel, user, name, options))


async def test_bookmark_from_the_daily_post_then_review_grade_remind_and_remove(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    bot = await start_bot()
    assert {c["name"] for c in emulator.commands} >= {"bookmarks", "review"}
    await practice(emulator, guild, guild.admin, "subscribe", time="09:00", timezone="Europe/Berlin")
    await practice(emulator, guild, guild.admin, "post-now")
    [post] = daily_posts(emulator, guild.channel)
    assert f"pb:bookmark:{Q1}" in buttons(post)  # a channel message with a persistent custom id

    pressed = await seen(
        await emulator.click_button(guild.id, guild.channel, guild.ana, int(post["id"]), f"pb:bookmark:{Q1}")
    )
    assert pressed["ephemeral"]
    assert "Bookmarked Beginner question 1? /review deals it back." in text(pressed)
    again = await seen(
        await emulator.click_button(guild.id, guild.channel, guild.ana, int(post["id"]), f"pb:bookmark:{Q1}")
    )
    assert "already bookmarked" in text(again)

    listed = await command(emulator, guild, guild.ana, "bookmarks")
    assert listed["ephemeral"]
    assert "1. Beginner question 1? - due now" in text(listed)
    assert "None yet" in text(await command(emulator, guild, guild.bo, "bookmarks"))

    on = await command(emulator, guild, guild.ana, "review", remind="on")
    assert "Review reminders are on: a private message at 09:00 Europe/Berlin" in text(on)
    await bot.service.run_post(1)  # the post wake-up
    await bot.service.run_post(1)  # and another the same day
    [dm] = emulator.direct.received_by(guild.ana)
    assert "1 bookmarked question due for review" in text(dm)
    assert buttons(dm) == ["pb:review:next"]
    assert dm["allowed_mentions"] == {"parse": []}
    assert emulator.direct.received_by(guild.bo) == []
    assert not bot.platform.client.persistent_views  # presses are answered by custom id, none kept
    await bot.stop()
    bot = await start_bot()
    await bot.service.run_post(1)
    assert len(emulator.direct.received_by(guild.ana)) == 1  # not twice after a restart
    held = await command(emulator, guild, guild.ana, "review")  # its answer stays hidden while open
    assert "Your next card: Beginner question 1? is open for answers in a channel right now" in text(held)
    await practice(emulator, guild, guild.admin, "reveal-now")

    card_handle = await emulator.slash_command(guild.id, guild.channel, guild.ana, "review", {})
    card = await seen(card_handle)
    assert card["ephemeral"]
    assert "Beginner question 1?" in text(card)
    assert buttons(card) == [f"pb:review-answer:{Q1}"]
    answer_handle = await emulator.click_button(
        guild.id, guild.channel, guild.ana, card_handle.record.original_id, f"pb:review-answer:{Q1}"
    )
    answer = await seen(answer_handle)
    assert "The model answer to beginner question 1." in text(answer)
    assert buttons(answer) == [f"pb:grade:{Q1}:{g}" for g in ("again", "hard", "good", "easy")]
    graded = await seen(
        await emulator.click_button(
            guild.id, guild.channel, guild.ana, answer_handle.record.original_id, f"pb:grade:{Q1}:good"
        )
    )
    assert graded["ephemeral"]
    assert "Graded good: Beginner question 1? comes back <t:" in text(graded)
    assert "Nothing else is due" in text(graded)
    assert "Nothing is due for review. Next: Beginner question 1?" in text(
        await command(emulator, guild, guild.ana, "review")
    )
    assert "- due <t:" in text(await command(emulator, guild, guild.ana, "bookmarks"))

    junk = await command(emulator, guild, guild.ana, "bookmarks", remove="first")
    assert "'first' is not a bookmark number or a question id" in text(junk)
    assert "There is no bookmark 4" in text(
        await command(emulator, guild, guild.ana, "bookmarks", remove="4")
    )
    removed = await command(emulator, guild, guild.ana, "bookmarks", remove="1")
    assert "Removed Beginner question 1? from your bookmarks" in text(removed)
    stale = await seen(
        await emulator.click_button(
            guild.id, guild.channel, guild.ana, answer_handle.record.original_id, f"pb:grade:{Q1}:easy"
        )
    )
    assert "not in your bookmarks any more" in text(stale)


async def test_a_person_who_takes_no_dms_costs_nobody_else_their_reminder(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    bot = await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe")
    await practice(emulator, guild, guild.admin, "post-now")
    [post] = daily_posts(emulator, guild.channel)
    for person in (guild.ana, guild.bo):
        await seen(
            await emulator.click_button(guild.id, guild.channel, person, int(post["id"]), f"pb:bookmark:{Q1}")
        )
        await command(emulator, guild, person, "review", remind="on")
    emulator.direct.refusing.add(guild.ana)
    await bot.service.run_post(1)
    assert emulator.direct.received_by(guild.ana) == []
    assert len(emulator.direct.received_by(guild.bo)) == 1


async def test_review_now_in_the_reminder_dm_deals_the_card_privately(
    emulator: DiscordEmulator, guild: Guild, start_bot: Callable[[], Awaitable[Running]]
) -> None:
    """The reminder's "Review now" is pressed in the DM itself (an interaction with `user`, a DM
    channel and no guild): the bot deals the review card there, privately, and the card's own
    button works in the DM too."""
    bot = await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe", time="09:00")
    await practice(emulator, guild, guild.admin, "post-now")
    [post] = daily_posts(emulator, guild.channel)
    await seen(
        await emulator.click_button(guild.id, guild.channel, guild.ana, int(post["id"]), f"pb:bookmark:{Q1}")
    )
    await command(emulator, guild, guild.ana, "review", remind="on")
    await bot.service.run_post(1)
    [dm] = emulator.direct.received_by(guild.ana)
    assert buttons(dm) == ["pb:review:next"]
    await practice(emulator, guild, guild.admin, "reveal-now")  # the card is dealt once revealed

    pressed = await emulator.click_dm_button(guild.ana, int(dm["id"]), "pb:review:next")
    assert "member" not in pressed.payload and "guild_id" not in pressed.payload  # as Discord sends it
    card = await seen(pressed)
    assert card["ephemeral"]
    assert "Beginner question 1?" in text(card)
    assert buttons(card) == [f"pb:review-answer:{Q1}"]
    assert emulator.direct.received_by(guild.ana) == [dm]  # dealt privately, nothing posted

    answer = await seen(
        await emulator.click_dm_button(guild.ana, pressed.record.original_id or 0, f"pb:review-answer:{Q1}")
    )
    assert answer["ephemeral"]
    assert "The model answer to beginner question 1." in text(answer)
    assert buttons(answer) == [f"pb:grade:{Q1}:{g}" for g in ("again", "hard", "good", "easy")]
