"""Files through the Discord emulator, with the real discord.py: a slash command's attachment
option (type 11) arrives in `data.resolved.attachments` with a signed CDN link that expires, and a
file sent with an interaction response or follow-up is a multipart body checked as Discord does."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands

from .discord import DiscordEmulator
from .test_discord_emulator import TOKEN, ManualClock

CSV = b"question,answer\nWhat is 6 x 7?,42\n"


@dataclass
class Echo:
    """A bot whose /echo reads the attached file and sends it back, and whose /later defers first."""

    client: discord.Client
    tree: app_commands.CommandTree
    seen: list[discord.Attachment] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def make_echo(oversized: int = 0) -> Echo:
    client = discord.Client(intents=discord.Intents.none(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)
    echo = Echo(client, tree)

    @tree.command(description="Send the file back")
    async def upload(interaction: discord.Interaction, file: discord.Attachment, note: str = "") -> None:
        echo.seen.append(file)
        try:
            data = await file.read()
        except discord.HTTPException as exc:
            echo.errors.append(exc)
            await interaction.response.send_message(f"could not read it: {exc.status}", ephemeral=True)
            return
        back = discord.File(io.BytesIO(data + b"x" * oversized), filename=f"back-{file.filename}")
        await interaction.response.send_message(f"got {len(data)} bytes {note}", file=back, ephemeral=True)

    @tree.command(description="Think, then send a file")
    async def later(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("here", file=discord.File(io.BytesIO(CSV), filename="later.csv"))

    return echo


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@dataclass
class World:
    emulator: DiscordEmulator
    guild: int
    channel: int
    alice: int
    echo: Echo


async def running(emulator: DiscordEmulator, echo: Echo) -> AsyncIterator[World]:
    guild = emulator.add_guild("Practice")
    channel = emulator.add_channel(guild, "general")
    alice = emulator.add_member(guild, "alice")
    ready = asyncio.Event()
    echo.client.event(_set_on_ready(ready))
    task = asyncio.create_task(echo.client.start(TOKEN))
    try:
        await asyncio.wait_for(ready.wait(), 5)
        await echo.tree.sync()
        yield World(emulator, guild, channel, alice, echo)
    finally:
        await echo.client.close()
        await task


def _set_on_ready(ready: asyncio.Event):  # type: ignore[no-untyped-def]
    async def on_ready() -> None:
        ready.set()

    return on_ready


@pytest.fixture
async def world(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> AsyncIterator[World]:
    options = getattr(request, "param", {})
    emulator = DiscordEmulator(TOKEN, clock=clock, **options.get("emulator", {}))
    await emulator.start()
    monkeypatch.setattr(discord.http.Route, "BASE", emulator.api_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emulator.gateway_url))
    try:
        async for found in running(emulator, make_echo(options.get("oversized", 0))):
            yield found
    finally:
        await emulator.stop()


async def test_an_attachment_option_is_resolved_with_a_signed_link_and_the_file_comes_back(
    world: World,
) -> None:
    emulator = world.emulator
    file_id = emulator.attach_file(world.channel, "pack.csv", CSV)
    handle = await emulator.slash_command(
        world.guild, world.channel, world.alice, "upload", {"file": file_id}
    )
    [option] = handle.payload["data"]["options"]
    assert option == {"name": "file", "type": 11, "value": str(file_id)}
    resolved = handle.payload["data"]["resolved"]["attachments"][str(file_id)]
    assert (resolved["filename"], resolved["size"], resolved["content_type"]) == (
        "pack.csv",
        len(CSV),
        "text/csv",
    )
    assert resolved["ephemeral"] is True
    url = yarl.URL(resolved["url"])
    assert set(url.query) == {"ex", "is", "hm"}  # signed, expiring

    answer = await handle.response()
    assert answer["data"]["attachments"] == [
        {"id": 0, "filename": "back-pack.csv"}
    ]  # as discord.py numbers them
    original = await handle.original()
    assert original["content"] == f"got {len(CSV)} bytes "
    [sent] = original["attachments"]
    assert sent["filename"] == "back-pack.csv" and emulator.attachment_data[int(sent["id"])] == CSV
    async with aiohttp.ClientSession() as http, http.get(sent["url"]) as served:
        assert (served.status, await served.read()) == (200, CSV)  # the bot's own file is on the CDN too
    assert emulator.cdn.downloads == [file_id, int(sent["id"])]


async def test_an_expired_or_tampered_link_answers_404_like_the_cdn(world: World, clock: ManualClock) -> None:
    emulator = world.emulator
    file_id = emulator.attach_file(world.channel, "pack.csv", CSV)
    link = emulator.world.attachments[file_id]["url"]
    async with aiohttp.ClientSession() as http:
        tampered = str(yarl.URL(link).update_query(hm="0" * 64))
        async with http.get(tampered) as answer:
            assert (answer.status, await answer.text()) == (404, "This content is no longer available.")
        async with http.get(link.split("?")[0]) as answer:
            assert answer.status == 404  # unsigned
        clock.advance(24 * 3600 + 1)  # a day later the link has expired
        async with http.get(link) as answer:
            assert answer.status == 404
    handle = await emulator.slash_command(
        world.guild, world.channel, world.alice, "upload", {"file": file_id}
    )
    assert (await handle.response())["data"]["content"] == "could not read it: 404"


async def test_a_download_cut_off_mid_body_fails_in_the_client(world: World) -> None:
    emulator = world.emulator
    file_id = emulator.attach_file(world.channel, "pack.csv", CSV * 100)
    emulator.cdn.drop_next_download(after_bytes=100)
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientPayloadError):
            async with http.get(emulator.world.attachments[file_id]["url"]) as answer:
                await answer.read()
        async with http.get(emulator.world.attachments[file_id]["url"]) as answer:
            assert await answer.read() == CSV * 100  # the next try gets all of it
    assert emulator.cdn.downloads == [file_id]


async def test_a_deferred_answer_carries_its_file_in_the_follow_up(world: World) -> None:
    emulator = world.emulator
    handle = await emulator.slash_command(world.guild, world.channel, world.alice, "later")
    assert (await handle.response())["type"] == 5
    followup = await handle.followup()
    assert followup["content"] == "here" and followup["flags"] & 64  # the deferral's ephemerality
    [sent] = followup["attachments"]
    assert sent["filename"] == "later.csv" and emulator.attachment_data[int(sent["id"])] == CSV


@pytest.mark.parametrize(
    "world", [{"emulator": {"attachment_size_limit": 1000}, "oversized": 1000}], indirect=True
)
async def test_a_response_file_over_the_upload_limit_is_refused_with_413(world: World) -> None:
    emulator = world.emulator
    file_id = emulator.attach_file(world.channel, "pack.csv", CSV)
    handle = await emulator.slash_command(
        world.guild, world.channel, world.alice, "upload", {"file": file_id}
    )
    assert handle.payload["attachment_size_limit"] == 1000
    refused = await emulator.wait_for_request("POST", "/interactions/*/*/callback")
    assert refused.status == 413 and not handle.acknowledged
