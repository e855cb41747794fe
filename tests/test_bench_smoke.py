"""Every benchmark still runs, at a tiny size, exactly as a person runs it: `python -m bench.NAME`.
Nothing here asserts a time (the figures are measured by `bench/all`, not by tests); what is
checked is what the benchmark promises besides speed: its last line's shape, and that nothing was
lost, doubled or answered 429 along the way."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.run_all import BENCHMARKS, END, START, table, write_readme
from tests.conftest import ROOT

LAST_LINE = re.compile(r"^[a-z-]+: [\d.,]+ .+ \(ratio (\d[\d.]*|n/a) to .+\)$")
TINY = {
    "fanout_discord": ["--subscriptions", "30", "--per-guild", "10", "--due", "past"],
    "fanout_slack": ["--channels", "12", "--due", "past"],
    "intake": ["--events", "400", "--rounds", "1", "--threads", "4"],
    "latency": ["--bursts", "5", "--rounds", "1"],
    "memory": ["--guilds", "20", "--rounds", "1"],
    "startup": ["--subscriptions", "40", "--posts", "400", "--rounds", "1"],
    "board": ["--people", "30", "--days", "20", "--asks", "5"],
    "sql_layers": ["--people", "30", "--asks", "5", "--batches", "3"],
    "scrape": ["--subscriptions", "50", "--rounds", "1"],
    "fanout_postgres": ["--subscriptions", "20", "--processes", "2", "--per-guild", "5", "--due", "past"],
}


def test_every_benchmark_has_a_tiny_size_here() -> None:
    assert set(TINY) == set(BENCHMARKS)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_runs_and_ends_with_its_result_line(name: str, tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--json", str(figures), *TINY[name]],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert LAST_LINE.match(lines[-1]), lines[-1]
    data = json.loads(figures.read_text())
    assert data["value"] > 0
    said = json.dumps(data["figures"])
    for nothing_lost in ('"duplicates": 0', '"missing": 0', '"answered 429": 0'):
        key = nothing_lost.split(":")[0]
        if key in said:
            assert nothing_lost in said, said


def test_readme_table_is_rewritten_between_the_markers_only(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\nbefore\n{START}\nold table\n{END}\nafter\n", encoding="utf-8")
    result = {
        "name": "board", "value": 4.2, "unit": "ms p99", "ratio": 0.21, "reference": "the 20 ms goal",
        "goal": "p99 < 20 ms", "met": True, "size": "1000 people",
    }  # fmt: skip
    write_readme(
        table([result, {"name": "memory", "failed": "exit status 1"}], datetime(2026, 1, 2, tzinfo=UTC)),
        readme,
    )
    text = readme.read_text(encoding="utf-8")
    assert "old table" not in text and text.startswith("# x\n\nbefore\n") and text.endswith(f"{END}\nafter\n")
    assert "| board | 1000 people | 4.2 ms p99 | 0.21 to the 20 ms goal | p99 < 20 ms | yes |" in text
    assert "| memory | | failed: exit status 1 | | | no |" in text
    assert "cores" in text
