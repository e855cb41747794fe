"""Partitions: the parts of the bot's scheduled work that one process owns at a time, by name.

A process that posts and reveals holds a lease (a row in the database) on every partition it
serves, so two processes never schedule the same subscriptions:

- `discord`: all of Discord, for a process with one plain gateway connection (no shard_count);
- `discord:shard:I/N`: Discord shard I of N (`[discord] shard_count = N`, `shard_ids` lists I;
  shard_count alone means every shard of N). The count is in the name because shard I of 2 and
  shard J of 4 share guilds when I = J mod 2;
- `slack`: every Slack workspace, for a process with no `[slack] partition_count`;
- `slack:partition:I/N`: the workspaces whose `crc32(team_id) % N` is I (`partition_count = N`,
  `partition_ids` lists I; bot/platforms/slack/partitions.py), named with its count like a shard.

Two names conflict when some subscription would belong to both: the same name; the whole
platform and any part of it; two parts of one platform whose sets meet (i = j mod gcd(n, m),
for guild ids and workspace hashes alike). Names from a newer practicebot
that this one cannot read conflict with everything on their platform, to be safe.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

LEASED = frozenset({"discord", "slack"})  # the platforms whose work is held by leases
_PART = re.compile(r"(discord:shard|slack:partition):(\d+)/(\d+)")


@dataclass(frozen=True, slots=True)
class Lease:
    """One row of the leases table: who holds a partition, and until when."""

    partition: str
    holder: str  # unique per process: host, pid and start instant (see ops/lease.py)
    host: str
    pid: int
    process_space: str  # where the pid means something (Linux: boot id + pid namespace); "" unknown
    started_at: datetime
    heartbeat_at: datetime
    expires_at: datetime

    def live(self, now: datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True, slots=True)
class Split:
    """How a platform's work is divided: into `count` parts of which this process serves `ids`
    (None: all of them), or not at all (count None: the whole platform in one part)."""

    count: int | None = None
    ids: Sequence[int] | None = None

    def names(self, platform: str) -> list[str]:
        if self.count is None:
            return [platform]
        return [
            part(platform, i, self.count)
            for i in sorted(self.ids if self.ids is not None else range(self.count))
        ]


def served(splits: Mapping[str, Split]) -> tuple[str, ...]:
    """The partitions a process with these platforms serves, each split as configured (the
    terminal channel takes none: it schedules only its own local channel)."""
    leased = sorted(set(splits) & LEASED)
    return tuple(name for platform in leased for name in splits[platform].names(platform))


def part(platform: str, index: int, count: int) -> str:
    """Part `index` of `count` of a platform: a Discord shard, a Slack workspace partition."""
    return f"{platform}:{'shard' if platform == 'discord' else 'partition'}:{index}/{count}"


def shard(index: int, count: int) -> str:
    return part("discord", index, count)


def _platform(name: str) -> str:
    return name.split(":", 1)[0]


def _shard(name: str) -> tuple[int, int] | None:
    """(index, count) of a part of a platform; None for a whole platform or an unknown name."""
    match = _PART.fullmatch(name)
    if match is None or int(match[3]) < 1 or int(match[2]) >= int(match[3]):
        return None
    return int(match[2]), int(match[3])


def overlaps(a: str, b: str) -> bool:
    """Whether some subscription belongs to both partitions (so one process only may hold them)."""
    if _platform(a) != _platform(b):
        return False
    first, second = _shard(a), _shard(b)
    if first is None or second is None:  # the whole platform, or a name this version cannot read
        return True
    (i, n), (j, m) = first, second
    # guilds with (id >> 22) % n == i and % m == j (workspaces with crc32 % n == i and % m == j)
    # exist exactly when i = j mod gcd(n, m)
    return (i - j) % math.gcd(n, m) == 0


def contest(
    existing: Iterable[Lease],
    wanted: Collection[str],
    holder: str,
    now: datetime,
    gone: Callable[[Lease], bool],
) -> tuple[list[Lease], list[Lease]]:
    """Who stands in the way of `holder` taking `wanted` now: (the live leases of others that
    overlap it, which refuse it; the overlapping leases whose holder stopped renewing them or
    is known to be gone, which it takes over). Its own leases are neither."""
    blocking: list[Lease] = []
    stale: list[Lease] = []
    for lease in existing:
        if lease.holder == holder or not any(overlaps(lease.partition, name) for name in wanted):
            continue
        (blocking if lease.live(now) and not gone(lease) else stale).append(lease)
    return blocking, stale


def covers(holder: str, partition: str) -> bool:
    """Whether every subscription of `partition` belongs to `holder`'s partition too."""
    if holder == partition or holder == _platform(partition):
        return True
    held, wanted = _shard(holder), _shard(partition)
    if held is None or wanted is None:
        return False
    (j, m), (i, n) = held, wanted
    return n % m == 0 and i % m == j


def expected(splits: Mapping[str, Split]) -> tuple[str, ...]:
    """The partitions that must be held for the subscriptions on these platforms to get posts:
    every part of each configured count, or the whole platform."""
    return served({platform: Split(split.count) for platform, split in splits.items()})


def unheld(wanted: Iterable[str], leases: Iterable[Lease], now: datetime) -> list[str]:
    """The partitions of `wanted` that no live lease covers: nobody posts there."""
    live = [lease.partition for lease in leases if lease.live(now)]
    return [name for name in wanted if not any(covers(held, name) for held in live)]


def at(moment: datetime | None) -> str:
    return "never" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def who(lease: Lease) -> str:
    """`host web-1, pid 42, running since 2026-12-07 15:20:01 UTC`: enough to find the process."""
    return f"host {lease.host}, pid {lease.pid}, running since {at(lease.started_at)}"


def describe_lease(lease: Lease, now: datetime) -> str:
    state = f"expires {at(lease.expires_at)}" if lease.live(now) else f"expired {at(lease.expires_at)}"
    return f"{lease.partition} held by {who(lease)} (renewed {at(lease.heartbeat_at)}, {state})"


def describe_unheld(names: Sequence[str]) -> str:
    """`discord shards 2, 3 of 4 and slack are held by no process: their subscriptions get no posts`."""
    grouped: dict[tuple[str, int], list[int]] = {}
    whole: list[str] = []
    for name in names:
        parsed = _shard(name)
        if parsed is None:
            whole.append(name)
        else:
            grouped.setdefault((_platform(name), parsed[1]), []).append(parsed[0])
    kind = {"discord": "shard", "slack": "partition"}
    parts = [
        f"{platform} {kind[platform]}{'s' * (len(ids) > 1)} {', '.join(map(str, sorted(ids)))} of {count}"
        for (platform, count), ids in sorted(grouped.items())
    ] + whole
    if not parts:
        return "every partition is held by a running process"
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    verb = "is" if len(names) == 1 else "are"
    return f"{listed} {verb} held by no process: their subscriptions get no posts"
