"""Which partitions a process serves, and which two partitions cannot have different owners."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.ownership.partitions import (
    Lease,
    Split,
    covers,
    describe_unheld,
    expected,
    overlaps,
    served,
    shard,
    unheld,
)

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
COUNTS = st.integers(min_value=1, max_value=12)


@st.composite
def shards(draw: st.DrawFn) -> tuple[int, int]:
    count = draw(COUNTS)
    return draw(st.integers(min_value=0, max_value=count - 1)), count


def guilds(index: int, count: int, span: int) -> set[int]:
    """The `guild_id >> 22` values below `span` that Discord routes to shard index/count."""
    return {x for x in range(span) if x % count == index}


@given(a=shards(), b=shards())
def test_two_shards_conflict_exactly_when_some_guild_is_routed_to_both(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    span = math.lcm(a[1], b[1])  # the routing repeats with this period
    share = bool(guilds(*a, span) & guilds(*b, span))
    assert overlaps(shard(*a), shard(*b)) is share
    assert overlaps(shard(*b), shard(*a)) is share
    assert overlaps("discord", shard(*a)) and overlaps(shard(*a), "discord")  # all of Discord
    assert not overlaps("slack", shard(*a))


@given(held=shards(), wanted=shards())
def test_a_shard_covers_another_when_every_guild_of_that_one_is_its_own(
    held: tuple[int, int], wanted: tuple[int, int]
) -> None:
    span = math.lcm(held[1], wanted[1])
    inside = guilds(*wanted, span) <= guilds(*held, span)
    assert covers(shard(*held), shard(*wanted)) is inside
    if inside:
        assert overlaps(shard(*held), shard(*wanted))
    assert covers("discord", shard(*wanted))
    assert not covers(shard(*held), "discord")  # a shard is never all of Discord


@given(count=COUNTS, data=st.data(), platform=st.sampled_from(["discord", "slack"]))
def test_processes_that_split_the_parts_between_them_never_conflict(
    count: int, data: st.DataObject, platform: str
) -> None:
    """Discord shards and Slack workspace partitions follow the same rule."""
    owner = data.draw(st.lists(st.integers(0, 3), min_size=count, max_size=count), label="owner of each part")
    processes = [
        served({platform: Split(count, [i for i in range(count) if owner[i] == p])}) for p in set(owner)
    ]
    for p, mine in enumerate(processes):
        for q, theirs in enumerate(processes):
            assert any(overlaps(a, b) for a in mine for b in theirs) is (p == q)


def test_what_a_process_serves_follows_its_platforms_and_shards() -> None:
    assert served({"discord": Split(), "slack": Split()}) == ("discord", "slack")
    assert served({"discord": Split(4, [3, 1])}) == ("discord:shard:1/4", "discord:shard:3/4")
    assert served({"discord": Split(2)}) == ("discord:shard:0/2", "discord:shard:1/2")  # all shards
    assert served({"slack": Split(4, [0])}) == ("slack:partition:0/4",)  # workspaces by crc32 % 4
    assert served({"terminal": Split()}) == ()  # the terminal channel takes no lease


def test_a_discord_process_and_a_slack_process_share_a_database_without_conflict() -> None:
    assert not overlaps("discord", "slack")
    assert overlaps("slack", "slack") and overlaps("discord", "discord")


def test_a_name_from_a_newer_practicebot_conflicts_with_its_whole_platform() -> None:
    assert overlaps("slack:region:eu", "slack:partition:2/4")
    assert overlaps("discord:region:eu", shard(0, 2))
    assert not overlaps("slack:partition:1/4", "discord")


def lease(partition: str, expires_in: timedelta) -> Lease:
    start = NOW - timedelta(minutes=5)
    return Lease(partition, "a", "web-1", 42, "", start, start, NOW + expires_in)


def test_shards_no_live_lease_covers_are_reported_as_getting_no_posts() -> None:
    leases = [
        lease(shard(0, 4), timedelta(seconds=20)),
        lease(shard(1, 4), timedelta(seconds=20)),
        lease(shard(2, 4), -timedelta(seconds=1)),  # its holder stopped renewing it
    ]
    missing = unheld(expected({"discord": Split(4, [0]), "slack": Split(), "terminal": Split()}), leases, NOW)
    assert missing == [shard(2, 4), shard(3, 4), "slack"]
    assert describe_unheld(missing) == (
        "discord shards 2, 3 of 4 and slack are held by no process: their subscriptions get no posts"
    )
    assert describe_unheld([shard(3, 4)]) == (
        "discord shard 3 of 4 is held by no process: their subscriptions get no posts"
    )
    assert unheld(expected({"discord": Split(4)}), [lease("discord", timedelta(seconds=5))], NOW) == []
    assert describe_unheld(["slack:partition:1/2"]) == (
        "slack partition 1 of 2 is held by no process: their subscriptions get no posts"
    )
    assert unheld(expected({"discord": Split(4)}), [lease(shard(0, 2), timedelta(seconds=5))], NOW) == [
        shard(1, 4),
        shard(3, 4),
    ]
