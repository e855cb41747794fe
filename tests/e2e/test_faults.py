"""Promises 1-3 under platform faults, with the real discord.py against the emulator:
429 storms, 5xx bursts, timeouts whose requests went through anyway, a gateway that keeps
dropping, a channel deleted mid-fan-out. Every other channel still gets exactly one question,
every reply counts once, and one bad channel holds nobody else up."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import build_service
from bot.config import DiscordConfig
from bot.core.daily.questions import QuestionBank
from bot.core.daily.service import PracticeService, ServiceSettings
from bot.core.shared.models import (
    ChannelRef,
    PostStatus,
    SubscriptionStatus,
)
from bot.platforms.discord.adapter import DiscordPlatform
from bot.scheduler import SystemClock
from bot.storage.sqlite import SqliteStore
from tests.conftest import DEFAULTS, FakeTimer, subscribe_due
from tests.emulators.discord import DiscordEmulator

CHANNELS = 10


@dataclass
class World:
    emulator: DiscordEmulator
    guild: int
    channels: list[int]
    people: list[int]
    store: SqliteStore
    service: PracticeService
    platform: DiscordPlatform

    def posts_in(self, channel: int) -> list[dict[str, object]]:
        bot = str(self.emulator.bot_user_id)
        return [m for m in self.emulator.messages(channel) if m["author"]["id"] == bot and m["type"] == 0]  # type: ignore[index]

    async def due_now(self) -> None:
        """Every channel subscribed to a time two minutes ago: all due in the same minute."""
        await subscribe_due(self.store, [self.ref(channel) for channel in self.channels])

    def ref(self, channel: int) -> ChannelRef:
        return ChannelRef("discord", str(self.guild), str(channel))

    async def fan_out(self) -> None:
        """What the scheduler does when they are due: one wake-up per subscription, concurrently."""
        subs = await self.store.subscriptions(SubscriptionStatus.ACTIVE)
        await asyncio.gather(*(self.service.run_post(s.id) for s in subs))


@pytest.fixture
async def world(discord_endpoints: None, tmp_path: Path, bank: QuestionBank) -> AsyncIterator[World]:
    async with DiscordEmulator() as emulator:
        guild = emulator.add_guild("faults")
        channels = [emulator.add_channel(guild, f"team-{i}") for i in range(CHANNELS)]
        people = [emulator.add_member(guild, f"person-{i}") for i in range(3)]
        config = DiscordConfig(api_base_url=emulator.api_url, gateway_url=emulator.gateway_url)
        platform = DiscordPlatform(config, emulator.token, guild_ready_timeout=0.05, request_timeout=0.5)
        store = await SqliteStore.open(tmp_path / "bot.sqlite3")
        service = build_service(
            store,
            {"discord": platform},
            SystemClock(),
            FakeTimer(),
            bank,
            ServiceSettings(DEFAULTS),
            random.Random(5),
        )
        await platform.start(service)
        await platform.connected(within=10)
        world = World(emulator, guild, channels, people, store, service, platform)
        await world.due_now()
        yield world
        await platform.close()
        await store.close()


async def test_429_storms_and_5xx_bursts_still_give_each_channel_exactly_one_question(world: World) -> None:
    world.emulator.fail_next("POST", "/channels/*/messages", 429, times=8)
    world.emulator.fail_next("POST", "/channels/*/messages/*/threads", 502, times=3)
    world.emulator.fail_next("PUT", "/channels/*/thread-members/@me", 503, times=3)
    await world.fan_out()
    for _ in range(3):  # the retries the scheduler would make a minute later, each
        await world.fan_out()
    assert [len(world.posts_in(c)) for c in world.channels] == [1] * CHANNELS
    assert all(len(world.emulator.threads_of(c)) == 1 for c in world.channels)


async def test_requests_that_time_out_but_went_through_are_not_posted_twice(world: World) -> None:
    world.emulator.latency = 1.0  # past the bot's 0.5 s request timeout; Discord still creates the message
    await world.fan_out()
    await world.emulator.wait_for(lambda: any(world.posts_in(c) for c in world.channels), timeout=5)
    assert all(len(world.posts_in(c)) <= 1 for c in world.channels)
    unsent = await world.store.posts_with_status(PostStatus.CLAIMED)
    assert unsent, "the timed-out posts are still claimed, to be retried"
    world.emulator.latency = 0.0
    await world.fan_out()  # the retry: same nonce, so Discord hands back the message it made
    assert [len(world.posts_in(c)) for c in world.channels] == [1] * CHANNELS
    for channel in world.channels:
        sub = await world.store.subscription_for(world.ref(channel))
        assert sub is not None
        post = await world.store.open_post(sub.id)
        assert post is not None
        assert post.status is PostStatus.POSTED


async def test_a_channel_deleted_mid_fan_out_pauses_alone_and_holds_nobody_up(world: World) -> None:
    gone = world.channels[3]

    async def delete_soon() -> None:
        await world.emulator.wait_for(lambda: any(world.posts_in(c) for c in world.channels), timeout=10)
        await world.emulator.delete_channel(gone)

    await asyncio.gather(world.fan_out(), delete_soon())
    await world.fan_out()
    for channel in world.channels:
        sub = await world.store.subscription_for(world.ref(channel))
        assert sub is not None
        if channel == gone:
            assert sub.status is SubscriptionStatus.PAUSED or len(world.posts_in(channel)) == 1
        else:
            assert sub.status is SubscriptionStatus.ACTIVE
            assert len(world.posts_in(channel)) == 1


async def test_a_gateway_that_keeps_dropping_loses_no_reply(world: World) -> None:
    await world.fan_out()
    threads = [int(t["id"]) for c in world.channels for t in world.emulator.threads_of(c)]
    expected: dict[int, set[int]] = {}
    for round_ in range(4):
        await world.emulator.drop_gateway(None if round_ % 2 else 4000)
        for thread in threads[round_::4]:
            person = world.people[round_ % len(world.people)]
            await world.emulator.post_message(thread, person, f"answer in round {round_}")
            expected.setdefault(thread, set()).add(person)
    async with asyncio.timeout(10):  # every reply arrives: by resume replay, or read back on a new session
        while True:
            got = 0
            for post in await world.store.posts_with_status(PostStatus.POSTED):
                got += len(await world.store.replies(post.id))
            if got >= sum(len(p) for p in expected.values()):
                break
            await asyncio.sleep(0.05)
    for post in await world.store.posts_with_status(PostStatus.POSTED):
        assert post.thread_id is not None
        users = {int(u.id) for u, _, _ in await world.store.replies(post.id)}
        assert users == expected.get(int(post.thread_id), set())
