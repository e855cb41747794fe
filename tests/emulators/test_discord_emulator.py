"""The Discord emulator, proven with the real discord.py: a commands.Bot with an app_commands tree
connects over the emulator's WebSocket gateway and REST API, with nothing patched but the two
endpoints. Every wait is on an event with a timeout; nothing sleeps."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from .discord import DiscordEmulator, guild_id_on_shard, shard_of
from .discord.emulator import DROPPED
from .discord.waiting import Changes

TOKEN = "test-token"
T = TypeVar("T")


class ManualClock:
    """The emulator's clock for interaction deadlines, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Seen:
    """What the bot's event handlers saw, and waits on it."""

    def __init__(self) -> None:
        self.changes = Changes()
        self.ready = False
        self.resumed = 0
        self.messages: list[discord.Message] = []
        self.threads: list[discord.Thread] = []
        self.errors: list[app_commands.AppCommandError] = []
        self.refused: list[discord.HTTPException] = []  # what the emulator answered 400 to
        self.gate = asyncio.Event()  # the /late command answers once the test opens it

    def note(self) -> None:
        self.changes.notify()

    async def until(self, predicate: Callable[[], T], timeout: float = 3.0) -> T:  # noqa: ASYNC109
        return await self.changes.wait_for(predicate, timeout, "the bot")


class Reveal(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Reveal", custom_id="reveal")
    async def reveal(self, interaction: discord.Interaction, button: discord.ui.Button[Reveal]) -> None:
        await interaction.response.edit_message(content="The answer is 42.", view=None)


class WhoAmI(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Who am I?", custom_id="whoami")
    async def whoami(self, interaction: discord.Interaction, button: discord.ui.Button[WhoAmI]) -> None:
        where, who = type(interaction.channel).__name__, type(interaction.user).__name__
        await interaction.response.send_message(
            f"{who} {interaction.user.id} in {where}, guild {interaction.guild_id}", ephemeral=True
        )


class Feedback(discord.ui.Modal, title="Feedback"):
    def __init__(self) -> None:
        super().__init__()
        self.text: discord.ui.TextInput[Feedback] = discord.ui.TextInput(custom_id="text")
        self.add_item(discord.ui.Label(text="Your feedback", component=self.text))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


def make_bot(seen: Seen) -> commands.Bot:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    bot = commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
    quiet = discord.AllowedMentions.none()

    @bot.tree.command(description="Answers pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong", allowed_mentions=quiet)

    @bot.tree.command(description="Only you see this")
    async def secret(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("just for you", ephemeral=True)

    @bot.tree.command(description="Thinks, then answers")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("done thinking", allowed_mentions=quiet)

    @bot.tree.command(description="Answers when the test lets it")
    async def late(interaction: discord.Interaction) -> None:
        await seen.gate.wait()
        await interaction.response.send_message("too late?")

    @bot.tree.command(description="Tell us what you think")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    @bot.tree.command(description="A form in the deprecated shape")
    async def oldform(interaction: discord.Interaction) -> None:
        old = discord.ui.Modal(title="Old")
        old.add_item(discord.ui.TextInput(label="Your feedback", custom_id="text"))  # in an action row
        try:
            await interaction.response.send_modal(old)
        except discord.HTTPException as exc:
            seen.refused.append(exc)
            seen.note()

    async def topics(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = ["websockets", "webhooks", "databases"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    @bot.tree.command(description="Pick a topic")
    @app_commands.autocomplete(name=topics)
    async def topic(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"topic {name}")

    practice = app_commands.Group(name="practice", description="Practice questions")

    @practice.command(description="Start practising")
    @app_commands.choices(
        level=[app_commands.Choice(name=n.title(), value=n) for n in ("beginner", "intermediate", "advanced")]
    )
    async def start(
        interaction: discord.Interaction,
        level: app_commands.Choice[str],
        channel: discord.TextChannel | None = None,
    ) -> None:
        where = channel.mention if channel else "here"
        await interaction.response.send_message(f"starting {level.value} in {where}", allowed_mentions=quiet)

    bot.tree.add_command(practice)

    @bot.tree.error
    async def on_app_command_error(
        interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        seen.errors.append(error)
        seen.note()

    async def on_ready() -> None:
        seen.ready = True
        seen.note()

    async def on_resumed() -> None:
        seen.resumed += 1
        seen.note()

    async def on_message(message: discord.Message) -> None:
        seen.messages.append(message)
        seen.note()

    async def on_thread_create(thread: discord.Thread) -> None:
        seen.threads.append(thread)
        seen.note()

    async def on_guild_channel_delete(channel: discord.abc.GuildChannel) -> None:
        seen.note()

    for listener in (on_ready, on_resumed, on_message, on_thread_create, on_guild_channel_delete):
        bot.add_listener(listener)
    return bot


@dataclass
class Place:
    guild: int
    channel: int
    other: int
    alice: int


@dataclass
class Running:
    emulator: DiscordEmulator
    place: Place
    bot: commands.Bot
    seen: Seen

    def channel(self, channel_id: int | None = None) -> discord.TextChannel:
        found = self.bot.get_channel(channel_id or self.place.channel)
        assert isinstance(found, discord.TextChannel)
        return found


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def emulator(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> AsyncIterator[DiscordEmulator]:
    options: dict[str, Any] = getattr(request, "param", {})
    emulator = DiscordEmulator(TOKEN, clock=clock, **options)
    await emulator.start()
    monkeypatch.setattr(discord.http.Route, "BASE", emulator.api_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emulator.gateway_url))
    yield emulator
    await emulator.stop()


@pytest.fixture
async def running(emulator: DiscordEmulator) -> AsyncIterator[Running]:
    guild = emulator.add_guild("Practice")
    place = Place(
        guild,
        emulator.add_channel(guild, "general"),
        emulator.add_channel(guild, "questions"),
        emulator.add_member(guild, "alice"),
    )
    seen = Seen()
    bot = make_bot(seen)
    task = asyncio.create_task(bot.start(TOKEN))
    try:
        await seen.until(lambda: seen.ready or task.done())
        if task.done():
            task.result()
        yield Running(emulator, place, bot, seen)
    finally:
        await bot.close()
        await task


async def test_ready_brings_the_bot_user_its_guilds_and_records_the_intents(running: Running) -> None:
    emulator, place, bot = running.emulator, running.place, running.bot
    assert bot.user is not None and bot.user.id == emulator.bot_user_id
    guild = bot.get_guild(place.guild)
    assert guild is not None and guild.name == "Practice" and guild.me is not None
    assert {c.name for c in guild.text_channels} == {"general", "questions"}
    assert bot.application_id == emulator.application_id
    assert emulator.intents == discord.Intents(guilds=True, guild_messages=True).value
    assert emulator.identify_count == 1
    logged_in = [(q.method, q.api_path) for q in emulator.requests[:2]]
    assert logged_in == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]


async def test_commands_sync_and_a_slash_command_is_answered(running: Running) -> None:
    emulator, place = running.emulator, running.place
    synced = await running.bot.tree.sync()
    assert {c.name for c in synced} == {
        "ping",
        "secret",
        "slow",
        "late",
        "feedback",
        "oldform",
        "topic",
        "practice",
    }
    assert {c["name"] for c in emulator.commands} == {c.name for c in synced}
    assert all(c.id == int(emulator.commands[i]["id"]) for i, c in enumerate(synced))

    ping = await emulator.slash_command(place.guild, place.channel, place.alice, "ping")
    answer = await ping.response()
    assert answer["type"] == 4
    assert (answer["data"]["content"], answer["data"]["allowed_mentions"]) == ("pong", {"parse": []})
    original = await ping.original()
    assert original["content"] == "pong" and original["interaction_metadata"]["name"] == "ping"
    assert emulator.messages(place.channel)[-1]["id"] == original["id"]

    start = await emulator.slash_command(
        place.guild,
        place.channel,
        place.alice,
        "practice",
        {"level": "advanced", "channel": place.other},
        subcommand="start",
    )
    assert (await start.response())["data"]["content"] == f"starting advanced in <#{place.other}>"


async def test_guild_commands_take_precedence_and_keep_their_ids_on_resync(running: Running) -> None:
    emulator, place, tree = running.emulator, running.place, running.bot.tree
    tree.copy_global_to(guild=discord.Object(place.guild))
    first = await tree.sync(guild=discord.Object(place.guild))
    again = await tree.sync(guild=discord.Object(place.guild))
    assert [c.id for c in first] == [c.id for c in again]
    assert all(c.guild_id == place.guild for c in again)
    handle = await emulator.slash_command(place.guild, place.channel, place.alice, "ping")
    assert handle.payload["data"]["guild_id"] == str(place.guild)
    assert (await handle.response())["data"]["content"] == "pong"


async def test_an_ephemeral_answer_stays_out_of_the_channel_and_a_deferral_is_completed_by_its_follow_up(
    running: Running,
) -> None:
    emulator, place = running.emulator, running.place
    await running.bot.tree.sync()

    secret = await emulator.slash_command(place.guild, place.channel, place.alice, "secret")
    assert (await secret.response())["data"]["flags"] & 64
    assert (await secret.original())["content"] == "just for you"
    assert emulator.messages(place.channel) == []

    slow = await emulator.slash_command(place.guild, place.channel, place.alice, "slow")
    assert (await slow.response())["type"] == 5
    followup = await slow.followup()
    assert followup["content"] == "done thinking"
    # Discord: the first follow-up after a deferral replaces the "thinking" message
    assert (await slow.original())["id"] == followup["id"]
    assert [m["content"] for m in emulator.messages(place.channel)] == ["done thinking"]


async def test_autocomplete_and_a_modal_round_trip(running: Running) -> None:
    emulator, place = running.emulator, running.place
    await running.bot.tree.sync()
    typing = await emulator.autocomplete(
        place.guild, place.channel, place.alice, "topic", {"name": "web"}, "name"
    )
    assert [c["value"] for c in await typing.choices()] == ["websockets", "webhooks"]

    shown = await emulator.slash_command(place.guild, place.channel, place.alice, "feedback")
    assert (await shown.response())["type"] == 9
    assert [c["type"] for c in (await shown.response())["data"]["components"]] == [18]  # a Label
    submitted = await emulator.submit_modal(shown, {"text": "great questions"})
    assert submitted.payload["data"]["components"][0]["component"]["value"] == "great questions"
    assert (await submitted.response())["data"]["content"] == "thanks: great questions"


async def test_a_modal_in_the_deprecated_action_row_shape_is_refused(running: Running) -> None:
    emulator, place = running.emulator, running.place
    await running.bot.tree.sync()
    await emulator.slash_command(place.guild, place.channel, place.alice, "oldform")
    [refused] = await running.seen.until(lambda: running.seen.refused)
    assert refused.status == 400 and "deprecated" in str(refused)


async def test_a_message_with_an_embed_gets_a_thread_whose_replies_reach_the_bot(running: Running) -> None:
    emulator, place, seen = running.emulator, running.place, running.seen
    embed = discord.Embed(title="Question 1", description="What is a WebSocket?").add_field(
        name="Level", value="beginner"
    )
    message = await running.channel().send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
    stored = emulator.messages(place.channel)[-1]
    assert (
        stored["embeds"][0]["title"] == "Question 1"
        and stored["embeds"][0]["fields"][0]["value"] == "beginner"
    )

    thread = await message.create_thread(name="Answers", auto_archive_duration=1440)
    assert thread.id == message.id
    announced = await seen.until(lambda: seen.threads)  # THREAD_CREATE reached the bot's cache
    assert announced[0].id == thread.id and running.bot.get_channel(thread.id) is not None
    assert emulator.threads_of(place.channel)[0]["thread_metadata"]["auto_archive_duration"] == 1440
    await thread.join()
    assert emulator.thread_members(thread.id) == [emulator.bot_user_id]
    assert [e.name for e in emulator.dispatched()][-3:] == [
        "THREAD_CREATE",
        "THREAD_MEMBERS_UPDATE",
        "MESSAGE_UPDATE",
    ]

    await emulator.post_message(thread.id, place.alice, "my answer")
    await emulator.post_message(thread.id, place.alice, f"<@{emulator.bot_user_id}> is this right?")

    def from_alice() -> list[discord.Message]:
        found = [m for m in seen.messages if m.author.id == place.alice]
        return found if len(found) == 2 else []

    replies = await seen.until(from_alice)
    assert all(m.channel.id == thread.id for m in replies)
    # no MESSAGE_CONTENT intent: content only where the bot is mentioned
    assert [m.content for m in replies] == ["", f"<@{emulator.bot_user_id}> is this right?"]
    assert [m.allowed_mentions for m in emulator.stored_messages(place.channel)] == [{"parse": []}]


async def test_enforce_nonce_makes_a_retry_after_a_lost_answer_post_only_once(running: Running) -> None:
    emulator, place = running.emulator, running.place
    first = await running.channel().send("posted once", nonce=4242)
    second = await running.channel().send("posted once", nonce=4242)
    assert second.id == first.id
    # the message is created but the 500 loses the answer; discord.py retries with the same nonce
    emulator.fail_next("POST", "/channels/*/messages", 500, apply=True)
    retried = await running.channel().send("created, answer lost")
    posts = [q for q in emulator.requests if q.method == "POST"]
    assert [q.status for q in posts][-2:] == [500, 200]
    assert posts[-1].body["nonce"] == posts[-2].body["nonce"] and posts[-1].body["enforce_nonce"] is True
    contents = [m["content"] for m in emulator.messages(place.channel)]
    assert contents == ["posted once", "created, answer lost"]
    assert emulator.messages(place.channel)[-1]["id"] == str(retried.id)


async def test_a_dropped_connection_answers_nothing_before_or_after_serving(running: Running) -> None:
    emulator, place = running.emulator, running.place
    emulator.fail_next("POST", "/channels/*/messages", DROPPED)
    with pytest.raises(aiohttp.ClientError):
        await running.channel().send("never taken")
    emulator.fail_next("POST", "/channels/*/messages", DROPPED, apply=True)
    with pytest.raises(aiohttp.ClientError):
        await running.channel().send("taken, the answer lost")
    assert [m["content"] for m in emulator.messages(place.channel)] == ["taken, the answer lost"]
    assert [q.status for q in emulator.requests if q.method == "POST"][-2:] == [DROPPED, DROPPED]


async def test_too_long_content_or_embeds_get_invalid_form_body_and_nothing_is_posted(
    running: Running,
) -> None:
    with pytest.raises(discord.HTTPException) as too_long:
        await running.channel().send("x" * 2001)
    assert (too_long.value.status, too_long.value.code) == (400, 50035)
    assert "content" in too_long.value.text

    embed = discord.Embed(title="t" * 256, description="d" * 4096).set_footer(text="f" * 1649)
    with pytest.raises(discord.HTTPException) as too_big:
        await running.channel().send(embed=embed)
    assert too_big.value.code == 50035 and "6000" in too_big.value.text
    assert running.emulator.messages(running.place.channel) == []


async def test_a_429_with_via_is_retried_by_discord_py(running: Running) -> None:
    emulator, place = running.emulator, running.place
    emulator.fail_next("POST", "/channels/*/messages", 429, body={"retry_after": 0.05})
    message = await running.channel().send("after a 429")
    posts = [
        q
        for q in emulator.requests
        if q.method == "POST" and q.api_path == f"/channels/{place.channel}/messages"
    ]
    assert [q.status for q in posts] == [429, 200]
    assert (
        posts[0].response_headers["Via"] == "1.1 google" and posts[0].response_headers["Retry-After"] == "1"
    )
    assert emulator.count_429 == 1
    assert emulator.messages(place.channel)[-1]["id"] == str(message.id)


@pytest.mark.parametrize(
    "emulator", [{"route_limits": {"POST /channels/{channel_id}/messages": (2, 0.3)}}], indirect=True
)
async def test_bucket_headers_make_discord_py_wait_instead_of_being_limited(running: Running) -> None:
    for n in range(3):
        await running.channel().send(f"burst {n}")
    posts = [q for q in running.emulator.requests if q.method == "POST"]
    assert [q.response_headers["X-RateLimit-Remaining"] for q in posts] == ["1", "0", "1"]
    assert running.emulator.count_429 == 0


@pytest.mark.parametrize("code", [4000, None], ids=["close-4000", "abrupt"])
async def test_a_dropped_gateway_resumes_and_replays_what_happened_meanwhile(
    running: Running, code: int | None
) -> None:
    emulator, place, seen = running.emulator, running.place, running.seen
    assert await emulator.drop_gateway(code, hold=True) == 1
    posted = await emulator.post_message(place.channel, place.alice, "written while the bot was away")
    emulator.release_gateway()
    await seen.until(lambda: seen.resumed)
    arrived = await seen.until(lambda: [m for m in seen.messages if m.id == int(posted["id"])])
    assert arrived[0].channel.id == place.channel
    assert (emulator.identify_count, emulator.resume_count) == (1, 1)
    assert emulator.replayed_on_last_resume == 1
    assert any(q.path == "/gateway/resume" for q in emulator.requests)  # READY's resume_gateway_url


async def test_a_button_click_reaches_the_view_and_updates_the_message(running: Running) -> None:
    emulator, place = running.emulator, running.place
    message = await running.channel().send("What is 6 x 7?", view=Reveal())
    click = await emulator.click_button(place.guild, place.channel, place.alice, message.id, "reveal")
    assert (await click.response())["type"] == 7
    updated = emulator.messages(place.channel)[-1]
    assert (updated["content"], updated["components"]) == ("The answer is 42.", [])


async def test_a_button_in_a_dm_arrives_like_discord_sends_it_and_its_answers_stay_in_the_dm(
    running: Running,
) -> None:
    emulator, place, bot = running.emulator, running.place, running.bot
    dm = await bot.create_dm(discord.Object(id=place.alice))
    asked = await dm.send("Who are you?", view=WhoAmI())
    click = await emulator.click_dm_button(place.alice, asked.id, "whoami")
    payload = click.payload
    assert payload["user"]["id"] == str(place.alice) and "member" not in payload
    assert "guild_id" not in payload and "guild" not in payload
    assert payload["channel"] == {"id": str(dm.id), "type": 1, "last_message_id": str(asked.id), "flags": 0}
    assert (payload["context"], payload["authorizing_integration_owners"]) == (1, {"0": "0"})
    answer = await click.response()
    assert answer["type"] == 4 and answer["data"]["flags"] & 64
    assert answer["data"]["content"] == f"User {place.alice} in DMChannel, guild None"  # as discord.py saw it
    assert [m["content"] for m in emulator.direct.received_by(place.alice)] == ["Who are you?"]

    reveal = await dm.send("What is 6 x 7?", view=Reveal())
    click = await emulator.click_dm_button(place.alice, reveal.id, "reveal")
    assert (await click.response())["type"] == 7  # the DM message itself is updated
    updated = emulator.direct.received_by(place.alice)[-1]
    assert (updated["content"], updated["components"]) == ("The answer is 42.", [])
    assert not emulator.dispatched("MESSAGE_UPDATE")  # no DIRECT_MESSAGES intent: no DM events


async def test_a_late_answer_gets_unknown_interaction_and_a_second_one_already_acknowledged(
    running: Running, clock: ManualClock
) -> None:
    emulator, place, seen = running.emulator, running.place, running.seen
    await running.bot.tree.sync()
    late = await emulator.slash_command(place.guild, place.channel, place.alice, "late")
    clock.advance(3.5)
    seen.gate.set()
    error = (await seen.until(lambda: seen.errors))[0]
    assert isinstance(error, app_commands.CommandInvokeError) and isinstance(error.original, discord.NotFound)
    assert error.original.code == 10062 and not late.acknowledged

    ping = await emulator.slash_command(place.guild, place.channel, place.alice, "ping")
    await ping.response()
    url = f"{emulator.api_url}/interactions/{ping.id}/{ping.payload['token']}/callback"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json={"type": 4, "data": {"content": "again"}}) as answer,
    ):
        assert (answer.status, (await answer.json())["code"]) == (400, 40060)


async def test_lost_access_and_deleted_channels_answer_like_discord(running: Running) -> None:
    emulator, place = running.emulator, running.place
    general, questions = running.channel(), running.channel(place.other)
    await emulator.revoke_access(place.other, keep="view")
    with pytest.raises(discord.Forbidden) as cannot_send:
        await questions.send("hello")
    assert cannot_send.value.code == 50013
    await emulator.revoke_access(place.channel)
    with pytest.raises(discord.Forbidden) as cannot_see:
        await general.send("hello")
    assert cannot_see.value.code == 50001

    await emulator.restore_access(place.other)
    await emulator.delete_channel(place.other)
    await running.seen.until(lambda: running.bot.get_channel(place.other) is None)
    with pytest.raises(discord.NotFound) as gone:
        await questions.send("hello")
    assert gone.value.code == 10003


async def test_requests_are_logged_as_json_lines_and_need_the_bot_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "requests.jsonl"
    monkeypatch.setenv("PRACTICEBOT_EMULATOR_LOG", str(log))
    async with DiscordEmulator(TOKEN) as emulator, aiohttp.ClientSession() as http:
        async with http.get(f"{emulator.api_url}/users/@me", params={"with": "x"}) as anonymous:
            assert anonymous.status == 401 and anonymous.headers["Content-Type"] == "application/json"
            assert await anonymous.json() == {"message": "401: Unauthorized", "code": 0}
        headers = {"Authorization": f"Bot {TOKEN}"}
        async with http.get(f"{emulator.api_url}/channels/1", headers=headers) as missing:
            assert (missing.status, (await missing.json())["code"]) == (404, 10003)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines[0] == {
        "platform": "discord",
        "method": "GET",
        "path": "/api/v10/users/@me",
        "query": {"with": "x"},
        "body": None,
    }
    assert len(lines) == 2


async def _identify_as(emulator: DiscordEmulator, shard: object) -> tuple[int | None, list[dict[str, Any]]]:
    """IDENTIFY with `shard` over a raw WebSocket: the close code (None: still open) and the
    dispatches received until then (READY and the GUILD_CREATEs)."""
    events: list[dict[str, Any]] = []
    intents = discord.Intents(guilds=True, guild_messages=True).value
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(f"{emulator.gateway_url}?v=10&encoding=json") as ws,
    ):
        hello = await ws.receive_json(timeout=3)
        assert hello["op"] == 10
        identify = {"token": TOKEN, "intents": intents, "properties": {}, "shard": shard}
        await ws.send_json({"op": 2, "d": identify})
        wanted = None
        while True:
            frame = await ws.receive(timeout=3)
            if frame.type is not aiohttp.WSMsgType.TEXT:
                return ws.close_code, events
            events.append(json.loads(frame.data))
            if events[0]["t"] == "READY":
                wanted = len(events[0]["d"]["guilds"])
            if wanted is not None and len(events) == 1 + wanted:
                return None, events


@pytest.mark.parametrize("shard", [[2, 2], [0], [0, 0], [-1, 2], [True, 2], [0.0, 2], "0,2", 1])
async def test_an_invalid_shard_array_is_closed_with_4010(emulator: DiscordEmulator, shard: object) -> None:
    code, events = await _identify_as(emulator, shard)
    assert (code, events) == (4010, [])


async def test_each_shard_gets_the_guilds_and_events_of_its_guilds_only(emulator: DiscordEmulator) -> None:
    guilds = [emulator.add_guild(f"guild {i}", guild_id=guild_id_on_shard(i % 2, 2, i)) for i in range(4)]
    assert [shard_of(g, 2) for g in guilds] == [0, 1, 0, 1]
    for shard_id in (0, 1):
        code, events = await _identify_as(emulator, [shard_id, 2])
        assert code is None
        ready, *created = events
        assert ready["d"]["shard"] == [shard_id, 2]
        mine = {str(g) for g in guilds if shard_of(g, 2) == shard_id}
        assert {g["id"] for g in ready["d"]["guilds"]} == mine
        assert {e["d"]["id"] for e in created if e["t"] == "GUILD_CREATE"} == mine

    # two discord.py clients, as two processes would connect: a message reaches only its shard's
    intents = discord.Intents(guilds=True, guild_messages=True)
    changes = Changes()
    heard: dict[int, list[int]] = {0: [], 1: []}
    clients = [
        discord.AutoShardedClient(intents=intents, shard_count=2, shard_ids=[s], guild_ready_timeout=0.05)
        for s in (0, 1)
    ]
    for shard_id, client in enumerate(clients):

        async def on_message(message: discord.Message, shard_id: int = shard_id) -> None:
            heard[shard_id].append(message.guild.id if message.guild else 0)
            changes.notify()

        async def on_ready() -> None:
            changes.notify()

        client.event(on_message)
        client.event(on_ready)
    tasks = [asyncio.create_task(client.start(TOKEN)) for client in clients]
    try:
        await emulator.wait_until_shards_ready(2, timeout=10)
        await changes.wait_for(lambda: all(c.is_ready() for c in clients), 10, "both clients ready")
        for shard_id, client in enumerate(clients):
            assert {g.id for g in client.guilds} == {g for g in guilds if shard_of(g, 2) == shard_id}
        for guild in guilds:
            channel = emulator.add_channel(guild, "general")
            await emulator.post_message(channel, emulator.add_member(guild, "alice"), "hello")
        await changes.wait_for(lambda: len(heard[0]) + len(heard[1]) == len(guilds), 5, "the messages")
        assert heard == {0: [guilds[0], guilds[2]], 1: [guilds[1], guilds[3]]}
        assert {shard: len(ids) for shard, ids in emulator.shard_sessions().items()} == {0: 1, 1: 1}
    finally:
        for client in clients:
            await client.close()
        await asyncio.gather(*tasks, return_exceptions=True)


@pytest.mark.parametrize("emulator", [{"recommended_shards": 3}], indirect=True)
async def test_gateway_bot_recommends_a_shard_count(emulator: DiscordEmulator) -> None:
    headers = {"Authorization": f"Bot {TOKEN}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{emulator.api_url}/gateway/bot", headers=headers) as answer,
    ):
        body = await answer.json()
    assert body["shards"] == 3 and body["url"] == emulator.gateway_url
    emulator.recommended_shards = None  # as Discord: one per 1,000 guilds, at least one
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{emulator.api_url}/gateway/bot", headers=headers) as answer,
    ):
        assert (await answer.json())["shards"] == 1


async def test_a_file_sent_by_discord_py_is_stored_with_its_bytes_and_described_like_discord(
    running: Running,
) -> None:
    png = (
        b"\x89PNG\r\n\x1a\n"
        + b"\x00\x00\x00\rIHDR"
        + (7).to_bytes(4, "big")
        + (3).to_bytes(4, "big")
        + b"\0" * 9
    )
    sent = await running.channel().send(
        "with a picture", file=discord.File(io.BytesIO(png), filename="chart.png", description="a chart")
    )
    [attachment] = sent.attachments
    assert (attachment.filename, attachment.size, attachment.content_type) == (
        "chart.png",
        len(png),
        "image/png",
    )
    assert (attachment.width, attachment.height, attachment.description) == (7, 3, "a chart")
    assert running.emulator.attachment_data[attachment.id] == png


async def test_multipart_bodies_are_checked_like_discord() -> None:
    async with DiscordEmulator(TOKEN, attachment_size_limit=100) as emulator, aiohttp.ClientSession() as http:
        guild = emulator.add_guild("g")
        channel = emulator.add_channel(guild, "c")
        url = f"{emulator.api_url}/channels/{channel}/messages"

        async def send(payload: dict[str, Any], files: dict[str, bytes]) -> tuple[int, dict[str, Any]]:
            form = aiohttp.FormData()
            form.add_field("payload_json", json.dumps(payload), content_type="application/json")
            for name, data in files.items():
                form.add_field(name, data, filename="a.png", content_type="application/octet-stream")
            async with http.post(url, data=form, headers={"Authorization": f"Bot {TOKEN}"}) as answer:
                return answer.status, await answer.json()

        ok = await send({"attachments": [{"id": 0, "filename": "a.png"}]}, {"files[0]": b"x" * 100})
        assert ok[0] == 200 and ok[1]["attachments"][0]["size"] == 100
        wrong_index = await send({"attachments": [{"id": 1, "filename": "a.png"}]}, {"files[0]": b"x"})
        assert wrong_index[0] == 400 and "attachments" in wrong_index[1]["errors"]
        too_big = await send({"attachments": [{"id": 0, "filename": "a.png"}]}, {"files[0]": b"x" * 101})
        assert (too_big[0], too_big[1]["code"]) == (413, 40005)
        off_spec = await send({"content": 5, "attachments": [{"id": 0}]}, {"files[0]": b"x"})
        assert (off_spec[0], off_spec[1]["code"]) == (400, 50035)  # payload_json against the OpenAPI spec
        assert len(emulator.messages(channel)) == 1


async def test_too_many_invalid_requests_ban_every_request_for_a_while() -> None:
    """Discord's invalid-request limit: 401, 403 and 429 (not `shared` ones) count, 10,000 per 10
    minutes (3 here); past it, every request gets Cloudflare's HTML 429, until the ban ends."""
    now = [0.0]
    async with DiscordEmulator(TOKEN, clock=lambda: now[0]) as emulator, aiohttp.ClientSession() as http:
        emulator.invalid.limit = 3
        me, good = f"{emulator.api_url}/users/@me", {"Authorization": f"Bot {TOKEN}"}
        emulator.fail_next("GET", "/users/@me", 429, headers={"X-RateLimit-Scope": "shared"})
        for headers in (good, {}, {"Authorization": "Bot wrong"}):
            async with http.get(me, headers=headers) as answer:
                assert answer.status in (401, 429)
        assert emulator.invalid.count() == 2  # the shared 429 did not count
        now[0] += 11 * 60  # the window slides: those two are forgotten
        for _ in range(3):
            async with http.get(me) as answer:
                assert answer.status == 401
        async with http.get(me, headers=good) as banned:
            assert banned.status == 429 and "1015" in await banned.text() and "Via" not in banned.headers
        now[0] += 61 * 60
        async with http.get(me, headers=good) as answer:
            assert answer.status == 200


async def test_each_route_and_channel_has_its_own_bucket(running: Running) -> None:
    """Not only message creation: edits, thread creation and history each have a bucket per channel."""
    emulator, place = running.emulator, running.place
    sent = await running.channel().send("one")
    await sent.edit(content="two")
    await sent.edit(content="three")
    await sent.create_thread(name="answers")
    [m async for m in running.channel().history(limit=5)]
    await running.channel(place.other).send("elsewhere")
    seen = {
        (q.method, q.path): q.response_headers
        for q in emulator.requests
        if q.path.startswith("/api/v10/channels")
    }
    buckets = {q["X-RateLimit-Bucket"] for q in seen.values()}
    assert len(buckets) == 4  # messages, edits, threads, history: the other channel shares a bucket id
    edits = [q for q in emulator.requests if q.method == "PATCH"]
    assert [q.response_headers["X-RateLimit-Remaining"] for q in edits] == ["4", "3"]
    posts = [q for q in emulator.requests if q.method == "POST" and q.path.endswith("/messages")]
    assert [q.response_headers["X-RateLimit-Remaining"] for q in posts] == ["4", "4"]  # two channels


async def test_a_forum_holds_posts_with_tags_and_no_messages_of_its_own(running: Running) -> None:
    """Type 15: sending to the forum is refused (400 50008), so is reading its history; a post is
    a public thread whose starter message has its id; a tag must be one of the forum's, and
    REQUIRE_TAG refuses a post without one (40067); changing the tags needs Manage Channels."""
    emulator, bot = running.emulator, running.bot
    forum_id = emulator.add_forum(running.place.guild, "help", tags=("Bug",), require_tag=True)
    forum = await running.seen.until(lambda: bot.get_channel(forum_id))
    assert isinstance(forum, discord.ForumChannel) and forum.flags.require_tag
    [bug] = forum.available_tags
    with pytest.raises(discord.HTTPException) as refused:
        await bot.get_partial_messageable(forum_id).send("hello")
    assert (refused.value.status, refused.value.code) == (400, 50008)
    with pytest.raises(discord.HTTPException) as no_history:
        await anext(bot.get_partial_messageable(forum_id).history())
    assert no_history.value.code == 50024

    with pytest.raises(discord.HTTPException) as untagged:
        await forum.create_thread(name="It crashes", content="on start")
    assert untagged.value.code == 40067
    post, starter = await forum.create_thread(name="It crashes", content="on start", applied_tags=[bug])
    assert starter.id == post.id and [t.name for t in post.applied_tags] == ["Bug"]
    assert emulator.applied_tags(post.id) == ["Bug"]
    assert await running.seen.until(lambda: bot.get_channel(post.id) or forum.get_thread(post.id))
    [active] = [t for t in await forum.guild.active_threads() if t.parent_id == forum_id]
    assert active.id == post.id

    with pytest.raises(discord.Forbidden) as not_allowed:
        await forum.edit(available_tags=[bug, discord.ForumTag(name="Idea")])
    assert not_allowed.value.code == 50013
    await emulator.allow_bot(forum_id, 1 << 4)  # MANAGE_CHANNELS
    edited = await forum.edit(available_tags=[bug, discord.ForumTag(name="Idea")])
    assert isinstance(edited, discord.ForumChannel)
    assert [t.name for t in edited.available_tags] == ["Bug", "Idea"] and edited.get_tag(bug.id) is not None


def _label(custom_id: str, value: str = "", required: bool = True) -> dict[str, Any]:
    box = {
        "type": 4,
        "custom_id": custom_id,
        "style": 1,
        "required": required,
        **({"value": value} if value else {}),
    }
    return {"type": 18, "label": custom_id, "component": box}


def test_a_modal_holds_at_most_five_components_and_a_required_input_is_never_sent_empty() -> None:
    """Receiving and Responding: a MODAL has "between 1 and 5 (inclusive) components" (the OpenAPI
    file says 40); the client sends a text input's pre-filled value unless it is changed, and
    does not send the modal while a required input is empty."""
    from .discord.interactions import modal_submit_data
    from .discord.responses import ApiError
    from .discord.validation import DEFAULT_OPENAPI, BodyValidator

    callback = "/interactions/{interaction_id}/{interaction_token}/callback"
    five = {"custom_id": "pb:x", "title": "T", "components": [_label(f"f{i}") for i in range(5)]}
    BodyValidator(DEFAULT_OPENAPI).check("POST", callback, {"type": 9, "data": five})
    six = {**five, "components": [_label(f"f{i}") for i in range(6)]}
    with pytest.raises(ApiError) as refused:
        BodyValidator(DEFAULT_OPENAPI).check("POST", callback, {"type": 9, "data": six})
    assert "Must be 5 or fewer" in json.dumps(refused.value.body)

    modal = {
        "custom_id": "pb:x",
        "title": "T",
        "components": [_label("a", "kept"), _label("b", required=False)],
    }
    sent = modal_submit_data(modal, {})
    assert [c["component"]["value"] for c in sent["components"]] == ["kept", ""]
    with pytest.raises(ValueError, match="'a' is required"):
        modal_submit_data(modal, {"a": ""})
    with pytest.raises(ValueError, match="no text inputs"):
        modal_submit_data(modal, {"c": "typed"})
