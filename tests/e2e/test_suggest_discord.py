"""Member suggestions on the real discord.py against the Discord emulator (modals checked against
Discord's OpenAPI spec and its at-most-5 rule): /practice suggest answers with the modal, a
refused submission comes back with every reason, the text and a button that reopens the modal
filled in; admins list the queue, approve (as it is, or edited in the same modal) and reject; the
author hears by DM; nobody is ever pinged. Approvals join the channel's own pack (in the database); its daily post credits the author."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from tests.e2e.test_discord import (  # noqa: F401 - fixtures, used by name
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

GOOD = {
    "level": "beginner",
    "title": "What does **DNS** resolve? @everyone",
    "summary": "A name to an address.",
    "answer": "A resolver asks the root, then the TLD, then the authoritative server.",
    "key_points": "recursive resolver\nroot and TLD servers\nTTL caching",
}


def inputs(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The modal's text inputs by custom id (each in a Label)."""
    return {c["component"]["custom_id"]: c["component"] for c in modal["components"] if c["type"] == 18}


async def open_modal(
    emu: DiscordEmulator, where: Guild, user: int, action: str, **options: Any
) -> InteractionHandle:
    handle = await emu.slash_command(where.id, where.channel, user, "practice", options, subcommand=action)
    shown = await handle.response(timeout=5)
    assert shown["type"] == 9, shown  # MODAL, as the first answer to the command
    return handle


async def test_a_suggestion_goes_through_the_queue_and_its_author_hears_by_dm(
    emulator: DiscordEmulator,  # noqa: F811 - the fixtures imported above
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    bot = await start_bot()  # the channel's own pack: bot/core/catalog/desk.py, in the database
    await practice(emulator, guild, guild.admin, "subscribe", time="09:00")

    opened = await open_modal(emulator, guild, guild.ana, "suggest")
    modal = (await opened.response())["data"]
    assert modal["custom_id"] == "pb:suggest:new" and len(modal["components"]) == 5
    assert all(len(c["label"]) <= 45 for c in modal["components"]) and len(modal["title"]) <= 45
    assert inputs(modal)["title"]["style"] == 1 and inputs(modal)["answer"]["style"] == 2

    bad = {**GOOD, "level": "expert", "key_points": "\n".join(f"point {i}" for i in range(7))}
    refused = await emulator.submit_modal(opened, bad)
    told = await seen(refused)
    assert told["ephemeral"] and "Not sent yet" in text(told)
    assert "'expert' is not one of" in text(told) and "7 key points; at most 6" in text(told)
    assert "point 6" in text(told)  # the text comes back, nothing lost
    message = await refused.original(timeout=5)
    [button] = [b for row in message["components"] for b in row["components"]]
    assert button["label"] == "Edit and send again"
    again = await emulator.click_button(
        guild.id, guild.channel, guild.ana, int(message["id"]), button["custom_id"]
    )
    reopened = (await again.response(timeout=5))["data"]
    assert inputs(reopened)["level"]["value"] == "expert"  # filled in with what was typed
    assert "'expert' is not one of" in str(reopened["components"])  # the reason beside the field
    queued = await seen(
        await emulator.submit_modal(again, {"level": "beginner", "key_points": GOOD["key_points"]})
    )
    assert queued["ephemeral"] and "#1 in this channel's review queue" in text(queued)

    refused_member = await practice(emulator, guild, guild.bo, "queue")
    assert "for channel admins" in text(refused_member)
    listed = await practice(emulator, guild, guild.admin, "queue")
    assert listed["ephemeral"] and f"by <@{guild.ana}>" in text(listed)  # a mention that notifies nobody
    assert "What does \\*\\*DNS\\*\\* resolve? \\@everyone" in text(listed)
    assert "for channel admins" in text(await practice(emulator, guild, guild.bo, "approve", number=1))

    approved = await practice(emulator, guild, guild.admin, "approve", number=1)
    added = re.search(r"Approved #1: .* joins this channel's own pack as (\S+),", text(approved))
    assert added is not None, text(approved)
    question = bot.service.bank.get(added[1])
    assert question is not None and question.suggested_by == "Ana"
    assert question.title == "What does **DNS** resolve? @everyone"
    [dm] = emulator.direct.received_by(guild.ana)
    assert "Your suggestion was approved" in text(dm)

    bo_form = await open_modal(emulator, guild, guild.bo, "suggest")
    await seen(await emulator.submit_modal(bo_form, {**GOOD, "title": "Bo's question?"}))
    rejected = await practice(
        emulator, guild, guild.admin, "reject", number=2, reason="a duplicate, sorry @everyone"
    )
    assert "Rejected #2" in text(rejected)
    [dm] = emulator.direct.received_by(guild.bo)
    assert "not taken" in text(dm) and "a duplicate, sorry \\@everyone" in text(dm)

    cy_form = await open_modal(emulator, guild, guild.cy, "suggest")
    await seen(await emulator.submit_modal(cy_form, {**GOOD, "title": "Cy's question?"}))
    edit = await open_modal(emulator, guild, guild.admin, "edit", number=3)
    shown = (await edit.response())["data"]
    assert shown["custom_id"] == "pb:suggest-edit:3" and inputs(shown)["title"]["value"] == "Cy's question?"
    edited = await seen(await emulator.submit_modal(edit, {"title": "Cy's question, sharpened?"}))
    added = re.search(r"Approved #3: .* joins this channel's own pack as (\S+),", text(edited))
    assert added is not None, text(edited)
    question = bot.service.bank.get(added[1])
    assert question is not None and (question.title, question.suggested_by) == (
        "Cy's question, sharpened?",
        "Cy",
    )
    assert len(emulator.direct.received_by(guild.cy)) == 1
    assert "No suggestions are waiting" in text(await practice(emulator, guild, guild.admin, "queue"))

    await practice(emulator, guild, guild.admin, "next", question=question.id)
    await practice(emulator, guild, guild.admin, "post-now")
    [post] = daily_posts(emulator, guild.channel)
    assert "Cy's question, sharpened?" in text(post) and "Suggested by: Cy" in text(post)
    sent = [m for record in emulator.interactions.by_id.values() for m in record.messages.values()]
    dms = [dm for person in (guild.ana, guild.bo, guild.cy) for dm in emulator.direct.received_by(person)]
    assert sent and all(m.allowed_mentions == {"parse": []} for m in sent), "the bot must never ping"
    assert all(dm["allowed_mentions"] == {"parse": []} for dm in dms)
