"""Slack's partition rule as pure functions: which partition serves a workspace, and so which
process schedules its channels.

Slack has no shards: the unit is the workspace (`team_id`, a ChannelRef's workspace_id). A
workspace belongs to partition `crc32(team_id) % partition_count`, a hash that is the same in
every process and every run (Python's `hash()` of a str is salted per process). Only scheduled
work (posts, reveals, catch-up, read-back) follows the partition; events and commands read and
write the shared database, so any process may handle any workspace's. No Slack SDK import here.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection


def partition_of(team_id: str, partition_count: int) -> int:
    """The partition a workspace belongs to: stable across processes, runs and machines."""
    if partition_count < 1:
        raise ValueError(f"partition_count must be 1 or more, not {partition_count}")
    return zlib.crc32(team_id.encode()) % partition_count


def serves(team_id: str, partition_count: int | None, partition_ids: Collection[int] | None) -> bool:
    """Whether a process serving `partition_ids` out of `partition_count` schedules the workspace.
    No partition_count: one process for every workspace; no partition_ids: every partition."""
    if partition_count is None or partition_ids is None:
        return True
    return partition_of(team_id, partition_count) in partition_ids
