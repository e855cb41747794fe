"""Pack files from Discord, the platform side: /practice pack import's attachment option on the real
discord.py against the Discord emulator (signed CDN links that expire, downloads cut off), the
size limit before any download, a non-admin's file never fetched, and a slow download deferred
within Discord's 3 seconds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.core.shared.messages import ATTACHMENT_MAX_BYTES
from tests.e2e.pack_samples import GOOD_CSV, NOT_JSON, PARTLY_BAD_CSV, PROBLEMS
from tests.e2e.test_discord import (  # noqa: F401 - fixtures, used by name
    Guild,
    Running,
    emulator,
    guild,
    seen,
    start_bot,
    text,
)
from tests.emulators.discord import DiscordEmulator, InteractionHandle
from tests.emulators.discord.emulator import DROPPED

CSV = b"question,answer\nWhat is 6 x 7?,42\n"


async def pack_import(
    emu: DiscordEmulator, where: Guild, user: int, file_id: int, **options: Any
) -> InteractionHandle:
    return await emu.slash_command(
        where.id, where.channel, user, "practice", {"file": file_id, **options}, subcommand="pack import"
    )


async def test_the_commands_are_registered_with_an_attachment_option_and_format_choices(
    emulator: DiscordEmulator,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    [practice] = [c for c in emulator.commands if c["name"] == "practice"]
    [group] = [o for o in practice["options"] if o["name"] == "pack"]
    subcommands = {o["name"]: o for o in group["options"]}
    file, into = subcommands["import"]["options"]
    assert (file["name"], file["type"], file.get("required")) == ("file", 11, True)
    assert (into["name"], into["type"], into.get("required", False)) == ("into", 3, False)
    export = {o["name"]: o for o in subcommands["export"]["options"]}
    assert [c["value"] for c in export["format"]["choices"]] == ["csv", "json", "yaml", "apkg"]


async def test_a_file_over_2_mb_is_refused_from_its_size_without_downloading_it(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    big = emulator.attach_file(guild.channel, "huge <@everyone>.csv", b"x" * (ATTACHMENT_MAX_BYTES + 1))
    answer = await seen(await pack_import(emulator, guild, guild.admin, big))
    assert answer["ephemeral"]
    said = text(answer)
    assert "is 2.0 MB: a pack file may be at most 2 MB." in said
    assert "<@everyone>" not in said  # the name comes back inert
    assert emulator.cdn.downloads == []  # not a byte of it was fetched


async def test_an_expired_link_and_a_cut_download_are_answered_with_what_to_do(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    expired = emulator.attach_file(guild.channel, "pack.csv", CSV)
    emulator.cdn.expire(expired)
    answer = await seen(await pack_import(emulator, guild, guild.admin, expired))
    assert answer["ephemeral"] and "Discord's link to pack.csv has expired" in text(answer)
    assert "attach the file anew" in text(answer)

    cut = emulator.attach_file(guild.channel, "pack.csv", CSV * 1000)
    emulator.cdn.drop_next_download(after_bytes=500)
    answer = await seen(await pack_import(emulator, guild, guild.admin, cut))
    assert "the download of pack.csv was cut off before the end: try again." in text(answer)


async def test_a_non_admins_file_is_refused_and_never_fetched(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    file_id = emulator.attach_file(guild.channel, "pack.csv", CSV)
    answer = await seen(await pack_import(emulator, guild, guild.ana, file_id, into="team"))
    assert answer["ephemeral"] and "/practice pack import is for channel admins." in text(answer)
    assert emulator.cdn.downloads == []


async def test_a_bad_pack_name_is_refused_before_the_download(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    file_id = emulator.attach_file(guild.channel, "pack.csv", CSV)
    answer = await seen(await pack_import(emulator, guild, guild.admin, file_id, into="Team Pack!"))
    assert "'Team Pack!' is not a pack id" in text(answer)
    assert emulator.cdn.downloads == []


async def test_a_slow_download_is_deferred_within_three_seconds_then_answered(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot(ack_within=0.05)
    file_id = emulator.attach_file(guild.channel, "pack.csv", CSV * 10)
    slow = emulator.cdn.hold_downloads()
    emulator.cdn.drop_next_download(after_bytes=3)  # and when it comes, it is cut off
    handle = await pack_import(emulator, guild, guild.admin, file_id)
    first = await handle.response(timeout=3)  # the emulator refuses a callback after 3 s
    assert first["type"] == 5 and first["data"]["flags"] & 64  # deferred, privately
    await emulator.wait_for(lambda: emulator.cdn.waiting, what="the download to start")
    slow.set()
    answer = await seen(handle)
    assert answer["ephemeral"] and "was cut off before the end" in text(answer)


async def test_an_import_from_chat_reports_and_its_export_comes_back_as_a_file_that_imports_again(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    good = emulator.attach_file(guild.channel, "ports.csv", GOOD_CSV)
    answer = await seen(await pack_import(emulator, guild, guild.admin, good, into="networking"))
    assert answer["ephemeral"]
    assert "Imported ports.csv into networking: 2 added, 0 updated, 0 unchanged, 0 refused." in text(answer)

    handle = await emulator.slash_command(
        guild.id, guild.channel, guild.ana, "practice", {"pack": "networking", "format": "json"},
        subcommand="pack export",
    )  # fmt: skip
    exported = await seen(handle)
    assert exported["ephemeral"] and "networking: 2 questions as json, in networking.json." in text(exported)
    [file] = (await handle.original())["attachments"]  # the answer carries the file
    assert file["filename"] == "networking.json"
    async with aiohttp.ClientSession() as http, http.get(file["url"]) as got:  # as the person saves it
        data = await got.read()
    assert b"Why is TCP reliable?" in data

    again = emulator.attach_file(guild.channel, "networking.json", data)  # the export, attached anew
    answer = await seen(await pack_import(emulator, guild, guild.admin, again))  # the file names its pack
    assert "Imported networking.json into networking: 0 added, 0 updated, 2 unchanged" in text(answer)


async def test_a_partly_invalid_or_malformed_file_stores_nothing_and_names_every_problem(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    bad = emulator.attach_file(guild.channel, "ports.csv", PARTLY_BAD_CSV)
    answer = await seen(await pack_import(emulator, guild, guild.admin, bad, into="networking"))
    said = text(answer).replace("\\", "")  # Discord shows the Markdown escapes as the bare characters
    assert (
        answer["ephemeral"] and "Nothing imported from ports.csv (1 to add, 0 to update, 2 refused)" in said
    )
    assert all(
        f"ports.csv:{row} (row {row}): {problem}" in said
        for row, problem in zip((3, 4), PROBLEMS, strict=True)
    )
    broken = emulator.attach_file(guild.channel, "pack.json", NOT_JSON)
    answer = await seen(await pack_import(emulator, guild, guild.admin, broken, into="networking"))
    assert "Nothing imported from pack.json" in text(answer)
    handle = await emulator.slash_command(
        guild.id, guild.channel, guild.admin, "practice", {"pack": "networking"}, subcommand="pack export"
    )
    assert "no pack networking here" in text(await seen(handle))  # not even the good row was kept


async def test_an_export_over_discords_upload_limit_is_left_off_and_said(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot()
    good = emulator.attach_file(guild.channel, "ports.csv", GOOD_CSV)
    await seen(await pack_import(emulator, guild, guild.admin, good, into="networking"))
    emulator.attachment_size_limit = 100  # a server whose uploads are this small
    handle = await emulator.slash_command(
        guild.id,
        guild.channel,
        guild.ana,
        "practice",
        {"pack": "networking"},
        subcommand="pack export",
    )
    answer = await seen(handle)
    assert "more than Discord lets the bot attach here" in text(answer)
    assert "practicebot pack export" in text(answer)
    assert not [r for r in emulator.requests if r.status == 413]  # never sent to be refused


async def test_an_import_whose_answer_is_cut_off_is_answered_again_not_called_unrun(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    """The connection gives way under the interaction callback: the import is stored, so the
    person hears its report (sent again), not 'That command could not be run'."""
    await start_bot()
    good = emulator.attach_file(guild.channel, "ports.csv", GOOD_CSV)
    emulator.fail_next("POST", "/interactions/*/*/callback", DROPPED)
    answer = await seen(await pack_import(emulator, guild, guild.admin, good, into="networking"))
    assert answer["ephemeral"]
    assert "Imported ports.csv into networking: 2 added, 0 updated, 0 unchanged, 0 refused." in text(answer)
    assert [r.status for r in emulator.requests if r.path.endswith("/callback")] == [DROPPED, 200]


async def export_networking(emulator: DiscordEmulator, where: Guild) -> InteractionHandle:  # noqa: F811
    good = emulator.attach_file(where.channel, "ports.csv", GOOD_CSV)
    await seen(await pack_import(emulator, where, where.admin, good, into="networking"))
    return await emulator.slash_command(
        where.id, where.channel, where.ana, "practice", {"pack": "networking"}, subcommand="pack export"
    )


async def test_an_export_whose_file_never_arrives_says_so_instead_of_thinking_forever(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    """Deferred, then the follow-up carrying the file is cut off before Discord takes it: the
    answer comes without the file and says it could not be attached."""
    await start_bot(ack_within=0.0)
    emulator.fail_next("POST", "/webhooks/*/*", DROPPED, spare=1)  # the import's answer goes
    handle = await export_networking(emulator, guild)
    answer = await seen(handle)
    assert answer["ephemeral"] and "networking: 2 questions as csv, in networking.csv." in text(answer)
    assert "networking.csv could not be attached (the connection to Discord was cut): run it again." in text(
        answer
    )
    assert (await handle.original())["attachments"] == []


async def test_an_export_whose_file_arrived_but_not_discords_answer_is_not_sent_twice(
    emulator: DiscordEmulator,  # noqa: F811
    guild: Guild,  # noqa: F811
    start_bot: Callable[..., Awaitable[Running]],  # noqa: F811
) -> None:
    await start_bot(ack_within=0.0)
    emulator.fail_next("POST", "/webhooks/*/*", DROPPED, apply=True, spare=1)  # taken, the answer lost
    handle = await export_networking(emulator, guild)
    answer = await seen(handle)
    assert "could not be attached" not in text(answer)
    [file] = (await handle.original())["attachments"]
    assert file["filename"] == "networking.csv"
    await emulator.wait_for_request("GET", "/webhooks/*/*/messages/@original")  # it looked
    assert len(handle.followups) == 1  # the file once, nothing after it
