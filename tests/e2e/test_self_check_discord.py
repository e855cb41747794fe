"""Self-check on the real discord.py against the Discord emulator (bodies checked against
Discord's OpenAPI spec): the reveal of a 5-point question carries six buttons in two action rows;
a person who answered presses "3 of 5" and the board shows their accuracy; a person who did not
answer is refused, privately."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.core.daily.questions import QuestionBank, load_bank, resolve_pack
from tests.e2e.test_discord import (  # noqa: F401 - fixtures, used by name
    Guild,
    Running,
    daily_posts,
    emulator,
    guild,
    practice,
    replies_stored,
    seen,
    start_bot,
    text,
)
from tests.emulators.discord import DiscordEmulator


@pytest.fixture
def bank() -> QuestionBank:
    """The shipped pack: its first question has five key points, so six buttons, two rows."""
    return load_bank([resolve_pack("websockets-realtime")])


async def test_a_person_who_answered_marks_three_of_five_and_the_board_shows_it(
    emulator: DiscordEmulator,  # noqa: F811 - the fixtures imported above
    guild: Guild,  # noqa: F811
    start_bot: Callable[[], Awaitable[Running]],  # noqa: F811
) -> None:
    bot = await start_bot()
    await practice(emulator, guild, guild.admin, "subscribe", time="09:00", timezone="UTC")
    await practice(emulator, guild, guild.admin, "post-now")
    [post] = daily_posts(emulator, guild.channel)
    thread = int(post["id"])
    await emulator.post_message(thread, guild.ana, "a full-duplex socket over one TCP connection")
    await emulator.post_message(thread, guild.bo, "an upgraded HTTP request")
    await replies_stored(bot, 2)
    await practice(emulator, guild, guild.admin, "reveal-now")

    reveal = emulator.messages(thread)[-1]
    assert "Key points: - [ ] Standardized as RFC 6455" in text(reveal)
    rows = reveal["components"]
    assert [row["type"] for row in rows] == [1, 1]  # action rows: five buttons fit in one
    assert [[b["label"] for b in row["components"]] for row in rows] == [
        ["0 of 5", "1 of 5", "2 of 5", "3 of 5", "4 of 5"],
        ["5 of 5", "Bookmark"],
    ]
    three = rows[0]["components"][3]["custom_id"]
    assert three == "pb:covered:1:3"

    marked = await seen(await emulator.click_button(guild.id, thread, guild.ana, int(reveal["id"]), three))
    assert marked["ephemeral"]
    assert (
        text(marked).strip() == "Marked 3 of 5 key points for What is WebSocket? It is in your /review queue."
    )
    refused = await seen(await emulator.click_button(guild.id, thread, guild.cy, int(reveal["id"]), three))
    assert refused["ephemeral"]
    assert "Only people who answered What is WebSocket? in its thread can self-check it." in text(refused)

    board = await seen(await emulator.slash_command(guild.id, guild.channel, guild.cy, "streaks", {}))
    assert not board["ephemeral"]
    assert "1. Ana - current 1, best 1, total 1, accuracy 60%\n2. Bo - current 1, best 1, total 1\n" in text(
        board
    )
    mine = await seen(
        await emulator.slash_command(guild.id, guild.channel, guild.ana, "streaks", {"me": True})
    )
    assert "accuracy 60% (3 of 5 key points over 1 self-check)" in text(mine)
    for message in emulator.stored_messages(thread):
        if message.author.id == emulator.bot_user_id:
            assert message.allowed_mentions == {"parse": []}, "the bot must never be able to ping anyone"
