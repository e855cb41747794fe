"""Blind answers on the real discord.py against the Discord emulator (the modal checked against
Discord's OpenAPI spec): two people answer through the Answer button's modal, none of their text
is in any channel or thread message before the reveal, both appear in the thread at the reveal,
the board counts them; a restart between submission and reveal loses nothing and publishes once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.core.blind import rules as blind
from tests.e2e.gate import Gate
from tests.e2e.test_discord import (  # noqa: F401 - fixtures, used by name
    EPHEMERAL,
    Guild,
    Running,
    daily_posts,
    emulator,
    guild,
    practice,
    seen,
    start_bot,
    text,
)
from tests.emulators.discord import DiscordEmulator, InteractionHandle

ANA_TEXT = "Ana: one **TCP** socket, both ways @everyone"
BO_TEXT = "Bo: an HTTP/1.1 upgrade answered with 101"


def everything_public(emu: DiscordEmulator, where: Guild) -> str:
    """Every message stored in the channel and in its threads."""
    channels = [where.channel, *(int(t["id"]) for t in emu.threads_of(where.channel))]
    return "\n".join(text(m) for c in channels for m in emu.messages(c))


async def blind_post(emu: DiscordEmulator, where: Guild) -> dict[str, Any]:
    """The channel subscribed with blind answers, and today's post in it."""
    await practice(emu, where, where.admin, "subscribe", time="09:00", answers="blind")
    await practice(emu, where, where.admin, "post-now")
    [post] = daily_posts(emu, where.channel)
    return post


async def press_answer(
    emu: DiscordEmulator, where: Guild, user: int, post: dict[str, Any]
) -> InteractionHandle:
    [button] = [b for row in post["components"] for b in row["components"] if b["label"] == "Answer"]
    return await emu.click_button(where.id, where.channel, user, int(post["id"]), button["custom_id"])


async def answer(
    emu: DiscordEmulator, where: Guild, user: int, post: dict[str, Any], words: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Press Answer on the post, fill in the modal; (the modal, what the person is told)."""
    pressed = await press_answer(emu, where, user, post)
    shown = await pressed.response(timeout=5)
    assert shown["type"] == 9, shown  # MODAL
    submitted = await emu.submit_modal(pressed, {"answer": words})
    return shown["data"], await seen(submitted)


async def test_two_blind_answers_are_hidden_until_the_reveal_and_survive_a_restart(
    emulator: DiscordEmulator,  # noqa: F811 - the fixtures imported above
    guild: Guild,  # noqa: F811
    start_bot: Callable[[], Awaitable[Running]],  # noqa: F811
) -> None:
    bot = await start_bot()
    subscribed = await practice(emulator, guild, guild.admin, "subscribe", time="09:00", answers="blind")
    assert "blind answers" in text(subscribed)
    await practice(emulator, guild, guild.admin, "post-now")
    [post] = daily_posts(emulator, guild.channel)
    assert "it stays hidden until the reveal" in text(post)

    modal, told = await answer(emulator, guild, guild.ana, post, ANA_TEXT)
    assert modal["custom_id"] == "pb:blind:1" and len(modal["title"]) <= 45
    assert told["ephemeral"] and text(told).strip() == blind.SAVED
    _, told = await answer(emulator, guild, guild.bo, post, "a first draft")
    assert told["ephemeral"]
    too_long, told = await answer(emulator, guild, guild.bo, post, "x" * (blind.MAX_ANSWER + 1))
    assert "a first draft" in str(too_long["components"])  # the modal opens with Bo's draft in it
    assert told["ephemeral"] and f"answers take at most {blind.MAX_ANSWER}" in text(told)
    await bot.stop()

    bot = await start_bot()  # nothing lost: the form works by custom id after a restart
    _, told = await answer(emulator, guild, guild.bo, post, BO_TEXT)
    assert text(told).strip() == blind.REPLACED
    public = everything_public(emulator, guild)
    for secret in ("TCP", "upgrade answered", "first draft"):
        assert secret not in public

    await practice(emulator, guild, guild.admin, "reveal-now")
    [thread] = emulator.threads_of(guild.channel)
    in_thread = emulator.messages(int(thread["id"]))
    [answers] = [m for m in in_thread if "Everyone's answers" in text(m)]
    body = text(answers)
    assert f"<@{guild.ana}> answered:" in body and f"<@{guild.bo}> answered:" in body
    assert "\\*\\*TCP\\*\\*" in body and "101" in body and "first draft" not in body
    assert in_thread.index(answers) < next(i for i, m in enumerate(in_thread) if "Model answer" in text(m))
    for message in emulator.stored_messages(int(thread["id"])):
        assert message.allowed_mentions == {"parse": []}, "the bot must never be able to ping anyone"
    board = await seen(await emulator.slash_command(guild.id, guild.channel, guild.cy, "streaks", {}))
    assert "Ana - current 1" in text(board) and "Bo - current 1" in text(board)

    [revealed] = daily_posts(emulator, guild.channel)
    assert [b["label"] for row in revealed["components"] for b in row["components"]] == ["Bookmark"]
    await bot.stop()
    bot = await start_bot()
    in_thread = emulator.messages(int(thread["id"]))
    assert sum("Everyone's answers" in text(m) for m in in_thread) == 1


async def test_a_form_too_slow_to_open_asks_to_press_again_and_the_next_press_opens_it(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reading the person's draft is held past the deferral deadline, so the press is deferred; a modal can
    only be the first answer to a press, so the person is told privately to press again, and no
    modal is sent. With the store answering again, the next press opens the form."""
    bot = await start_bot(ack_within=0.05)
    post = await blind_post(emulator, guild)
    reading = Gate(monkeypatch, bot.store, "blind_answer")
    pressed = await press_answer(emulator, guild, guild.ana, post)
    deferred = await pressed.response(timeout=5)  # deferred after 0.05 s: no sleep here
    assert deferred["type"] == 5, deferred  # DEFERRED_CHANNEL_MESSAGE, "thinking"
    assert deferred["data"]["flags"] & EPHEMERAL
    assert reading.entered.is_set()
    reading.open()
    told = await pressed.original(timeout=5)  # the follow-up replaces the loading message
    assert "press the button again" in text(told)
    assert told["flags"] & EPHEMERAL
    callbacks = [
        r.body
        for r in emulator.requests
        if r.path.endswith(f"/interactions/{pressed.id}/{pressed.record.token}/callback")
    ]
    assert [c["type"] for c in callbacks] == [5]  # no modal was tried after the deferral

    modal, told = await answer(emulator, guild, guild.ana, post, ANA_TEXT)  # the next press: the form
    assert modal["custom_id"] == "pb:blind:1"
    assert told["ephemeral"] and text(told).strip() == blind.SAVED
    assert await bot.store.blind_answer(1, str(guild.ana)) == ANA_TEXT


async def test_an_answer_submitted_after_the_reveal_is_quoted_back_privately(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[[], Awaitable[Running]],  # noqa: F811
) -> None:
    """A modal cannot stay open on Discord, so the text written while the question was revealed
    comes back in the private answer, inert, to paste into the thread; it is not counted."""
    bot = await start_bot()
    post = await blind_post(emulator, guild)
    pressed = await press_answer(emulator, guild, guild.bo, post)
    assert (await pressed.response(timeout=5))["type"] == 9  # the modal is open
    await practice(emulator, guild, guild.admin, "reveal-now")

    told = await seen(await emulator.submit_modal(pressed, {"answer": "Bo: written **late** @everyone"}))
    assert told["ephemeral"]
    assert "Answers closed while you were writing" in text(told)
    # the text, escaped so Discord shows it literally (no bold, no mention)
    assert "Bo\\: written \\*\\*late\\*\\* \\@everyone" in text(told)
    assert told["data"]["allowed_mentions"]["parse"] == []
    assert await bot.store.blind_answer(1, str(guild.bo)) is None
    assert "written" not in everything_public(emulator, guild)
