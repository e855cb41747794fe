"""Slack's partition rule: which process schedules a workspace when Slack is split over several."""

from __future__ import annotations

import subprocess
import sys
import zlib

from hypothesis import given
from hypothesis import strategies as st

from bot.config import SlackConfig
from bot.platforms.slack.partitions import partition_of, serves
from tests.splits import split_among_processes

# Slack team ids: T (or E for an org) and upper-case letters and digits; any text must work too
TEAM_IDS = st.from_regex(r"[TE][A-Z0-9]{8,12}", fullmatch=True) | st.text(max_size=40)


@given(team_id=TEAM_IDS, partition_count=st.integers(min_value=1, max_value=64), data=st.data())
def test_every_workspace_is_scheduled_by_exactly_one_process(
    team_id: str, partition_count: int, data: st.DataObject
) -> None:
    parts = split_among_processes(data, partition_count)
    serving = [p for p, part in enumerate(parts) if serves(team_id, partition_count, part)]
    assert len(serving) == 1
    assert partition_of(team_id, partition_count) in parts[serving[0]]
    assert serves(team_id, None, None) and serves(team_id, partition_count, None)


@given(team_id=TEAM_IDS, partition_count=st.integers(min_value=1, max_value=64))
def test_the_partition_is_crc32_of_the_team_id(team_id: str, partition_count: int) -> None:
    assert partition_of(team_id, partition_count) == zlib.crc32(team_id.encode()) % partition_count


def test_the_partition_is_the_same_in_another_process_with_another_hash_seed() -> None:
    """Python's hash() of a str changes with PYTHONHASHSEED; the partition must not."""
    teams = ["T0000000001", "T0000000002", "TABCDEF123", "E0123456789"]
    here = [partition_of(team, 7) for team in teams]
    code = f"from bot.platforms.slack.partitions import partition_of; print([partition_of(t, 7) for t in {teams!r}])"
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == str(here)
    assert here == [zlib.crc32(t.encode()) % 7 for t in teams]


def test_the_lease_names_are_the_partitions_served() -> None:
    assert SlackConfig().split.names("slack") == ["slack"]
    assert SlackConfig(partition_count=4, partition_ids=(3, 1)).split.names("slack") == [
        "slack:partition:1/4",
        "slack:partition:3/4",
    ]
    assert SlackConfig(partition_count=2).split.names("slack") == [
        "slack:partition:0/2",
        "slack:partition:1/2",
    ]
